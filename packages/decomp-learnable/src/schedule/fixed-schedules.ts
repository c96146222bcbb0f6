import { VsdError, linearVpLogSnr, truncatedCosineLogSnr, type LinearVpLogSnrOptions } from "@vsd/core";
import type { GammaValue } from "./monotone-net-math.js";

/**
 * Fixed (hand-designed) schedules written as γ(t) = −λ(t), for comparison with
 * the learned one and as the bench/variance baselines. Formulas from
 * REFERENCES §1.3 (continuous cosine and continuous linear VP).
 */
export interface FixedGammaSchedule {
  readonly kind: "cosine" | "linear-vp" | "linear-gamma";
  readonly gamma0: number;
  readonly gamma1: number;
  at(t: number): GammaValue;
}

/**
 * Continuous cosine schedule truncated to [γ₀, γ₁], i.e. core's
 * `truncatedCosineLogSnr(−γ₁, −γ₀)` read as γ = −λ [iDDPM s → 0 limit; SiD §2;
 * REFERENCES §1.3]: γ(t) = 2 ln tan(θ), θ = a + t(b − a), γ′(t) = 4(b − a)/sin(2θ),
 * a = atan(e^(γ₀/2)), b = atan(e^(γ₁/2)).
 */
export function cosineGammaSchedule(gamma0: number, gamma1: number): FixedGammaSchedule {
  checkEndpoints(gamma0, gamma1);
  const c = truncatedCosineLogSnr(-gamma1, -gamma0);
  return { kind: "cosine", gamma0, gamma1, at: (t) => ({ gamma: -c.logSnr(t), dgamma: -c.logSnrDerivative(t) }) };
}

export interface LinearVpOptions extends LinearVpLogSnrOptions {
  /** Smallest time, where γ is finite. @default 1e-5 */
  readonly tMin?: number;
}

/**
 * Continuous linear VP (VP-SDE) schedule, core's `linearVpLogSnr` [EDM Table 1;
 * REFERENCES §1.3] read as γ = −λ: γ(t) = ln expm1(u), u = β_min s + ½β_d s²,
 * with time mapped from [0, 1] to s ∈ [t_min, 1], as the VP-SDE's ε_t
 * truncation does (so γ′ carries the factor 1 − t_min).
 */
export function linearVpGammaSchedule(options: LinearVpOptions = {}): FixedGammaSchedule {
  const tMin = options.tMin ?? 1e-5;
  if (!(tMin > 0 && tMin < 1)) throw new VsdError("INVALID_ARGUMENT", `linearVpGammaSchedule: need 0 < t_min < 1, got ${tMin}.`);
  const vp = linearVpLogSnr(options);
  const at = (t: number): GammaValue => {
    const s = tMin + (1 - tMin) * t;
    return { gamma: -vp.logSnr(s), dgamma: -(1 - tMin) * vp.logSnrDerivative(s) };
  };
  return { kind: "linear-vp", gamma0: at(0).gamma, gamma1: at(1).gamma, at };
}

/**
 * γ linear in t between the endpoints (VDM's `learnable_scalar` schedule at its
 * initialisation, γ = γ₀ + (γ₁ − γ₀)t [REFERENCES §1.15]): p(λ) is uniform on [−γ₁, −γ₀].
 */
export function linearGammaSchedule(gamma0: number, gamma1: number): FixedGammaSchedule {
  checkEndpoints(gamma0, gamma1);
  return { kind: "linear-gamma", gamma0, gamma1, at: (t) => ({ gamma: gamma0 + (gamma1 - gamma0) * t, dgamma: gamma1 - gamma0 }) };
}

function checkEndpoints(g0: number, g1: number): void {
  if (!(Number.isFinite(g0) && Number.isFinite(g1) && g1 > g0)) {
    throw new VsdError("INVALID_RANGE", `Schedule endpoints need finite γ₀ < γ₁, got ${g0}, ${g1}.`);
  }
}
