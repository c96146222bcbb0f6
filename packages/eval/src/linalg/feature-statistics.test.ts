import { VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { featureStatistics } from "./feature-statistics.js";
import { lcgValues } from "./test-matrices.js";

describe("featureStatistics (SIMD rank-k covariance) equals the two-pass formula", () => {
  // dim off the 4-wide tile; n past the 256-sample block; a large common offset
  // (the centring must happen before the products, as in np.cov).
  const cases: [n: number, dim: number, offset: number][] = [
    [2, 1, 0],
    [3, 5, 0],
    [40, 13, 100],
    [300, 7, 0],
    [513, 66, 3],
  ];
  for (const [n, dim, offset] of cases) {
    it(`n = ${n}, dim = ${dim}, offset ${offset}`, () => {
      const x = Float32Array.from(lcgValues(n * dim, n + dim), (v, i) => v * (1 + (i % dim)) + offset);
      const { mu, sigma } = featureStatistics(x, dim);
      const m = new Float64Array(dim);
      for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) m[j] = m[j]! + x[i * dim + j]! / n;
      for (let j = 0; j < dim; j++) expect(Math.abs(mu[j]! - m[j]!)).toBeLessThan(1e-12 * (1 + offset));
      for (let a = 0; a < dim; a++) {
        for (let b = 0; b < dim; b++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += (x[i * dim + a]! - m[a]!) * (x[i * dim + b]! - m[b]!);
          s /= n - 1;
          expect(Math.abs(sigma[a * dim + b]! - s)).toBeLessThan(1e-12 * (1 + Math.abs(s)));
          expect(sigma[a * dim + b]).toBe(sigma[b * dim + a]);
        }
      }
    });
  }

  it("accepts plain arrays and rejects bad input with VsdError codes", () => {
    const s = featureStatistics([1, 2, 3, 4, 5, 7], 2);
    expect([...s.mu]).toEqual([3, 13 / 3]);
    expect(s.sigma[0]).toBeCloseTo(4, 12);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return VsdError.isInstance(error) ? error.code : "other";
      }
      return undefined;
    };
    expect(code(() => featureStatistics([1, 2, 3], 2))).toBe("INVALID_SHAPE");
    expect(code(() => featureStatistics([1, 2], 2))).toBe("INSUFFICIENT_DATA");
    expect(code(() => featureStatistics([1, Number.NaN, 3, 4], 2))).toBe("NON_FINITE");
    expect(code(() => featureStatistics([1, 2, 3, 4], 0))).toBe("INVALID_ARGUMENT");
  });
});
