import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@vsd/core";
import { gaussianW2, momentErrors, moments2d, sampleGaussian2d, type Gaussian2d } from "./gaussian-2d.js";
import { populationSdsb } from "./gaussian-ipf.js";
import { SDSB_TARGETS, SimplifiedDsb } from "./sdsb.js";

const PRIOR: Gaussian2d = { mean: [0, 0], cov: [1, 0, 1] };
const TARGET: Gaussian2d = { mean: [2, -1], cov: [1.5, 0.9, 1.0] };
const sampleTarget = (n: number, rng: Rng) => sampleGaussian2d(TARGET, n, rng);

/**
 * Three outer IPF iterations, 20 000 samples per evaluation, N = 8, FM 600
 * steps, batch 512, peak IPF rate 1e-2:
 * - γ = 0.02, 800 + 800 steps per iteration, all three targets;
 * - γ = 0.03, 400 + 400 steps per iteration, previous-state target.
 * The previous-state target (S-DSB) must transport within tolerance and be
 * closer than the flow-matching init after every iteration (covariance error
 * and W2), tracking the exact algorithm (`populationSdsb`). The terminal and
 * flow targets cannot: with exact regressions their first iteration already
 * moves the covariance error from 0.119 to 0.650 (γ = 0.02), so the test
 * asserts that documented behaviour (README) instead.
 */
const CASES = [
  ...SDSB_TARGETS.map((target) => ({ target, g: 0.02, phase: 800, covTol: 0.08 })),
  { target: "previous" as const, g: 0.03, phase: 400, covTol: 0.16 },
];

describe.skipIf(!process.env.VSD_SLOW)("S-DSB on 2-D Gaussians, three IPF iterations (VSD_SLOW)", () => {
  for (const { target, g, phase, covTol } of CASES) {
    it(`target "${target}", γ = ${g}`, () => {
      const before = tf.memory().numTensors;
      const s = new SimplifiedDsb(1, { target, steps: 8, noise: { kind: "constant", g }, batchSize: 512, ipfLearningRate: 1e-2 });
      const rng = new Rng(2);
      const evaluate = () => {
        const m = moments2d(s.sample(20000, new Rng(77)));
        return { ...momentErrors(m, TARGET), w2: gaussianW2(m, TARGET) };
      };
      s.pretrainFlowMatching(sampleTarget, 600, rng);
      const errs = [evaluate()];
      const prior: number[] = [];
      for (let o = 0; o < 3; o++) {
        s.trainEpoch("forward", sampleTarget, phase, rng);
        prior.push(momentErrors(moments2d(s.encode(sampleTarget(20000, new Rng(8)), new Rng(9))), PRIOR).cov);
        s.trainEpoch("backward", sampleTarget, phase, rng);
        errs.push(evaluate());
      }
      const pop = populationSdsb(PRIOR, TARGET, { steps: 8, gammas: s.gammas, target, iterations: 3 });
      const popCov = pop.data.map((x) => momentErrors(x, TARGET).cov);
      const f = (v: number) => v.toFixed(3);
      console.log(
        `[s-dsb ${target} γ=${g}] mean ${errs.map((e) => f(e.mean)).join(" → ")}; cov ${errs.map((e) => f(e.cov)).join(" → ")} ` +
          `(population ${popCov.map(f).join(" → ")}); W2 ${errs.map((e) => f(e.w2)).join(" → ")}; F(data) cov vs N(0,I) ${prior.map(f).join(" → ")}`,
      );
      for (const e of errs) expect(Number.isFinite(e.mean) && Number.isFinite(e.cov)).toBe(true);
      const fm = errs[0]!;
      if (target === "previous") {
        for (const [i, e] of errs.slice(1).entries()) {
          expect(e.mean).toBeLessThan(0.06);
          expect(e.cov).toBeLessThan(covTol);
          expect(e.cov).toBeLessThan(fm.cov);
          expect(e.w2).toBeLessThan(fm.w2);
          expect(Math.abs(e.cov - popCov[i + 1]!)).toBeLessThan(0.06);
        }
      } else {
        // The straight-line readout's documented failure: worse than the init after iteration 1 (population 5.5×).
        expect(errs[1]!.cov).toBeGreaterThan(2 * fm.cov);
        expect(popCov[1]!).toBeGreaterThan(5 * popCov[0]!);
      }
      s.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
