import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, VsdError, makeBatch, type Batch, type ImageDataset } from "@vsd/core";
import { NoiseModel } from "./noise-model.js";
import { SAMPLER_KINDS } from "./samplers.js";
import { gaussianMixtureDataset } from "../testing/gaussian-mixture.js";

function tinyImages(n: number, numClasses?: number): ImageDataset {
  const rng = new Rng(4);
  const px = new Uint8Array(n * 16).map(() => rng.int(256));
  const labels = numClasses ? Int32Array.from({ length: n }, (_, i) => i % numClasses) : undefined;
  const split = labels ? { n, pixels: px, labels } : { n, pixels: px };
  return { name: "tiny", height: 4, width: 4, channels: 1, ...(numClasses ? { numClasses } : {}), train: split, test: split };
}
const idx = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe("NoiseModel (MLP and DiT denoisers)", () => {
  for (const architecture of ["mlp", "dit"] as const) {
    it(`${architecture}: training steps are finite, leak nothing, and count FLOPs`, () => {
      const data = tinyImages(8, 3);
      const before = tf.memory().numTensors;
      const model = new NoiseModel({ shape: data, seed: 1, size: "XS", architecture, patch: 2 });
      const b = makeBatch(data, data.train, idx(8));
      const rng = new Rng(2);
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) {
        const st = model.trainStep(b, rng);
        expect(Number.isFinite(st.loss)).toBe(true);
        counts.push(tf.memory().numTensors);
      }
      expect(counts[2]).toBe(counts[1]);
      expect(model.numParams()).toBeGreaterThan(100);
      expect(model.flopsPerStep(8)).toBeGreaterThan(3 * 2 * 8 * model.numParams() * 0.3);
      b.images.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("samples [n, h, w, c] in [−1, 1] with every sampler, CFG and a guidance interval, without leaks", async () => {
    const data = tinyImages(8, 3);
    const model = new NoiseModel({ shape: data, seed: 1, size: "XS" });
    const before = tf.memory().numTensors;
    for (const sampler of SAMPLER_KINDS) {
      const x = await model.sample(3, new Rng(5), { sampler, steps: 4, labels: Int32Array.from([0, 1, 2]), guidanceScale: 2, guidanceInterval: [0.1, 5] });
      expect(x.shape).toEqual([3, 4, 4, 1]);
      const v = x.dataSync();
      expect(v.every((u) => Number.isFinite(u) && u >= -1 && u <= 1)).toBe(true);
      x.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    await expect(model.sample(2, new Rng(1), { labels: Int32Array.from([0]) })).rejects.toThrow(VsdError);
    await expect(model.sample(1, new Rng(1), { labels: Int32Array.from([7]) })).rejects.toThrow(VsdError);
    model.dispose();
  });

  it("save → load restores identical outputs", async () => {
    const data = tinyImages(8);
    const a = new NoiseModel({ shape: data, seed: 1, size: "XS" });
    const b = new NoiseModel({ shape: data, seed: 99, size: "XS" });
    const batch = makeBatch(data, data.train, idx(8));
    a.trainStep(batch, new Rng(3));
    const dir = await mkdtemp(join(tmpdir(), "vsd-noise-"));
    try {
      await a.save(dir);
      await b.load(dir);
      const sa = a.subtaskLoss(batch.images, { index: 0, key: "k", params: { logSnr: 1 } }, new Rng(8));
      const sb = b.subtaskLoss(batch.images, { index: 0, key: "k", params: { logSnr: 1 } }, new Rng(8));
      expect(sb).toBe(sa);
    } finally {
      await rm(dir, { recursive: true, force: true });
      batch.images.dispose();
      a.dispose();
      b.dispose();
    }
  });

  it("rejects batches of another shape and subtasks without a log-SNR", () => {
    const data = tinyImages(4);
    const model = new NoiseModel({ shape: data, seed: 1, size: "XS" });
    const bad: Batch = { images: tf.zeros([2, 4, 5, 1]) as tf.Tensor4D, pixels: new Uint8Array(40) };
    expect(() => model.trainStep(bad, new Rng(1))).toThrow(VsdError);
    expect(() => model.subtaskLoss(bad.images, { index: 0, key: "x", params: {} }, new Rng(1))).toThrow(VsdError);
    bad.images.dispose();
    // Guided ELBO rows need a class-conditional model and a scale ≥ 0.
    const rows = { rows: 1, x: new Float32Array(16), eps: new Float32Array(16), u: Float64Array.of(0.5), image: Int32Array.of(0) };
    expect(() => model.elboDiffusionNats(rows, { labels: Int32Array.of(0), scale: 1 })).toThrow(/class-conditional/);
    expect(model.elboDiffusionNats(rows)).toHaveLength(1);
    model.dispose();
  });
});

describe("ELBO on a quantised 2-D Gaussian mixture", () => {
  const g = gaussianMixtureDataset({ n: 4000, nTest: 500, seed: 1 });
  let test: Batch;
  beforeAll(() => {
    test = makeBatch(g.data, g.data.test, idx(500));
  });
  afterAll(() => test.images.dispose());

  it("is an upper bound that training lowers by a wide margin (fast: 150 steps)", async () => {
    const before = tf.memory().numTensors;
    // Raw network output (no EDM skip), so the untrained model (F = 0) is a poor denoiser.
    const model = new NoiseModel({ shape: g.data, seed: 3, width: 128, depth: 3, learningRate: 2e-3, preconditioning: "none" });
    const untrained = await model.nll(test, new Rng(9));
    expect(untrained.bound).toBe("elbo");
    expect(untrained.perImage!.length).toBe(500);
    const rng = new Rng(5);
    for (let s = 0; s < 150; s++) {
      const b = makeBatch(g.data, g.data.train, rng.sample(g.data.train.n, 256));
      model.trainStep(b, rng);
      b.images.dispose();
    }
    const trained = await model.nll(test, new Rng(9));
    // Measured: untrained ≈ 13.3, 150 steps ≈ 8.2, true NLL ≈ 6.70 bits/dim.
    expect(untrained.bitsPerDim - trained.bitsPerDim).toBeGreaterThan(3);
    expect(trained.bitsPerDim).toBeGreaterThan(g.trueBitsPerDim);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
