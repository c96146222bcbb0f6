import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@vsd/core";
import { gaussianW2, momentErrors, moments2d, sampleGaussian2d, type Gaussian2d } from "./gaussian-2d.js";
import { populationSdsb } from "./gaussian-ipf.js";
import { SimplifiedDsb, type SdsbTarget } from "./sdsb.js";

const PRIOR: Gaussian2d = { mean: [0, 0], cov: [1, 0, 1] };
const TARGET: Gaussian2d = { mean: [2, -1], cov: [1.5, 0.9, 1.0] };
const sampleTarget = (n: number, rng: Rng) => sampleGaussian2d(TARGET, n, rng);

/**
 * Three outer IPF iterations, 20 000 samples per evaluation, N = 8, FM 600
 * steps, batch 512, peak IPF rate 1e-2, weight EMA at rate 0.999 (`emaRate`),
 * network seed 1, training seed 2. After every iteration: mean error <
 * `meanTol`, covariance error < `covTol` and within `popTol` of the exact
 * algorithm (`populationSdsb`), and covariance error and W2 below the
 * flow-matching init's.
 * - previous-state target: γ = 0.02 (800 + 800 steps) and γ = 0.03 (400 + 400);
 * - terminal and flow targets (reference-bridge step, bridge pairs): γ = 0.03 and
 *   γ = 0.02, 800 + 800 steps. Without the EMA, terminal at γ = 0.02 ended
 *   iteration 1 at covariance error 0.075 against the FM init's 0.071 for this
 *   seed; with it 0.055 (README, four seeds, EMA on and off).
 */
const CASES: { target: SdsbTarget; g: number; phase: number; meanTol: number; covTol: number; popTol: number }[] = [
  { target: "previous", g: 0.02, phase: 800, meanTol: 0.06, covTol: 0.08, popTol: 0.06 },
  { target: "previous", g: 0.03, phase: 400, meanTol: 0.06, covTol: 0.16, popTol: 0.06 },
  { target: "terminal", g: 0.03, phase: 800, meanTol: 0.08, covTol: 0.12, popTol: 0.06 },
  { target: "flow", g: 0.03, phase: 800, meanTol: 0.08, covTol: 0.12, popTol: 0.06 },
  { target: "terminal", g: 0.02, phase: 800, meanTol: 0.08, covTol: 0.12, popTol: 0.06 },
  { target: "flow", g: 0.02, phase: 800, meanTol: 0.08, covTol: 0.12, popTol: 0.06 },
];

describe.skipIf(!process.env.VSD_SLOW)("S-DSB on 2-D Gaussians, three IPF iterations (VSD_SLOW)", () => {
  for (const { target, g, phase, meanTol, covTol, popTol } of CASES) {
    it(`target "${target}", γ = ${g}, ${phase} steps per phase`, () => {
      const before = tf.memory().numTensors;
      const s = new SimplifiedDsb(1, { target, steps: 8, noise: { kind: "constant", g }, batchSize: 512, ipfLearningRate: 1e-2, emaRate: 0.999 });
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
      const fm = errs[0]!;
      for (const [i, e] of errs.slice(1).entries()) {
        expect(e.mean).toBeLessThan(meanTol);
        expect(e.cov).toBeLessThan(covTol);
        expect(Math.abs(e.cov - popCov[i + 1]!)).toBeLessThan(popTol);
        expect(e.cov).toBeLessThan(fm.cov);
        expect(e.w2).toBeLessThan(fm.w2);
      }
      s.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
