import { VsdError } from "@vsd/core";
import { makeSchedule, type NoiseSchedule } from "./noise-schedule.js";

/**
 * A schedule shifted in log-SNR: λ′(t) = λ(t) − 2 ln s, with s > 1 adding noise
 * [SiD §3.1; SD3 resolution shift; REFERENCES §1.7]. p′(λ) = p(λ + 2 ln s).
 */
export function shiftSchedule(base: NoiseSchedule, s: number): NoiseSchedule {
  if (!(s > 0)) throw new VsdError("INVALID_ARGUMENT", `log-SNR shift factor must be > 0, got ${s}.`);
  const d = 2 * Math.log(s);
  return makeSchedule({
    name: `${base.name}@shift${s}`,
    family: base.family,
    logSnr: (t) => base.logSnr(t) - d,
    logSnrDerivative: (t) => base.logSnrDerivative(t),
    tOfLogSnr: (lambda) => base.tOfLogSnr(lambda + d),
    density: (lambda) => base.density(lambda + d),
    cdf: (lambda) => base.cdf(lambda + d),
  });
}

/**
 * Resolution shift [SiD §3.1]: SNR(t) scales by (d_ref/d)², i.e. s = d/d_ref
 * with d the image side (or √(pixel count) ratio for SD3's α = √(m/n)).
 */
export function resolutionShift(base: NoiseSchedule, options: { side: number; referenceSide: number }): NoiseSchedule {
  const { side, referenceSide } = options;
  if (!(side > 0 && referenceSide > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `resolutionShift needs positive sides, got ${side}, ${referenceSide}.`);
  }
  return shiftSchedule(base, side / referenceSide);
}
