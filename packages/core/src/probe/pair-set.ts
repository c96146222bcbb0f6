import { VsdError } from "../errors.js";

/**
 * The pairs of one subtask as plain Float64 rows: `condition` is `n × dc`,
 * `target` is `n × dt`, row-major. The probe's math runs on these, never on
 * tensors.
 */
export interface PairSet {
  readonly n: number;
  readonly dc: number;
  readonly dt: number;
  readonly condition: Float64Array;
  readonly target: Float64Array;
}

/** Builds a `PairSet`, checking that the arrays match the stated shape. */
export function makePairSet(
  condition: ArrayLike<number>,
  target: ArrayLike<number>,
  n: number,
  dc: number,
  dt: number,
): PairSet {
  if (condition.length !== n * dc || target.length !== n * dt) {
    throw new VsdError(
      "INVALID_SHAPE",
      `Pair arrays do not match n=${n}, dc=${dc}, dt=${dt}: got ${condition.length} condition and ${target.length} target values.`,
    );
  }
  return {
    n,
    dc,
    dt,
    condition: Float64Array.from(condition),
    target: Float64Array.from(target),
  };
}

/** The rows `indices` of a pair set, in that order. */
export function selectRows(p: PairSet, indices: ArrayLike<number>): PairSet {
  const n = indices.length;
  const condition = new Float64Array(n * p.dc);
  const target = new Float64Array(n * p.dt);
  for (let i = 0; i < n; i++) {
    const r = indices[i]!;
    condition.set(p.condition.subarray(r * p.dc, (r + 1) * p.dc), i * p.dc);
    target.set(p.target.subarray(r * p.dt, (r + 1) * p.dt), i * p.dt);
  }
  return { n, dc: p.dc, dt: p.dt, condition, target };
}

/** Per-column mean and standard deviation of an `n × d` row-major array. */
export function columnMoments(x: Float64Array, n: number, d: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const e = x[i * d + j]! - mean[j]!;
      std[j]! += e * e;
    }
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]! / n);
  return { mean, std };
}

/** Affine map of the columns: `(x − shift) / scale`. */
function standardizeColumns(x: Float64Array, n: number, d: number, shift: Float64Array, scale: Float64Array): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j]! - shift[j]!) / scale[j]!;
  }
  return out;
}

/** Per-subtask standardization: column means and (floored) standard deviations. */
export interface Standardizer {
  readonly conditionMean: Float64Array;
  readonly conditionStd: Float64Array;
  readonly targetMean: Float64Array;
  readonly targetStd: Float64Array;
}

/**
 * Z-scores from the moments of `p`, each standard deviation floored at
 * `minStd` so that constant columns (e.g. blank image borders) stay finite.
 */
export function fitStandardizer(p: PairSet, minStd: number): Standardizer {
  const c = columnMoments(p.condition, p.n, p.dc);
  const t = columnMoments(p.target, p.n, p.dt);
  const floor = (s: Float64Array): Float64Array => s.map((v) => Math.max(v, minStd));
  return { conditionMean: c.mean, conditionStd: floor(c.std), targetMean: t.mean, targetStd: floor(t.std) };
}

export function applyStandardizer(p: PairSet, s: Standardizer): PairSet {
  return {
    n: p.n,
    dc: p.dc,
    dt: p.dt,
    condition: standardizeColumns(p.condition, p.n, p.dc, s.conditionMean, s.conditionStd),
    target: standardizeColumns(p.target, p.n, p.dt, s.targetMean, s.targetStd),
  };
}
