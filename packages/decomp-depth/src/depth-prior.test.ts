import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError, loadMnist, makeBatch } from "@vsd/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DepthDecomposition } from "./depth-decomposition.js";
import { DepthPrior } from "./depth-prior.js";

describe("DepthPrior and DepthModel on MNIST codes", () => {
  const ds = loadMnist({ limit: 200, seed: 1 });
  const dec = new DepthDecomposition({ tokenizer: { depth: 3, codebookSize: 16, hidden: 32, latentDim: 4 }, batchSize: 16 });
  let before = 0;
  let batch: ReturnType<typeof makeBatch>;
  beforeAll(async () => {
    before = tf.memory().numTensors;
    await dec.prepare(ds, { rng: new Rng(3), steps: 15 });
    batch = makeBatch(ds, ds.test, Int32Array.from({ length: 16 }, (_, i) => i));
  });
  afterAll(() => {
    batch.images.dispose();
    dec.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the batched code NLL equals the product of the sequential conditionals (no look-ahead), for both forms", () => {
    for (const form of ["shared", "separate"] as const) {
      const prior = new DepthPrior(dec.tokenizer, { form, hidden: 16, seed: 2 });
      const { n, codes } = dec.tokenizer.encode(batch.images);
      const m = 3;
      const sub = codes.subarray(0, m * dec.tokenizer.positions * 3);
      const batched = prior.codeNll(sub, m).perImage;
      const P = dec.tokenizer.positions;
      const D = 3;
      const K = 16;
      const seq = new Float64Array(m);
      const partial = new Int32Array(sub.length).fill(-1);
      for (let t = 0; t < P; t++)
        for (let d = 0; d < D; d++) {
          const probs = prior.conditionalProbabilities(partial, m, t, d);
          for (let i = 0; i < m; i++) {
            const k = sub[(i * P + t) * D + d]!;
            seq[i]! -= Math.log(probs[i * K + k]!);
            partial[(i * P + t) * D + d] = k;
          }
        }
      for (let i = 0; i < m; i++) expect(batched[i]!).toBeCloseTo(seq[i]!, 2);
      expect(n).toBe(16);
      prior.dispose();
    }
  });

  it("training lowers the exact code NLL; nll reports bits per pixel dim of the codes and bits per code consistently", async () => {
    const model = dec.createModel({ shape: ds, seed: 0, size: "XS", learningRate: 3e-3 });
    const rng = new Rng(0);
    const first = await model.nll(batch, rng);
    const steps: number[] = [];
    for (let s = 0; s < 25; s++) {
      const idx = rng.sample(ds.train.n, 16);
      const b = makeBatch(ds, ds.train, idx);
      const st = model.trainStep(b, rng);
      steps.push(st.loss);
      expect(Object.keys(st.subtaskLosses!)).toEqual(["depth/1", "depth/2", "depth/3"]);
      b.images.dispose();
    }
    const after = (await model.nll(batch, rng)) as Awaited<ReturnType<typeof model.nll>> & { bitsPerCode: number; likelihoodOf: string };
    console.log("code NLL bits/pixel-dim before/after 25 steps:", first.bitsPerDim, after.bitsPerDim, "bits/code", after.bitsPerCode);
    expect(after.bound).toBe("exact");
    expect(after.likelihoodOf).toBe("codes");
    expect(after.bitsPerDim).toBeLessThan(0.8 * first.bitsPerDim);
    expect(after.bitsPerCode * dec.tokenizer.positions * 3).toBeCloseTo(after.bitsPerDim * 784, 6);
    // Uniform over 16 codes would be 4 bits/code; the trained prior beats it.
    expect(after.bitsPerCode).toBeLessThan(4);
    const sl = model.subtaskLoss(batch.images, dec.subtasks()[0]!, rng);
    expect(sl).toBeGreaterThan(0);
    expect(() => model.subtaskLoss(batch.images, { index: 7, key: "depth/8", params: {} }, rng)).toThrow(VsdError);
    const a = await model.sample(3, new Rng(5));
    const b = await model.sample(3, new Rng(5));
    expect(a.shape).toEqual([3, 28, 28, 1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    expect(model.flopsPerStep!(16)).toBeGreaterThan(0);
    model.dispose();
  });

  it("separate heads have about D times the parameters of the shared network", () => {
    const shared = new DepthPrior(dec.tokenizer, { form: "shared", hidden: 32 });
    const separate = new DepthPrior(dec.tokenizer, { form: "separate", hidden: 32 });
    const ratio = separate.numParams() / shared.numParams();
    expect(ratio).toBeGreaterThan(2.8);
    expect(ratio).toBeLessThan(3);
    shared.dispose();
    separate.dispose();
  });

  it("pairs: condition + target of depth d is the condition of depth d + 1, widths equal", () => {
    const rng = new Rng(0);
    const [s1, s2] = dec.subtasks();
    const p1 = dec.pairs(batch.images, s1!, rng);
    const p2 = dec.pairs(batch.images, s2!, rng);
    expect(p1.condition.shape).toEqual(p2.target.shape);
    const sum = tf.add(p1.condition, p1.target);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(sum, p2.condition))).dataSync()[0])).toBeLessThan(1e-6);
    expect(Array.from(p1.condition.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([p1.condition, p1.target, p2.condition, p2.target, sum]);
    expect(() => new DepthDecomposition().tokenizer).toThrow(VsdError);
  });
});
