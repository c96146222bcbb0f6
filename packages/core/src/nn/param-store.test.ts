import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { ParamStore } from "./param-store.js";

describe("ParamStore", () => {
  it("creates named variables in order, counts parameters, rejects duplicate names", () => {
    const before = tf.memory().numTensors;
    const store = new ParamStore(new Rng(0));
    store.dense("a", 3, 4);
    store.layerNorm("ln", 4);
    store.embedding("e", 10, 4);
    store.variable("free", [2], new Float32Array([7, 8]));
    expect(store.paramNames()).toEqual(["a/kernel", "a/bias", "ln/gamma", "ln/beta", "e/table", "free"]);
    expect(store.variables.map((v) => v.shape)).toEqual([[3, 4], [4], [4], [4], [10, 4], [2]]);
    expect(store.numParams()).toBe(12 + 4 + 8 + 40 + 2);
    expect(Array.from(store.get("free").dataSync())).toEqual([7, 8]);
    expect(Array.from(store.get("ln/gamma").dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(store.get("a/bias").dataSync())).toEqual([0, 0, 0, 0]);
    expect(() => store.dense("a", 3, 4)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => store.variable("bad", [2, 0], "zeros")).toThrow(VsdError);
    expect(() => store.variable("bad2", [3], new Float32Array(2))).toThrow(expect.objectContaining({ code: "INVALID_SHAPE" }));
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("initialisation is a function of the seed and the name only; glorot limit and normal std hold", () => {
    const before = tf.memory().numTensors;
    const s1 = new ParamStore(new Rng(42));
    const s2 = new ParamStore(new Rng(42));
    const s3 = new ParamStore(new Rng(43));
    s2.dense("other", 5, 5); // extra layer created first must not shift "w"
    const [w1, w2, w3] = [s1, s2, s3].map((s) => s.dense("w", 200, 300).kernel.dataSync());
    expect(Array.from(w1!)).toEqual(Array.from(w2!));
    expect(Array.from(w1!)).not.toEqual(Array.from(w3!));
    const limit = Math.sqrt(6 / 500);
    let sumSq = 0;
    for (const x of w1!) {
      expect(Math.abs(x)).toBeLessThanOrEqual(limit);
      sumSq += x * x;
    }
    // Uniform(−a, a) has variance a²/3; 60 000 draws → ±2 % easily.
    expect(sumSq / w1!.length / (limit * limit / 3)).toBeCloseTo(1, 1);
    const n = Array.from(s1.variable("n", [20000], { normal: 0.5 }).dataSync());
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const std = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(std).toBeCloseTo(0.5, 1);
    [s1, s2, s3].forEach((s) => s.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it("getWeights/setWeights round trip; mismatched names or shapes → CHECKPOINT_MISMATCH with nothing changed", () => {
    const before = tf.memory().numTensors;
    const a = new ParamStore(new Rng(1));
    const b = new ParamStore(new Rng(2));
    for (const s of [a, b]) {
      s.dense("x", 4, 3);
      s.layerNorm("n", 3);
    }
    const wa = a.getWeights();
    const wbBefore = b.getWeights();
    expect(Array.from(wa["x/kernel"]!.data)).not.toEqual(Array.from(wbBefore["x/kernel"]!.data));
    b.setWeights(wa);
    const wb = b.getWeights();
    for (const k of Object.keys(wa)) expect(Array.from(wb[k]!.data)).toEqual(Array.from(wa[k]!.data));

    const c = new ParamStore(new Rng(3));
    c.dense("x", 4, 2);
    c.layerNorm("n", 3);
    const cBefore = c.getWeights();
    expect(() => c.setWeights(wa)).toThrow(expect.objectContaining({ code: "CHECKPOINT_MISMATCH" }));
    // "n/gamma" would have matched, but nothing may be written when any entry mismatches.
    expect(Array.from(c.get("n/gamma").dataSync())).toEqual(Array.from(cBefore["n/gamma"]!.data));
    const missing = { ...wa };
    delete missing["n/beta"];
    expect(() => b.setWeights(missing)).toThrow(/missing \[n\/beta\]/);
    [a, b, c].forEach((s) => s.dispose());
    expect(() => a.getWeights()).toThrow(VsdError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("dense and layerNorm compute the textbook formulas", () => {
    const before = tf.memory().numTensors;
    const s = new ParamStore(new Rng(0));
    const d = s.dense("d", 2, 2, { init: "zeros" });
    tf.tidy(() => {
      d.kernel.assign(tf.tensor2d([[1, 2], [3, 4]]));
      d.bias!.assign(tf.tensor1d([0.5, -1]));
    });
    const y = tf.tidy(() => d.apply(tf.tensor2d([[1, 1], [2, -1]])).arraySync());
    expect(y).toEqual([[4.5, 5], [-0.5, -1]]);
    const ln = s.layerNorm("ln", 4);
    const z = tf.tidy(() => ln.apply(tf.tensor2d([[1, 2, 3, 4]])).dataSync());
    // (x − 2.5)/√(1.25 + 1e-5)
    [-1.5, -0.5, 0.5, 1.5].forEach((v, i) => expect(z[i]).toBeCloseTo(v / Math.sqrt(1.25 + 1e-5), 5));
    expect(() => tf.tidy(() => d.apply(tf.zeros([3, 3]) as tf.Tensor2D))).toThrow(expect.objectContaining({ code: "INVALID_SHAPE" }));
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
