import { VsdError } from "@vsd/core";
import { checkFeatures } from "../linalg/feature-statistics.js";
import { accumulateRowDots } from "../linalg/row-dots.js";

/** Options of {@link precisionRecall}. */
export interface PrecisionRecallOptions {
  /** Neighbourhood size k of the manifold balls. @default 3 */
  readonly k?: number;
}

export interface PrecisionRecallResult {
  /** Fraction of generated samples inside the real manifold. */
  readonly precision: number;
  /** Fraction of real samples inside the generated manifold. */
  readonly recall: number;
  /** 2PR / max(P + R, 1e-5). */
  readonly f1: number;
  readonly k: number;
}

/** Squared Euclidean distances between every row of x (m) and y (n), row-major m×n. */
function squaredDistances(x: Float64Array, m: number, y: Float64Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(m * n);
  accumulateRowDots(x, m, y, n, dim, out, n);
  const nx = new Float64Array(m);
  const ny = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < dim; j++) nx[i] = nx[i]! + x[i * dim + j]! ** 2;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) ny[i] = ny[i]! + y[i * dim + j]! ** 2;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = Math.max(0, nx[i]! + ny[j]! - 2 * out[i * n + j]!);
  }
  return out;
}

const BLOCK = 256;

/** Rows [r0, r1) of x as their own array (views would do, but the kernel wants offsets from 0). */
function rows(x: Float64Array, r0: number, r1: number, dim: number): Float64Array {
  return x.subarray(r0 * dim, r1 * dim);
}

/**
 * Squared k-NN radius of every row within its own set: the (k+1)-th smallest
 * distance counting the point itself (torch-fidelity `metric_prc.py`).
 * Distances are computed in blocks of rows, so memory stays O(BLOCK·n).
 */
function squaredRadii(x: Float64Array, n: number, dim: number, k: number): Float64Array {
  const radii = new Float64Array(n);
  const best = new Float64Array(k + 1);
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    const d2 = squaredDistances(rows(x, r0, r1, dim), r1 - r0, x, n, dim);
    for (let i = r0; i < r1; i++) {
      best.fill(Number.POSITIVE_INFINITY);
      const off = (i - r0) * n;
      for (let j = 0; j < n; j++) {
        // Exact 0 for the point itself (the Gram form can leave rounding there).
        const v = i === j ? 0 : d2[off + j]!;
        if (v < best[k]!) {
          let p = k;
          while (p > 0 && best[p - 1]! > v) {
            best[p] = best[p - 1]!;
            p--;
          }
          best[p] = v;
        }
      }
      radii[i] = best[k]!;
    }
  }
  return radii;
}

/** Fraction of rows of `probe` within the k-NN ball of at least one row of `manifold`. */
function coverage(probe: Float64Array, np: number, manifold: Float64Array, nm: number, radii: Float64Array, dim: number): number {
  let inside = 0;
  for (let r0 = 0; r0 < np; r0 += BLOCK) {
    const r1 = Math.min(np, r0 + BLOCK);
    const d2 = squaredDistances(rows(probe, r0, r1, dim), r1 - r0, manifold, nm, dim);
    for (let i = 0; i < r1 - r0; i++) {
      for (let j = 0; j < nm; j++) {
        if (d2[i * nm + j]! <= radii[j]!) {
          inside++;
          break;
        }
      }
    }
  }
  return inside / np;
}

/**
 * Improved precision and recall with k-NN manifolds (Kynkäänniemi et al. 2019;
 * REFERENCES §5.3): a point is inside a set's manifold when it lies within the
 * k-th-neighbour radius of some member. Precision = generated inside real,
 * recall = real inside generated. Float64, exact pairwise distances, computed in
 * blocks of 256 rows (memory O(256·n)).
 */
export function precisionRecall(
  realFeatures: ArrayLike<number>,
  generatedFeatures: ArrayLike<number>,
  dim: number,
  options: PrecisionRecallOptions = {},
): PrecisionRecallResult {
  const k = options.k ?? 3;
  const nr = checkFeatures(realFeatures, dim, "precisionRecall real");
  const ng = checkFeatures(generatedFeatures, dim, "precisionRecall generated");
  if (!Number.isInteger(k) || k < 1 || k >= Math.min(nr, ng)) {
    throw new VsdError("INVALID_RANGE", `precisionRecall: k must be an integer in [1, ${Math.min(nr, ng) - 1}], got ${k}.`);
  }
  const real = Float64Array.from(realFeatures as ArrayLike<number>);
  const gen = Float64Array.from(generatedFeatures as ArrayLike<number>);
  const realRadii = squaredRadii(real, nr, dim, k);
  const genRadii = squaredRadii(gen, ng, dim, k);
  const precision = coverage(gen, ng, real, nr, realRadii, dim);
  const recall = coverage(real, nr, gen, ng, genRadii, dim);
  return { precision, recall, f1: (2 * precision * recall) / Math.max(precision + recall, 1e-5), k };
}
