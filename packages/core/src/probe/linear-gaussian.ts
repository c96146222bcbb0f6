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
 * Solved on centered data (so the intercept is not penalised): W = (S_cc + λI)⁻¹ S_cy,
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
  const c = p.condition;
  const y = p.target;
  const cMean = new Float64Array(dc);
  const yMean = new Float64Array(dt);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dc; j++) cMean[j]! += c[i * dc + j]!;
    for (let j = 0; j < dt; j++) yMean[j]! += y[i * dt + j]!;
  }
  for (let j = 0; j < dc; j++) cMean[j]! /= n;
  for (let j = 0; j < dt; j++) yMean[j]! /= n;

  const weights = new Float64Array(dc * dt);
  if (dc > 0) {
    // Centered second moments S_cc (dc × dc, lower triangle) and S_cy (dc × dt).
    const scc = new Float64Array(dc * dc);
    const scy = new Float64Array(dc * dt);
    const ci = new Float64Array(dc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dc; j++) ci[j] = c[i * dc + j]! - cMean[j]!;
      for (let a = 0; a < dc; a++) {
        const va = ci[a]!;
        if (va === 0) continue;
        const ra = a * dc;
        for (let b = 0; b <= a; b++) scc[ra + b]! += va * ci[b]!;
        const rya = a * dt;
        for (let b = 0; b < dt; b++) scy[rya + b]! += va * (y[i * dt + b]! - yMean[b]!);
      }
    }
    let trace = 0;
    for (let a = 0; a < dc; a++) {
      for (let b = 0; b <= a; b++) {
        const v = scc[a * dc + b]! / n;
        scc[a * dc + b] = v;
        scc[b * dc + a] = v;
      }
      trace += scc[a * dc + a]!;
    }
    for (let k = 0; k < scy.length; k++) scy[k]! /= n;
    // A tiny absolute term keeps all-constant conditions solvable.
    const lambda = options.ridge * (trace / dc) + 1e-12;
    for (let a = 0; a < dc; a++) scc[a * dc + a]! += lambda;
    const l = cholesky(scc, dc);
    weights.set(choleskySolve(l, dc, scy, dt));
  }
  const bias = Float64Array.from(yMean);
  for (let a = 0; a < dc; a++) {
    for (let b = 0; b < dt; b++) bias[b]! -= weights[a * dt + b]! * cMean[a]!;
  }

  // Residual covariance (maximum likelihood, divides by n).
  const cov = new Float64Array(dt * dt);
  const r = new Float64Array(dt);
  for (let i = 0; i < n; i++) {
    predictRow(c, i, dc, dt, weights, bias, r);
    for (let b = 0; b < dt; b++) r[b] = y[i * dt + b]! - r[b]!;
    for (let a = 0; a < dt; a++) {
      const ra = r[a]!;
      for (let b = 0; b <= a; b++) cov[a * dt + b]! += ra * r[b]!;
    }
  }
  for (let a = 0; a < dt; a++) {
    for (let b = 0; b <= a; b++) {
      const v = cov[a * dt + b]! / n;
      cov[a * dt + b] = v;
      cov[b * dt + a] = v;
    }
    cov[a * dt + a]! += options.varianceFloor[a]!;
  }
  const diagVariance = new Float64Array(dt);
  let diagLogDet = 0;
  for (let a = 0; a < dt; a++) {
    diagVariance[a] = cov[a * dt + a]!;
    diagLogDet += Math.log(diagVariance[a]!);
  }
  const lc = cholesky(cov, dt);
  return {
    dc,
    dt,
    weights,
    bias,
    diagVariance,
    diagLogDet,
    fullCovariance: cov,
    fullPrecisionFactor: invertLower(lc, dt),
    fullLogDet: logDetFromCholesky(lc, dt),
  };
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
  const s = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let r = 0; r < d; r++) {
      const ur = u[o + r]!;
      if (ur === 0) continue;
      const rr = r * d;
      for (let c = 0; c <= r; c++) s[rr + c]! += ur * u[o + c]!;
    }
  }
  for (let r = 0; r < d; r++) {
    for (let c = 0; c <= r; c++) {
      const v = s[r * d + c]! / n;
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
