import type * as tf from "@tensorflow/tfjs-core";
import type { ParamStore } from "@vsd/core";

/**
 * A network F(z, λ, label) → prediction (ε, x0, v or flow velocity) on
 * flattened images `[n, D]`. Labels use index `numClasses` for "no label"
 * (classifier-free guidance's null class [CFG §3]).
 */
export interface Denoiser {
  readonly kind: "mlp" | "dit";
  readonly store: ParamStore;
  readonly dim: number;
  /**
   * `z` `[n, D]` (the network input), `logSnr` `[n]`, optional `labels` `[n]`
   * (numClasses = unconditional), optional `raw` VP state for features that
   * must see the data grid (Fourier features) when `z` has been rescaled.
   */
  apply(z: tf.Tensor2D, logSnr: Float32Array, labels?: Int32Array, raw?: tf.Tensor2D): tf.Tensor2D;
  /** Forward FLOPs on `rows` inputs. */
  flops(rows: number): number;
}
