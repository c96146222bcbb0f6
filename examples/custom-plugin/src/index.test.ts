import * as tf from "@tensorflow/tfjs-core";
import { Rng, loadMnist, makeBatch, pixelsToTensor, train } from "@vsd/core";
import { describeDecompositionContract } from "@vsd/core/testing";
import { describe, expect, it } from "vitest";
import bitplaneDecomposition, { BitplaneDecomposition } from "./index.js";

describeDecompositionContract("bitplane", () => bitplaneDecomposition(), { shapeAgnostic: true });

describe("bitplane decomposition", () => {
  it("planes reassemble the pixels exactly, and conditions hold the planes above", () => {
    const before = tf.memory().numTensors;
    const d = new BitplaneDecomposition();
    const pixels = Uint8Array.from([0, 1, 127, 128, 200, 255]);
    const images = pixelsToTensor(pixels, { height: 1, width: 6, channels: 1 });
    const sum = new Float64Array(6);
    for (const s of d.subtasks()) {
      const { condition, target } = d.pairs(images, s, new Rng(0));
      const t = target.dataSync();
      const c = condition.dataSync();
      for (let i = 0; i < 6; i++) {
        // The condition of plane b is the value of planes < b.
        expect((c[i]! + 1) * 127.5).toBeCloseTo(sum[i]!, 3);
        sum[i]! += t[i]! * 2 ** (7 - s.index);
      }
      tf.dispose([condition, target]);
    }
    expect(Array.from(sum)).toEqual(Array.from(pixels));
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the likelihood is exact: probabilities of all 256 one-pixel images sum to 1", async () => {
    const before = tf.memory().numTensors;
    const shape = { height: 1, width: 1, channels: 1 };
    const model = new BitplaneDecomposition().createModel({ shape, seed: 3, size: "XS", learningRate: 0.02 });
    // Train a little so the conditionals are not uniform.
    const ds = { name: "one-pixel", ...shape, train: { n: 64, pixels: Uint8Array.from({ length: 64 }, (_, i) => (i % 2 ? 10 : 200)) }, test: { n: 1, pixels: Uint8Array.from([5]) } };
    await train(model, ds, { steps: 20, batchSize: 16, seed: 0, progress: false });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const batch = makeBatch({ ...ds, train: { n: 256, pixels: all } }, { n: 256, pixels: all }, Int32Array.from(all));
    const r = await model.nll(batch, new Rng(0));
    let total = 0;
    for (const bits of r.perImage!) total += 2 ** -bits; // D = 1
    expect(r.bound).toBe("exact");
    expect(total).toBeCloseTo(1, 4);
    // Training put most of the mass on the two training values (uniform would be 8 bits each).
    expect(2 ** -r.perImage![10]! + 2 ** -r.perImage![200]!).toBeGreaterThan(0.5);
    batch.images.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("training on MNIST digits lowers bits/dim far below the uniform 8", async () => {
    const before = tf.memory().numTensors;
    const ds = loadMnist({ limit: 600 });
    const model = new BitplaneDecomposition().createModel({ shape: ds, seed: 0, size: "XS", learningRate: 0.01 });
    const batch = makeBatch(ds, ds.test, Int32Array.from({ length: 64 }, (_, i) => i));
    const start = (await model.nll(batch, new Rng(0))).bitsPerDim;
    await train(model, ds, { steps: 100, batchSize: 32, seed: 0, progress: false });
    const end = (await model.nll(batch, new Rng(0))).bitsPerDim;
    expect(start).toBeGreaterThan(7); // an untrained model is near uniform over 256 values
    expect(end).toBeLessThan(3);
    const samples = await model.sample(4, new Rng(2));
    expect(samples.shape).toEqual([4, 28, 28, 1]);
    const v = samples.dataSync();
    expect(v.every((x) => x >= -1 && x <= 1)).toBe(true);
    tf.dispose([samples, batch.images]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
