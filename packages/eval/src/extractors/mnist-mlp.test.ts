import * as tf from "@tensorflow/tfjs-core";
import { loadMnist, pixelsToTensor } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { MNIST_FEATURE_DIM, mnistFeatureExtractor } from "./mnist-mlp.js";

describe("shipped MNIST feature extractor (assets/mnist-mlp)", () => {
  it("classifies the held-out split of loadMnist() with ≥ 97% accuracy (measured 97.55%)", async () => {
    const data = loadMnist(); // the training script's split: seed 0, 8,000 / 2,000
    expect(data.test.n).toBe(2000);
    const ex = await mnistFeatureExtractor();
    const before = tf.memory().numTensors;
    let correct = 0;
    for (let s = 0; s < data.test.n; s += 500) {
      const m = Math.min(500, data.test.n - s);
      const x = pixelsToTensor(data.test.pixels.subarray(s * 784, (s + m) * 784), data, m);
      const pred = tf.tidy(() => tf.argMax(ex.model.logits(x), 1).dataSync());
      x.dispose();
      for (let i = 0; i < m; i++) if (pred[i] === data.test.labels![s + i]) correct++;
    }
    const accuracy = correct / data.test.n;
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
    expect(accuracy).toBeCloseTo(0.9755, 3); // the value recorded in the README and the manifest
    expect(tf.memory().numTensors).toBe(before);
    ex.dispose?.();
  });

  it("extracts 128-d penultimate-layer features, deterministically and leak-free", async () => {
    const data = loadMnist();
    const ex = await mnistFeatureExtractor();
    const x = pixelsToTensor(data.test.pixels.subarray(0, 10 * 784), data, 10);
    const before = tf.memory().numTensors;
    const f1 = ex.extract(x);
    const f2 = ex.extract(x);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(ex.dim).toBe(MNIST_FEATURE_DIM);
    expect(f1.length).toBe(10 * 128);
    expect(Array.from(f1)).toEqual(Array.from(f2));
    expect(Math.min(...f1)).toBeGreaterThanOrEqual(0); // ReLU features
    expect(f1.some((v) => v > 0)).toBe(true);
    const bad = tf.zeros([1, 14, 14, 1]) as tf.Tensor4D;
    expect(() => ex.extract(bad)).toThrow(/28, 28, 1/);
    bad.dispose();
    ex.dispose?.();
  });
});
