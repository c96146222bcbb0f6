import { VsdError, stableLogit, stableSigmoid, truncatedCosineLogSnr } from "@vsd/core";
import { makeSchedule, type NoiseSchedule } from "./noise-schedule.js";

export interface CosineOptions {
  /** Truncation at the noisy end. @default -15 */
  readonly logSnrMin?: number;
  /** Truncation at the clean end. @default 15 */
  readonly logSnrMax?: number;
}

/**
 * Continuous (s → 0) cosine schedule, truncated to [λ_min, λ_max]:
 * λ(t) = −2 ln tan(a + t(b − a)), p(λ) = sech(λ/2) / (4(b − a)); the formulas
 * are core's `truncatedCosineLogSnr` [SiD §2; REFERENCES §1.3]. Pass ±Infinity
 * for the untruncated sech(λ/2)/(2π).
 */
export function cosineSchedule(options: CosineOptions = {}): NoiseSchedule {
  return makeSchedule({ name: "cosine", family: "vp", ...truncatedCosineLogSnr(options.logSnrMin ?? -15, options.logSnrMax ?? 15) });
}

export interface IddpmCosineOptions {
  /** Offset s of iDDPM Eq. 17. @default 0.008 */
  readonly offset?: number;
}

/**
 * iDDPM cosine in continuous time, f(t) = cos²(((t + s)/(1 + s))·π/2),
 * ᾱ(t) = f(t)/f(0), λ(t) = ln(f(t)/(f(0) − f(t))) [iDDPM Eq. 17; REFERENCES §1.3].
 * The discrete `squaredcos_cap_v2` table (with its β clip) comes from `ddpmAlphasCumprod`.
 */
export function iddpmCosineSchedule(options: IddpmCosineOptions = {}): NoiseSchedule {
  const s = options.offset ?? 0.008;
  if (!(s >= 0)) throw new VsdError("INVALID_ARGUMENT", `iDDPM cosine offset must be ≥ 0, got ${s}.`);
  const k = Math.PI / (2 * (1 + s));
  const f0 = Math.cos(s * k) ** 2;
  const alphaBar = (t: number) => Math.cos((t + s) * k) ** 2 / f0;
  return makeSchedule({
    name: "cosine_iddpm",
    family: "vp",
    logSnr(t) {
      if (t >= 1) return -Infinity;
      const ab = alphaBar(t);
      // 1 − ᾱ = (f0 − f)/f0 = sin((t+2s)k)·sin(t·k)/f0 (product-to-sum), exact near t = 0.
      const oneMinus = (Math.sin((t + 2 * s) * k) * Math.sin(t * k)) / f0;
      return Math.log(ab) - Math.log(oneMinus);
    },
    logSnrDerivative(t) {
      const ab = alphaBar(t);
      const dab = (-k * Math.sin(2 * (t + s) * k)) / f0;
      const oneMinus = (Math.sin((t + 2 * s) * k) * Math.sin(t * k)) / f0;
      return dab / (ab * oneMinus);
    },
    tOfLogSnr(lambda) {
      const ab = stableSigmoid(lambda);
      return Math.acos(Math.sqrt(ab * f0)) / k - s;
    },
  });
}

/** ᾱ-logit helper kept here for the RIN sigmoid below. */
function logitOf(v: number): number {
  return stableLogit(v);
}

export interface RinSigmoidOptions {
  /** @default -3 */
  readonly start?: number;
  /** @default 3 */
  readonly end?: number;
  /** @default 1 */
  readonly tau?: number;
}

/**
 * "sigmoid" of RIN / Chen 2023 (arXiv 2212.11972 Fig. 8; lucidrains
 * `sigmoid_beta_schedule`): ᾱ(t) = (v_e − sigmoid((t(e − s) + s)/τ)) / (v_e − v_s).
 * Named `sigmoid_rin` to keep it apart from diffusers' β-sigmoid (REFERENCES §6.13).
 */
export function rinSigmoidSchedule(options: RinSigmoidOptions = {}): NoiseSchedule {
  const s = options.start ?? -3;
  const e = options.end ?? 3;
  const tau = options.tau ?? 1;
  if (!(e > s && tau > 0)) throw new VsdError("INVALID_ARGUMENT", `sigmoid_rin needs end > start and tau > 0.`);
  const vs = stableSigmoid(s / tau);
  const ve = stableSigmoid(e / tau);
  const v = (t: number) => stableSigmoid((t * (e - s) + s) / tau);
  return makeSchedule({
    name: "sigmoid_rin",
    family: "vp",
    logSnr(t) {
      if (t <= 0) return Infinity;
      if (t >= 1) return -Infinity;
      const vt = v(t);
      return Math.log(ve - vt) - Math.log(vt - vs);
    },
    logSnrDerivative(t) {
      const vt = v(t);
      const dv = (vt * (1 - vt) * (e - s)) / tau;
      return -dv * (1 / (ve - vt) + 1 / (vt - vs));
    },
    tOfLogSnr(lambda) {
      const ab = stableSigmoid(lambda);
      const vt = ve - ab * (ve - vs);
      return (tau * logitOf(vt) - s) / (e - s);
    },
  });
}
