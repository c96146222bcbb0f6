import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError, loadMnist, makeBatch } from "@vsd/core";
import { describeDecompositionContract } from "@vsd/core/testing";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScaleDecomposition, scaleDecomposition } from "./scale-decomposition.js";
import { ScaleTokenizer } from "./scale-tokenizer.js";

describeDecompositionContract("scale", () => scaleDecomposition({ tokenizer: { codebookSize: 16, hidden: 16, latentDim: 4 }, batchSize: 8 }));

describe("ScaleTokenizer", () => {
  it("rejects scales that do not end at the grid", () => {
    expect(() => new ScaleTokenizer({ height: 28, width: 28, channels: 1 }, { scales: [1, 2, 4] })).toThrow(VsdError);
    expect(() => new ScaleTokenizer({ height: 28, width: 28, channels: 1 }, { scales: [2, 1, 7] })).toThrow(VsdError);
    const t = new ScaleTokenizer({ height: 28, width: 28, channels: 1 }, { hidden: 8 });
    expect(t.scales).toEqual([1, 2, 4, 7]);
    expect(t.tokens).toBe(1 + 4 + 16 + 49);
    t.dispose();
  });
});

describe("ScaleDecomposition options", () => {
  it("rejects prepareSteps that is not an integer ≥ 0 (as the depth decomposition does)", () => {
    for (const prepareSteps of [-1, 2.5, Number.NaN]) {
      expect(() => new ScaleDecomposition({ prepareSteps, tokenizer: { scales: [1, 2, 7] } })).toThrow(VsdError);
    }
    expect(new ScaleDecomposition({ prepareSteps: 0, tokenizer: { scales: [1, 2, 7] } }).subtasks().length).toBe(3);
  });
});

describe("scale decomposition on MNIST (scales 1, 2, 4, 7)", () => {
  const ds = loadMnist({ limit: 200, seed: 2 });
  const dec = new ScaleDecomposition({ tokenizer: { codebookSize: 32, hidden: 32, latentDim: 4, scaleWeighting: "equal" }, batchSize: 16 });
  let before = 0;
  let batch: ReturnType<typeof makeBatch>;
  beforeAll(async () => {
    before = tf.memory().numTensors;
    await dec.prepare(ds, { rng: new Rng(1), steps: 20 });
    batch = makeBatch(ds, ds.test, Int32Array.from({ length: 16 }, (_, i) => i));
  });
  afterAll(() => {
    batch.images.dispose();
    dec.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("partial reconstructions improve scale by scale; pairs telescope to f̂", () => {
    const tok = dec.tokenizer;
    const { n, codes } = tok.encode(batch.images);
    const mse = [0, 1, 2, 3, 4].map((k) =>
      tf.tidy(() => {
        const r = tok.decodeLatents(tok.partialLatents(codes, n, k), n);
        return tf.mean(tf.squaredDifference(r, batch.images)).dataSync()[0]!;
      }),
    );
    console.log("scale MSE (0..4 scales):", mse.map((v) => v.toFixed(4)).join(" "));
    for (let k = 1; k <= 4; k++) expect(mse[k]!).toBeLessThan(mse[k - 1]!);
    const rng = new Rng(0);
    const subs = dec.subtasks();
    expect(subs.map((s) => s.params["size"])).toEqual([1, 2, 4, 7]);
    const p2 = dec.pairs(batch.images, subs[2]!, rng);
    const p3 = dec.pairs(batch.images, subs[3]!, rng);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.add(p2.condition, p2.target), p3.condition))).dataSync()[0]!);
    expect(gap).toBeLessThan(1e-5);
    tf.dispose([p2.condition, p2.target, p3.condition, p3.target]);
  });

  it("the next-scale prior lowers the exact code NLL and samples images", async () => {
    const model = dec.createModel({ shape: ds, seed: 0, size: "XS", learningRate: 3e-3 });
    const rng = new Rng(0);
    const first = await model.nll(batch, rng);
    for (let s = 0; s < 20; s++) {
      const b = makeBatch(ds, ds.train, rng.sample(ds.train.n, 16));
      model.trainStep(b, rng);
      b.images.dispose();
    }
    const after = await model.nll(batch, rng);
    console.log("scale prior code NLL bits/pixel-dim before/after:", first.bitsPerDim, after.bitsPerDim);
    expect(after.bitsPerDim).toBeLessThan(0.8 * first.bitsPerDim);
    const s = await model.sample(2, new Rng(3));
    expect(s.shape).toEqual([2, 28, 28, 1]);
    s.dispose();

    // save/load restores the tokenizer (codebooks, encoder/decoder) as well as the prior:
    // a model over a differently prepared tokenizer scores exactly like the saved one.
    const dir = mkdtempSync(join(tmpdir(), "vsd-scale-"));
    try {
      await model.save(dir);
      const other = new ScaleDecomposition({ tokenizer: { codebookSize: 32, hidden: 32, latentDim: 4, scaleWeighting: "equal" }, batchSize: 16 });
      await other.prepare(ds, { rng: new Rng(99), steps: 2 });
      const copy = other.createModel({ shape: ds, seed: 5, size: "XS", learningRate: 3e-3 });
      expect((await copy.nll(batch, new Rng(0))).bitsPerDim).not.toBeCloseTo(after.bitsPerDim, 6);
      await copy.load(dir);
      expect((await copy.nll(batch, new Rng(0))).bitsPerDim).toBeCloseTo(after.bitsPerDim, 10);
      copy.dispose();
      other.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    model.dispose();
  });
});
