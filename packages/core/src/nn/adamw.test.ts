import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { Rng } from "../rng.js";
import { AdamW } from "./adamw.js";
import { mlp } from "./mlp.js";
import { ParamStore } from "./param-store.js";

/** f(θ) = ½ Σ aᵢ(θᵢ − cᵢ)², gradient a(θ − c). */
const A = [1, 3, 0.5];
const C = [0, 1, -2];
function quadratic(theta: tf.Variable): tf.Scalar {
  return tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(A), tf.square(tf.sub(theta, tf.tensor1d(C)))))) as tf.Scalar);
}

/** AdamW in float64, written out from Loshchilov & Hutter 2019 Alg. 2 / torch.optim.AdamW. */
function referenceSteps(theta0: number[], steps: number, lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[][] {
  let th = [...theta0];
  const m = th.map(() => 0);
  const v = th.map(() => 0);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = th.map((x, i) => A[i]! * (x - C[i]!));
    th = th.map((x, i) => {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mh = m[i]! / (1 - b1 ** t);
      const vh = v[i]! / (1 - b2 ** t);
      return x * (1 - lr * wd) - (lr * mh) / (Math.sqrt(vh) + eps);
    });
    out.push(th);
  }
  return out;
}

describe("AdamW", () => {
  it("first two steps match the hand-computed update (with decoupled weight decay)", () => {
    const before = tf.memory().numTensors;
    const theta0 = [1, -2, 0.5];
    const theta = tf.tidy(() => tf.variable(tf.tensor1d(theta0)));
    const opt = new AdamW([theta], { learningRate: 0.1, weightDecay: 0.2 });
    const ref = referenceSteps(theta0, 2, 0.1, 0.2);
    // Step 1 by hand: m̂ = g, v̂ = g², so θ₁ = θ₀(1 − 0.02) − 0.1·sign(g).
    expect(ref[0]![0]).toBeCloseTo(1 * 0.98 - 0.1, 7);
    expect(ref[0]![1]).toBeCloseTo(-2 * 0.98 + 0.1, 7);
    const l1 = opt.step(() => quadratic(theta));
    expect(l1).toBeCloseTo(0.5 * (1 + 3 * 9 + 0.5 * 6.25), 5);
    Array.from(theta.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(ref[0]![i]!, 6));
    opt.step(() => quadratic(theta));
    Array.from(theta.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(ref[1]![i]!, 6));
    expect(opt.stepCount).toBe(2);
    opt.dispose();
    theta.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("converges on a quadratic, with tensor count flat across steps", () => {
    const before = tf.memory().numTensors;
    const theta = tf.tidy(() => tf.variable(tf.tensor1d([5, -5, 5])));
    const opt = new AdamW([theta], { learningRate: 0.05 });
    const counts: number[] = [];
    let loss = Infinity;
    for (let i = 0; i < 400; i++) {
      loss = opt.step(() => quadratic(theta));
      if (i % 100 === 99) counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(loss).toBeLessThan(1e-3);
    Array.from(theta.dataSync()).forEach((x, i) => expect(Math.abs(x - C[i]!)).toBeLessThan(0.05));
    opt.dispose();
    theta.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("clipNorm scales the gradient to the given global norm before the moments", () => {
    const before = tf.memory().numTensors;
    const theta = tf.tidy(() => tf.variable(tf.tensor1d([1, -2, 0.5])));
    const opt = new AdamW([theta], { learningRate: 0.1, clipNorm: 0.5 });
    opt.step(() => quadratic(theta));
    const g = [1 * 1, 3 * -3, 0.5 * 2.5];
    const norm = Math.hypot(...g);
    const m = opt.getState().m[0]!;
    g.forEach((gi, i) => expect(m[i]).toBeCloseTo(0.1 * gi * (0.5 / (norm + 1e-6)), 6));
    opt.dispose();
    theta.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a NaN loss throws NON_FINITE naming the loss and the step, leaves weights untouched, leaks nothing", () => {
    const before = tf.memory().numTensors;
    const theta = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3])));
    const opt = new AdamW([theta], { learningRate: 0.1 });
    opt.step(() => quadratic(theta));
    const w = Array.from(theta.dataSync());
    expect(() => opt.step(() => tf.tidy(() => tf.mul(quadratic(theta), NaN) as tf.Scalar))).toThrow(
      expect.objectContaining({ code: "NON_FINITE", message: expect.stringMatching(/Loss is NaN at optimiser step 2/) }),
    );
    expect(Array.from(theta.dataSync())).toEqual(w);
    expect(opt.stepCount).toBe(1);
    opt.dispose();
    theta.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("getState/setState resume gives bit-identical next steps on an MLP", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(7);
    const x = rng.normalTensor([16, 6]);
    const y = rng.normalTensor([16, 2]);
    const make = (seed: number) => {
      const store = new ParamStore(new Rng(seed));
      const net = mlp(store, "m", [6, 16, 2], { activation: "gelu" });
      const opt = new AdamW(store.variables, { learningRate: 1e-2, weightDecay: 0.01, clipNorm: 1 });
      const loss = () => tf.losses.meanSquaredError(y, net.apply(x as tf.Tensor2D)) as tf.Scalar;
      return { store, opt, loss };
    };
    const a = make(1);
    for (let i = 0; i < 3; i++) a.opt.step(a.loss);
    const weights = a.store.getWeights();
    const state = a.opt.getState();
    const lossesA = [a.opt.step(a.loss), a.opt.step(a.loss)];
    const b = make(99);
    b.store.setWeights(weights);
    b.opt.setState(state);
    expect(b.opt.stepCount).toBe(3);
    const lossesB = [b.opt.step(b.loss), b.opt.step(b.loss)];
    expect(lossesB).toEqual(lossesA);
    const wa = a.store.getWeights();
    const wb = b.store.getWeights();
    for (const k of Object.keys(wa)) expect(Array.from(wb[k]!.data)).toEqual(Array.from(wa[k]!.data));
    expect(() => b.opt.setState({ ...state, m: state.m.slice(1) })).toThrow(expect.objectContaining({ code: "CHECKPOINT_MISMATCH" }));
    for (const r of [a, b]) {
      r.opt.dispose();
      r.store.dispose();
    }
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(["wasm", "cpu"])("fused update kernel equals the element-wise tensor ops (%s, weight decay, clipping)", async (backend) => {
    const previous = tf.getBackend();
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const rng = new Rng(8);
    const x = rng.normalTensor([32, 6]);
    const y = rng.normalTensor([32, 3]);
    const run = (fusedKernel: boolean) => {
      const store = new ParamStore(new Rng(5));
      const net = mlp(store, "m", [6, 24, 3], { activation: "silu" });
      const opt = new AdamW(store.variables, { learningRate: 3e-2, weightDecay: 0.05, clipNorm: 0.5, fusedKernel });
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) losses.push(opt.step(() => tf.losses.meanSquaredError(y, net.apply(x as tf.Tensor2D)) as tf.Scalar));
      const w = store.getWeights();
      const st = opt.getState();
      opt.dispose();
      store.dispose();
      return { losses, w, st };
    };
    const fused = run(true);
    const ops = run(false);
    fused.losses.forEach((l, i) => expect(l).toBeCloseTo(ops.losses[i]!, 5));
    for (const k of Object.keys(ops.w)) {
      const a = fused.w[k]!.data;
      const b = ops.w[k]!.data;
      a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(b[i]!)));
    }
    fused.st.v.forEach((v, j) => v.forEach((x2, i) => expect(Math.abs(x2 - ops.st.v[j]![i]!)).toBeLessThan(1e-6 + 1e-4 * x2)));
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend(previous);
  });

  it("rejects bad options with INVALID_ARGUMENT", () => {
    const before = tf.memory().numTensors;
    const theta = tf.tidy(() => tf.variable(tf.tensor1d([1])));
    for (const o of [{ learningRate: 0 }, { learningRate: 1e-3, beta2: 1 }, { learningRate: 1e-3, clipNorm: -1 }]) {
      expect(() => new AdamW([theta], o)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
    theta.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
