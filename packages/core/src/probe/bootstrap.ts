import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";

/** A point estimate with a percentile bootstrap interval. */
export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly level: number;
}

/** A named set of columns whose statistic is the mean of their column means. */
export interface ColumnSet {
  readonly name: string;
  readonly columns: readonly number[];
}

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, ch. 13) of
 * `mean_{k ∈ S} mean_i x_k[i]` for each column set S; all sets share each
 * replicate. When every column has the same length the rows are resampled
 * jointly (row i of every column comes from the same held-out image or batch,
 * so this keeps their correlation); otherwise each column is resampled on its
 * own (stratified). Seeded through `rng`.
 */
export function bootstrapColumnMeans(
  columns: readonly Float64Array[],
  sets: readonly ColumnSet[],
  rng: Rng,
  samples: number,
  level: number,
): Map<string, Interval> {
  for (const [k, c] of columns.entries()) {
    if (c.length === 0) throw new VsdError("INSUFFICIENT_DATA", `bootstrap: column ${k} is empty.`);
  }
  const point = columns.map(mean);
  const reps = sets.map(() => new Float64Array(samples));
  const colMeans = new Float64Array(columns.length);
  const n0 = columns[0]?.length ?? 0;
  const paired = columns.every((c) => c.length === n0);
  const idx = new Int32Array(n0);
  // One 32-bit draw per index; the bias of floor(u·n) is below n / 2³², irrelevant here.
  const draw = (n: number): number => Math.floor((rng.uint32() / 4294967296) * n);
  for (let b = 0; b < samples; b++) {
    if (paired) for (let i = 0; i < n0; i++) idx[i] = draw(n0);
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k]!;
      const n = c.length;
      let s = 0;
      if (paired) for (let i = 0; i < n; i++) s += c[idx[i]!]!;
      else for (let i = 0; i < n; i++) s += c[draw(n)]!;
      colMeans[k] = s / n;
    }
    sets.forEach((set, j) => {
      let s = 0;
      for (const k of set.columns) s += colMeans[k]!;
      reps[j]![b] = s / set.columns.length;
    });
  }
  const out = new Map<string, Interval>();
  const alpha = (1 - level) / 2;
  sets.forEach((set, j) => {
    let s = 0;
    for (const k of set.columns) s += point[k]!;
    const r = reps[j]!.sort();
    out.set(set.name, {
      value: s / set.columns.length,
      low: quantileSorted(r, alpha),
      high: quantileSorted(r, 1 - alpha),
      level,
    });
  });
  return out;
}

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

/** Linear-interpolated quantile of sorted values (type 7, as numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
