import { VsdError } from "../errors.js";

/**
 * Small dense linear algebra in Float64 for the linear-Gaussian probe: the
 * matrices are (condition dim + 1)² and (target dim)², so a textbook Cholesky
 * is all that is needed (Golub & Van Loan, *Matrix Computations*, Alg. 4.2.1).
 * Matrices are row-major `Float64Array`s of an `n × n` (or `n × m`) shape.
 */

/**
 * Lower Cholesky factor `L` with `A = L Lᵀ` of a symmetric positive definite
 * `n × n` matrix (only the lower triangle of `a` is read). Throws
 * `INVALID_ARGUMENT` when `A` is not positive definite.
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) {
    throw new VsdError("INVALID_SHAPE", `cholesky: expected ${n * n} entries, got ${a.length}.`);
  }
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    const rj = j * n;
    for (let k = 0; k < j; k++) d -= l[rj + k]! * l[rj + k]!;
    if (!(d > 0) || !Number.isFinite(d)) {
      throw new VsdError(
        "INVALID_ARGUMENT",
        `cholesky: matrix is not positive definite (pivot ${j} is ${d}).`,
      );
    }
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      l[ri + j] = s / ljj;
    }
  }
  return l;
}

/** ln det A from its Cholesky factor: 2 Σ ln L_ii. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]!);
  return 2 * s;
}

/**
 * Solves `A X = B` for `X` (`n × m`) given the Cholesky factor `L` of `A`:
 * forward substitution with `L`, then back substitution with `Lᵀ`.
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  if (b.length !== n * m) {
    throw new VsdError("INVALID_SHAPE", `choleskySolve: expected ${n * m} entries, got ${b.length}.`);
  }
  const x = Float64Array.from(b);
  // Row-oriented (axpy on contiguous rows of X), so wide right-hand sides stay in cache.
  // L y = b
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const xi = i * m;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k]!;
      if (lik === 0) continue;
      const xk = k * m;
      for (let c = 0; c < m; c++) x[xi + c]! -= lik * x[xk + c]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let c = 0; c < m; c++) x[xi + c]! *= inv;
  }
  // Lᵀ x = y
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * m;
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i]!;
      if (lki === 0) continue;
      const xk = k * m;
      for (let c = 0; c < m; c++) x[xi + c]! -= lki * x[xk + c]!;
    }
    const inv = 1 / l[i * n + i]!;
    for (let c = 0; c < m; c++) x[xi + c]! *= inv;
  }
  return x;
}

/** The inverse of a lower-triangular `n × n` matrix (itself lower-triangular). */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * n + k]! * inv[k * n + j]!;
      inv[i * n + j] = s / l[i * n + i]!;
    }
  }
  return inv;
}

/** `C = A B` for row-major `A` (`n × k`) and `B` (`k × m`). */
export function matMul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      const rb = p * m;
      const rc = i * m;
      for (let j = 0; j < m; j++) c[rc + j]! += aip * b[rb + j]!;
    }
  }
  return c;
}
