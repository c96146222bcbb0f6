import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { Rng } from "../rng.js";
import {
  discretizedLogisticLogProb,
  discretizedLogisticLogProbNumber,
  sampleDiscretizedLogistic,
} from "./discretized-logistic.js";

describe("discretized logistic", () => {
  it("masses over the 256 bins sum to 1 (float64 reference), for narrow, wide and off-range logistics", () => {
    for (const [mu, ls] of [[0, -3], [0.3, -7], [-0.99, -1], [1.5, 0.5], [0, 3]] as const) {
      let total = 0;
      for (let k = 0; k < 256; k++) total += Math.exp(discretizedLogisticLogProbNumber(k, mu, ls));
      expect(Math.abs(total - 1)).toBeLessThan(1e-12);
    }
  });

  it("the stable float64 form equals the textbook σ(a) − σ(b) where that is accurate", () => {
    const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));
    for (const [k, mu, ls] of [[0, -0.9, -3], [255, 0.95, -2], [128, 0, -4], [17, -0.8, -1], [200, 0.1, 1]] as const) {
      const y = k / 127.5 - 1;
      const upper = k === 255 ? 1 : sigmoid((y + 1 / 255 - mu) / Math.exp(ls));
      const lower = k === 0 ? 0 : sigmoid((y - 1 / 255 - mu) / Math.exp(ls));
      expect(upper - lower).toBeGreaterThan(1e-6);
      expect(discretizedLogisticLogProbNumber(k, mu, ls)).toBeCloseTo(Math.log(upper - lower), 8);
    }
  });

  it("tensor log-probabilities match the float64 reference within 2e-4 nats, including tiny and edge bins", () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(3);
    const n = 2000;
    const px = new Int32Array(n);
    const mu = new Float32Array(n);
    const ls = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      px[i] = i < 20 ? 0 : i < 40 ? 255 : rng.int(256);
      mu[i] = rng.uniform() * 2.4 - 1.2;
      ls[i] = rng.uniform() * 10 - 8.5; // covers the −7 clamp, s ≫ bin and s ≪ bin
    }
    const y = Float32Array.from(px, (p) => p / 127.5 - 1);
    const got = tf.tidy(() => discretizedLogisticLogProb(tf.tensor1d(y), tf.tensor1d(mu), tf.tensor1d(ls)).dataSync());
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = discretizedLogisticLogProbNumber(px[i]!, mu[i]!, ls[i]!);
      // float32: absolute 2e-4 nats, plus relative 1e-6 for far-tail bins (ln P in the thousands).
      worst = Math.max(worst, Math.abs(got[i]! - want) / (2e-4 + 1e-6 * Math.abs(want)));
    }
    expect(worst).toBeLessThan(1);
    expect(Array.from(got).every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("sampled bins follow the discretized probabilities (chi-square over 20k draws)", () => {
    const rng = new Rng(11);
    const mu = 0.1;
    const ls = -2.5;
    const counts = new Map<number, number>();
    const draws = 20000;
    for (let i = 0; i < draws; i++) {
      const p = sampleDiscretizedLogistic(mu, ls, rng.uniform());
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    let chi2 = 0;
    let cells = 0;
    for (let k = 0; k < 256; k++) {
      const expected = draws * Math.exp(discretizedLogisticLogProbNumber(k, mu, ls));
      if (expected < 20) continue;
      cells++;
      chi2 += ((counts.get(k) ?? 0) - expected) ** 2 / expected;
    }
    // ~cells degrees of freedom; mean cells, sd sqrt(2·cells).
    expect(cells).toBeGreaterThan(10);
    expect(chi2).toBeLessThan(cells + 5 * Math.sqrt(2 * cells));
  });
});
