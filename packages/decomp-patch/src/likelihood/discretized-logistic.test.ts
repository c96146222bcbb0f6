import * as tf from "@tensorflow/tfjs-core";
import "@vsd/core";
import { describe, expect, it } from "vitest";
import { Rng, VsdError } from "@vsd/core";
import { logisticBinLogProb, mixtureLogProb, mixtureParamCount, sampleMixture } from "./discretized-logistic.js";
import { mixtureLogProbTensor } from "./discretized-logistic-tensor.js";

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

describe("discretized logistic (pure)", () => {
  it("the 256 bin masses of one logistic sum to 1, including extreme means and scales", () => {
    for (const [mu, ls] of [[0, -2], [0.3, -7], [-0.99, -4], [1.5, 0], [-3, -7], [0.0039, -7], [0, 3]] as const) {
      let s = 0;
      for (let x = 0; x < 256; x++) s += Math.exp(logisticBinLogProb(x, mu, ls));
      expect(Math.abs(s - 1), `mu=${mu} logs=${ls}`).toBeLessThan(1e-12);
    }
  });

  it("matches the naive σ-difference where that is accurate (known answers)", () => {
    const mu = 0.1;
    const s = Math.exp(-2);
    for (const x of [0, 1, 100, 140, 254, 255]) {
      const y = x / 127.5 - 1;
      const up = x === 255 ? 1 : sigmoid((y + 1 / 255 - mu) / s);
      const lo = x === 0 ? 0 : sigmoid((y - 1 / 255 - mu) / s);
      expect(logisticBinLogProb(x, mu, -2)).toBeCloseTo(Math.log(up - lo), 10);
    }
  });

  it("stays finite and accurate far in the tails (asymptotic known answer)", () => {
    // ~150 scales right of the mean: σ(a) − σ(b) = e^(−b)(1 − e^(−(a−b))) up to O(e^(−2b)).
    const mu = -0.5;
    const ls = -5;
    const s = Math.exp(ls);
    const x = 200;
    const y = x / 127.5 - 1;
    const a = (y + 1 / 255 - mu) / s;
    const b = (y - 1 / 255 - mu) / s;
    const got = logisticBinLogProb(x, mu, ls);
    expect(got).toBeLessThan(-100);
    expect(Math.abs(got - (-b + Math.log(-Math.expm1(-(a - b)))))).toBeLessThan(1e-9);
    // And mirrored, far left of the mean.
    const got2 = logisticBinLogProb(255 - x, -mu, ls);
    expect(Math.abs(got2 - got)).toBeLessThan(1e-9);
  });

  it("a mixture sums to 1 over all 256 values (c = 1) and all 65,536 values (c = 2)", () => {
    const rng = new Rng(3);
    const m = 3;
    const p2 = Array.from({ length: mixtureParamCount(m, 2) }, () => rng.normal());
    let s = 0;
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) s += Math.exp(mixtureLogProb(p2, [a, b], m, 2));
    expect(Math.abs(s - 1)).toBeLessThan(1e-9);
    const p1 = Array.from({ length: mixtureParamCount(m, 1) }, () => rng.normal());
    let s1 = 0;
    for (let a = 0; a < 256; a++) s1 += Math.exp(mixtureLogProb(p1, [a], m, 1));
    expect(Math.abs(s1 - 1)).toBeLessThan(1e-12);
  });

  it("sampling at T = 1 reproduces the bin probabilities (χ²-style check on one coarse channel)", () => {
    const m = 2;
    const params = [0.3, -0.2, -0.5, 0.4, -1.5, -2.0];
    const rng = new Rng(11);
    const n = 20000;
    const counts = new Float64Array(256);
    const px = new Uint8Array(1);
    for (let i = 0; i < n; i++) counts[sampleMixture(params, m, 1, rng, 1, px)[0]!]! += 1;
    // Compare probability mass in 8 coarse bins of 32 values.
    for (let g = 0; g < 8; g++) {
      let pm = 0;
      let cm = 0;
      for (let x = g * 32; x < (g + 1) * 32; x++) {
        pm += Math.exp(mixtureLogProb(params, [x], m, 1));
        cm += counts[x]! / n;
      }
      expect(Math.abs(cm - pm), `group ${g}`).toBeLessThan(4 * Math.sqrt((pm * (1 - pm)) / n) + 1e-3);
    }
  });

  it("low temperature picks the heaviest component and narrows it", () => {
    const params = [2, 0, -0.5, 0.5, -3, -3]; // weights ∝ (e², 1), means −0.5 and 0.5
    const rng = new Rng(1);
    const px = new Uint8Array(1);
    const centre = Math.round((-0.5 + 1) * 127.5);
    let maxDev = 0;
    for (let i = 0; i < 500; i++) maxDev = Math.max(maxDev, Math.abs(sampleMixture(params, 2, 1, rng, 0.05, px)[0]! - centre));
    // At T = 0.05 the other component has weight ~e^(−40), and the scale is e^(−3)·0.05 ≈ 0.0025 (≈ 0.3 bins).
    expect(maxDev).toBeLessThanOrEqual(3);
    let maxDevWarm = 0;
    for (let i = 0; i < 500; i++) maxDevWarm = Math.max(maxDevWarm, Math.abs(sampleMixture(params, 2, 1, rng, 1, px)[0]! - centre));
    expect(maxDevWarm).toBeGreaterThan(20);
  });

  it("rejects values outside 0..255", () => {
    expect(() => logisticBinLogProb(256, 0, 0)).toThrow(VsdError);
    expect(() => logisticBinLogProb(1.5, 0, 0)).toThrow(VsdError);
  });
});

describe("discretized logistic (tensor)", () => {
  it("agrees with the pure version for c = 1 and c = 3 (float32 tolerance), without leaks", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(5);
    for (const c of [1, 3]) {
      const m = 4;
      const K = mixtureParamCount(m, c);
      const n = 3;
      const P = 5;
      const params = new Float32Array(n * P * K).map(() => rng.normal() * 1.5);
      const xs = new Uint8Array(n * P * c).map((_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? 255 : rng.int(256)));
      const ys = Float32Array.from(xs, (x) => x / 127.5 - 1);
      const pt = tf.tensor3d(params, [n, P, K]);
      const yt = tf.tensor3d(ys, [n, P, c]);
      const lp = mixtureLogProbTensor(pt, yt, m, c);
      const got = lp.dataSync();
      for (let i = 0; i < n * P; i++) {
        const want = mixtureLogProb(params.subarray(i * K, (i + 1) * K), xs.subarray(i * c, (i + 1) * c), m, c);
        expect(Math.abs(got[i]! - want), `c=${c} i=${i}`).toBeLessThan(2e-3 + 1e-4 * Math.abs(want));
      }
      tf.dispose([lp, pt, yt]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("has finite gradients at extreme parameters", () => {
    const before = tf.memory().numTensors;
    const params = tf.tensor3d([[[0, 5, -9], [0, -5, 4], [0, 0, -7]]]); // m = 1, c = 1: [logit, mu, logs]
    const ys = tf.tensor3d([[[-1], [1], [0.5]]]);
    const g = tf.grad((p: tf.Tensor) => tf.sum(mixtureLogProbTensor(p as tf.Tensor3D, ys, 1, 1)))(params);
    for (const v of g.dataSync()) expect(Number.isFinite(v)).toBe(true);
    tf.dispose([params, ys, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
