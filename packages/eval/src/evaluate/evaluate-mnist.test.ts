import * as tf from "@tensorflow/tfjs-core";
import type { Batch, GenerativeModel, ImageDataset, NllResult } from "@vsd/core";
import { type Rng, loadMnist, pixelsToTensor } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.js";

const D = 784;

/** Base for two honest reference models on MNIST; only `sample` and `nll` matter here. */
abstract class Base implements GenerativeModel {
  abstract readonly id: string;
  readonly shape = { height: 28, width: 28, channels: 1 };
  trainStep(): { loss: number } {
    return { loss: 0 };
  }
  subtaskLoss(): number {
    return 0;
  }
  abstract nll(batch: Batch): Promise<NllResult>;
  abstract sample(n: number, rng: Rng): Promise<tf.Tensor4D>;
  async save(): Promise<void> {}
  async load(): Promise<void> {}
  numParams(): number {
    return 0;
  }
  dispose(): void {}
}

/** "Samples" real training digits: an upper bound on sample quality, for calibration. */
class ReplayModel extends Base {
  readonly id = "replay-train";
  constructor(private readonly data: ImageDataset) {
    super();
  }
  async nll(): Promise<NllResult> {
    return { bitsPerDim: 8, bound: "exact" }; // uniform over 256 values: exactly 8 bits/dim
  }
  async sample(n: number, rng: Rng): Promise<tf.Tensor4D> {
    const idx = rng.sample(this.data.train.n, n);
    const px = new Uint8Array(n * D);
    for (let i = 0; i < n; i++) px.set(this.data.train.pixels.subarray(idx[i]! * D, (idx[i]! + 1) * D), i * D);
    return pixelsToTensor(px, this.data, n);
  }
}

/** Independent Bernoulli pixels at the training mean intensity: blurry noise, a bad model. */
class MeanNoiseModel extends Base {
  readonly id = "independent-pixels";
  readonly p = new Float64Array(D);
  constructor(data: ImageDataset) {
    super();
    for (let i = 0; i < data.train.n; i++) for (let j = 0; j < D; j++) this.p[j]! += data.train.pixels[i * D + j]! / 255 / data.train.n;
  }
  async nll(): Promise<NllResult> {
    return { bitsPerDim: 8, bound: "exact" };
  }
  async sample(n: number, rng: Rng): Promise<tf.Tensor4D> {
    const out = new Float32Array(n * D);
    for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) out[i * D + j] = rng.uniform() < this.p[j]! ? 1 : -1;
    return tf.tensor4d(out, [n, 28, 28, 1]);
  }
}

describe("evaluate on MNIST with the shipped extractor", () => {
  it("separates replayed real digits from independent-pixel noise on every feature metric", async () => {
    const data = loadMnist();
    const before = tf.memory().numTensors;
    const opts = { samples: 300, seed: 1, kid: { subsets: 10 }, metrics: ["nll", "fid", "kid", "precisionRecall"] as const };
    const good = await evaluate(new ReplayModel(data), data, { ...opts, nllImages: 100 });
    const bad = await evaluate(new MeanNoiseModel(data), data, { ...opts, nllImages: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expect(good.extractor!.id).toBe("mnist-mlp-784-256-128-v1");
    expect(good.nll!.bitsPerDim).toBe(8);
    expect(good.fid!.value).toBeGreaterThan(0);
    expect(bad.fid!.value).toBeGreaterThan(10 * good.fid!.value);
    expect(bad.kid!.mean).toBeGreaterThan(10 * Math.abs(good.kid!.mean));
    expect(good.precision!).toBeGreaterThan(0.8);
    expect(good.recall!).toBeGreaterThan(0.8);
    // Noise features collapse into one small region (measured: recall 0.017), which lies inside
    // the real manifold's large k-NN balls at N = 300 (precision 0.93): the usual P/R reading of
    // a collapsed distribution. Measured for replay: FID 16.5, precision 0.89, recall 0.88;
    // noise: FID 174.6, KID 19.6.
    expect(bad.recall!).toBeLessThan(0.1);
  });
});
