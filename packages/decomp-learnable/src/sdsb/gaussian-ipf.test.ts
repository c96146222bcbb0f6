import { describe, expect, it } from "vitest";
import { VsdError } from "@vsd/core";
import { momentErrors, type Gaussian2d } from "./gaussian-2d.js";
import { populationSdsb } from "./gaussian-ipf.js";

const PRIOR: Gaussian2d = { mean: [0, 0], cov: [1, 0, 1] };
const TARGET: Gaussian2d = { mean: [2, -1], cov: [1.5, 0.9, 1.0] };
const G = new Array(8).fill(0.02);
const run = (target: "previous" | "terminal" | "flow", iterations: number, lastStepNoise = false) =>
  populationSdsb(PRIOR, TARGET, { steps: 8, gammas: G, target, iterations, lastStepNoise });
const covErr = (g: Gaussian2d[], ref: Gaussian2d) => g.map((x) => momentErrors(x, ref).cov);

/**
 * The S-DSB algorithm with exact regressions (N = 8, γ = 0.02, N(0, I) →
 * N((2, −1), [[1.5, 0.9], [0.9, 1]])). Reference values from an independent
 * numpy implementation (full joint covariance of all positions, conditional
 * Gaussians); a Monte Carlo version with per-step least squares on 200 000
 * trajectories agreed to ≈ 0.015 in covariance error (its sampling noise; README).
 */
describe("population S-DSB on Gaussians (exact regressions)", () => {
  it("previous-state target: matches the numpy reference, and every iteration is closer than the flow-matching init", () => {
    const r = run("previous", 3);
    const data = covErr(r.data, TARGET);
    const prior = covErr(r.prior, PRIOR);
    [0.1186, 0.0286, 0.0178, 0.0136].forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
    [0.1799, 0.0603, 0.0281].forEach((v, i) => expect(prior[i]).toBeCloseTo(v, 4));
    for (const d of data.slice(1)) expect(d).toBeLessThan(data[0]! / 4);
    // Mean matching is exact for the mean in population.
    for (const g of r.data) expect(momentErrors(g, TARGET).mean).toBeLessThan(1e-9);
  });

  it("previous-state target: the iterates converge to both marginals (noise-free last steps); with noise on every step they do not", () => {
    const r = run("previous", 40);
    expect(momentErrors(r.data.at(-1)!, TARGET).cov).toBeLessThan(1e-3);
    expect(momentErrors(r.prior.at(-1)!, PRIOR).cov).toBeLessThan(1e-3);
    const noisy = run("previous", 40, true);
    // numpy: 0.1810 and 0.1484 — Gaussian kernels of fixed variance 2γ are then not the reversal.
    expect(momentErrors(noisy.data.at(-1)!, TARGET).cov).toBeCloseTo(0.181, 3);
    expect(momentErrors(noisy.prior.at(-1)!, PRIOR).cov).toBeCloseTo(0.1484, 3);
  });

  it("terminal (= flow) target: leaves the target in the first iteration and converges to a biased point", () => {
    const r = run("terminal", 3);
    const data = covErr(r.data, TARGET);
    [0.1186, 0.6497, 0.6007, 0.4806].forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
    expect(covErr(r.prior, PRIOR)[0]).toBeCloseTo(1.678, 3);
    // The flow target's optimum gives the same step as the terminal one.
    expect(covErr(run("flow", 3).data, TARGET)).toEqual(data);
    const long = run("terminal", 40);
    expect(momentErrors(long.data.at(-1)!, TARGET).cov).toBeCloseTo(0.1733, 3);
  });

  it("rejects a γ list of the wrong length", () => {
    expect(() => populationSdsb(PRIOR, TARGET, { steps: 8, gammas: [0.02], target: "previous", iterations: 1 })).toThrow(VsdError);
  });
});
