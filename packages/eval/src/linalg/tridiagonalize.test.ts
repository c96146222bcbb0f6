import { VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { symmetricEigen } from "./symmetric-eigen.js";
import { lcgValues, matrixWithSpectrum } from "./test-matrices.js";
import { symmetricEigenvalues } from "./tridiagonalize.js";

describe("symmetricEigenvalues (blocked Householder tridiagonalisation + QL)", () => {
  // Sizes around the 32-column block and the 4-wide tile.
  for (const n of [1, 2, 3, 5, 31, 33, 66, 101]) {
    it(`n = ${n}: the exact spectrum of H·diag(λ)·H`, () => {
      const lambda = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1) * (0.5 + i) ** 1.5 / n);
      const a = matrixWithSpectrum(lambda, n + 7);
      const got = symmetricEigenvalues(a, n);
      const want = Float64Array.from(lambda).sort();
      let scale = 0;
      for (const v of lambda) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-13 * n * scale);
    });
  }

  it("agrees with the unblocked tred2/tql2 solver on a dense matrix with clustered eigenvalues", () => {
    const n = 77;
    const a = lcgValues(n * n, 3);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!;
    for (let i = 0; i < 10; i++) a[i * n + i] = a[i * n + i]! + 1e-9 * i; // near-degenerate block
    const fast = symmetricEigenvalues(a, n);
    const classic = symmetricEigen(a, n, { vectors: true }).values;
    for (let i = 0; i < n; i++) expect(Math.abs(fast[i]! - classic[i]!)).toBeLessThan(1e-12);
    // symmetricEigen without vectors takes the blocked route.
    expect(symmetricEigen(a, n).values).toEqual(fast);
  });

  it("handles zero and already-tridiagonal matrices (τ = 0 reflectors)", () => {
    expect([...symmetricEigenvalues(new Float64Array(36), 6)]).toEqual([0, 0, 0, 0, 0, 0]);
    // Tridiagonal with 2 on the diagonal and −1 off it: eigenvalues 2 − 2cos(kπ/(n+1)).
    const n = 40;
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = 2;
      if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = -1;
    }
    const got = symmetricEigenvalues(t, n);
    for (let k = 1; k <= n; k++) expect(Math.abs(got[k - 1]! - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThan(1e-13);
  });

  it("rejects bad shapes and non-finite entries with VsdError", () => {
    expect(() => symmetricEigenvalues(new Float64Array(5), 2)).toThrow(VsdError);
    const a = new Float64Array(4);
    a[1] = Number.NaN;
    try {
      symmetricEigenvalues(a, 2);
      expect.unreachable();
    } catch (error) {
      expect(VsdError.isInstance(error) && error.code).toBe("NON_FINITE");
    }
  });
});

describe("symmetricEigen with vectors (tred2/tql2 on SIMD dot/axpy/rotation kernels)", () => {
  for (const n of [1, 2, 3, 37, 70]) {
    it(`n = ${n}: A·v = λ·v and orthonormal vectors`, () => {
      const a = lcgValues(n * n, 11 * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!;
      const { values, vectors } = symmetricEigen(a, n, { vectors: true });
      const v = vectors!;
      let resid = 0;
      let ortho = 0;
      for (let p = 0; p < n; p++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += a[i * n + j]! * v[p * n + j]!;
          resid = Math.max(resid, Math.abs(s - values[p]! * v[p * n + i]!));
        }
        for (let q = 0; q < n; q++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += v[p * n + j]! * v[q * n + j]!;
          ortho = Math.max(ortho, Math.abs(s - (p === q ? 1 : 0)));
        }
      }
      expect(resid).toBeLessThan(1e-13 * n);
      expect(ortho).toBeLessThan(1e-13 * n);
      for (let p = 1; p < n; p++) expect(values[p]!).toBeGreaterThanOrEqual(values[p - 1]!);
    });
  }
});
