import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cholesky, choleskySolve, invertLower, logDetFromCholesky, matMul } from "./linalg.js";
import { VsdError } from "../errors.js";

function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j]!;
  return t;
}

describe("probe linear algebra", () => {
  it("factors a known 3×3 SPD matrix (Golub & Van Loan example)", () => {
    // A = L Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    const l = cholesky(a, 3);
    expect(Array.from(l)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    // det A = (2·1·3)² = 36
    expect(logDetFromCholesky(l, 3)).toBeCloseTo(Math.log(36), 12);
  });

  it("solves A X = B and inverts L (property: random SPD matrices)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 49 + 21, maxLength: 49 + 21 }),
        (n, vals) => {
          const g = Float64Array.from(vals.slice(0, n * n));
          const a = matMul(g, transpose(g, n, n), n, n, n);
          for (let i = 0; i < n; i++) a[i * n + i]! += 0.5;
          const b = Float64Array.from(vals.slice(49, 49 + n * 3));
          const l = cholesky(a, n);
          const x = choleskySolve(l, n, b, 3);
          const ax = matMul(a, x, n, n, 3);
          for (let i = 0; i < b.length; i++) expect(Math.abs(ax[i]! - b[i]!)).toBeLessThan(1e-8);
          const li = invertLower(l, n);
          const id = matMul(li, l, n, n, n);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) expect(Math.abs(id[i * n + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-8);
          }
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it("rejects a matrix that is not positive definite", () => {
    const a = Float64Array.from([1, 2, 2, 1]);
    expect(() => cholesky(a, 2)).toThrow(VsdError);
    try {
      cholesky(a, 2);
    } catch (e) {
      expect(VsdError.isInstance(e) && e.code).toBe("INVALID_ARGUMENT");
    }
  });
});
