import { VsdError } from "../errors.js";

/**
 * Builds a transfer-gap matrix from per-pair negative log-likelihoods:
 * `gap[t][k] = mean_i (NLL_t(k_i) − NLL_own(k)(k_i)) / (dt · ln 2)` in bits
 * per target dim, where `NLL_t(k_i)` scores held-out pair i of subtask k under
 * the model fitted on t. Rows are models, columns are the data they are
 * evaluated on ("gap onto k" is a column).
 *
 * Besides the matrix it keeps, for each column k, the per-pair mean over the
 * off-diagonal models, `g_k[i] = mean_{t ≠ k} (…)`, so bootstrap intervals can
 * resample held-out pairs without storing T² × n numbers.
 */
export class GapAccumulator {
  private readonly sums: Float64Array;
  private readonly own: (Float64Array | undefined)[];
  private readonly offDiag: (Float64Array | undefined)[];
  private readonly offCount: Int32Array;
  private readonly scale: number;

  constructor(
    readonly rows: number,
    readonly cols: number,
    dt: number,
  ) {
    this.sums = new Float64Array(rows * cols);
    this.own = new Array(cols).fill(undefined);
    this.offDiag = new Array(cols).fill(undefined);
    this.offCount = new Int32Array(cols);
    this.scale = 1 / (dt * Math.LN2);
  }

  /** NLLs (nats per pair) of column k's held-out pairs under k's own model. Call first for each k. */
  setOwn(k: number, nll: Float64Array): void {
    this.own[k] = Float64Array.from(nll);
    this.offDiag[k] = new Float64Array(nll.length);
  }

  /**
   * NLLs of column k's pairs under row t's model. `offDiagonal` says whether the
   * entry counts towards the non-equivariance mean (false for a model's own data).
   */
  add(t: number, k: number, nll: Float64Array, offDiagonal: boolean): void {
    const own = this.own[k];
    const off = this.offDiag[k];
    if (!own || !off) throw new VsdError("INVALID_ARGUMENT", `GapAccumulator: setOwn(${k}) must come before add(·, ${k}).`);
    if (nll.length !== own.length) {
      throw new VsdError("INVALID_SHAPE", `GapAccumulator: column ${k} has ${own.length} pairs, got ${nll.length}.`);
    }
    let s = 0;
    for (let i = 0; i < nll.length; i++) {
      const d = (nll[i]! - own[i]!) * this.scale;
      s += d;
      if (offDiagonal) off[i]! += d;
    }
    this.sums[t * this.cols + k] = s / nll.length;
    if (offDiagonal) this.offCount[k]! += 1;
  }

  /** The gap matrix (bits/dim) and the per-pair off-diagonal means of each column. */
  result(): { gap: number[][]; offDiagonalPerPair: Float64Array[]; ownNll: Float64Array[] } {
    const gap: number[][] = [];
    for (let t = 0; t < this.rows; t++) gap.push(Array.from(this.sums.subarray(t * this.cols, (t + 1) * this.cols)));
    const offDiagonalPerPair = this.offDiag.map((o, k) => {
      if (!o) throw new VsdError("INVALID_ARGUMENT", `GapAccumulator: column ${k} was never filled.`);
      const c = this.offCount[k]!;
      return c > 0 ? o.map((v) => v / c) : o;
    });
    return { gap, offDiagonalPerPair, ownNll: this.own.map((o) => o ?? new Float64Array(0)) };
  }
}

/** Mean of the off-diagonal entries of a square matrix. */
export function meanOffDiagonal(m: readonly (readonly number[])[]): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < m.length; i++) {
    const row = m[i]!;
    for (let j = 0; j < row.length; j++) {
      if (i === j) continue;
      s += row[j]!;
      c++;
    }
  }
  return c > 0 ? s / c : Number.NaN;
}

/** Median of the off-diagonal entries of a square matrix (robust to a few huge gaps). */
export function medianOffDiagonal(m: readonly (readonly number[])[]): number {
  const v: number[] = [];
  m.forEach((row, i) => row.forEach((x, j) => i !== j && v.push(x)));
  return median(v);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const v = [...values].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h]! : 0.5 * (v[h - 1]! + v[h]!);
}
