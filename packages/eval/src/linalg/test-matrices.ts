/** Deterministic test matrices for the linear-algebra tests (no randomness, no files). */

/** Values in (−1, 1) from a small LCG. */
export function lcgValues(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * H·diag(λ)·H with the Householder reflection H = I − 2uuᵀ/(uᵀu): a dense
 * symmetric matrix whose eigenvalues are exactly λ (H is orthogonal).
 */
export function matrixWithSpectrum(lambda: ArrayLike<number>, seed: number): Float64Array {
  const n = lambda.length;
  const u = lcgValues(n, seed);
  let uu = 0;
  for (const v of u) uu += v * v;
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * u[i]! * u[j]!) / uu;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += h[i * n + k]! * lambda[k]! * h[j * n + k]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

/** X·Xᵀ/cols for a rows×cols X: symmetric PSD of rank ≤ min(rows, cols). */
export function gramMatrix(rows: number, cols: number, seed: number): Float64Array {
  const x = lcgValues(rows * cols, seed);
  const out = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += x[i * cols + k]! * x[j * cols + k]!;
      out[i * rows + j] = s / cols;
    }
  }
  return out;
}
