import { VsdError } from "@vsd/core";
import { normalCdf, normalPdf, normalUpperQuantile, normalUpperTail } from "../math/normal.js";
import { makeSchedule, type NoiseSchedule, type ScheduleFamily } from "./noise-schedule.js";

/**
 * A schedule whose λ is normally distributed, λ ~ N(mean, std²):
 * λ(t) = mean + std·Φ⁻¹(1 − t) (REFERENCES §1.2: λ(t) = F⁻¹(1 − t)).
 */
function normalLogSnrSchedule(name: string, family: ScheduleFamily, mean: number, std: number): NoiseSchedule {
  if (!Number.isFinite(mean) || !(std > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `${name}: needs a finite mean and a positive scale.`);
  }
  return makeSchedule({
    name,
    family,
    logSnr(t) {
      if (t <= 0) return Infinity;
      if (t >= 1) return -Infinity;
      return mean + std * normalUpperQuantile(t);
    },
    logSnrDerivative: (t) => -std / normalPdf(normalUpperQuantile(t)),
    tOfLogSnr: (lambda) => normalUpperTail((lambda - mean) / std),
    density: (lambda) => normalPdf((lambda - mean) / std) / std,
    cdf: (lambda) => normalCdf((lambda - mean) / std),
  });
}

export interface LogitNormalOptions {
  /** Location m of logit(t). @default 0 */
  readonly m?: number;
  /** Scale s of logit(t). @default 1 */
  readonly s?: number;
}

/**
 * SD3 logit-normal timestep density [SD3 §3.1; diffusers
 * `compute_density_for_timestep_sampling`]: u ~ N(m, s²), t = sigmoid(u) on the
 * rectified-flow path, so λ = −2u ~ N(−2m, 4s²) (REFERENCES §1.5).
 */
export function logitNormalSchedule(options: LogitNormalOptions = {}): NoiseSchedule {
  const m = options.m ?? 0;
  const s = options.s ?? 1;
  return normalLogSnrSchedule("logit_normal", "flow", -2 * m, 2 * s);
}

export interface EdmOptions {
  /** Mean of ln σ. @default -1.2 */
  readonly pMean?: number;
  /** Std of ln σ. @default 1.2 */
  readonly pStd?: number;
}

/**
 * EDM training noise [EDM §5; NVlabs/edm `EDMLoss`]: ln σ ~ N(P_mean, P_std²),
 * λ = −2 ln σ ~ N(−2P_mean, 4P_std²) (REFERENCES §1.6). VE family (α = 1).
 */
export function edmSchedule(options: EdmOptions = {}): NoiseSchedule {
  const pMean = options.pMean ?? -1.2;
  const pStd = options.pStd ?? 1.2;
  return normalLogSnrSchedule("edm", "ve", -2 * pMean, 2 * pStd);
}
