import { VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { hashFeatures } from "../../scripts/hash-features.js";
import { precisionRecall } from "../precision-recall/precision-recall.js";
import fixtures from "./__fixtures__/numpy-kid-prc.json" with { type: "json" };
import { kid, mmdPolynomialUnbiased } from "./kid.js";

describe("KID", () => {
  it("hand case: d = 1, x = {0, 1}, y = {2, 3} → 1 + 343 − 46.5 = 297.5", () => {
    // k(a, b) = (ab + 1)³: k(0,1) = 1, k(2,3) = 343, cross sum 1 + 1 + 27 + 64 = 93.
    expect(mmdPolynomialUnbiased([0, 1], [2, 3], 1)).toBeCloseTo(297.5, 12);
  });

  it("full-set subsets reproduce the full estimate with zero spread", () => {
    const x = hashFeatures(1, 50, 8);
    const y = hashFeatures(2, 50, 8, 1.2);
    const full = mmdPolynomialUnbiased(x, y, 8);
    const r = kid(x, y, 8, { subsets: 5, subsetSize: 50, seed: 1 });
    expect(Math.abs(r.mean - full)).toBeLessThan(1e-12);
    expect(r.std).toBeLessThan(1e-12);
  });

  it("defaults: 100 subsets of min(nA, nB, 1000); deterministic for a seed; ~0 for one distribution", () => {
    const x = hashFeatures(3, 120, 8);
    const y = hashFeatures(4, 90, 8);
    const r1 = kid(x, y, 8, { seed: 5 });
    const r2 = kid(x, y, 8, { seed: 5 });
    expect(r1.subsets).toBe(100);
    expect(r1.subsetSize).toBe(90);
    expect(r1.values).toEqual(r2.values);
    // Same distribution: |mean| within a few standard errors of 0.
    expect(Math.abs(r1.mean)).toBeLessThan(4 * r1.std);
    // A shifted distribution scores clearly higher.
    const shifted = kid(x, hashFeatures(4, 90, 8, 1, 0.5), 8, { seed: 5 });
    expect(shifted.mean).toBeGreaterThan(10 * Math.max(r1.mean, r1.std));
  });

  for (const c of fixtures.cases) {
    it(`matches the numpy reference (${c.name}: d = ${c.dim}, n = ${c.nA}) to 1e-10 relative`, () => {
      const x = hashFeatures(c.seedA, c.nA, c.dim);
      const y = hashFeatures(c.seedB, c.nB, c.dim, c.scaleB, c.shiftB);
      expect(Math.abs(mmdPolynomialUnbiased(x, y, c.dim) - c.mmd) / Math.abs(c.mmd)).toBeLessThan(1e-10);
    });
  }

  it("rejects bad options", () => {
    const x = hashFeatures(3, 20, 4);
    for (const o of [{ subsetSize: 21 }, { subsetSize: 1 }, { subsets: 0 }]) {
      try {
        kid(x, x, 4, o);
        throw new Error("no throw");
      } catch (e) {
        expect(VsdError.isInstance(e)).toBe(true);
      }
    }
  });
});

describe("precision / recall (k-NN manifolds)", () => {
  it("hand case in 1-D with k = 1", () => {
    // Real {0, 1, 10}: radii 1, 1, 9. Generated {0.5, 20, 10.4}: radii 9.9, 9.6, 9.6.
    // 20 is 10 > 9 from 10 → outside: precision 2/3; every real point is covered: recall 1.
    const r = precisionRecall([0, 1, 10], [0.5, 20, 10.4], 1, { k: 1 });
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBe(1);
    expect(r.f1).toBeCloseTo(0.8, 12);
  });

  it("identical sets give precision = recall = 1", () => {
    const x = hashFeatures(9, 60, 6);
    const r = precisionRecall(x, x, 6);
    expect(r.precision).toBe(1);
    expect(r.recall).toBe(1);
  });

  for (const c of fixtures.cases) {
    it(`matches the numpy reference (${c.name}) exactly`, () => {
      const x = hashFeatures(c.seedA, c.nA, c.dim);
      const y = hashFeatures(c.seedB, c.nB, c.dim, c.scaleB, c.shiftB);
      const r = precisionRecall(x, y, c.dim);
      expect(r.precision).toBeCloseTo(c.precision, 12);
      expect(r.recall).toBeCloseTo(c.recall, 12);
    });
  }

  it("rejects k ≥ n", () => {
    expect(() => precisionRecall([0, 1, 2], [0, 1, 2], 1, { k: 3 })).toThrow(VsdError);
  });
});
