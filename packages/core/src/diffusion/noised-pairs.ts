import * as tf from "@tensorflow/tfjs-core";
import type { ImageShape } from "../dataset.js";
import type { Subtask, SubtaskPairs } from "../decomposition.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";
import { alphaSigmaFromLogSnr } from "./log-snr.js";

export interface PairsRequestOptions {
  /** The decomposition's own subtasks; the requested one must match by index and key. */
  readonly subtasks: readonly Subtask[];
  /** The image shape `prepare` saw, if it ran; other shapes are rejected. */
  readonly shape: ImageShape | undefined;
  /** The decomposition's name in messages ("noise" → "… not one of this noise decomposition's"). */
  readonly name: string;
}

/**
 * Checks the arguments of a `Decomposition.pairs` call: `subtask` is one of
 * `subtasks` and `images` is `[n, h, w, c]` of the prepared shape. Returns the
 * decomposition's own copy of the subtask.
 */
export function checkPairsRequest(images: tf.Tensor, subtask: Subtask, options: PairsRequestOptions): Subtask {
  const own = options.subtasks[subtask.index];
  if (!own || own.key !== subtask.key) {
    throw new VsdError("INVALID_ARGUMENT", `Subtask "${subtask.key}" (index ${subtask.index}) is not one of this ${options.name} decomposition's.`);
  }
  if (images.rank !== 4) throw new VsdError("INVALID_SHAPE", `pairs: images must be [n, h, w, c], got rank ${images.rank}.`);
  const [, h, w, c] = images.shape;
  const s = options.shape;
  if (s && (h !== s.height || w !== s.width || c !== s.channels)) {
    throw new VsdError("INVALID_SHAPE", `pairs: images are ${h}×${w}×${c}, prepared for ${s.height}×${s.width}×${s.channels}.`);
  }
  return own;
}

/**
 * The pairs of one noise level λ (VSD noise-intensity subtasks): per image,
 * condition = [z flattened, λ] with z = α(λ)x + σ(λ)ε (VP, REFERENCES §0) and
 * target = ε, widths (D + 1, D) for every λ. Draws n·D normals from `rng`.
 */
export function noisedPairs(images: tf.Tensor4D, logSnr: number, rng: Rng): SubtaskPairs {
  if (!Number.isFinite(logSnr)) throw new VsdError("INVALID_ARGUMENT", `noisedPairs: λ must be finite, got ${logSnr}.`);
  if (images.rank !== 4) throw new VsdError("INVALID_SHAPE", `noisedPairs: images must be [n, h, w, c], got rank ${images.rank}.`);
  const [n, h, w, c] = images.shape;
  const D = h * w * c;
  const { alpha, sigma } = alphaSigmaFromLogSnr(logSnr);
  const eps = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
  return tf.tidy(() => {
    const target = tf.tensor2d(eps, [n, D]);
    const z = tf.add(tf.mul(tf.reshape(images, [n, D]), alpha), tf.mul(target, sigma));
    const condition = tf.concat([z, tf.fill([n, 1], logSnr)], 1) as tf.Tensor2D;
    return { condition, target };
  });
}
