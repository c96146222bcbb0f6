import type { Subtask } from "@vsd/core";
import { VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { importanceWeightedLoss, laplaceDensity } from "./importance-weighted-loss.js";

const noise = (lambdas: number[]): Subtask[] =>
  lambdas.map((l, index) => ({ index, key: `logsnr/${l}`, params: { logSnr: l } }));

describe("laplaceDensity", () => {
  it("is exp(−|λ−μ|/b)/(2b) and integrates to 1", () => {
    expect(laplaceDensity(0)).toBe(1);
    expect(laplaceDensity(1, 0, 0.5)).toBeCloseTo(Math.exp(-2), 15);
    expect(laplaceDensity(-3, 1, 2)).toBeCloseTo(Math.exp(-2) / 4, 15);
    let s = 0;
    const h = 1e-3;
    for (let l = -20; l < 20; l += h) s += laplaceDensity(l + h / 2, 0.3, 0.7) * h;
    expect(s).toBeCloseTo(1, 6);
  });
});

describe("importanceWeightedLoss", () => {
  it("weights noise subtasks by the Laplace density, normalised over the subtasks given", () => {
    const st = noise([-1, 0, 1]);
    // p(−1) = p(1) = e^−2, p(0) = 1 (μ = 0, b = 0.5): weights e^−2, 1, e^−2 over 1 + 2e^−2.
    const z = 1 + 2 * Math.exp(-2);
    const r = importanceWeightedLoss({ "logsnr/-1": 3, "logsnr/0": 1, "logsnr/1": 5 }, st);
    expect(r.source).toBe("laplace");
    expect(r.weights["logsnr/0"]).toBeCloseTo(1 / z, 14);
    expect(r.value).toBeCloseTo((3 * Math.exp(-2) + 1 + 5 * Math.exp(-2)) / z, 14);
  });

  it("differs from the equal-weight mean when losses vary across λ", () => {
    const st = noise([-4, -2, 0, 2, 4]);
    const losses = { "logsnr/-4": 0.1, "logsnr/-2": 0.2, "logsnr/0": 0.5, "logsnr/2": 0.9, "logsnr/4": 1.2 };
    const r = importanceWeightedLoss(losses, st);
    expect(Math.abs(r.value - 0.58)).toBeGreaterThan(0.05);
    expect(Math.abs(r.value - 0.5)).toBeLessThan(0.02); // dominated by λ = 0
  });

  it("uses user coefficients (record or function) for other decompositions", () => {
    const st: Subtask[] = [
      { index: 0, key: "depth/0", params: { depth: 0 } },
      { index: 1, key: "depth/1", params: { depth: 1 } },
    ];
    const losses = { "depth/0": 2, "depth/1": 4 };
    expect(importanceWeightedLoss(losses, st, { coefficients: { "depth/0": 3, "depth/1": 1 } }).value).toBeCloseTo(2.5, 14);
    expect(importanceWeightedLoss(losses, st, { coefficients: (s) => 1 + s.params["depth"]! }).value).toBeCloseTo(10 / 3, 14);
    expect(() => importanceWeightedLoss(losses, st)).toThrow(VsdError);
  });

  it("rejects missing losses and bad coefficients", () => {
    const st = noise([0, 1]);
    expect(() => importanceWeightedLoss({ "logsnr/0": 1 }, st)).toThrow(VsdError);
    expect(() => importanceWeightedLoss({ "logsnr/0": 1, "logsnr/1": 1 }, st, { coefficients: { "logsnr/0": -1, "logsnr/1": 1 } })).toThrow(VsdError);
  });
});
