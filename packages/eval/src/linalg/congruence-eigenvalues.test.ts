import { describe, expect, it } from "vitest";
import { CONGRUENCE_BLOCK, congruenceEigenvalues } from "./congruence-eigenvalues.js";
import { paddedStride } from "./pivoted-cholesky.js";
import { symmetricEigen } from "./symmetric-eigen.js";
import { gramMatrix, lcgValues } from "./test-matrices.js";
import { tridiagonalWorkspace } from "./tridiagonalize.js";
import { createF64Kernels } from "./wasm/f64-kernels.js";

/** Eigenvalues of G·S·Gᵀ formed with plain loops, by the classic tred2/tql2 solver. */
function naive(g: Float64Array, r: number, s: Float64Array, d: number): Float64Array {
  const m = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      let t = 0;
      for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) t += g[i * d + p]! * s[p * d + q]! * g[j * d + q]!;
      m[i * r + j] = t;
    }
  }
  return symmetricEigen(m, r, { vectors: true }).values;
}

function viaKernels(g: Float64Array, r: number, s: Float64Array, d: number, trapezoidal: boolean): Float64Array {
  const ld = paddedStride(Math.max(r, d));
  const k = createF64Kernels(3 * ld * ld + 2 * CONGRUENCE_BLOCK * ld + tridiagonalWorkspace(r) + 64);
  const buf = {
    g: k.alloc(ld * ld),
    s: k.alloc(ld * ld),
    w: k.alloc(ld * ld),
    m: 0,
    packA: k.alloc(CONGRUENCE_BLOCK * ld),
    packB: k.alloc(CONGRUENCE_BLOCK * ld),
    work: k.alloc(tridiagonalWorkspace(r)),
  };
  buf.m = buf.s; // M reuses S's memory, as in the Fréchet distance
  for (let i = 0; i < r; i++) k.f64.set(g.subarray(i * d, i * d + d), buf.g / 8 + i * ld);
  for (let i = 0; i < d; i++) k.f64.set(s.subarray(i * d, i * d + d), buf.s / 8 + i * ld);
  try {
    return congruenceEigenvalues(k, buf, r, d, ld, trapezoidal);
  } finally {
    k.dispose();
  }
}

describe("congruenceEigenvalues: spectrum of G·S·Gᵀ", () => {
  // (r, d): square, wide, and sizes past the 256 inner block and off the 4-wide tile.
  const shapes: [number, number][] = [
    [1, 1],
    [3, 5],
    [9, 9],
    [13, 30],
    [30, 30],
    [37, 261],
  ];
  for (const [r, d] of shapes) {
    it(`r = ${r}, d = ${d}: dense and upper-trapezoidal G equal the naive product`, () => {
      const s = gramMatrix(d, d + 3, r + d);
      const g = lcgValues(r * d, 7 * r + d);
      const want = naive(g, r, s, d);
      const got = viaKernels(g, r, s, d, false);
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < r; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-12 * scale * d);
      // Trapezoidal: zero G left of the diagonal, then the skipping route must agree.
      for (let i = 0; i < r; i++) for (let j = 0; j < Math.min(i, d); j++) g[i * d + j] = 0;
      const wantT = naive(g, r, s, d);
      const gotT = viaKernels(g, r, s, d, true);
      for (let i = 0; i < r; i++) expect(Math.abs(gotT[i]! - wantT[i]!)).toBeLessThan(1e-12 * scale * d);
    });
  }
});
