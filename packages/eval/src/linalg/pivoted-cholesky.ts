/** Result of {@link pivotedCholesky}: Σ ≈ P·L·Lᵀ·Pᵀ with L lower-trapezoidal d×r. */
export interface PivotedCholesky {
  /** Numerical rank r (pivots above the tolerance). */
  readonly rank: number;
  /** Lᵀ as row-major r×d (row k = column k of L; zeros left of k). Indices are in pivoted order. */
  readonly factorT: Float64Array;
  /** perm[i] = original index of pivoted position i. */
  readonly perm: Int32Array;
}

/**
 * Cholesky factorisation with complete (diagonal) pivoting of a symmetric PSD
 * matrix, stopping when the largest remaining diagonal is ≤ tol (Higham 2002,
 * "Accuracy and Stability of Numerical Algorithms" §10.3; LAPACK dpstrf, whose
 * default tolerance d·ε·max diag is used here). Semidefinite and rank-deficient
 * inputs are handled: the trailing Schur complement below the tolerance (which
 * includes rounding-level negative eigenvalues) is dropped.
 *
 * Reads the full row-major matrix (pass a symmetrised one); does not modify it.
 */
export function pivotedCholesky(matrix: ArrayLike<number>, d: number, tol?: number): PivotedCholesky {
  const a = Float64Array.from(matrix as ArrayLike<number>);
  const perm = Int32Array.from({ length: d }, (_, i) => i);
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, a[i * d + i]!);
  const threshold = tol ?? d * 2 ** -52 * maxDiag;
  let rank = 0;
  for (let k = 0; k < d; k++) {
    let p = k;
    for (let i = k + 1; i < d; i++) if (a[i * d + i]! > a[p * d + p]!) p = i;
    const pivot = a[p * d + p]!;
    if (!(pivot > threshold)) break;
    if (p !== k) {
      // Swap indices k < p. The trailing block (indices ≥ k) is valid in the lower
      // triangle only; L's finished columns live in rows < k, upper part (dsyswapr-style).
      const swap = (x: number, y: number): void => {
        const t = a[x]!;
        a[x] = a[y]!;
        a[y] = t;
      };
      for (let j = 0; j < k; j++) swap(j * d + k, j * d + p); // finished L entries
      swap(k * d + k, p * d + p);
      for (let j = k + 1; j < p; j++) swap(j * d + k, p * d + j);
      for (let j = p + 1; j < d; j++) swap(j * d + k, j * d + p);
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
    }
    const lkk = Math.sqrt(pivot);
    a[k * d + k] = lkk;
    // Column k of L below the diagonal, kept in row k (upper part) for contiguous access.
    for (let i = k + 1; i < d; i++) a[k * d + i] = a[i * d + k]! / lkk;
    // Trailing update A[i][j] −= L[i][k]·L[j][k], lower triangle by rows (contiguous).
    const lk = k * d;
    for (let i = k + 1; i < d; i++) {
      const li = a[lk + i]!;
      if (li === 0) continue;
      const row = i * d;
      for (let j = k + 1; j <= i; j++) a[row + j] = a[row + j]! - li * a[lk + j]!;
    }
    rank++;
  }
  // Lᵀ rows: row k holds L[i][k] for i ≥ k (stored in a[k*d + i], i > k, and the diagonal).
  const factorT = new Float64Array(rank * d);
  for (let k = 0; k < rank; k++) {
    factorT[k * d + k] = a[k * d + k]!;
    for (let i = k + 1; i < d; i++) factorT[k * d + i] = a[k * d + i]!;
  }
  return { rank, factorT, perm };
}
