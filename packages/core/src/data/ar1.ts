import type { Rng } from "../rng.js";

/**
 * Fills `out` (row-major `[rows, cols]`) with one zero-mean, unit-variance
 * Gaussian field whose covariance is separable:
 * `Cov(x[r,c], x[r',c']) = rhoV^|r−r'| · rhoH^|c−c'|` (an AR(1) along rows
 * times an AR(1) along columns; Whittle 1954, the "doubly geometric" process).
 *
 * The field is `L_v · E · L_hᵀ` with `L` the Cholesky factor of an AR(1)
 * covariance, written as the quarter-plane recursion
 * `x[r,c] = rhoH·x[r,c−1] + rhoV·x[r−1,c] − rhoH·rhoV·x[r−1,c−1] + s·e`,
 * where the innovation scale `s` is `sqrt(1−rhoH²)` along the first row,
 * `sqrt(1−rhoV²)` down the first column, their product inside, and 1 at the
 * origin, so every cell has variance exactly 1 (the field is stationary).
 */
export function fillSeparableAr1Field(
  out: Float64Array | Float32Array,
  rows: number,
  cols: number,
  rhoV: number,
  rhoH: number,
  rng: Rng,
  offset = 0,
): void {
  const sh = Math.sqrt(1 - rhoH * rhoH);
  const sv = Math.sqrt(1 - rhoV * rhoV);
  for (let r = 0; r < rows; r++) {
    const row = offset + r * cols;
    for (let c = 0; c < cols; c++) {
      const e = rng.normal();
      let x: number;
      if (r === 0) x = c === 0 ? e : rhoH * out[row + c - 1]! + sh * e;
      else if (c === 0) x = rhoV * out[row - cols]! + sv * e;
      else {
        x =
          rhoH * out[row + c - 1]! +
          rhoV * out[row - cols + c]! -
          rhoH * rhoV * out[row - cols + c - 1]! +
          sh * sv * e;
      }
      out[row + c] = x;
    }
  }
}

/**
 * Fills `out` (row-major `[length, dim]`) with a stationary AR(1) sequence of
 * unit variance, independent across `dim`:
 * `x_0 ~ N(0, 1)`, `x_t = rho·x_{t−1} + sqrt(1−rho²)·e_t`, so
 * `Corr(x_t, x_{t+k}) = rho^k` for every t.
 */
export function fillAr1Sequence(
  out: Float32Array | Float64Array,
  length: number,
  dim: number,
  rho: number,
  rng: Rng,
  offset = 0,
): void {
  const s = Math.sqrt(1 - rho * rho);
  for (let k = 0; k < dim; k++) out[offset + k] = rng.normal();
  for (let t = 1; t < length; t++) {
    const base = offset + t * dim;
    for (let k = 0; k < dim; k++) out[base + k] = rho * out[base - dim + k]! + s * rng.normal();
  }
}

/**
 * Closed-form transfer gap between two unit-variance Gaussian AR(1)
 * conditionals, in bits per dimension: the expected extra code length when the
 * model `x ~ N(rhoFit·x_prev, 1 − rhoFit²)` (the exact conditional of one
 * subtask) is used on a subtask whose true conditional is
 * `x ~ N(rhoEval·x_prev, 1 − rhoEval²)`, with `x_prev ~ N(0, 1)`:
 * `E_x_prev KL(true ‖ model) = ½[ln((1−ρf²)/(1−ρe²)) + ((1−ρe²) + (ρf−ρe)²)/(1−ρf²) − 1]` nats.
 * This is `gap[t][k]` of DESIGN.md's transfer matrix for a probe that
 * conditions each subtask on the previous one, before quantisation.
 */
export function ar1TransferGapBits(rhoFit: number, rhoEval: number): number {
  const vf = 1 - rhoFit * rhoFit;
  const ve = 1 - rhoEval * rhoEval;
  const d = rhoFit - rhoEval;
  return (0.5 * (Math.log(vf / ve) + (ve + d * d) / vf - 1)) / Math.LN2;
}
