import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";

/**
 * Maps images to feature vectors for FID, KID and precision/recall.
 * Images are float32 `[n, h, w, c]` in [−1, 1] (the SDK's convention); an
 * extractor documents any resizing or renormalisation it applies.
 */
export interface FeatureExtractor {
  /** Stable id; part of the reference-statistics cache key. */
  readonly id: string;
  /** Feature dimension. */
  readonly dim: number;
  /** `[h, w, c]` the extractor accepts (after its own resizing, if any, it may accept others). */
  readonly inputShape: readonly [number, number, number];
  /** Row-major `[n, dim]` features. Must not leak tensors; does not dispose `images`. */
  extract(images: tf.Tensor4D): Float32Array;
  /** How inputs are prepared, for reports (resize mode, range, channels). */
  readonly preprocessing?: string;
  /** Frees weights. */
  dispose?(): void;
}

/** Features of `images` in batches of `batchSize` (bounded memory for large n). */
export function extractInBatches(extractor: FeatureExtractor, images: tf.Tensor4D, batchSize = 256): Float32Array {
  const n = images.shape[0];
  const out = new Float32Array(n * extractor.dim);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const batch = tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]);
    try {
      const f = extractor.extract(batch);
      if (f.length !== size * extractor.dim) {
        throw new VsdError(
          "CONTRACT_VIOLATION",
          `Extractor "${extractor.id}" returned ${f.length} values for ${size} images of dim ${extractor.dim}.`,
        );
      }
      out.set(f, start * extractor.dim);
    } finally {
      batch.dispose();
    }
  }
  return out;
}
