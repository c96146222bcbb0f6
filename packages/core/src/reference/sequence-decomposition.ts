import * as tf from "@tensorflow/tfjs-core";
import type { Decomposition, GenerativeModel, ModelOptions, Subtask, SubtaskPairs } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { defineDecompositionPlugin } from "../plugin.js";
import type { Rng } from "../rng.js";
import { createTinyModel } from "./tiny-model.js";

export interface SequenceDecompositionOptions {
  /** Positions per sequence: images are `[n, 1, length, dim]`. @default 8 */
  readonly length?: number;
  /** Dims per position (image channels). @default 2 */
  readonly dim?: number;
  /** Previous positions in each condition. @default 1 */
  readonly context?: number;
}

export function resolveSequenceDecompositionOptions(o: SequenceDecompositionOptions = {}): Required<SequenceDecompositionOptions> {
  const r = { length: o.length ?? 8, dim: o.dim ?? 2, context: o.context ?? 1 };
  for (const k of ["length", "dim", "context"] as const) {
    if (!(Number.isInteger(r[k]) && r[k] > 0)) {
      throw new VsdError("INVALID_ARGUMENT", `sequenceDecomposition: ${k} must be a positive integer, got ${r[k]}.`);
    }
  }
  if (r.context >= r.length) {
    throw new VsdError("INVALID_ARGUMENT", `sequenceDecomposition: context ${r.context} leaves no subtask in a sequence of ${r.length}.`);
  }
  return r;
}

/**
 * The reference decomposition: next-position prediction over sequences, the
 * way language is modelled. Images are sequences `[n, 1, length, dim]`;
 * subtask `pos/<t>` for t = context..length−1 pairs the previous `context`
 * positions (condition, `[n, context·dim]`, oldest first) with position t
 * (target, `[n, dim]`). Subtasks start at t = context rather than padding, so
 * every condition is real data and the widths agree. No randomness.
 *
 * On `sequenceDataset` (stationary AR(1)) all subtasks share one conditional,
 * which makes this the known-equivariant case the probe is calibrated on, and
 * the decomposition core's own contract tests run against.
 */
export function sequenceDecomposition(options: SequenceDecompositionOptions = {}): Decomposition {
  const { length, dim, context } = resolveSequenceDecompositionOptions(options);
  const list: Subtask[] = [];
  for (let t = context; t < length; t++) list.push(Object.freeze({ index: t - context, key: `pos/${t}`, params: Object.freeze({ t }) }));
  const subtasks = Object.freeze(list);

  return {
    specificationVersion: "v1",
    id: "sequence",
    description: `next position of a ${length}-long sequence of ${dim}-dim elements given the previous ${context}`,
    subtasks: () => subtasks,
    pairs(images: tf.Tensor4D, subtask: Subtask, _rng: Rng): SubtaskPairs {
      const s = images?.shape ?? [];
      if (images?.rank !== 4 || s[1] !== 1 || s[2] !== length || s[3] !== dim) {
        throw new VsdError("INVALID_SHAPE", `sequence decomposition: images must be [n, 1, ${length}, ${dim}], got [${s.join(", ")}].`);
      }
      const known = subtasks[subtask?.index];
      if (!known || known.key !== subtask.key) {
        throw new VsdError("INVALID_ARGUMENT", `sequence decomposition: ${String(subtask?.key)} (index ${subtask?.index}) is not one of its subtasks.`);
      }
      const t = known.params.t!;
      const n = s[0]!;
      return tf.tidy(() => ({
        condition: tf.reshape(tf.slice(images, [0, 0, t - context, 0], [n, 1, context, dim]), [n, context * dim]) as tf.Tensor2D,
        target: tf.reshape(tf.slice(images, [0, 0, t, 0], [n, 1, 1, dim]), [n, dim]) as tf.Tensor2D,
      }));
    },
    createModel(modelOptions: ModelOptions): GenerativeModel {
      const { height, width, channels } = modelOptions.shape;
      if (height !== 1 || width !== length || channels !== dim) {
        throw new VsdError("INVALID_SHAPE", `sequence decomposition: model shape must be 1×${length}×${dim}, got ${height}×${width}×${channels}.`);
      }
      return createTinyModel({ ...modelOptions, context });
    },
  };
}

/** The reference decomposition as a plugin (id "sequence"). */
export const sequencePlugin = defineDecompositionPlugin<SequenceDecompositionOptions>({
  name: "@vsd/core/reference",
  id: "sequence",
  create: (options) => sequenceDecomposition(options),
});
