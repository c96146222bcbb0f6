import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError, createVsd, makeBatch, syntheticStationary } from "@vsd/core";
import { describeDecompositionContract } from "@vsd/core/testing";
import { sdsbDecomposition } from "../index.js";
import { SdsbDecomposition } from "./sdsb-decomposition.js";
import { SdsbModel } from "./sdsb-model.js";

describeDecompositionContract("sdsb", () => sdsbDecomposition({ model: { steps: 4 } }));

const G = 0.01;
const data = () => syntheticStationary({ n: 64, nTest: 8, rows: 2, cols: 2, cell: 2, channels: 1, seed: 0 });

/** Sample variance of (b − a) over all entries. */
function incrementVariance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = b[i]! - a[i]!;
    s += d;
    s2 += d * d;
  }
  const m = s / a.length;
  return s2 / a.length - m * m;
}

describe("SdsbDecomposition: subtasks are bridge steps", () => {
  it("registers as 'sdsb'; N subtasks bridge/kofN with t = k/N and γ_k; the last step is the noise-free one", () => {
    const vsd = createVsd({ plugins: [sdsbDecomposition({ model: { steps: 4, noise: { kind: "constant", g: G } } })] });
    const s = vsd.decomposition("sdsb").subtasks();
    expect(s.map((x) => x.key)).toEqual(["bridge/0of4", "bridge/1of4", "bridge/2of4", "bridge/3of4"]);
    expect(s.map((x) => x.params["t"])).toEqual([0, 0.25, 0.5, 0.75]);
    expect(s.every((x) => x.params["gamma"] === G)).toBe(true);
    expect(s.map((x) => x.group)).toEqual(["noisy-step", "noisy-step", "noisy-step", "noise-free-step"]);
    expect(() => new SdsbDecomposition({ prepareSteps: -1 })).toThrow(VsdError);
  });

  it("before prepare: pairs follow the reference walk — increments of variance 2γ, none into position 0, target of the last step = the images", () => {
    const d = new SdsbDecomposition({ model: { steps: 4, noise: { kind: "constant", g: G } } });
    const ds = data();
    const before = tf.memory().numTensors;
    const { images } = makeBatch(ds, ds.train, Int32Array.from({ length: 64 }, (_, i) => i));
    const x = images.dataSync() as Float32Array;
    const D = x.length / 64;
    const split = (k: number) => {
      const { condition, target } = d.pairs(images, d.subtasks()[k]!, new Rng(k));
      const c = condition.dataSync();
      const xk = new Float32Array(64 * D);
      for (let i = 0; i < 64; i++) for (let j = 0; j < D; j++) xk[i * D + j] = c[i * (D + 1) + j]!;
      const t = c[D]!;
      const y = new Float32Array(target.dataSync() as Float32Array);
      tf.dispose([condition, target]);
      return { xk, y, t };
    };
    const last = split(3);
    expect(last.y).toEqual(x);
    expect(last.t).toBeCloseTo(0.75, 6);
    // 64·D increments: the sample variance is within a few % of 2γ.
    for (const k of [1, 2, 3]) {
      const p = split(k);
      expect(incrementVariance(p.xk, p.y) / (2 * G)).toBeGreaterThan(0.85);
      expect(incrementVariance(p.xk, p.y) / (2 * G)).toBeLessThan(1.15);
    }
    const first = split(0);
    expect(incrementVariance(first.xk, first.y)).toBe(0);
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("after prepare: pairs come from the learned F, deterministically; models start from the prepared networks", async () => {
    const d = new SdsbDecomposition({ prepareBatchSize: 16, model: { steps: 4, noise: { kind: "constant", g: G } } });
    const ds = data();
    let calls = 0;
    await d.prepare(ds, { rng: new Rng(1), steps: 9, onProgress: () => calls++ });
    expect(calls).toBe(9);
    const trained = d.prepared!;
    // 3 flow-matching steps, then an F phase and a B phase of 3 steps each.
    expect(trained.stepCount).toBe(9);
    const before = tf.memory().numTensors;
    const { images } = makeBatch(ds, ds.train, Int32Array.from({ length: 8 }, (_, i) => i));
    const a = d.pairs(images, d.subtasks()[1]!, new Rng(5));
    const b = d.pairs(images, d.subtasks()[1]!, new Rng(5));
    expect(a.condition.dataSync()).toEqual(b.condition.dataSync());
    const last = d.pairs(images, d.subtasks()[3]!, new Rng(5));
    expect(last.target.dataSync()).toEqual(images.dataSync());
    tf.dispose([a.condition, a.target, b.condition, b.target, last.condition, last.target, images]);
    expect(tf.memory().numTensors).toBe(before);
    const m = d.createModel({ shape: ds, seed: 3, size: "XS" }) as SdsbModel;
    expect(m.bridge.getWeights()).toEqual(trained.bridge.getWeights());
    m.dispose();
    d.dispose();
  });
});

describe("SdsbModel", () => {
  const shape = { height: 2, width: 2, channels: 1 };

  it("untrained (zero-output nets): subtask NLL is the reference walk's, ½ln(2π·2γ) + ½ per dim, and ½ln(2π·2γ) at step 0", () => {
    const m = new SdsbModel({ shape, seed: 0, steps: 4, noise: { kind: "constant", g: G } });
    const ds = syntheticStationary({ n: 512, nTest: 8, rows: 2, cols: 2, cell: 1, channels: 1, seed: 1 });
    const { images } = makeBatch(ds, ds.train, Int32Array.from({ length: 512 }, (_, i) => i));
    const base = 0.5 * Math.log(2 * Math.PI * 2 * G);
    const subtask = (k: number) => ({ index: k, key: `bridge/${k}of4`, params: { step: k } });
    // 2048 squared standard normals: the mean is within ~0.03 (1 s.e.) of 1.
    expect(m.subtaskLoss(images, subtask(2), new Rng(2)) - base).toBeCloseTo(0.5, 1);
    expect(m.subtaskLoss(images, subtask(0), new Rng(2))).toBeCloseTo(base, 6);
    expect(() => m.subtaskLoss(images, { index: 9, key: "other", params: {} }, new Rng(2))).toThrow(VsdError);
    images.dispose();
    m.dispose();
  });

  it("schedule: flow matching, then F and B phases; nll is NOT_SUPPORTED; save/load round-trips", async () => {
    const ds = syntheticStationary({ n: 16, nTest: 4, rows: 2, cols: 2, cell: 1, channels: 1, seed: 1 });
    const before = tf.memory().numTensors;
    const m = new SdsbModel({ shape, seed: 0, steps: 4, flowMatchingSteps: 2, phaseSteps: 2 });
    const stages: string[] = [];
    const rng = new Rng(3);
    for (let s = 0; s < 7; s++) {
      stages.push(m.stage);
      const b = makeBatch(ds, ds.train, Int32Array.from({ length: 8 }, (_, i) => i));
      expect(Number.isFinite(m.trainStep(b, rng).loss)).toBe(true);
      b.images.dispose();
    }
    expect(stages).toEqual(["flow-matching", "flow-matching", "forward", "forward", "backward", "backward", "forward"]);
    const batch = makeBatch(ds, ds.test, Int32Array.from({ length: 4 }, (_, i) => i));
    await expect(m.nll(batch, new Rng(0))).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
    batch.images.dispose();
    const dir = await mkdtemp(join(tmpdir(), "sdsb-"));
    try {
      await m.save(dir);
      const m2 = new SdsbModel({ shape, seed: 99, steps: 4, flowMatchingSteps: 2, phaseSteps: 2 });
      await m2.load(dir);
      expect(m2.stepCount).toBe(7);
      const [s1, s2] = [await m.sample(5, new Rng(4)), await m2.sample(5, new Rng(4))];
      expect(s2.dataSync()).toEqual(s1.dataSync());
      const v = s1.dataSync();
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      tf.dispose([s1, s2]);
      m2.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
