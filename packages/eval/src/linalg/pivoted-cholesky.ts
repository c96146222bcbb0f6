import { createF64Kernels, type F64KernelOptions, type F64Kernels, roundUpToTile, packPanels, TILE } from "./wasm/f64-kernels.js";

/** Result of {@link pivotedCholesky}: Σ ≈ P·L·Lᵀ·Pᵀ with L lower-trapezoidal d×r. */
export interface PivotedCholesky {
  /** Numerical rank r (pivots above the tolerance). */
  readonly rank: number;
  /** Lᵀ as row-major r×d (row k = column k of L; zeros left of k). Indices are in pivoted order. */
  readonly factorT: Float64Array;
  /** perm[i] = original index of pivoted position i. */
  readonly perm: Int32Array;
}

/** Columns per block: pivots are chosen one column at a time, the trailing update is one rank-NB kernel call. */
export const CHOLESKY_BLOCK = 64;
const NB = CHOLESKY_BLOCK;

/** Leading dimension (in doubles) that leaves room for the kernel's 4×4 tiles past the last row/column. */
export function paddedStride(d: number): number {
  return roundUpToTile(d) + TILE;
}

/**
 * In-place blocked pivoted Cholesky on kernel memory. `a` (byte address, row
 * stride `lda` doubles, at least `paddedStride(d)` rows and columns, padding zero)
 * holds a symmetric matrix; only its upper triangle is read. On return, rows
 * k < rank hold row k of Lᵀ (zeros left of the diagonal); `pack` must have room
 * for NB·paddedStride(d) doubles.
 *
 * LAPACK dpstrf's blocked algorithm (Hammarling, Higham & Lucas, "LAPACK-style
 * codes for pivoted Cholesky and QR updating", 2007): within a block the updated
 * diagonal is tracked as A[i][i] − Σ L[i][k]² to choose pivots, each new row of
 * Lᵀ gets the block's earlier rows subtracted lazily, and the trailing matrix is
 * updated once per block (dsyrk).
 */
export function pivotedCholeskyInPlace(
  k: F64Kernels,
  a: number,
  d: number,
  lda: number,
  pack: number,
  tol?: number,
): { rank: number; perm: Int32Array } {
  const f = k.f64;
  const a0 = a / 8;
  const at = (i: number, j: number): number => a0 + i * lda + j;
  const perm = Int32Array.from({ length: d }, (_, i) => i);
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, f[at(i, i)]!);
  // LAPACK dpstrf default tolerance (Higham 2002, "Accuracy and Stability of Numerical Algorithms" §10.3).
  const threshold = tol ?? d * 2 ** -52 * maxDiag;
  const work = new Float64Array(d); // Σ of squared L entries of the current block, per index
  // A contiguous copy of the trailing diagonal (the matrix's diagonal is strided by a whole row).
  const diag = new Float64Array(d);
  let rank = d;
  outer: for (let j = 0; j < d; j += NB) {
    const jb = Math.min(NB, d - j);
    work.fill(0, j);
    for (let i = j; i < d; i++) diag[i] = f[at(i, i)]!;
    for (let jj = j; jj < j + jb; jj++) {
      if (jj > j) {
        const prev = at(jj - 1, 0);
        for (let i = jj; i < d; i++) {
          const v = f[prev + i]!;
          work[i] = work[i]! + v * v;
        }
      }
      let p = jj;
      let best = diag[jj]! - work[jj]!;
      for (let i = jj + 1; i < d; i++) {
        const v = diag[i]! - work[i]!;
        if (v > best) {
          best = v;
          p = i;
        }
      }
      if (!(best > threshold)) {
        rank = jj;
        break outer;
      }
      if (p !== jj) {
        swapSymmetric(f, a0, lda, d, jj, p, work, perm);
        const t = diag[jj]!;
        diag[jj] = diag[p]!;
        diag[p] = t;
      }
      const ljj = Math.sqrt(best);
      f[at(jj, jj)] = ljj;
      const len = d - jj - 1;
      if (len > 0) {
        const row = a + (jj * lda + jj + 1) * 8;
        for (let q = j; q < jj; q++) k.axpy(-f[at(q, jj)]!, a + (q * lda + jj + 1) * 8, row, len);
        const inv = 1 / ljj;
        const r0 = at(jj, jj + 1);
        for (let i = 0; i < len; i++) f[r0 + i] = f[r0 + i]! * inv;
      }
    }
    const t = d - (j + jb);
    if (t > 0) {
      // Trailing update A₂₂ −= L₂₁ L₂₁ᵀ on tiles of the upper triangle: the block's
      // rows of Lᵀ (from column j + jb on) are the packed operand on both sides.
      packPanels(f, pack / 8, f, at(j, j + jb), 1, lda, t, jb);
      const tiles = Math.ceil(t / TILE);
      k.gebp(pack, pack, jb, a + (j + jb) * (lda + 1) * 8, lda * 8, tiles, tiles, 0, -1);
    }
  }
  for (let q = 0; q < rank; q++) f.fill(0, at(q, 0), at(q, q));
  return { rank, perm };
}

/**
 * Swaps indices jj < p of the partly factored matrix: columns jj and p of the
 * finished rows of Lᵀ (rows < jj), and rows/columns jj and p of the trailing
 * symmetric block kept in its upper triangle (as LAPACK dsyswapr).
 */
function swapSymmetric(f: Float64Array, a0: number, lda: number, d: number, jj: number, p: number, work: Float64Array, perm: Int32Array): void {
  const swap = (x: number, y: number): void => {
    const t = f[x]!;
    f[x] = f[y]!;
    f[y] = t;
  };
  for (let q = 0; q < jj; q++) swap(a0 + q * lda + jj, a0 + q * lda + p);
  swap(a0 + jj * lda + jj, a0 + p * lda + p);
  for (let m = jj + 1; m < p; m++) swap(a0 + jj * lda + m, a0 + m * lda + p);
  for (let m = p + 1; m < d; m++) swap(a0 + jj * lda + m, a0 + p * lda + m);
  const w = work[jj]!;
  work[jj] = work[p]!;
  work[p] = w;
  const t = perm[jj]!;
  perm[jj] = perm[p]!;
  perm[p] = t;
}

/**
 * Cholesky factorisation with complete (diagonal) pivoting of a symmetric PSD
 * matrix, stopping when the largest remaining diagonal is ≤ tol (Higham 2002,
 * "Accuracy and Stability of Numerical Algorithms" §10.3; LAPACK dpstrf, whose
 * default tolerance d·ε·max diag is used here). Semidefinite and rank-deficient
 * inputs are handled: the trailing Schur complement below the tolerance (which
 * includes rounding-level negative eigenvalues) is dropped.
 *
 * Reads the upper triangle of the row-major matrix (pass a symmetrised one);
 * does not modify it. Blocked, with the trailing updates in the float64 SIMD
 * kernel ({@link pivotedCholeskyInPlace}).
 */
export function pivotedCholesky(matrix: ArrayLike<number>, d: number, tol?: number, options: F64KernelOptions = {}): PivotedCholesky {
  const lda = paddedStride(d);
  const k = createF64Kernels(lda * lda + NB * lda + 8, options);
  try {
    const a = k.alloc(lda * lda);
    const pack = k.alloc(NB * lda);
    const a0 = a / 8;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) k.f64[a0 + i * lda + j] = matrix[i * d + j]!;
    }
    const { rank, perm } = pivotedCholeskyInPlace(k, a, d, lda, pack, tol);
    const factorT = new Float64Array(rank * d);
    for (let q = 0; q < rank; q++) factorT.set(k.f64.subarray(a0 + q * lda, a0 + q * lda + d), q * d);
    return { rank, factorT, perm };
  } finally {
    k.dispose();
  }
}
