import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError } from "@vsd/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RqTokenizer, resolveRqTokenizerOptions } from "./rq-tokenizer.js";

const shape = { height: 4, width: 4, channels: 1 };

/** 8-bit images of smooth random gradients (deterministic). */
function gradients(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform() * 2 - 1;
    const b = rng.uniform() * 2 - 1;
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) out[i * 16 + y * 4 + x] = Math.round(127.5 + 40 * (a * (x - 1.5) + b * (y - 1.5)));
  }
  return out;
}
const toImages = (px: Uint8Array) => tf.tensor4d(Float32Array.from(px, (v) => v / 127.5 - 1), [px.length / 16, 4, 4, 1]);

describe("RqTokenizer", () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it("resolves defaults and rejects bad options", () => {
    const r = resolveRqTokenizerOptions();
    expect([r.patchSize, r.depth, r.codebookSize, r.emaDecay, r.commitmentWeight, r.kmeansIterations]).toEqual([4, 4, 64, 0.99, 0.25, 10]);
    expect(() => resolveRqTokenizerOptions({ depth: 0 })).toThrow(VsdError);
    expect(() => resolveRqTokenizerOptions({ depth: 3, depthWeighting: [1, 2] })).toThrow(VsdError);
    expect(() => resolveRqTokenizerOptions({ emaDecay: 1 })).toThrow(VsdError);
    expect(() => new RqTokenizer({ height: 5, width: 4, channels: 1 }, { patchSize: 2 })).toThrow(VsdError);
  });

  it("k-means-initialises on the first batch, trains with EMA codebooks and is deterministic for a seed", () => {
    const px = gradients(64, 1);
    const run = () => {
      const tok = new RqTokenizer(shape, { patchSize: 2, latentDim: 4, hidden: 16, depth: 3, codebookSize: 8, seed: 4, learningRate: 3e-3 });
      expect(tok.isInitialised).toBe(false);
      const stats = tok.fit(px, { steps: 30, batchSize: 16, rng: new Rng(2) });
      expect(tok.isInitialised).toBe(true);
      const images = toImages(px.subarray(0, 16 * 8));
      const codes = tok.encode(images).codes;
      images.dispose();
      tok.dispose();
      return { stats, codes };
    };
    const a = run();
    const b = run();
    expect(a.stats.map((s) => s.loss)).toEqual(b.stats.map((s) => s.loss));
    expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
    // Training lowers the loss: mean of the last 5 steps well below the first 5.
    const mean = (xs: { loss: number }[]) => xs.reduce((t, s) => t + s.loss, 0) / xs.length;
    console.log("tokenizer loss first/last 5:", mean(a.stats.slice(0, 5)), mean(a.stats.slice(-5)));
    expect(mean(a.stats.slice(-5))).toBeLessThan(0.7 * mean(a.stats.slice(0, 5)));
    // Equal weighting computes every partial reconstruction.
    expect(a.stats[0]!.reconstruction.every((v) => Number.isFinite(v))).toBe(true);
  });

  it("final weighting decodes only the full depth; partial latents add codewords", () => {
    const tok = new RqTokenizer(shape, { patchSize: 2, latentDim: 2, hidden: 8, depth: 3, codebookSize: 4, depthWeighting: "final", sharedCodebook: false });
    const images = toImages(gradients(8, 3));
    const st = tok.trainStep(images);
    expect(Number.isNaN(st.reconstruction[0]!)).toBe(true);
    expect(Number.isNaN(st.reconstruction[1]!)).toBe(true);
    expect(Number.isFinite(st.reconstruction[2]!)).toBe(true);
    const codes = Int32Array.from([1, 2, -1]);
    const z = tok.partialLatents(codes, 3);
    const cb = tok.codebooks;
    expect(cb[0]).not.toBe(cb[1]); // per-depth codebooks
    expect(z[0]).toBeCloseTo(cb[0]![2]! + cb[1]![4]!, 6);
    expect(z[1]).toBeCloseTo(cb[0]![3]! + cb[1]![5]!, 6);
    expect(Array.from(tok.partialLatents(codes, 0))).toEqual([0, 0]);
    expect(() => tok.partialLatents(codes, 4)).toThrow(VsdError);
    images.dispose();
    tok.dispose();
  });

  it("gradient codebooks move by AdamW; reconstruct returns images of the input shape", () => {
    const tok = new RqTokenizer(shape, { patchSize: 2, latentDim: 2, hidden: 8, depth: 2, codebookSize: 4, codebookUpdate: "gradient", kmeansInit: false });
    const before = Float32Array.from(tok.codebooks[0]!);
    const images = toImages(gradients(8, 5));
    tok.trainStep(images);
    const moved = before.reduce((t, v, i) => t + Math.abs(v - tok.codebooks[0]![i]!), 0);
    expect(moved).toBeGreaterThan(0);
    const rec = tok.reconstruct(images, 2);
    expect(rec.shape).toEqual([8, 4, 4, 1]);
    rec.dispose();
    images.dispose();
    tok.dispose();
  });

  it("quantize dropout trains on depth prefixes (probability 1)", () => {
    const tok = new RqTokenizer(shape, { patchSize: 2, latentDim: 2, hidden: 8, depth: 4, codebookSize: 4, quantizeDropout: 1 });
    const images = toImages(gradients(16, 6));
    const st = tok.trainStep(images);
    expect(Number.isFinite(st.loss)).toBe(true);
    tok.dispose();
    // Gradient codebooks with dropped depths: tf.oneHot(−1) must give an all-zero row.
    expect(Array.from(tf.tidy(() => tf.oneHot(tf.tensor1d([-1, 1], "int32"), 3).dataSync()))).toEqual([0, 0, 0, 0, 1, 0]);
    const g = new RqTokenizer(shape, { patchSize: 2, latentDim: 2, hidden: 8, depth: 4, codebookSize: 4, quantizeDropout: 1, codebookUpdate: "gradient" });
    expect(Number.isFinite(g.trainStep(images).loss)).toBe(true);
    g.dispose();
    images.dispose();
  });

  it("save/load restores codebooks, EMA state and weights (same codes after load)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vsd-rq-"));
    try {
      const opts = { patchSize: 2, latentDim: 2, hidden: 8, depth: 2, codebookSize: 4, seed: 1 };
      const a = new RqTokenizer(shape, opts);
      const px = gradients(32, 7);
      a.fit(px, { steps: 5, batchSize: 16, rng: new Rng(1) });
      await a.save(dir);
      const b = new RqTokenizer(shape, { ...opts, seed: 99 });
      await b.load(dir);
      const images = toImages(px);
      expect(Array.from(b.encode(images).codes)).toEqual(Array.from(a.encode(images).codes));
      expect(b.stepCount).toBe(5);
      const c = new RqTokenizer(shape, { ...opts, codebookSize: 5 });
      await expect(c.load(dir)).rejects.toThrow(VsdError);
      images.dispose();
      [a, b, c].forEach((t) => t.dispose());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
