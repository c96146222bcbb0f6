import { VsdError } from "@vsd/core";

const MAX_SWEEPS_PER_VALUE = 60;

/**
 * √(a² + b²) without spurious overflow/underflow, as LAPACK dlapy2 (scaled only
 * at extreme magnitudes). V8's Math.hypot is several times slower, and QL calls
 * this O(n²) times.
 */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const m = x > y ? x : y;
  if (m > 1e150 || m < 1e-150) {
    if (m === 0 || m === Infinity || Number.isNaN(m)) return m + x + y;
    const u = x / m;
    const v = y / m;
    return m * Math.sqrt(u * u + v * v);
  }
  return Math.sqrt(x * x + y * y);
}

/**
 * Implicit QL iterations on the tridiagonal (tql2; tql1 when `v` is absent).
 * `rotate(i, c, s)`, when given, applies each plane rotation to rows i and i+1
 * of `v` (e.g. with a SIMD kernel) instead of the plain loop.
 */
export function tql(
  d: Float64Array,
  e: Float64Array,
  n: number,
  v: Float64Array | undefined,
  rotate?: (i: number, c: number, s: number) => void,
): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_SWEEPS_PER_VALUE) {
          throw new VsdError("NON_FINITE", `symmetricEigen: QL did not converge for eigenvalue ${l} of ${n}.`);
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (rotate) rotate(i, c, s);
          else if (v) {
            // Rotate eigenvector columns i and i+1: rows i, i+1 of our storage.
            const ri = i * n;
            const ri1 = ri + n;
            for (let k = 0; k < n; k++) {
              const hk = v[ri1 + k]!;
              const vk = v[ri + k]!;
              v[ri1 + k] = s * vk + c * hk;
              v[ri + k] = c * vk - s * hk;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}


/**
 * Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal
 * `diag` (length n) and off-diagonal `off` (off[i] couples i and i+1), by
 * implicit QL without vectors (tql1). Inputs are not modified.
 */
export function tridiagonalEigenvalues(diag: Float64Array, off: Float64Array): Float64Array {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i + 1] = off[i]!; // tql's convention: e[i] couples i−1 and i
  tql(d, e, n, undefined);
  return d.sort();
}
