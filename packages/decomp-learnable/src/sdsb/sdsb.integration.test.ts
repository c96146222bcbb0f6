import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@vsd/core";
import { momentErrors, moments2d, sampleGaussian2d, type Gaussian2d } from "./gaussian-2d.js";
import { SDSB_TARGETS, SimplifiedDsb } from "./sdsb.js";

const TARGET: Gaussian2d = { mean: [2, -1], cov: [1.5, 0.9, 1.0] };
const sampleTarget = (n: number, rng: Rng) => sampleGaussian2d(TARGET, n, rng);

/**
 * Three outer IPF iterations for each target, 20 000 samples per evaluation
 * (moment noise ≈ 0.02 mean, 0.04 covariance). Asserts transport within
 * tolerance after every iteration for the S-DSB ("previous") target, and
 * records whether each iteration is closer than the flow-matching init.
 */
describe.skipIf(!process.env.VSD_SLOW)("S-DSB on 2-D Gaussians, three IPF iterations (VSD_SLOW)", () => {
  for (const target of SDSB_TARGETS) {
    it(`target "${target}"`, () => {
      const before = tf.memory().numTensors;
      const s = new SimplifiedDsb(1, { target, steps: 8, noise: { kind: "constant", g: 0.02 } });
      const rng = new Rng(2);
      s.pretrainFlowMatching(sampleTarget, 600, rng);
      const errs = [momentErrors(moments2d(s.sample(20000, new Rng(77))), TARGET)];
      for (let o = 0; o < 3; o++) {
        s.trainEpoch("forward", sampleTarget, 200, rng);
        s.trainEpoch("backward", sampleTarget, 200, rng);
        errs.push(momentErrors(moments2d(s.sample(20000, new Rng(77))), TARGET));
      }
      console.log(`[s-dsb ${target}] mean err ${errs.map((e) => e.mean.toFixed(3)).join(" → ")}; cov err ${errs.map((e) => e.cov.toFixed(3)).join(" → ")}`);
      if (target === "previous") {
        for (const e of errs.slice(1)) {
          expect(e.mean).toBeLessThan(0.1);
          expect(e.cov).toBeLessThan(0.25);
        }
      }
      for (const e of errs) expect(Number.isFinite(e.mean) && Number.isFinite(e.cov)).toBe(true);
      s.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
