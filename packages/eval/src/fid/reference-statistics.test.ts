import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { ImageDataset } from "@vsd/core";
import { afterAll, describe, expect, it } from "vitest";
import type { FeatureExtractor } from "../extractors/feature-extractor.js";
import { featureStatistics } from "../linalg/feature-statistics.js";
import { referenceFeatures } from "./reference-statistics.js";

const px = Uint8Array.from({ length: 30 * 16 }, (_, i) => (i * 37 + (i >> 4) * 11) % 256);
const dataset: ImageDataset = { name: "tiny", height: 4, width: 4, channels: 1, train: { n: 30, pixels: px }, test: { n: 30, pixels: px } };
const rowMeans: FeatureExtractor = {
  id: "row-means",
  dim: 4,
  inputShape: [4, 4, 1],
  extract: (x) => tf.tidy(() => tf.reshape(tf.mean(x, [2, 3]), [x.shape[0], 4]).dataSync() as Float32Array),
};

describe("referenceFeatures", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsd-ref-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("computes features and (μ, Σ), caches them atomically, and reads them back", () => {
    const before = tf.memory().numTensors;
    const a = referenceFeatures(dataset, rowMeans, { cacheDir: dir, n: 25, batchSize: 7 });
    expect(a.cached).toBe(false);
    // Row 0 of image 0: mean of its first 4 pixels mapped to [−1, 1].
    const m0 = [0, 1, 2, 3].reduce((s, j) => s + px[j]! / 127.5 - 1, 0) / 4;
    expect(a.features[0]!).toBeCloseTo(m0, 6);
    const direct = featureStatistics(a.features, 4);
    expect(Array.from(a.stats.sigma)).toEqual(Array.from(direct.sigma));
    const b = referenceFeatures(dataset, rowMeans, { cacheDir: dir, n: 25 });
    expect(b.cached).toBe(true);
    expect(Array.from(b.features)).toEqual(Array.from(a.features));
    expect(Array.from(b.stats.mu)).toEqual(Array.from(a.stats.mu));
    expect(Array.from(b.stats.sigma)).toEqual(Array.from(a.stats.sigma));
    // No temp files left behind; a different n is a different entry.
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(referenceFeatures(dataset, rowMeans, { cacheDir: dir, n: 20 }).cached).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("recomputes a damaged cache entry", () => {
    referenceFeatures(dataset, rowMeans, { cacheDir: dir, n: 10 });
    writeFileSync(join(dir, "tiny__test__n10__row-means.stats.f64"), new Uint8Array(3));
    const c = referenceFeatures(dataset, rowMeans, { cacheDir: dir, n: 10 });
    expect(c.cached).toBe(false);
    expect(referenceFeatures(dataset, rowMeans, { cacheDir: dir, n: 10 }).cached).toBe(true);
  });
});
