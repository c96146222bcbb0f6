import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { alphaSigmaFromLogSnr } from "@vsd/core";
import { PREDICTIONS, predictionTarget } from "../prediction.js";
import { preconditionCoefficients } from "./precondition.js";

describe("EDM preconditioning in VP form", () => {
  it("P̂ = out·F + skip·z equals the target computed from x̂ = c_skip z/α + c_out F", () => {
    fc.assert(
      fc.property(fc.double({ min: -14, max: 14, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (l, z, F) => {
        const { alpha, sigma } = alphaSigmaFromLogSnr(l);
        const sv = sigma / alpha;
        const sd = 0.5;
        const xHat = ((sd * sd) / (sv * sv + sd * sd)) * (z / alpha) + ((sv * sd) / Math.sqrt(sv * sv + sd * sd)) * F;
        const epsHat = (z - alpha * xHat) / sigma;
        for (const p of PREDICTIONS) {
          const c = preconditionCoefficients("edm", p, l, sd);
          const expected = predictionTarget(p, xHat, epsHat, l);
          expect(c.out * F + c.skip * z).toBeCloseTo(expected, 5);
        }
        // Network input has the EDM c_in scale: z/(α√(σ_VE² + σ_d²)).
        expect(preconditionCoefficients("edm", "epsilon", l, sd).input).toBeCloseTo(1 / (alpha * Math.sqrt(sv * sv + sd * sd)), 8);
      }),
    );
  });

  it("stays finite at zero SNR and is the identity for 'none'", () => {
    const c = preconditionCoefficients("edm", "v", -Infinity);
    expect([c.input, c.out, c.skip].every(Number.isFinite)).toBe(true);
    expect(preconditionCoefficients("none", "x0", 3)).toEqual({ input: 1, out: 1, skip: 0 });
  });
});
