import { VsdError, linearVpLogSnr, stableSoftplus, type LinearVpLogSnrOptions } from "@vsd/core";
import { makeSchedule, type NoiseSchedule } from "./noise-schedule.js";

/**
 * Continuous-time VP schedules with ᾱ(t) = exp(−q(t)), q(t) = ∫₀ᵗ β(s) ds,
 * so λ(t) = −ln expm1(q(t)) and, inversely, q = softplus(−λ).
 */

/** β(0) (`betaMin`, T·β_start of DDPM) and β(1) − β(0) (`betaD`); defaults 0.1 and 19.9. */
export type LinearVpOptions = LinearVpLogSnrOptions;

/**
 * Continuous linear VP (VP-SDE, the continuous analogue of DDPM "linear"):
 * q(t) = β_min t + ½β_d t², core's `linearVpLogSnr` [EDM Table 1; REFERENCES §1.3].
 */
export function linearVpSchedule(options: LinearVpOptions = {}): NoiseSchedule {
  return makeSchedule({ name: "linear", family: "vp", ...linearVpLogSnr(options) });
}

export interface ScaledLinearVpOptions {
  /** DDPM β_start (Stable Diffusion value). @default 0.00085 */
  readonly betaStart?: number;
  /** DDPM β_end (Stable Diffusion value). @default 0.012 */
  readonly betaEnd?: number;
  /** Number of DDPM steps the β values refer to. @default 1000 */
  readonly steps?: number;
}

/**
 * Continuous "scaled_linear": β(s) = T(a + b s)² with a = √β_start,
 * b = √β_end − √β_start, so q(t) = T((a + bt)³ − a³)/(3b) [derived from
 * diffusers `beta_schedule="scaled_linear"`; REFERENCES §1.3].
 */
export function scaledLinearVpSchedule(options: ScaledLinearVpOptions = {}): NoiseSchedule {
  const b0 = options.betaStart ?? 0.00085;
  const b1 = options.betaEnd ?? 0.012;
  const T = options.steps ?? 1000;
  if (!(b0 > 0 && b1 > b0 && T > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `scaled_linear schedule needs 0 < betaStart < betaEnd and steps > 0.`);
  }
  const a = Math.sqrt(b0);
  const b = Math.sqrt(b1) - a;
  const q = (t: number) => (T * ((a + b * t) ** 3 - a ** 3)) / (3 * b);
  return makeSchedule({
    name: "scaled_linear",
    family: "vp",
    logSnr: (t) => -Math.log(Math.expm1(q(t))),
    logSnrDerivative: (t) => -(T * (a + b * t) ** 2) / -Math.expm1(-q(t)),
    tOfLogSnr(lambda) {
      const qq = stableSoftplus(-lambda);
      return (Math.cbrt(a ** 3 + (3 * b * qq) / T) - a) / b;
    },
  });
}
