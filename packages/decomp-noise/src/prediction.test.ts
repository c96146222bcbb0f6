import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { alphaSigmaFromLogSnr } from "@vsd/core";
import { PREDICTIONS, convertPrediction, logMseFactor, predictionTarget, predictionToXEps } from "./prediction.js";

const lam = fc.double({ min: -12, max: 12, noNaN: true });
const val = fc.double({ min: -3, max: 3, noNaN: true });

describe("prediction targets", () => {
  it("each target maps back to (x, ε) from z = αx + σε", () => {
    fc.assert(
      fc.property(lam, val, val, (l, x, eps) => {
        const { alpha, sigma } = alphaSigmaFromLogSnr(l);
        const z = alpha * x + sigma * eps;
        for (const p of PREDICTIONS) {
          const r = predictionToXEps(p, z, predictionTarget(p, x, eps, l), l);
          expect(r.x).toBeCloseTo(x, 6);
          expect(r.eps).toBeCloseTo(eps, 6);
        }
      }),
    );
  });

  it("conversions round-trip between every pair", () => {
    fc.assert(
      fc.property(lam, val, val, (l, z, out) => {
        for (const a of PREDICTIONS) {
          for (const b of PREDICTIONS) {
            expect(convertPrediction(b, a, z, convertPrediction(a, b, z, out, l), l)).toBeCloseTo(out, 6);
          }
        }
      }),
    );
  });

  it("‖target − target̂‖² = factor · ‖ε − ε̂‖² (REFERENCES §1.1)", () => {
    fc.assert(
      fc.property(lam, val, val, val, (l, x, eps, epsHat) => {
        fc.pre(Math.abs(eps - epsHat) > 1e-3);
        const { alpha, sigma } = alphaSigmaFromLogSnr(l);
        const z = alpha * x + sigma * eps;
        const xHat = (z - sigma * epsHat) / alpha;
        for (const p of PREDICTIONS) {
          const d = predictionTarget(p, x, eps, l) - predictionTarget(p, xHat, epsHat, l);
          expect((d * d) / (eps - epsHat) ** 2 / Math.exp(logMseFactor(p, l))).toBeCloseTo(1, 6);
        }
      }),
    );
  });

  it("v = αε − σx and flow = ε − x", () => {
    const { alpha, sigma } = alphaSigmaFromLogSnr(1.3);
    expect(predictionTarget("v", 0.4, -0.2, 1.3)).toBeCloseTo(alpha * -0.2 - sigma * 0.4, 14);
    expect(predictionTarget("flow", 0.4, -0.2, 1.3)).toBeCloseTo(-0.6, 14);
  });
});
