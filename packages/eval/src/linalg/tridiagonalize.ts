import { VsdError } from "@vsd/core";
import { createF64Kernels, type F64KernelOptions, type F64Kernels, packPanels, TILE } from "./wasm/f64-kernels.js";
import { paddedStride } from "./pivoted-cholesky.js";
import { tridiagonalEigenvalues } from "./tridiagonal-ql.js";

/** Reflectors per block: their two-sided update of the trailing matrix is one pair of kernel calls. */
const NB = 32;

/** Doubles of kernel memory {@link tridiagonalizeInPlace} needs besides the matrix. */
export function tridiagonalWorkspace(n: number): number {
  const ld = paddedStride(n);
  return 3 * NB * ld + 2 * ld + 16;
}

/**
 * Householder reduction of a symmetric n×n matrix to tridiagonal form, in place
 * on kernel memory: `a` (byte address, row stride `lda` doubles, at least
 * `paddedStride(n)` rows and columns, padding zero) holds the matrix; only the
 * upper triangle is read (row i, columns ≥ i — the lower triangle of the
 * column-major matrix LAPACK works on). Returns the diagonal and the
 * off-diagonal (off[i] couples i and i+1). `work` is `tridiagonalWorkspace(n)`
 * doubles at byte address `work`.
 *
 * Blocked as LAPACK dsytrd/dlatrd with uplo = "L" (Dongarra, Hammarling &
 * Sorensen, "Block reduction of matrices to condensed forms for eigenvalue
 * computations", J. Comput. Appl. Math. 27, 1989): for a block of NB columns the
 * reflectors v and the vectors w = τ(A v − …) are built with matrix–vector
 * products against the not-yet-updated trailing matrix (one pass over its
 * triangle per column), then A₂₂ −= V Wᵀ + W Vᵀ runs as two packed SIMD kernel
 * calls. Reflector k is stored in row k right of the diagonal.
 */
export function tridiagonalizeInPlace(
  k: F64Kernels,
  a: number,
  n: number,
  lda: number,
  work: number,
): { diag: Float64Array; off: Float64Array } {
  const f = k.f64;
  const a0 = a / 8;
  const ld = paddedStride(n);
  const wRows = work; // NB rows of w, stride ld
  const packV = work + NB * ld * 8;
  const packW = packV + NB * ld * 8;
  const rowAddr = (i: number, j: number): number => a + (i * lda + j) * 8;
  const wAddr = (kk: number, j: number): number => wRows + (kk * ld + j) * 8;
  const diag = new Float64Array(n);
  const off = new Float64Array(Math.max(0, n - 1));
  const t1 = new Float64Array(NB);
  const t2 = new Float64Array(NB);
  for (let j0 = 0; j0 < n - 1; j0 += NB) {
    const nb = Math.min(NB, n - 1 - j0);
    for (let ii = 0; ii < nb; ii++) {
      const col = j0 + ii;
      // Row `col` (column `col` of the lower triangle) gets this block's earlier
      // reflectors applied: A(col:n, col) −= V·W(col, :)ᵀ + W·V(col, :)ᵀ.
      const len = n - col;
      for (let kk = 0; kk < ii; kk++) {
        const vRow = j0 + kk;
        k.axpy(-f[(wAddr(kk, col)) / 8]!, rowAddr(vRow, col), rowAddr(col, col), len);
        k.axpy(-f[a0 + vRow * lda + col]!, wAddr(kk, col), rowAddr(col, col), len);
      }
      // Householder reflector (dlarfg) zeroing A(col+2:n, col).
      const m = n - col - 1; // length of v
      const x0 = a0 + col * lda + col + 1;
      const alpha = f[x0]!;
      const xnorm = m > 1 ? Math.sqrt(k.dot(rowAddr(col, col + 2), rowAddr(col, col + 2), m - 1)) : 0;
      let tau = 0;
      let beta = alpha;
      if (xnorm !== 0) {
        beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
        tau = (beta - alpha) / beta;
        const s = 1 / (alpha - beta);
        for (let i = 1; i < m; i++) f[x0 + i] = f[x0 + i]! * s;
      }
      off[col] = beta;
      f[x0] = 1;
      // w = τ (A₂₂ v − V (Wᵀv) − W (Vᵀv)), then w −= ½ τ (wᵀv) v.
      const v = rowAddr(col, col + 1);
      const w = wAddr(ii, col + 1);
      f.fill(0, w / 8, w / 8 + m);
      if (tau !== 0) {
        k.symvUpper(rowAddr(col + 1, col + 1), lda * 8, m, v, w);
        for (let kk = 0; kk < ii; kk++) {
          t1[kk] = k.dot(wAddr(kk, col + 1), v, m);
          t2[kk] = k.dot(rowAddr(j0 + kk, col + 1), v, m);
        }
        for (let kk = 0; kk < ii; kk++) {
          k.axpy(-t1[kk]!, rowAddr(j0 + kk, col + 1), w, m);
          k.axpy(-t2[kk]!, wAddr(kk, col + 1), w, m);
        }
        const w0 = w / 8;
        for (let i = 0; i < m; i++) f[w0 + i] = f[w0 + i]! * tau;
        k.axpy(-0.5 * tau * k.dot(w, v, m), v, w, m);
      }
    }
    // A₂₂ −= V Wᵀ + W Vᵀ on the trailing block (upper-triangle tiles).
    const J = j0 + nb;
    const t = n - J;
    if (t > 0) {
      packPanels(f, packV / 8, f, a0 + j0 * lda + J, 1, lda, t, nb);
      packPanels(f, packW / 8, f, wRows / 8 + J, 1, ld, t, nb);
      const tiles = Math.ceil(t / TILE);
      const c = rowAddr(J, J);
      k.gebp(packV, packW, nb, c, lda * 8, tiles, tiles, 0, -1);
      k.gebp(packW, packV, nb, c, lda * 8, tiles, tiles, 0, -1);
    }
    for (let q = j0; q < J; q++) {
      diag[q] = f[a0 + q * lda + q]!;
      f[a0 + q * lda + q + 1] = off[q]!;
    }
  }
  diag[n - 1] = f[a0 + (n - 1) * lda + n - 1]!;
  return { diag, off };
}

/**
 * Eigenvalues (ascending) of a real symmetric n×n matrix, without eigenvectors:
 * blocked Householder tridiagonalisation ({@link tridiagonalizeInPlace}), then
 * implicit QL on the tridiagonal. Reads the upper triangle of the row-major
 * input (pass a symmetrised matrix); does not modify it. `threads`: see
 * {@link createF64Kernels}; the result is the same for any count.
 *
 * @throws VsdError `INVALID_SHAPE` on a size mismatch, `NON_FINITE` on NaN/±∞.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number, options: F64KernelOptions = {}): Float64Array {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new VsdError("INVALID_SHAPE", `symmetricEigenvalues: expected ${n}×${n} = ${n * n} entries, got ${matrix.length}.`);
  }
  const lda = paddedStride(n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = matrix[i * n + j]!;
      if (!Number.isFinite(v)) throw new VsdError("NON_FINITE", `symmetricEigenvalues: entry ${i * n + j} is ${v}.`);
    }
  }
  const k = createF64Kernels(lda * lda + tridiagonalWorkspace(n) + 8, options);
  try {
    const a = k.alloc(lda * lda);
    const work = k.alloc(tridiagonalWorkspace(n));
    const a0 = a / 8;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) k.f64[a0 + i * lda + j] = matrix[i * n + j]!;
    }
    const { diag, off } = tridiagonalizeInPlace(k, a, n, lda, work);
    return tridiagonalEigenvalues(diag, off);
  } finally {
    k.dispose();
  }
}
