import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { causalMask, multiHeadAttention } from "./attention.js";
import { gelu, silu } from "./activations.js";
import { denseFlops } from "./flops.js";
import { mlp } from "./mlp.js";
import { ParamStore } from "./param-store.js";
import { sinusoidalEmbedding } from "./sinusoidal.js";
import { transformerBlock } from "./transformer.js";

/**
 * Central finite differences of `loss` with respect to a few coordinates of
 * every variable and of the input, compared with tf.variableGrads / tf.grad.
 * Runs on the cpu backend (float32), hence ε = 1e-2 and a 2e-2 relative
 * tolerance (plus a small absolute one for near-zero entries).
 */
function checkGradients(store: ParamStore, input: tf.Tensor, loss: (x: tf.Tensor) => tf.Scalar, rng: Rng, probes = 4): number {
  const eps = 1e-2;
  let checked = 0;
  const { grads, value } = tf.variableGrads(() => loss(input), store.variables);
  const gx = tf.grad(loss)(input);
  const cases: Array<{ target: tf.Variable | null; grad: Float32Array }> = [
    ...store.variables.map((v) => ({ target: v, grad: grads[v.name]!.dataSync() as Float32Array })),
    { target: null, grad: gx.dataSync() as Float32Array },
  ];
  const xData = input.dataSync() as Float32Array;
  const at = (target: tf.Variable | null, values: Float32Array): number =>
    tf.tidy(() => {
      if (target) {
        target.assign(tf.tensor(values, target.shape));
        return loss(input).dataSync()[0]!;
      }
      return loss(tf.tensor(values, input.shape)).dataSync()[0]!;
    });
  for (const { target, grad } of cases) {
    const base = target ? (target.dataSync().slice() as Float32Array) : xData.slice();
    for (let p = 0; p < probes; p++) {
      const i = rng.int(grad.length);
      const plus = base.slice();
      plus[i]! += eps;
      const minus = base.slice();
      minus[i]! -= eps;
      const fd = (at(target, plus) - at(target, minus)) / (2 * eps);
      if (target) at(target, base);
      expect(Math.abs(fd - grad[i]!)).toBeLessThanOrEqual(3e-3 + 2e-2 * Math.abs(grad[i]!));
      checked++;
    }
  }
  tf.dispose([grads, value, gx]);
  return checked;
}

/** A loss that weights every output differently, so no gradient vanishes by symmetry. */
function weightedSum(shape: number[], rng: Rng): ((y: tf.Tensor) => tf.Scalar) & { weights: tf.Tensor } {
  const weights = rng.normalTensor(shape);
  return Object.assign((y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, weights)) as tf.Scalar, { weights });
}

describe("nn layers: gradients against finite differences (cpu backend)", () => {
  let previous = "";
  beforeAll(async () => {
    previous = tf.getBackend();
    await tf.setBackend("cpu");
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  it("dense (rank 2 and rank 3): analytic gradients match central differences", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(1);
    const store = new ParamStore(rng);
    const d = store.dense("d", 5, 3);
    const x = rng.normalTensor([4, 5]);
    const w = weightedSum([4, 3], rng);
    expect(checkGradients(store, x, (z) => w(d.apply(z as tf.Tensor2D)), rng)).toBe(12);
    const x3 = rng.normalTensor([2, 3, 5]);
    const w3 = weightedSum([2, 3, 3], rng);
    const y3 = d.apply(x3 as tf.Tensor3D);
    expect(y3.shape).toEqual([2, 3, 3]);
    // Rank 3 equals rank 2 on the flattened rows.
    const x2 = tf.reshape(x3, [6, 5]) as tf.Tensor2D;
    const y2 = d.apply(x2);
    expect(Array.from(y3.dataSync())).toEqual(Array.from(y2.dataSync()));
    checkGradients(store, x3, (z) => w3(d.apply(z as tf.Tensor3D)), rng);
    tf.dispose([x, x3, x2, y3, y2, w.weights, w3.weights]);
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("mlp with gelu/silu/relu and layerNorm: gradients match central differences", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(2);
    for (const activation of ["gelu", "silu", "relu"] as const) {
      const store = new ParamStore(rng.split());
      const ln = store.layerNorm("ln", 6);
      const net = mlp(store, "mlp", [6, 8, 4], { activation, finalActivation: "silu" });
      const x = rng.normalTensor([3, 6]);
      const w = weightedSum([3, 4], rng);
      const n = checkGradients(store, x, (z) => w(net.apply(ln.apply(z) as tf.Tensor2D)), rng, 3);
      expect(n).toBe(3 * (store.variables.length + 1));
      tf.dispose([x, w.weights]);
      store.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("multi-head causal attention and a transformer block: gradients match central differences", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(3);
    const store = new ParamStore(rng);
    const attn = multiHeadAttention(store, "attn", { dim: 8, heads: 2, causal: true });
    const block = transformerBlock(store, "blk", { dim: 8, heads: 2, mlpRatio: 2, causal: true });
    const x = rng.normalTensor([2, 4, 8]);
    const w = weightedSum([2, 4, 8], rng);
    checkGradients(store, x, (z) => w(block.apply(attn.apply(z as tf.Tensor3D))), rng, 3);
    tf.dispose([x, w.weights]);
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("embedding (one-hot matMul) gradient equals the scatter-add of upstream rows", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(4);
    const store = new ParamStore(rng);
    const emb = store.embedding("e", 5, 3);
    const ids = new Int32Array([1, 4, 1, 0]);
    const up = rng.normalTensor([4, 3]);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(emb.apply(ids), up)), store.variables);
    value.dispose();
    const g = grads[emb.table.name]!.arraySync() as number[][];
    const u = up.arraySync() as number[][];
    const expected = [0, 1, 2, 3, 4].map((r) => [0, 1, 2].map((c) => ids.reduce((s, id, i) => s + (id === r ? u[i]![c]! : 0), 0)));
    g.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[r]![c]!, 6)));
    // Forward equals a row lookup.
    const table = emb.table.arraySync() as number[][];
    const out = tf.tidy(() => emb.apply(ids).arraySync() as number[][]);
    out.forEach((row, i) => expect(row).toEqual(table[ids[i]!]));
    expect(() => emb.apply(new Int32Array([5]))).toThrow(VsdError);
    tf.dispose([up, grads]);
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("nn layers (default backend)", () => {
  it("causal attention: outputs at t do not depend on inputs after t; non-causal ones do", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(5);
    const store = new ParamStore(rng);
    const causal = transformerBlock(store, "c", { dim: 16, heads: 4, causal: true });
    const full = transformerBlock(store, "f", { dim: 16, heads: 4, causal: false });
    const xa = new Float32Array(2 * 6 * 16);
    rng.fillNormal(xa);
    const xb = xa.slice();
    // Change every token from t = 3 on.
    for (let b = 0; b < 2; b++) for (let t = 3; t < 6; t++) for (let c = 0; c < 16; c++) xb[(b * 6 + t) * 16 + c]! += 1 + rng.normal();
    const run = (blk: typeof causal, x: Float32Array) =>
      tf.tidy(() => blk.apply(tf.tensor3d(x, [2, 6, 16])).arraySync() as number[][][]);
    const [ca, cb, fa, fb] = [run(causal, xa), run(causal, xb), run(full, xa), run(full, xb)];
    let maxDiffPrefix = 0;
    let maxDiffPrefixFull = 0;
    let maxDiffSuffix = 0;
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 6; t++)
        for (let c = 0; c < 16; c++) {
          const dc = Math.abs(ca[b]![t]![c]! - cb[b]![t]![c]!);
          if (t < 3) maxDiffPrefix = Math.max(maxDiffPrefix, dc);
          else maxDiffSuffix = Math.max(maxDiffSuffix, dc);
          if (t < 3) maxDiffPrefixFull = Math.max(maxDiffPrefixFull, Math.abs(fa[b]![t]![c]! - fb[b]![t]![c]!));
        }
    expect(maxDiffPrefix).toBeLessThan(1e-6);
    expect(maxDiffSuffix).toBeGreaterThan(1e-2);
    expect(maxDiffPrefixFull).toBeGreaterThan(1e-2);
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("causalMask is 0 on/below the diagonal and very negative above", () => {
    const before = tf.memory().numTensors;
    const m = causalMask(3);
    expect(m.arraySync()).toEqual([
      [0, -1e9, -1e9],
      [0, 0, -1e9],
      [0, 0, 0],
    ]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("gelu (tanh form) and silu match known values", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([-2, -0.5, 0, 1, 3]);
    // torch.nn.functional.gelu(x, approximate="tanh")
    const gt = gelu(x);
    const g = gt.dataSync();
    [-0.04540230, -0.15428599, 0, 0.84119199, 2.99636261].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 5));
    const st = silu(x);
    const s = st.dataSync();
    [-2, -0.5, 0, 1, 3].forEach((v, i) => expect(s[i]).toBeCloseTo(v / (1 + Math.exp(-v)), 5));
    tf.dispose([x, gt, st]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("sinusoidalEmbedding: cos-first layout with geometric frequencies", () => {
    const before = tf.memory().numTensors;
    const e = sinusoidalEmbedding(new Float32Array([0, 1, 250]), 4);
    const a = e.arraySync();
    expect(e.shape).toEqual([3, 4]);
    // freqs = [1, 10000^(-1/2) = 0.01]
    expect(a[0]).toEqual([1, 1, 0, 0]);
    [Math.cos(1), Math.cos(0.01), Math.sin(1), Math.sin(0.01)].forEach((v, i) => expect(a[1]![i]).toBeCloseTo(v, 5));
    [Math.cos(250), Math.cos(2.5), Math.sin(250), Math.sin(2.5)].forEach((v, i) => expect(a[2]![i]).toBeCloseTo(v, 4));
    e.dispose();
    expect(() => sinusoidalEmbedding(new Float32Array([1]), 3)).toThrow(VsdError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("flops: dense 2·rows·in·out; mlp and transformer sums", () => {
    const before = tf.memory().numTensors;
    const store = new ParamStore(new Rng(0));
    expect(denseFlops(128, 784, 512)).toBe(2 * 128 * 784 * 512);
    const net = mlp(store, "m", [785, 512, 512, 784], { activation: "relu" });
    expect(net.flops(128)).toBe(2 * 128 * (785 * 512 + 512 * 512 + 512 * 784));
    const blk = transformerBlock(store, "t", { dim: 32, heads: 4, causal: true });
    // qkv 3d², out d², mlp 8d² per token ×2 FLOPs, plus 4·t²·d per sequence
    expect(blk.flops(2, 10)).toBe(2 * 20 * (3 + 1 + 8) * 32 * 32 + 4 * 2 * 100 * 32);
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
