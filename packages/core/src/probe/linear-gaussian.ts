import { VsdError } from "../errors.js";
import { cholesky, choleskySolve, invertLower, logDetFromCholesky } from "./linalg.js";
import type { PairSet } from "./pair-set.js";

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * A fitted linear-Gaussian conditional p(y | c) = N(Wᵀc + b, Σ), with Σ in two
 * forms: its diagonal only, and full. `precisionFactor` is `L⁻¹` for
 * `Σ = L Lᵀ`, so the Mahalanobis term is ‖L⁻¹ r‖².
 */
export interface LinearGaussianFit {
  readonly dc: number;
  readonly dt: number;
  /** `dc × dt`, row-major. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  /** Residual variances including the floor, per target dim. */
  readonly diagVariance: Float64Array;
  readonly diagLogDet: number;
  /** Residual covariance including the floor, `dt × dt`. */
  readonly fullCovariance: Float64Array;
  readonly fullPrecisionFactor: Float64Array;
  readonly fullLogDet: number;
}

export interface LinearGaussianFitOptions {
  /**
   * Ridge strength relative to the mean condition variance: the penalty added
   * to the centered condition covariance is `ridge · tr(S_cc)/dc`.
   */
  readonly ridge: number;
  /** Variance added to each target dim's residual variance (the floor), length `dt`. */
  readonly varianceFloor: Float64Array;
}

/**
 * Ridge regression of target on [condition, 1] plus the residual covariance.
 * Solved on centered moments (so the intercept is not penalised): W = (S_cc + λI)⁻¹ S_cy,
 * b = ȳ − Wᵀc̄; Σ = mean of r rᵀ (maximum likelihood) + diag(floor).
 * The floor is the variance of uniform dequantization noise over one 8-bit bin,
 * (2/255)²/12 in [−1, 1] units: adding it is exactly what dequantizing the
 * data would do to the residual, and it bounds the density a fit may claim on
 * near-constant dims (DESIGN.md, probe calibration).
 */
export function fitLinearGaussian(p: PairSet, options: LinearGaussianFitOptions): LinearGaussianFit {
  const { n, dc, dt } = p;
  if (options.varianceFloor.length !== dt) {
    throw new VsdError("INVALID_SHAPE", `varianceFloor has ${options.varianceFloor.length} entries, expected ${dt}.`);
  }
  if (n < dc + 2) {
    throw new VsdError(
      "INSUFFICIENT_DATA",
      `A linear-Gaussian fit with ${dc}-dim conditions needs at least ${dc + 2} pairs (${dc + 1} coefficients per target dim plus one residual degree of freedom); got ${n}.`,
    );
  }
  // One pass: the uncentered second moment of v = [c, y, 1] gives the means
  // (last row) and every centered moment (E[vvᵀ] − μμᵀ); data are O(1), so the
  // subtraction loses nothing that matters next to the variance floor.
  return fitLinearGaussianFromMoment(secondMoment(fitRows(p), n, dc + dt + 1), dc, dt, options);
}

/** The rows v_i = [c_i, y_i, 1] of a pair set, `n × (dc + dt + 1)` (the fit's order). */
export function fitRows(p: PairSet): Float64Array {
  const dv = p.dc + p.dt + 1;
  const v = new Float64Array(p.n * dv);
  for (let i = 0; i < p.n; i++) {
    v.set(p.condition.subarray(i * p.dc, (i + 1) * p.dc), i * dv);
    v.set(p.target.subarray(i * p.dt, (i + 1) * p.dt), i * dv + p.dc);
    v[i * dv + dv - 1] = 1;
  }
  return v;
}

/**
 * `fitLinearGaussian` from the uncentered second moment E[vvᵀ] of
 * v = [c, y, 1] (what bootstrap refits recombine from block moments).
 */
export function fitLinearGaussianFromMoment(
  mom: Float64Array,
  dc: number,
  dt: number,
  options: LinearGaussianFitOptions,
): LinearGaussianFit {
  const dv = dc + dt + 1;
  const mean = (j: number): number => mom[j * dv + dv - 1]!;
  const cov = (a: number, b: number): number => mom[a * dv + b]! - mean(a) * mean(b);
  const scc = new Float64Array(dc * dc);
  const scy = new Float64Array(dc * dt);
  const syy = new Float64Array(dt * dt);
  let trace = 0;
  for (let a = 0; a < dc; a++) {
    for (let b = 0; b < dc; b++) scc[a * dc + b] = cov(a, b);
    for (let b = 0; b < dt; b++) scy[a * dt + b] = cov(a, dc + b);
    trace += scc[a * dc + a]!;
  }
  for (let a = 0; a < dt; a++) for (let b = 0; b < dt; b++) syy[a * dt + b] = cov(dc + a, dc + b);

  const weights = new Float64Array(dc * dt);
  if (dc > 0) {
    // A tiny absolute term keeps all-constant conditions solvable.
    const lambda = options.ridge * (trace / dc) + 1e-12;
    const reg = Float64Array.from(scc);
    for (let a = 0; a < dc; a++) reg[a * dc + a]! += lambda;
    weights.set(choleskySolve(cholesky(reg, dc), dc, scy, dt));
  }
  const bias = new Float64Array(dt);
  for (let b = 0; b < dt; b++) {
    let s = mean(dc + b);
    for (let a = 0; a < dc; a++) s -= weights[a * dt + b]! * mean(a);
    bias[b] = s;
  }

  // Residual covariance (maximum likelihood, divides by n), from the moments:
  // E[r rᵀ] = S_yy − Wᵀ S_cy − S_cyᵀ W + Wᵀ S_cc W for r = (y − ȳ) − Wᵀ(c − c̄).
  // With the ridge solution (S_cc + λI) W = S_cy, S_cc W = S_cy − λW, so
  // Wᵀ S_cc W = Wᵀ S_cy − λ WᵀW: one dc·dt² product fewer than forming S_cc W.
  const wtScy = matMulTransA(weights, scy, dc, dt, dt); // Wᵀ S_cy
  const wtSccW = new Float64Array(dt * dt);
  if (dc > 0) {
    const lambda = options.ridge * (trace / dc) + 1e-12;
    const wtw = matMulTransA(weights, weights, dc, dt, dt);
    for (let i = 0; i < wtSccW.length; i++) wtSccW[i] = wtScy[i]! - lambda * wtw[i]!;
  }
  const cov2 = new Float64Array(dt * dt);
  for (let a = 0; a < dt; a++) {
    for (let b = 0; b <= a; b++) {
      const x = syy[a * dt + b]! - wtScy[a * dt + b]! - wtScy[b * dt + a]! + wtSccW[a * dt + b]!;
      cov2[a * dt + b] = x;
      cov2[b * dt + a] = x;
    }
    cov2[a * dt + a]! += options.varianceFloor[a]!;
  }
  const diagVariance = new Float64Array(dt);
  let diagLogDet = 0;
  for (let a = 0; a < dt; a++) {
    diagVariance[a] = cov2[a * dt + a]!;
    diagLogDet += Math.log(diagVariance[a]!);
  }
  const lc = cholesky(cov2, dt);
  return {
    dc,
    dt,
    weights,
    bias,
    diagVariance,
    diagLogDet,
    fullCovariance: cov2,
    fullPrecisionFactor: invertLower(lc, dt),
    fullLogDet: logDetFromCholesky(lc, dt),
  };
}

/** `Aᵀ B` for row-major `A` (`k × n`) and `B` (`k × m`): `n × m`. */
function matMulTransA(a: Float64Array, b: Float64Array, k: number, n: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let p = 0; p < k; p++) {
    for (let i = 0; i < n; i++) {
      const api = a[p * n + i]!;
      if (api === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j]! += api * b[p * m + j]!;
    }
  }
  return c;
}

/** out = Wᵀ c_i + b. */
function predictRow(
  c: Float64Array,
  i: number,
  dc: number,
  dt: number,
  w: Float64Array,
  b: Float64Array,
  out: Float64Array,
): void {
  out.set(b);
  const base = i * dc;
  for (let a = 0; a < dc; a++) {
    const v = c[base + a]!;
    if (v === 0) continue;
    const rw = a * dt;
    for (let j = 0; j < dt; j++) out[j]! += v * w[rw + j]!;
  }
}

/**
 * Negative log-likelihood (nats, summed over the `dt` target dims) of every
 * pair of `p` under `fit`, for the diagonal and the full covariance. Results
 * are written into `diagOut` and `fullOut` (length `p.n`).
 */
export function scoreLinearGaussian(
  fit: LinearGaussianFit,
  p: PairSet,
  diagOut: Float64Array,
  fullOut: Float64Array,
): void {
  const { dc, dt } = fit;
  if (p.dc !== dc || p.dt !== dt) {
    throw new VsdError("INVALID_SHAPE", `Pairs are ${p.dc}→${p.dt} but the fit is ${dc}→${dt}.`);
  }
  const r = new Float64Array(dt);
  const invVar = fit.diagVariance.map((v) => 1 / v);
  const pf = fit.fullPrecisionFactor;
  const diagConst = fit.diagLogDet + dt * LOG_2PI;
  const fullConst = fit.fullLogDet + dt * LOG_2PI;
  const y = p.target;
  for (let i = 0; i < p.n; i++) {
    predictRow(p.condition, i, dc, dt, fit.weights, fit.bias, r);
    for (let j = 0; j < dt; j++) r[j] = y[i * dt + j]! - r[j]!;
    let qd = 0;
    for (let j = 0; j < dt; j++) qd += r[j]! * r[j]! * invVar[j]!;
    let qf = 0;
    for (let a = 0; a < dt; a++) {
      const ra = a * dt;
      let z = 0;
      for (let b = 0; b <= a; b++) z += pf[ra + b]! * r[b]!;
      qf += z * z;
    }
    diagOut[i] = 0.5 * (qd + diagConst);
    fullOut[i] = 0.5 * (qf + fullConst);
  }
}

/**
 * The fit's negative log-likelihood as a quadratic form in u = [y, c, 1]:
 * NLL(y | c) = ½ (uᵀ M u + κ), with r = A u, A = [I, −Wᵀ, −b], M = Aᵀ Λ A,
 * Λ = Σ⁻¹ (full, via Σ⁻¹ = Pᵀ P with P = L⁻¹) or diag(1/v) (diag), and
 * κ = ln det Σ + dt ln 2π. Mean NLLs over many pairs then need only their
 * second moments (⟨M, E[u uᵀ]⟩), which is what makes the probe's T² scoring
 * cheap.
 */
export function nllQuadraticForm(fit: LinearGaussianFit, covariance: "diag" | "full"): { m: Float64Array; kappa: number } {
  const { dc, dt } = fit;
  const d = dt + dc + 1;
  // A: dt × d
  const a = new Float64Array(dt * d);
  for (let j = 0; j < dt; j++) {
    a[j * d + j] = 1;
    for (let i = 0; i < dc; i++) a[j * d + dt + i] = -fit.weights[i * dt + j]!;
    a[j * d + dt + dc] = -fit.bias[j]!;
  }
  // B = P A, with P = L⁻¹ (full) or diag(1/√v) (diag); then M = Bᵀ B.
  const b = new Float64Array(dt * d);
  if (covariance === "diag") {
    for (let j = 0; j < dt; j++) {
      const s = 1 / Math.sqrt(fit.diagVariance[j]!);
      for (let c = 0; c < d; c++) b[j * d + c] = s * a[j * d + c]!;
    }
  } else {
    const p = fit.fullPrecisionFactor;
    for (let j = 0; j < dt; j++) {
      for (let l = 0; l <= j; l++) {
        const pjl = p[j * dt + l]!;
        if (pjl === 0) continue;
        for (let c = 0; c < d; c++) b[j * d + c]! += pjl * a[l * d + c]!;
      }
    }
  }
  const m = new Float64Array(d * d);
  for (let j = 0; j < dt; j++) {
    for (let r = 0; r < d; r++) {
      const br = b[j * d + r]!;
      if (br === 0) continue;
      for (let c = 0; c <= r; c++) m[r * d + c]! += br * b[j * d + c]!;
    }
  }
  for (let r = 0; r < d; r++) for (let c = 0; c < r; c++) m[c * d + r] = m[r * d + c]!;
  const logDet = covariance === "diag" ? fit.diagLogDet : fit.fullLogDet;
  return { m, kappa: logDet + dt * LOG_2PI };
}

/** The rows u_i = [y_i, c_i, 1] of a pair set, `n × (dt + dc + 1)`. */
export function augmentedRows(p: PairSet): Float64Array {
  const d = p.dt + p.dc + 1;
  const u = new Float64Array(p.n * d);
  for (let i = 0; i < p.n; i++) {
    u.set(p.target.subarray(i * p.dt, (i + 1) * p.dt), i * d);
    u.set(p.condition.subarray(i * p.dc, (i + 1) * p.dc), i * d + p.dt);
    u[i * d + d - 1] = 1;
  }
  return u;
}

/** Second moment E[u uᵀ] of `n × d` rows (full symmetric `d × d`). */
export function secondMoment(u: Float64Array, n: number, d: number): Float64Array {
  // Column-major copy first: each entry is then a dot product of two contiguous
  // columns, instead of a rank-1 update that sweeps the whole d×d matrix per row
  // (memory-bound once d is in the hundreds, e.g. a flattened image as condition).
  const cols = new Float64Array(d * n);
  const nonZero = new Uint8Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let r = 0; r < d; r++) {
      const v = u[o + r]!;
      cols[r * n + i] = v;
      if (v !== 0) nonZero[r] = 1;
    }
  }
  const s = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    if (!nonZero[r]) continue;
    const or = r * n;
    for (let c = 0; c <= r; c++) {
      if (!nonZero[c]) continue;
      const oc = c * n;
      let a0 = 0;
      let a1 = 0;
      let i = 0;
      for (; i + 1 < n; i += 2) {
        a0 += cols[or + i]! * cols[oc + i]!;
        a1 += cols[or + i + 1]! * cols[oc + i + 1]!;
      }
      if (i < n) a0 += cols[or + i]! * cols[oc + i]!;
      const v = (a0 + a1) / n;
      s[r * d + c] = v;
      s[c * d + r] = v;
    }
  }
  return s;
}

/** uᵀ M u for each row of `u` (symmetric M), written to `out`. */
export function quadraticForms(m: Float64Array, u: Float64Array, n: number, d: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let r = 0; r < d; r++) {
      const ur = u[o + r]!;
      if (ur === 0) continue;
      const rr = r * d;
      let t = 0.5 * m[rr + r]! * ur;
      for (let c = 0; c < r; c++) t += m[rr + c]! * u[o + c]!;
      s += ur * t;
    }
    out[i] = 2 * s;
  }
}
