import * as tf from "@tensorflow/tfjs-core";
import { type AdamW, type Mlp, type ParamStore, type Rng, VsdError, loadModelState, mlp } from "@vsd/core";
import type { DepthPriorForm } from "../depth-prior.js";

/** Pieces of the depth and scale priors (MLPs over code features, categorical outputs). */

/**
 * The prior's MLP(s) with layer widths `dims`: one "prior" net for the shared
 * form, else `count` nets `prior/<unit><i>` (one per depth or scale).
 */
export function priorNets(store: ParamStore, form: DepthPriorForm, dims: number[], count: number, unit: "depth" | "scale"): Mlp[] {
  return form === "shared"
    ? [mlp(store, "prior", dims, { activation: "gelu" })]
    : Array.from({ length: count }, (_, i) => mlp(store, `prior/${unit}${i}`, dims, { activation: "gelu" }));
}

/** Per-row NLL (nats) −log softmax(logits)[label] of integer `labels` among `K` classes. */
export function categoricalNll(logits: tf.Tensor2D, labels: Int32Array, K: number): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(labels, "int32"), K)), 1)) as tf.Tensor1D;
}

/**
 * Draws one class from the `K` probabilities at `probs[offset…offset+K)` by
 * inverting the CDF with one uniform draw (the last class takes any rounding rest).
 */
export function sampleCategorical(probs: ArrayLike<number>, offset: number, K: number, rng: Rng): number {
  let u = rng.uniform();
  let k = 0;
  for (; k < K - 1; k++) {
    u -= probs[offset + k]!;
    if (u < 0) break;
  }
  return k;
}

/** Restores a prior saved with `meta.kind === kind`; VsdError CHECKPOINT_MISMATCH otherwise. */
export async function loadPriorState(dir: string, state: { params: ParamStore; optimizer: AdamW }, kind: string, what: string): Promise<void> {
  const meta = (await loadModelState(dir, state)) as { kind?: string } | undefined;
  if (meta?.kind !== kind) throw new VsdError("CHECKPOINT_MISMATCH", `${dir} does not hold a ${what}.`);
}
