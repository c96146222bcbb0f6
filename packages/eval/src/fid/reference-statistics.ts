import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { type ImageDataset, type ImageSplit, VsdError, pixelsToTensor, writeFileAtomic, writeJsonAtomic } from "@vsd/core";
import { type FeatureExtractor, extractInBatches } from "../extractors/feature-extractor.js";
import { type FeatureStatistics, featureStatistics } from "../linalg/feature-statistics.js";

/** Features and their Gaussian statistics for one data set split under one extractor. */
export interface ReferenceFeatures {
  readonly features: Float32Array;
  readonly stats: FeatureStatistics;
  /** True when read from the cache. */
  readonly cached: boolean;
}

export interface ReferenceOptions {
  /** Which split. @default "test" */
  readonly split?: "train" | "test";
  /** Use the first n images of the split. @default all */
  readonly n?: number;
  /** Cache directory; no caching when absent. */
  readonly cacheDir?: string;
  /** @default 256 */
  readonly batchSize?: number;
}

function cacheKey(dataset: ImageDataset, split: string, n: number, extractor: FeatureExtractor): string {
  return `${dataset.name}__${split}__n${n}__${extractor.id}`.replace(/[^\w.-]+/g, "_");
}

/** Features of the first `n` images of a split, in batches. */
export function splitFeatures(
  dataset: ImageDataset,
  split: ImageSplit,
  n: number,
  extractor: FeatureExtractor,
  batchSize = 256,
): Float32Array {
  const d = dataset.height * dataset.width * dataset.channels;
  const out = new Float32Array(n * extractor.dim);
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const x = pixelsToTensor(split.pixels.subarray(s * d, (s + m) * d), dataset, m);
    try {
      out.set(extractInBatches(extractor, x, batchSize), s * extractor.dim);
    } finally {
      x.dispose();
    }
  }
  return out;
}

/**
 * Reference features and (μ, Σ) of a data set split, cached per
 * (data set, split, n, extractor id) in `cacheDir` as three files written
 * atomically: `<key>.features.f32`, `<key>.stats.f64` (μ then Σ) and `<key>.json`
 * (written last; a cache entry counts only when its JSON matches).
 */
export function referenceFeatures(dataset: ImageDataset, extractor: FeatureExtractor, options: ReferenceOptions = {}): ReferenceFeatures {
  const splitName = options.split ?? "test";
  const split = dataset[splitName];
  const n = options.n ?? split.n;
  if (!Number.isInteger(n) || n < 2 || n > split.n) {
    throw new VsdError("INVALID_RANGE", `referenceFeatures: n must be in [2, ${split.n}], got ${n}.`);
  }
  const dim = extractor.dim;
  const key = cacheKey(dataset, splitName, n, extractor);
  const dir = options.cacheDir;
  if (dir && existsSync(join(dir, `${key}.json`))) {
    try {
      const meta = JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as { n: number; dim: number; extractor: string };
      const fb = readFileSync(join(dir, `${key}.features.f32`));
      const sb = readFileSync(join(dir, `${key}.stats.f64`));
      if (meta.n === n && meta.dim === dim && meta.extractor === extractor.id && fb.byteLength === n * dim * 4 && sb.byteLength === (dim + dim * dim) * 8) {
        const features = new Float32Array(fb.buffer.slice(fb.byteOffset, fb.byteOffset + fb.byteLength));
        const all = new Float64Array(sb.buffer.slice(sb.byteOffset, sb.byteOffset + sb.byteLength));
        return { features, stats: { n, dim, mu: all.slice(0, dim), sigma: all.slice(dim) }, cached: true };
      }
    } catch {
      // A damaged entry is recomputed and overwritten below.
    }
  }
  const before = tf.memory().numTensors;
  const features = splitFeatures(dataset, split, n, extractor, options.batchSize ?? 256);
  if (tf.memory().numTensors !== before) {
    throw new VsdError("CONTRACT_VIOLATION", `Extractor "${extractor.id}" leaked ${tf.memory().numTensors - before} tensors.`);
  }
  const stats = featureStatistics(features, dim);
  if (dir) {
    mkdirSync(dir, { recursive: true });
    const all = new Float64Array(dim + dim * dim);
    all.set(stats.mu, 0);
    all.set(stats.sigma, dim);
    writeFileAtomic(join(dir, `${key}.features.f32`), new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
    writeFileAtomic(join(dir, `${key}.stats.f64`), new Uint8Array(all.buffer));
    writeJsonAtomic(join(dir, `${key}.json`), { dataset: dataset.name, split: splitName, n, dim, extractor: extractor.id, preprocessing: extractor.preprocessing ?? null });
  }
  return { features, stats, cached: false };
}
