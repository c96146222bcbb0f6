import { VsdError } from "@vsd/core";
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
 * Continuous cosine schedule truncated to [γ₀, γ₁] [iDDPM s → 0 limit; SiD §2;
 * `denoising-diffusion-pytorch` `logsnr_schedule_cosine`]:
 *   λ(t) = −2 ln tan(a + t(b − a)),  a = atan(e^(−λ_max/2)), b = atan(e^(−λ_min/2)),
 * with λ_max = −γ₀ and λ_min = −γ₁. So γ(t) = 2 ln tan(θ), θ = a + t(b − a),
 * and γ′(t) = 4(b − a)/sin(2θ).
 */
export function cosineGammaSchedule(gamma0: number, gamma1: number): FixedGammaSchedule {
  checkEndpoints(gamma0, gamma1);
  const a = Math.atan(Math.exp(gamma0 / 2));
  const b = Math.atan(Math.exp(gamma1 / 2));
  return {
    kind: "cosine",
    gamma0,
    gamma1,
    at(t) {
      const th = a + t * (b - a);
      return { gamma: 2 * Math.log(Math.tan(th)), dgamma: (4 * (b - a)) / Math.sin(2 * th) };
    },
  };
}

export interface LinearVpOptions {
  /** @default 0.1 */
  readonly betaMin?: number;
  /** β_d = β_max − β_min. @default 19.9 */
  readonly betaD?: number;
  /** Smallest time, where γ is finite. @default 1e-5 */
  readonly tMin?: number;
}

/**
 * Continuous linear VP (VP-SDE) schedule [EDM Table 1; REFERENCES §1.3]:
 *   ᾱ(t) = exp(−β_min t − ½β_d t²) ⇒ λ(t) = −ln expm1(u), u = β_min t + ½β_d t²,
 * so γ(t) = ln expm1(u), γ′(t) = (β_min + β_d t)·e^u/expm1(u). Time is mapped
 * from [0, 1] to [t_min, 1], as the VP-SDE's ε_t truncation does.
 */
export function linearVpGammaSchedule(options: LinearVpOptions = {}): FixedGammaSchedule {
  const betaMin = options.betaMin ?? 0.1;
  const betaD = options.betaD ?? 19.9;
  const tMin = options.tMin ?? 1e-5;
  if (!(betaMin > 0 && betaD >= 0 && tMin > 0 && tMin < 1)) {
    throw new VsdError("INVALID_ARGUMENT", `linearVpGammaSchedule: need β_min > 0, β_d ≥ 0, 0 < t_min < 1.`);
  }
  const at = (t: number): GammaValue => {
    const s = tMin + (1 - tMin) * t;
    const u = betaMin * s + 0.5 * betaD * s * s;
    const em = Math.expm1(u);
    return { gamma: Math.log(em), dgamma: ((1 - tMin) * (betaMin + betaD * s) * Math.exp(u)) / em };
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
