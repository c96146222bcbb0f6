import * as tf from "@tensorflow/tfjs-core";
import { type ImageShape, type Mlp, type ParamStore, type Rng, VsdError, mlp } from "@vsd/core";
import { type PatchGrid, patchify, unpatchify } from "../patches.js";

/**
 * Pieces of the RQ and scale tokenizers: the MLP patch encoder/decoder, the
 * random-batch training loop, and the straight-through partial-reconstruction
 * loss (REFERENCES §2.2, §2.5).
 */

/** Encoder [patchDim → hidden → hidden → latentDim] and decoder (the mirror), GELU MLPs. */
export function patchCoder(store: ParamStore, patchDim: number, hidden: number, latentDim: number): { encoder: Mlp; decoder: Mlp } {
  const encoder = mlp(store, "encoder", [patchDim, hidden, hidden, latentDim], { activation: "gelu" });
  const decoder = mlp(store, "decoder", [latentDim, hidden, hidden, patchDim], { activation: "gelu" });
  return { encoder, decoder };
}

/** Row-major patches `[n·positions, patchDim]` of `images`, which must be `[n, h, w, c]` of `shape`. */
export function imagePatches(who: string, shape: ImageShape, grid: PatchGrid, images: tf.Tensor4D): Float32Array {
  const [n, h, w, c] = images.shape;
  if (h !== shape.height || w !== shape.width || c !== shape.channels) {
    throw new VsdError("INVALID_SHAPE", `${who} expects [n, ${shape.height}, ${shape.width}, ${shape.channels}], got [${images.shape.join(", ")}].`);
  }
  return patchify(images.dataSync() as Float32Array, n, grid);
}

/** Encoder output for row-major patches `x`: `[rows, latentDim]`. */
export function encodePatches(encoder: Mlp, grid: PatchGrid, x: Float32Array): Float32Array {
  return tf.tidy(() => encoder.apply(tf.tensor2d(x, [x.length / grid.patchDim, grid.patchDim])).dataSync() as Float32Array);
}

/** Decodes row-major latents of `n` images (`[n·positions, latentDim]`) to images `[n, h, w, c]`. */
export function decodeToImages(decoder: Mlp, grid: PatchGrid, shape: ImageShape, latentDim: number, latents: Float32Array, n: number): tf.Tensor4D {
  const positions = grid.rows * grid.cols;
  const rows = n * positions;
  if (latents.length !== rows * latentDim) {
    throw new VsdError("INVALID_SHAPE", `decodeLatents: ${latents.length} values are not ${n} images × ${positions} positions × ${latentDim}.`);
  }
  const patches = tf.tidy(() => decoder.apply(tf.tensor2d(latents, [rows, latentDim])).dataSync() as Float32Array);
  return tf.tensor4d(unpatchify(patches, n, grid), [n, shape.height, shape.width, shape.channels]);
}

/**
 * Runs `step` on `steps` random batches of `pixels` (8-bit `[n, h, w, c]`),
 * mapped to [−1, 1] as x/127.5 − 1; the batch tensor is freed after each step.
 */
export function fitOnRandomBatches<S>(
  who: string,
  shape: ImageShape,
  pixels: Uint8Array,
  options: { steps: number; batchSize: number; rng: Rng },
  step: (images: tf.Tensor4D, i: number) => S,
): S[] {
  const dims = shape.height * shape.width * shape.channels;
  const total = pixels.length / dims;
  if (!Number.isInteger(total) || total === 0) throw new VsdError("EMPTY_DATASET", `${who}.fit: no images.`);
  const out: S[] = [];
  for (let s = 0; s < options.steps; s++) {
    const idx = options.rng.sample(total, Math.min(options.batchSize, total));
    const batch = new Float32Array(idx.length * dims);
    idx.forEach((j, i) => {
      for (let t = 0; t < dims; t++) batch[i * dims + t] = pixels[j * dims + t]! / 127.5 - 1;
    });
    const images = tf.tensor4d(batch, [idx.length, shape.height, shape.width, shape.channels]);
    try {
      out.push(step(images, s));
    } finally {
      images.dispose();
    }
  }
  return out;
}

/** Indices of the positive weights (the partial reconstructions that are decoded). */
export function activeIndices(weights: Float64Array): number[] {
  const active: number[] = [];
  for (let d = 0; d < weights.length; d++) if (weights[d]! > 0) active.push(d);
  return active;
}

/**
 * Inside an optimiser step: Σ_a w_a·MSE(Dec(z + sg(ẑ_a − z)), x) over the
 * `active` partial latents (straight-through estimator, built by tiling: no
 * tf.gather, whose gradient has no wasm kernel) and the commitment term
 * mean over all L partials of ‖z − sg ẑ_l‖².
 * `partial` holds the L partial latents ẑ_1…ẑ_L stacked, each `[rows, dim]`.
 */
export function straightThroughLosses(o: {
  decoder: Mlp;
  z: tf.Tensor2D;
  zData: Float32Array;
  partial: Float32Array;
  active: readonly number[];
  weights: Float64Array;
  x: tf.Tensor2D;
}): { reconstruction: tf.Scalar; perActive: tf.Tensor1D; commitment: tf.Scalar; zConst: tf.Tensor2D } {
  const [rows, dim] = o.z.shape;
  const pd = o.x.shape[1];
  const L = o.partial.length / (rows * dim);
  const A = o.active.length;
  const block = rows * dim;
  const partialActive = A === L ? o.partial : new Float32Array(A * block);
  if (A !== L) o.active.forEach((d, a) => partialActive.set(o.partial.subarray(d * block, (d + 1) * block), a * block));
  const zConst = tf.tensor2d(o.zData, [rows, dim]);
  const zq = tf.add(tf.tile(o.z, [A, 1]), tf.sub(tf.tensor2d(partialActive, [A * rows, dim]), tf.tile(zConst, [A, 1]))) as tf.Tensor2D;
  const zRep = tf.tile(o.z, [L, 1]);
  const partialT = tf.tensor2d(o.partial, [L * rows, dim]);
  const rec = o.decoder.apply(zq);
  const perActive = tf.mean(tf.reshape(tf.squaredDifference(rec, tf.tile(o.x, [A, 1])), [A, rows * pd]), 1) as tf.Tensor1D;
  const reconstruction = tf.sum(tf.mul(perActive, tf.tensor1d(o.active.map((d) => o.weights[d]!)))) as tf.Scalar;
  const commitment = tf.mean(tf.squaredDifference(zRep, partialT)) as tf.Scalar;
  return { reconstruction, perActive, commitment, zConst };
}
