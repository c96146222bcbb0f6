import { VsdError, stableSigmoid, stableLogit } from "@vsd/core";
import { makeSchedule, type NoiseSchedule } from "./noise-schedule.js";

export interface FlowOptions {
  /** Static shift s (SD3): σ′ = sσ/(1 + (s − 1)σ), i.e. λ′ = λ − 2 ln s, applied once. @default 1 */
  readonly shift?: number;
}

/**
 * Rectified flow with uniform t = σ and a static shift [SD3 §2–3; REFERENCES §1.5]:
 * α = 1 − σ′, σ′ = shift(t); λ(t) = −2·logit(t) − 2 ln s, p(λ) logistic.
 */
export function flowSchedule(options: FlowOptions = {}): NoiseSchedule {
  const s = options.shift ?? 1;
  if (!(s > 0)) throw new VsdError("INVALID_ARGUMENT", `flow shift must be > 0, got ${s}.`);
  const ls = 2 * Math.log(s);
  return makeSchedule({
    name: "flow",
    family: "flow",
    logSnr(t) {
      if (t <= 0) return Infinity;
      if (t >= 1) return -Infinity;
      return -2 * stableLogit(t) - ls;
    },
    logSnrDerivative: (t) => -2 / (t * (1 - t)),
    tOfLogSnr: (lambda) => stableSigmoid(-(lambda + ls) / 2),
    density(lambda) {
      const t = stableSigmoid(-(lambda + ls) / 2);
      return 0.5 * t * (1 - t);
    },
    cdf: (lambda) => stableSigmoid((lambda + ls) / 2),
  });
}

/** SD3 static shift of one RF σ: sσ/(1 + (s − 1)σ). */
export function shiftFlowSigma(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}
