import { VsdError } from "../errors.js";
import { softplus } from "./log-snr.js";

/**
 * λ(t) of a continuous-time schedule on t ∈ [0, 1] (t = 0 clean, t = 1 noisy),
 * its derivative and its inverse. Plain functions on numbers, shared by the
 * noise plugin's `NoiseSchedule`s and the learnable plugin's γ(t) = −λ(t)
 * baselines, so both evaluate the same formula.
 */
export interface LogSnrCurve {
  readonly logSnr: (t: number) => number;
  readonly logSnrDerivative: (t: number) => number;
  readonly tOfLogSnr: (lambda: number) => number;
}

/** A `LogSnrCurve` with the density p(λ) that t ~ U(0, 1) induces. */
export interface LogSnrCurveWithDensity extends LogSnrCurve {
  readonly density: (lambda: number) => number;
}

/**
 * Continuous (s → 0) cosine schedule truncated to [λ_min, λ_max]:
 * λ(t) = −2 ln tan(a + t(b − a)), a = atan(e^(−λ_max/2)), b = atan(e^(−λ_min/2)),
 * dλ/dt = −4(b − a)/sin(2θ), p(λ) = sech(λ/2)/(4(b − a)) [SiD §2;
 * lucidrains `logsnr_schedule_cosine`; REFERENCES §1.3]. ±Infinity gives the
 * untruncated schedule, p(λ) = sech(λ/2)/(2π).
 */
export function truncatedCosineLogSnr(logSnrMin: number, logSnrMax: number): LogSnrCurveWithDensity {
  if (!(logSnrMin < logSnrMax)) {
    throw new VsdError("INVALID_RANGE", `cosine schedule needs logSnrMin < logSnrMax, got ${logSnrMin}, ${logSnrMax}.`);
  }
  const a = Math.atan(Math.exp(-logSnrMax / 2));
  const b = Math.atan(Math.exp(-logSnrMin / 2));
  const theta = (t: number) => a + t * (b - a);
  return {
    logSnr: (t) => -2 * Math.log(Math.tan(theta(t))),
    logSnrDerivative: (t) => (-4 * (b - a)) / Math.sin(2 * theta(t)),
    tOfLogSnr: (lambda) => (Math.atan(Math.exp(-lambda / 2)) - a) / (b - a),
    // 1/(4 cosh(λ/2)) written to avoid overflow: e^(−|λ|/2) / (2(1 + e^(−|λ|))).
    density: (lambda) => {
      const e = Math.exp(-Math.abs(lambda) / 2);
      return e / (2 * (1 + e * e)) / (b - a);
    },
  };
}

export interface LinearVpLogSnrOptions {
  /** β(0) of the VP-SDE; T·β_start of DDPM. @default 0.1 */
  readonly betaMin?: number;
  /** β(1) − β(0); T·(β_end − β_start) of DDPM. @default 19.9 */
  readonly betaD?: number;
}

/**
 * Continuous linear VP (VP-SDE, the continuous analogue of DDPM "linear"):
 * ᾱ(t) = exp(−q(t)), q(t) = β_min t + ½β_d t² [EDM Table 1; NVlabs/edm
 * VPPrecond; REFERENCES §1.3], so λ(t) = −ln expm1(q(t)) and q = softplus(−λ).
 * λ(0) = +∞; callers that need a finite clean end start at some t_min > 0.
 */
export function linearVpLogSnr(options: LinearVpLogSnrOptions = {}): LogSnrCurve {
  const betaMin = options.betaMin ?? 0.1;
  const betaD = options.betaD ?? 19.9;
  if (!(betaMin > 0) || !(betaD >= 0)) {
    throw new VsdError("INVALID_ARGUMENT", `linear VP schedule needs betaMin > 0 and betaD ≥ 0, got ${betaMin}, ${betaD}.`);
  }
  const q = (t: number) => betaMin * t + 0.5 * betaD * t * t;
  return {
    logSnr: (t) => -Math.log(Math.expm1(q(t))),
    // dλ/dt = −q′ e^q / expm1(q) = −q′ / (−expm1(−q))
    logSnrDerivative: (t) => -(betaMin + betaD * t) / -Math.expm1(-q(t)),
    tOfLogSnr(lambda) {
      const qq = softplus(-lambda);
      // Root of ½β_d t² + β_min t − q = 0, in the cancellation-free form.
      return (2 * qq) / (betaMin + Math.sqrt(betaMin * betaMin + 2 * betaD * qq));
    },
  };
}
