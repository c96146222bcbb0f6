import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { Rng, VsdError, makeBatch, type ImageDataset } from "@vsd/core";
import { PatchDecomposition } from "../patch-decomposition.js";
import { PatchArModel } from "./patch-ar-model.js";
import { mixtureLogProb, sampleMixture } from "../likelihood/discretized-logistic.js";

/** i.i.d. pixels from a known distribution: its entropy is the best possible bits/dim. */
function iidDataset(n: number, h: number, w: number, values: number[], probs: number[], seed: number): ImageDataset {
  const rng = new Rng(seed);
  const draw = (count: number) => {
    const px = new Uint8Array(count * h * w);
    for (let i = 0; i < px.length; i++) {
      let u = rng.uniform();
      let k = 0;
      while (k < probs.length - 1 && (u -= probs[k]!) >= 0) k++;
      px[i] = values[k]!;
    }
    return px;
  };
  return { name: "iid", height: h, width: w, channels: 1, train: { n, pixels: draw(n) }, test: { n: 512, pixels: draw(512) } };
}

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

describe("PatchArModel", () => {
  it("is a true likelihood: probabilities of all 65,536 two-pixel images sum to 1 (after training on correlated pairs)", async () => {
    const before = tf.memory().numTensors;
    const shape = { height: 1, width: 2, channels: 1 };
    const model = new PatchArModel({ shape, seed: 3, patchSize: 1, dim: 16, layers: 1, heads: 2, mixtures: 3, learningRate: 0.05 });
    const all = new Uint8Array(65536 * 2);
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) {
      all[(a * 256 + b) * 2] = a;
      all[(a * 256 + b) * 2 + 1] = b;
    }
    const total = async () => {
      const images = tf.zeros([65536, 1, 2, 1]) as tf.Tensor4D; // nll reads the 8-bit pixels
      const r = await model.nll({ images, pixels: all }, new Rng(0));
      images.dispose();
      expect(r.bound).toBe("exact");
      let s = 0;
      for (const b of r.perImage!) s += Math.pow(2, -b * 2);
      return s;
    };
    // Train a little on correlated pairs so the conditional differs by context, then check.
    const rng = new Rng(1);
    for (let it = 0; it < 10; it++) {
      const px = new Uint8Array(64 * 2);
      for (let i = 0; i < 64; i++) {
        const a = rng.int(256);
        px[2 * i] = a;
        px[2 * i + 1] = Math.min(255, a + rng.int(8));
      }
      const images = tf.zeros([64, 1, 2, 1]) as tf.Tensor4D;
      model.trainStep({ images, pixels: px }, rng);
      images.dispose();
    }
    expect(Math.abs((await total()) - 1)).toBeLessThan(1e-3);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("bits/dim approaches the known entropy of i.i.d. pixels within 0.1, and samples match the pixel law", async () => {
    const before = tf.memory().numTensors;
    // Every pixel i.i.d. from a fixed 2-component discretized logistic: its entropy is computable exactly.
    const law = [Math.log(0.6), Math.log(0.4), -0.5, 0.3, -3, -2.5];
    const probs = Array.from({ length: 256 }, (_, x) => Math.exp(mixtureLogProb(law, [x], 2, 1)));
    const H = probs.reduce((a, p) => a - (p > 0 ? p * Math.log2(p) : 0), 0);
    expect(H).toBeCloseTo(6.801, 2);
    const rng0 = new Rng(7);
    const one = new Uint8Array(1);
    const draw = (count: number) => Uint8Array.from({ length: count * 16 }, () => sampleMixture(law, 2, 1, rng0, 1, one)[0]!);
    const data: ImageDataset = { name: "iid", height: 4, width: 4, channels: 1, train: { n: 4096, pixels: draw(4096) }, test: { n: 512, pixels: draw(512) } };
    const model = new PatchArModel({ shape: data, seed: 1, patchSize: 2, dim: 16, layers: 1, heads: 2, mixtures: 3, learningRate: 0.01 });
    const rng = new Rng(2);
    let first = 0;
    for (let step = 0; step < 150; step++) {
      const b = makeBatch(data, data.train, rng.sample(data.train.n, 64));
      const s = model.trainStep(b, rng);
      b.images.dispose();
      if (step === 0) first = s.loss / Math.LN2;
      expect(Object.keys(s.subtaskLosses!)).toHaveLength(4);
    }
    const test = makeBatch(data, data.test, range(0, 512));
    const r = await model.nll(test, rng);
    test.images.dispose();
    expect(r.bound).toBe("exact");
    expect(first).toBeGreaterThan(H + 1); // it started well above the entropy
    expect(r.bitsPerDim).toBeGreaterThan(H - 0.05); // cannot beat the entropy (up to test-set noise)
    expect(r.bitsPerDim).toBeLessThan(H + 0.1);
    // Samples follow the law: compare mass in 8 coarse groups of 32 values.
    const samples = await model.sample(100, new Rng(9));
    const v = samples.dataSync();
    samples.dispose();
    for (let g = 0; g < 8; g++) {
      let want = 0;
      for (let x = g * 32; x < (g + 1) * 32; x++) want += probs[x]!;
      let got = 0;
      for (const y of v) if (Math.floor(Math.round((y + 1) * 127.5) / 32) === g) got += 1 / v.length;
      expect(Math.abs(got - want), `group ${g}`).toBeLessThan(0.05);
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("categorical output: conditionals sum to 1 and it learns peaked i.i.d. pixels to their entropy", async () => {
    const before = tf.memory().numTensors;
    const shape = { height: 1, width: 2, channels: 1 };
    const model = new PatchArModel({ shape, seed: 4, patchSize: 1, dim: 16, layers: 1, heads: 2, output: "categorical", learningRate: 0.05 });
    // Three-valued i.i.d. pixels, P = (1/2, 1/4, 1/4) on (0, 128, 255): H = 1.5 bits/dim.
    const rng = new Rng(3);
    const draw = (n: number) => Uint8Array.from({ length: n * 2 }, () => {
      const u = rng.uniform();
      return u < 0.5 ? 0 : u < 0.75 ? 128 : 255;
    });
    for (let step = 0; step < 40; step++) {
      const images = tf.zeros([64, 1, 2, 1]) as tf.Tensor4D;
      model.trainStep({ images, pixels: draw(64) }, rng);
      images.dispose();
    }
    // Σ_a p(a) = 1 (step 0), and Σ_b p(b | a) = 1 (step 1) for several contexts a.
    const pairs = (a: number | null) => Uint8Array.from({ length: 512 }, (_, i) => (i % 2 === 0 ? (a ?? i >> 1) : a === null ? 0 : i >> 1));
    const lp0 = model.patchLogProbabilities(pairs(null), 256);
    expect(Math.abs(Array.from({ length: 256 }, (_, i) => Math.exp(lp0[2 * i]!)).reduce((x, y) => x + y) - 1)).toBeLessThan(1e-4);
    for (const a of [0, 77, 128, 255]) {
      const lp1 = model.patchLogProbabilities(pairs(a), 256);
      expect(Math.abs(Array.from({ length: 256 }, (_, i) => Math.exp(lp1[2 * i + 1]!)).reduce((x, y) => x + y) - 1)).toBeLessThan(1e-4);
    }
    const testPx = draw(1000);
    const testImages = tf.zeros([1000, 1, 2, 1]) as tf.Tensor4D;
    const t = await model.nll({ images: testImages, pixels: testPx }, rng);
    testImages.dispose();
    expect(t.bound).toBe("exact");
    expect(t.bitsPerDim).toBeGreaterThan(1.5 - 0.06);
    expect(t.bitsPerDim).toBeLessThan(1.5 + 0.1);
    const s = await model.sample(50, new Rng(1));
    for (const v of s.dataSync()) expect([0, 128, 255]).toContain(Math.round((v + 1) * 127.5));
    s.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("per-position losses average to the total loss; subtaskLoss reads one position", async () => {
    const before = tf.memory().numTensors;
    const d = new PatchDecomposition({ patchSize: 2, order: "hilbert", height: 4, width: 6 });
    const data = iidDataset(64, 4, 6, [10, 200], [0.3, 0.7], 1);
    const model = d.createModel({ shape: data, seed: 0, dim: 16, layers: 1, heads: 2 }) as PatchArModel;
    const b = makeBatch(data, data.train, range(0, 32));
    const per = model.positionLosses(b.pixels, 32);
    const nll = await model.nll(b, new Rng(0));
    const meanNats = per.reduce((a, x) => a + x, 0) / per.length;
    expect(nll.bitsPerDim).toBeCloseTo(meanNats / Math.LN2, 4);
    const st = d.subtasks()[4]!;
    expect(model.subtaskLoss(b.images, st, new Rng(0))).toBeCloseTo(per[4]!, 4);
    expect(model.subtaskKeys[4]).toBe(st.key);
    b.images.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("samples are deterministic for a seed, on the 8-bit grid, and respond to temperature", async () => {
    const before = tf.memory().numTensors;
    const model = new PatchArModel({ shape: { height: 4, width: 4, channels: 3 }, seed: 5, patchSize: 2, dim: 16, layers: 1, heads: 2 });
    const a = await model.sample(3, new Rng(4));
    const b = await model.sample(3, new Rng(4));
    expect(a.shape).toEqual([3, 4, 4, 3]);
    const av = a.dataSync();
    expect(Array.from(av)).toEqual(Array.from(b.dataSync()));
    for (const x of av) {
      expect(x).toBeGreaterThanOrEqual(-1);
      expect(x).toBeLessThanOrEqual(1);
      expect(Math.abs((x + 1) * 127.5 - Math.round((x + 1) * 127.5))).toBeLessThan(1e-3);
    }
    // Temperature changes the draw (its effect on one pixel law is tested in discretized-logistic.test.ts).
    const cold = await model.sample(3, new Rng(4), { temperature: 0.2 });
    expect(Array.from(cold.dataSync())).not.toEqual(Array.from(av));
    cold.dispose();
    await expect(model.sample(1, new Rng(0), { temperature: 0 })).rejects.toThrow(VsdError);
    tf.dispose([a, b]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("class conditioning: labels are required and change the likelihood", async () => {
    const before = tf.memory().numTensors;
    const shape = { height: 2, width: 2, channels: 1, numClasses: 3 };
    const model = new PatchArModel({ shape, seed: 2, patchSize: 1, dim: 16, layers: 1, heads: 2, classConditional: true });
    const images = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    const pixels = new Uint8Array(8).fill(100);
    expect(() => model.trainStep({ images, pixels }, new Rng(0))).toThrow(/labels/);
    const r0 = await model.nll({ images, pixels, labels: Int32Array.from([0, 0]) }, new Rng(0));
    const r1 = await model.nll({ images, pixels, labels: Int32Array.from([1, 1]) }, new Rng(0));
    expect(r0.bitsPerDim).not.toBeCloseTo(r1.bitsPerDim, 6);
    const s = await model.sample(2, new Rng(0), { labels: Int32Array.from([2, 1]) });
    tf.dispose([images, s]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("save/load restores the model exactly; a differently configured model refuses the checkpoint", async () => {
    const before = tf.memory().numTensors;
    const dir = await mkdtemp(join(tmpdir(), "vsd-patch-"));
    try {
      const shape = { height: 4, width: 4, channels: 1 };
      const data = iidDataset(64, 4, 4, [0, 90, 255], [0.2, 0.5, 0.3], 4);
      const a = new PatchArModel({ shape, seed: 1, patchSize: 2, dim: 16, layers: 1, heads: 2 });
      const rng = new Rng(0);
      for (let i = 0; i < 3; i++) {
        const b = makeBatch(data, data.train, range(0, 16));
        a.trainStep(b, rng);
        b.images.dispose();
      }
      await a.save(dir);
      const b2 = new PatchArModel({ shape, seed: 99, patchSize: 2, dim: 16, layers: 1, heads: 2 });
      await b2.load(dir);
      const batch = makeBatch(data, data.test, range(0, 32));
      expect((await b2.nll(batch, rng)).bitsPerDim).toBe((await a.nll(batch, rng)).bitsPerDim);
      // Optimiser state came along: the next step gives the same loss on both.
      const s1 = a.trainStep(batch, rng).loss;
      const s2 = b2.trainStep(batch, rng).loss;
      expect(s2).toBeCloseTo(s1, 5);
      const c = new PatchArModel({ shape, seed: 1, patchSize: 2, dim: 16, layers: 1, heads: 2, mixtures: 2 });
      await expect(c.load(dir)).rejects.toMatchObject({ code: "CHECKPOINT_MISMATCH" });
      batch.images.dispose();
      for (const m of [a, b2, c]) m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("flopsPerStep is linear in the batch size and counts 3× the forward matMuls", () => {
    const model = new PatchArModel({ shape: { height: 28, width: 28, channels: 1 }, seed: 0, dim: 64, layers: 2 });
    const f1 = model.flopsPerStep(1);
    expect(model.flopsPerStep(8)).toBeCloseTo(8 * f1, 0);
    // in: 49·16·64, head: 49·64·240 (16 pixels × 15 params), per block: qkv 49·64·192 + out 49·64·64 + mlp 2·49·64·256 + attn 2·49²·64.
    const fwd = 2 * (49 * 16 * 64 + 49 * 64 * 240 + 2 * (49 * 64 * 192 + 49 * 64 * 64 + 2 * 49 * 64 * 256 + 2 * 49 * 49 * 64));
    expect(f1).toBeCloseTo(3 * fwd, 0);
    expect(model.numParams()).toBeGreaterThan(100_000);
    model.dispose();
  });
});
