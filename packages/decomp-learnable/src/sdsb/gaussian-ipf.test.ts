import { describe, expect, it } from "vitest";
import { VsdError } from "@vsd/core";
import { gaussianW2, momentErrors, type Gaussian2d } from "./gaussian-2d.js";
import { populationSdsb } from "./gaussian-ipf.js";
import { noiseScales } from "./noise-scale.js";
import { SDSB_TARGETS } from "./sdsb.js";

const PRIOR: Gaussian2d = { mean: [0, 0], cov: [1, 0, 1] };
const TARGET: Gaussian2d = { mean: [2, -1], cov: [1.5, 0.9, 1.0] };
const G = new Array(8).fill(0.02);
const run = (target: "previous" | "terminal" | "flow", iterations: number, lastStepNoise = false) =>
  populationSdsb(PRIOR, TARGET, { steps: 8, gammas: G, target, iterations, lastStepNoise });
const covErr = (g: Gaussian2d[], ref: Gaussian2d) => g.map((x) => momentErrors(x, ref).cov);

/**
 * The S-DSB algorithm with exact regressions (N = 8, γ = 0.02, N(0, I) →
 * N((2, −1), [[1.5, 0.9], [0.9, 1]])). Reference values from an independent
 * numpy implementation (scripts/sdsb_population_check.py: full joint
 * covariance of all positions, conditional Gaussians). For the previous-state
 * target, a Monte Carlo version with per-step least squares on 200 000
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

  it("terminal (= flow) target, bridge pairs: matches the numpy reference, every iteration closer than the flow-matching init, biased fixed point", () => {
    const r = run("terminal", 3);
    const data = covErr(r.data, TARGET);
    const w2 = r.data.map((x) => gaussianW2(x, TARGET));
    // numpy (scripts/sdsb_population_check.py): cov 0.1779 0.1011 0.0788 0.0655, W2 0.0733 0.0349 0.0365 0.0394.
    [0.1779, 0.1011, 0.0788, 0.0655].forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
    [0.0733, 0.0349, 0.0365, 0.0394].forEach((v, i) => expect(w2[i]).toBeCloseTo(v, 4));
    [0.2162, 0.114, 0.0759].forEach((v, i) => expect(covErr(r.prior, PRIOR)[i]).toBeCloseTo(v, 4));
    for (const g of r.data) expect(momentErrors(g, TARGET).mean).toBeLessThan(1e-9);
    // The flow target's optimum gives the same step as the terminal one.
    expect(covErr(run("flow", 3).data, TARGET)).toEqual(data);
    // γ = 0.03 (numpy: 0.1369 0.0532 0.0517 0.0570).
    const g3 = covErr(populationSdsb(PRIOR, TARGET, { steps: 8, gammas: new Array(8).fill(0.03), target: "terminal", iterations: 3 }).data, TARGET);
    [0.1369, 0.0532, 0.0517, 0.057].forEach((v, i) => expect(g3[i]).toBeCloseTo(v, 4));
    // The Gaussian step with the bridge's variance alone omits w²·Var(x̂ | x_k), so the fixed point is biased (numpy 0.0440).
    expect(momentErrors(run("terminal", 40).data.at(-1)!, TARGET).cov).toBeCloseTo(0.044, 3);
  });

  it("terminal target, trajectory pairs (S-DSB's code): the bridge step on the flow-matching chain leaves the target", () => {
    const r = populationSdsb(PRIOR, TARGET, { steps: 8, gammas: G, target: "terminal", iterations: 3, endpointPairs: "trajectory" });
    const data = covErr(r.data, TARGET);
    // numpy: 0.1779 0.7796 0.7389 0.6104; F's prior side 1.9196 after iteration 1.
    [0.1779, 0.7796, 0.7389, 0.6104].forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
    expect(covErr(r.prior, PRIOR)[0]).toBeCloseTo(1.9196, 4);
  });

  it("all three targets: every IPF iteration is closer to the target than the flow-matching init (covariance error and W2)", () => {
    const ramp = noiseScales(16, { kind: "linear", a: 1e-4, b: 1e-3 });
    const settings = [
      { steps: 8, gammas: new Array(8).fill(0.02) },
      { steps: 8, gammas: new Array(8).fill(0.03) },
      { steps: 16, gammas: ramp },
    ];
    for (const st of settings) {
      for (const target of SDSB_TARGETS) {
        const r = populationSdsb(PRIOR, TARGET, { ...st, target, iterations: 3 });
        const cov = covErr(r.data, TARGET);
        const w2 = r.data.map((x) => gaussianW2(x, TARGET));
        for (let i = 1; i < cov.length; i++) {
          expect(cov[i]).toBeLessThan(cov[0]!);
          expect(w2[i]).toBeLessThan(w2[0]!);
        }
      }
    }
  });

  it("rejects a γ list of the wrong length, a zero γ for terminal/flow, and unknown endpoint pairs", () => {
    expect(() => populationSdsb(PRIOR, TARGET, { steps: 8, gammas: [0.02], target: "previous", iterations: 1 })).toThrow(VsdError);
    // The terminal/flow step needs a Brownian bridge: every γ_k > 0.
    const zero = [...G];
    zero[0] = 0;
    expect(() => populationSdsb(PRIOR, TARGET, { steps: 8, gammas: zero, target: "flow", iterations: 1 })).toThrow(VsdError);
    expect(() => populationSdsb(PRIOR, TARGET, { steps: 8, gammas: G, target: "terminal", iterations: 1, endpointPairs: "x" as never })).toThrow(VsdError);
  });
});
