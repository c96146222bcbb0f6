/**
 * Trains the shipped MNIST feature extractor and writes its weights to
 * packages/eval/assets/mnist-mlp/ (core's model-state format).
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/eval/scripts/train-mnist-features.ts
 *   (EPOCHS=30 SEED=0 by default)
 *
 * Data: core's `loadMnist()` (8,000 train / 2,000 held-out test, seed 0). Only the
 * train split is used for fitting; the test accuracy is measured once at the end
 * and stored in the manifest's meta (and quoted in the README).
 * Net: MLP 784 → 256 → 128 → 10, ReLU; AdamW (lr 1e-3, cosine decay to 0,
 * weight decay 1e-4), batch 128, softmax cross-entropy, random ±2-pixel shifts.
 */
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { AdamW, Rng, initBackend, loadMnist, pixelsToTensor, saveModelState } from "@vsd/core";
import type { ImageSplit } from "@vsd/core";
import { MNIST_MLP_DIMS, createMnistMlp } from "../src/extractors/mnist-mlp.js";

const EPOCHS = Number(process.env.EPOCHS ?? 30);
const SEED = Number(process.env.SEED ?? 0);
const BATCH = 128;
const OUT = fileURLToPath(new URL("../assets/mnist-mlp/", import.meta.url));

const info = await initBackend({ log: false });
const data = loadMnist();
const rng = new Rng(SEED);
const model = createMnistMlp(SEED);
const opt = new AdamW(model.params.variables, { learningRate: 1e-3, weightDecay: 1e-4 });

/** Random integer shift of each 28×28 image by up to ±2 pixels (zero fill). */
function shiftBatch(src: Uint8Array, idx: Int32Array, r: Rng): Uint8Array {
  const out = new Uint8Array(idx.length * 784);
  for (let b = 0; b < idx.length; b++) {
    const dy = r.int(5) - 2;
    const dx = r.int(5) - 2;
    const base = idx[b]! * 784;
    for (let y = 0; y < 28; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= 28) continue;
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < 28) out[b * 784 + y * 28 + x] = src[base + sy * 28 + sx]!;
      }
    }
  }
  return out;
}

function accuracy(split: ImageSplit): number {
  let correct = 0;
  for (let s = 0; s < split.n; s += 500) {
    const m = Math.min(500, split.n - s);
    const x = pixelsToTensor(split.pixels.subarray(s * 784, (s + m) * 784), data, m);
    const pred = tf.tidy(() => tf.argMax(model.logits(x), 1).dataSync());
    x.dispose();
    for (let i = 0; i < m; i++) if (pred[i] === split.labels![s + i]) correct++;
  }
  return correct / split.n;
}

const stepsPerEpoch = Math.floor(data.train.n / BATCH);
const total = EPOCHS * stepsPerEpoch;
let step = 0;
const t0 = performance.now();
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const perm = rng.permutation(data.train.n);
  let lossSum = 0;
  for (let s = 0; s < stepsPerEpoch; s++) {
    const idx = perm.subarray(s * BATCH, (s + 1) * BATCH);
    const x = pixelsToTensor(shiftBatch(data.train.pixels, idx, rng), data, BATCH);
    const labels = new Int32Array(BATCH);
    for (let i = 0; i < BATCH; i++) labels[i] = data.train.labels![idx[i]!]!;
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
    opt.setLearningRate(1e-3 * 0.5 * (1 + Math.cos((Math.PI * step) / total)));
    lossSum += opt.step(() => tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(model.logits(x))), 1))) as tf.Scalar));
    x.dispose();
    y.dispose();
    step++;
  }
  console.log(`epoch ${epoch + 1}/${EPOCHS} loss ${(lossSum / stepsPerEpoch).toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
const trainAccuracy = accuracy(data.train);
const testAccuracy = accuracy(data.test);
console.log(`train accuracy ${(100 * trainAccuracy).toFixed(2)}%, held-out test accuracy ${(100 * testAccuracy).toFixed(2)}% (${data.test.n} digits)`);
await saveModelState(OUT, {
  params: model.params,
  meta: {
    dims: MNIST_MLP_DIMS,
    feature: "penultimate layer (128-d, ReLU)",
    data: "core loadMnist() default split (seed 0, testFraction 0.2)",
    trainN: data.train.n,
    testN: data.test.n,
    epochs: EPOCHS,
    seed: SEED,
    trainAccuracy,
    testAccuracy,
    backend: info.name,
  },
});
console.log(`weights written to ${OUT}`);
