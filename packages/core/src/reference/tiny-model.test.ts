import * as tf from "@tensorflow/tfjs-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBatch, type Batch } from "../dataset.js";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { discretizedLogisticLogProbNumber } from "./discretized-logistic.js";
import { sequenceDataset } from "./sequence-dataset.js";
import { createTinyModel } from "./tiny-model.js";

const data = sequenceDataset({ n: 512, nTest: 128, length: 8, dim: 2, seed: 1 });
const shape = { height: 1, width: 8, channels: 2 };

function indices(from: number, count: number, n: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => (from + i) % n);
}

function train(model: ReturnType<typeof createTinyModel>, steps: number, batchSize = 32): number[] {
  const losses: number[] = [];
  const rng = new Rng(5);
  for (let s = 0; s < steps; s++) {
    const batch = makeBatch(data, data.train, indices(s * batchSize, batchSize, data.train.n));
    losses.push(model.trainStep(batch, rng).loss);
    batch.images.dispose();
  }
  return losses;
}

describe("createTinyModel", () => {
  let test: Batch;
  let dir: string;
  beforeAll(() => {
    test = makeBatch(data, data.test, indices(0, data.test.n, data.test.n));
    dir = mkdtempSync(join(tmpdir(), "vsd-tiny-"));
  });
  afterAll(() => {
    test.images.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("at initialisation (zero output layer: μ = 0, ln s = 0) its exact NLL equals the closed form", async () => {
    const before = tf.memory().numTensors;
    const model = createTinyModel({ shape, seed: 1 });
    const result = await model.nll(test, new Rng(0));
    let nats = 0;
    for (const p of test.pixels) nats -= discretizedLogisticLogProbNumber(p, 0, 0);
    const want = nats / (test.pixels.length * Math.LN2);
    expect(result.bound).toBe("exact");
    expect(Math.abs(result.bitsPerDim - want)).toBeLessThan(1e-5);
    expect(result.perImage).toHaveLength(data.test.n);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("learns the AR(1) sequences down to near their entropy, and subtask losses average to the NLL", async () => {
    const before = tf.memory().numTensors;
    const model = createTinyModel({ shape, seed: 2, learningRate: 0.02 });
    const initial = (await model.nll(test, new Rng(0))).bitsPerDim;
    const losses = train(model, 80);
    const final = await model.nll(test, new Rng(0));
    // Entropy of the quantised process: first position N(0, 32²) ≈ 7.05 bits,
    // the others N(0.9·x, 32²·0.19) ≈ 5.85 bits → ≈ 6.00 bits/dim over 8 positions.
    expect(initial).toBeGreaterThan(8);
    // Measured: 6.10 after 50 steps, 6.07 after 300 (batch 32, lr 0.02).
    expect(final.bitsPerDim).toBeLessThan(6.2);
    expect(final.bitsPerDim).toBeGreaterThan(5.85);
    expect(losses.every(Number.isFinite)).toBe(true);
    // Mean over positions of subtaskLoss (nats/dim) = NLL · ln 2.
    let sum = 0;
    for (let t = 0; t < 8; t++) sum += model.subtaskLoss(test.images, { index: t, key: `pos/${t}`, params: { t } }, new Rng(0));
    expect(Math.abs(sum / 8 - final.bitsPerDim * Math.LN2)).toBeLessThan(1e-4);
    // Position 0 has no context, so it must cost more than an interior position.
    const first = model.subtaskLoss(test.images, { index: 0, key: "pos/0", params: { t: 0 } }, new Rng(0));
    const later = model.subtaskLoss(test.images, { index: 5, key: "pos/5", params: { t: 5 } }, new Rng(0));
    expect(first - later).toBeGreaterThan(0.5);

    // Samples reproduce the lag-1 correlation 0.9 of the data.
    const samples = await model.sample(256, new Rng(9));
    const v = samples.dataSync();
    samples.dispose();
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < 256; i++) {
      for (let t = 1; t < 8; t++) {
        for (let c = 0; c < 2; c++) {
          const x = v[(i * 8 + t - 1) * 2 + c]!;
          const y = v[(i * 8 + t) * 2 + c]!;
          sxy += x * y;
          sxx += x * x;
          syy += y * y;
        }
      }
    }
    const corr = sxy / Math.sqrt(sxx * syy);
    expect(corr).toBeGreaterThan(0.8);
    expect(corr).toBeLessThan(0.95);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("save/load restores weights and optimiser state: the next steps are bit-identical", async () => {
    const before = tf.memory().numTensors;
    const a = createTinyModel({ shape, seed: 3 });
    train(a, 5);
    await a.save(dir);
    const b = createTinyModel({ shape, seed: 4 });
    expect((await b.nll(test, new Rng(0))).bitsPerDim).not.toBe((await a.nll(test, new Rng(0))).bitsPerDim);
    await b.load(dir);
    expect((await b.nll(test, new Rng(0))).bitsPerDim).toBe((await a.nll(test, new Rng(0))).bitsPerDim);
    expect(train(b, 3)).toEqual(train(a, 3));
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("samples are deterministic for a seed, on the 8-bit grid, and respect temperature", async () => {
    const before = tf.memory().numTensors;
    const model = createTinyModel({ shape, seed: 5 });
    const x = await model.sample(8, new Rng(1));
    const y = await model.sample(8, new Rng(1));
    const z = await model.sample(8, new Rng(2));
    expect(x.shape).toEqual([8, 1, 8, 2]);
    expect(Array.from(x.dataSync())).toEqual(Array.from(y.dataSync()));
    expect(Array.from(x.dataSync())).not.toEqual(Array.from(z.dataSync()));
    for (const value of x.dataSync()) {
      const level = (value + 1) * 127.5;
      expect(Math.abs(level - Math.round(level))).toBeLessThan(1e-3);
    }
    // At initialisation every pixel is logistic(0, 1); a temperature of 0.01 shrinks it to about ±2 levels of 127.
    const cold = await model.sample(16, new Rng(3), { temperature: 0.01 });
    for (const value of cold.dataSync()) expect(Math.abs((value + 1) * 127.5 - 127.5)).toBeLessThan(10);
    tf.dispose([x, y, z, cold]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("counts parameters and FLOPs, and reports per-position training losses", () => {
    const before = tf.memory().numTensors;
    const model = createTinyModel({ shape, seed: 6, hidden: 16, size: "S", context: 2 });
    // in = context·(c+1) = 6, hidden 16, out 2c = 4.
    expect(model.numParams()).toBe(6 * 16 + 16 + 16 * 16 + 16 + 16 * 4 + 4);
    expect(model.flopsPerStep!(10)).toBe(3 * 2 * 10 * 8 * (6 * 16 + 16 * 16 + 16 * 4));
    const batch = makeBatch(data, data.train, indices(0, 4, data.train.n));
    const stats = model.trainStep(batch, new Rng(0));
    batch.images.dispose();
    expect(Object.keys(stats.subtaskLosses!)).toEqual(["pos/0", "pos/1", "pos/2", "pos/3", "pos/4", "pos/5", "pos/6", "pos/7"]);
    const mean = Object.values(stats.subtaskLosses!).reduce((s, v) => s + v, 0) / 8;
    expect(Math.abs(mean - stats.loss)).toBeLessThan(1e-5);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad options and inputs with VsdError", () => {
    const before = tf.memory().numTensors;
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return VsdError.isInstance(e) ? e.code : "not a VsdError";
      }
      return "no error";
    };
    expect(code(() => createTinyModel({ shape: { height: 0, width: 8, channels: 2 }, seed: 1 }))).toBe("INVALID_SHAPE");
    expect(code(() => createTinyModel({ shape, seed: 1, context: 0 }))).toBe("INVALID_ARGUMENT");
    const model = createTinyModel({ shape, seed: 1 });
    const wrong = tf.zeros([2, 1, 8, 3]) as tf.Tensor4D;
    expect(code(() => model.subtaskLoss(wrong, { index: 0, key: "pos/0", params: { t: 0 } }, new Rng(0)))).toBe("INVALID_SHAPE");
    expect(code(() => model.subtaskLoss(test.images, { index: 0, key: "depth/0", params: { depth: 0 } }, new Rng(0)))).toBe("NOT_SUPPORTED");
    expect(code(() => model.subtaskLoss(test.images, { index: 0, key: "pos/8", params: { t: 8 } }, new Rng(0)))).toBe("NOT_SUPPORTED");
    wrong.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
