import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { Batch, GenerativeModel, ImageDataset, NllResult, Subtask } from "@vsd/core";
import { Rng, VsdError, pixelsToTensor, tensorToPixels } from "@vsd/core";
import { afterAll, describe, expect, it } from "vitest";
import type { FeatureExtractor } from "../extractors/feature-extractor.js";
import { fid } from "../fid/frechet-distance.js";
import { evaluate } from "./evaluate.js";

const H = 8;
const W = 8;
const D = H * W;

/** Blobs: a bright square at a random position on a dark background, 8×8×1. */
function blobs(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const px = new Uint8Array(n * D);
  for (let i = 0; i < n; i++) {
    const r = rng.int(5);
    const c = rng.int(5);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const inside = y >= r && y < r + 3 && x >= c && x < c + 3;
      px[i * D + y * W + x] = inside ? 200 + rng.int(56) : rng.int(30);
    }
  }
  return px;
}

const dataset: ImageDataset = {
  name: "blobs8",
  height: H,
  width: W,
  channels: 1,
  train: { n: 400, pixels: blobs(400, 1) },
  test: { n: 200, pixels: blobs(200, 2) },
};

/**
 * A minimal honest model: independent per-pixel categoricals over 256 values
 * (add-one smoothing), fitted by counting. Its NLL is exact; it samples each
 * pixel from its categorical. Subtasks: image rows ("row/r").
 */
class PixelHistogramModel implements GenerativeModel {
  readonly id = "pixel-histogram";
  readonly shape = { height: H, width: W, channels: 1 };
  readonly counts = new Float64Array(D * 256).fill(1);
  readonly totals = new Float64Array(D).fill(256);
  trainStep(batch: Batch): { loss: number } {
    const n = batch.pixels.length / D;
    for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) {
      this.counts[j * 256 + batch.pixels[i * D + j]!]! += 1;
      this.totals[j]! += 1;
    }
    return { loss: 0 };
  }
  logp(j: number, v: number): number {
    return Math.log(this.counts[j * 256 + v]! / this.totals[j]!);
  }
  subtaskLoss(images: tf.Tensor4D, subtask: Subtask): number {
    const px = images.dataSync();
    const n = images.shape[0];
    const r = subtask.params["row"]!;
    let s = 0;
    for (let i = 0; i < n; i++) for (let x = 0; x < W; x++) {
      const v = Math.round((px[i * D + r * W + x]! + 1) * 127.5);
      s -= this.logp(r * W + x, v);
    }
    return s / (n * W);
  }
  async nll(batch: Batch): Promise<NllResult> {
    const n = batch.pixels.length / D;
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) s -= this.logp(j, batch.pixels[i * D + j]!);
    return { bitsPerDim: s / (n * D * Math.LN2), bound: "exact" };
  }
  async sample(n: number, rng: Rng): Promise<tf.Tensor4D> {
    const out = new Float32Array(n * D);
    for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) {
      let u = rng.uniform() * this.totals[j]!;
      let v = 0;
      while (v < 255 && u >= this.counts[j * 256 + v]!) u -= this.counts[j * 256 + v++]!;
      out[i * D + j] = v / 127.5 - 1;
    }
    return tf.tensor4d(out, [n, H, W, 1]);
  }
  async save(): Promise<void> {}
  async load(): Promise<void> {}
  numParams(): number {
    return this.counts.length;
  }
  dispose(): void {}
}

/** 2×2 average pooling: 16-d features, a transparent extractor for the test. */
const poolExtractor: FeatureExtractor = {
  id: "avgpool2-8x8",
  dim: 16,
  inputShape: [H, W, 1],
  preprocessing: "2×2 average pooling",
  extract: (images) => tf.tidy(() => tf.reshape(tf.avgPool(images, 2, 2, "valid"), [images.shape[0], 16]).dataSync() as Float32Array),
};

function trained(): PixelHistogramModel {
  const m = new PixelHistogramModel();
  m.trainStep({ images: undefined as unknown as tf.Tensor4D, pixels: dataset.train.pixels });
  return m;
}

describe("evaluate", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsd-evaluate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("scores a tiny real model: exact NLL, FID/KID/PR from the extractor, importance loss, report folder", async () => {
    const model = trained();
    const before = tf.memory().numTensors;
    const rows: Subtask[] = Array.from({ length: H }, (_, r) => ({ index: r, key: `row/${r}`, params: { row: r } }));
    const outDir = join(dir, "report");
    const r = await evaluate(model, dataset, {
      seed: 3,
      samples: 150,
      batchSize: 64,
      extractor: poolExtractor,
      cacheDir: join(dir, "cache"),
      outDir,
      kid: { subsets: 20 },
      importance: { subtasks: rows, coefficients: (s) => (s.params["row"]! < 4 ? 3 : 1) },
    });
    expect(tf.memory().numTensors).toBe(before);

    // NLL: recomputed by hand from the counts over all 200 test images.
    let s = 0;
    for (let i = 0; i < 200; i++) for (let j = 0; j < D; j++) s -= model.logp(j, dataset.test.pixels[i * D + j]!);
    expect(r.nll!.bitsPerDim).toBeCloseTo(s / (200 * D * Math.LN2), 10);
    expect(r.nll!.bound).toBe("exact");
    expect(r.nll!.images).toBe(200);

    // FID equals fid() on the same features: regenerate the samples from the same seed stream
    // (evaluate samples with Rng(seed).derive("samples") in batches, quantised to 8 bits).
    const feats = (px: Uint8Array, n: number) => {
      const x = pixelsToTensor(px, dataset, n);
      const f = poolExtractor.extract(x);
      x.dispose();
      return f;
    };
    const sampleRng = new Rng(3).derive("samples");
    const gen = new Float32Array(150 * 16);
    for (let s0 = 0; s0 < 150; s0 += 64) {
      const m = Math.min(64, 150 - s0);
      const x = await model.sample(m, sampleRng);
      gen.set(feats(tensorToPixels(x), m), s0 * 16);
      x.dispose();
    }
    const refFeat = feats(dataset.test.pixels.subarray(0, 150 * D), 150);
    expect(r.fid!.reference).toBe(150);
    expect(r.fid!.generated).toBe(150);
    expect(Math.abs(r.fid!.value - fid(gen, refFeat, 16))).toBeLessThan(1e-9);
    expect(r.fid!.value).toBeGreaterThan(0);
    expect(r.kid!.subsets).toBe(20);
    expect(r.precision!).toBeGreaterThanOrEqual(0);
    expect(r.recall!).toBeLessThanOrEqual(1);

    // Importance-weighted loss: rows 0–3 weigh 3, rows 4–7 weigh 1 (normalised to 3/16 and 1/16).
    const iw = r.importanceWeightedLoss!;
    let expected = 0;
    for (let row = 0; row < H; row++) expected += (row < 4 ? 3 / 16 : 1 / 16) * iw.losses[`row/${row}`]!;
    expect(iw.value).toBeCloseTo(expected, 12);
    expect(iw.source).toBe("user");

    // Report folder through core's writeReport.
    for (const f of ["results.json", "report.md", "samples.png"]) expect(existsSync(join(outDir, f))).toBe(true);
    const json = JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")) as { fid: { value: number }; seed: number };
    expect(json.fid.value).toBe(r.fid!.value);
    expect(json.seed).toBe(3);
    expect(readFileSync(join(outDir, "report.md"), "utf8")).toContain("FID");
  });

  it("is deterministic for a seed, reuses the reference cache, and ranks a trained model above an untrained one", async () => {
    const cacheDir = join(dir, "cache2");
    const opts = { seed: 5, samples: 120, extractor: poolExtractor, cacheDir, metrics: ["fid", "precisionRecall"] as const };
    const a = await evaluate(trained(), dataset, opts);
    const b = await evaluate(trained(), dataset, opts);
    expect(b.fid!.value).toBe(a.fid!.value);
    expect(b.precision).toBe(a.precision);
    expect(existsSync(join(cacheDir, "blobs8__test__n120__avgpool2-8x8.json"))).toBe(true);
    const untrained = await evaluate(new PixelHistogramModel(), dataset, opts);
    expect(untrained.fid!.value).toBeGreaterThan(3 * a.fid!.value);
    expect(untrained.precision!).toBeLessThan(a.precision!);
    // Two real sets (train vs test) are closer to each other than the untrained model is to the test set.
    const feats = (px: Uint8Array, n: number) => {
      const x = pixelsToTensor(px, dataset, n);
      const f = poolExtractor.extract(x);
      x.dispose();
      return f;
    };
    const realFid = fid(feats(dataset.train.pixels.subarray(0, 120 * D), 120), feats(dataset.test.pixels.subarray(0, 120 * D), 120), 16);
    expect(realFid).toBeLessThan(untrained.fid!.value);
  });

  it("rejects mismatched shapes and missing extractors", async () => {
    const other: ImageDataset = { ...dataset, name: "wide", width: 4, train: { n: 2, pixels: new Uint8Array(64) }, test: { n: 2, pixels: new Uint8Array(64) } };
    await expect(evaluate(trained(), other)).rejects.toThrow(VsdError);
    await expect(evaluate(trained(), dataset, { metrics: ["fid"] })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("resolveEvaluateOptions", () => {
  it("applies the documented defaults and rejects bad values up front", async () => {
    const { resolveEvaluateOptions } = await import("./evaluate.js");
    const r = resolveEvaluateOptions();
    expect([...r.metrics]).toEqual(["nll", "fid", "kid", "precisionRecall"]);
    expect([r.seed, r.samples, r.nllImages, r.batchSize, r.k]).toEqual([0, 1000, 1000, 100, 3]);
    expect(resolveEvaluateOptions({ importance: { subtasks: [] } }).metrics.has("importanceWeightedLoss")).toBe(true);
    expect(() => resolveEvaluateOptions({ samples: 1 })).toThrow(VsdError);
    expect(() => resolveEvaluateOptions({ metrics: ["importanceWeightedLoss"] })).toThrow(VsdError);
  });
});
