import { VsdError, stableSigmoid } from "@vsd/core";
import { laplaceLogSnr } from "./schedules/laplace.js";

/** `beta_schedule` names of diffusers' DDPMScheduler that `ddpmAlphasCumprod` reproduces. */
export type DdpmScheduleKind = "linear" | "scaled_linear" | "squaredcos_cap_v2" | "sigmoid" | "exp" | "laplace";

export interface DdpmOptions {
  /** Number of training steps T. @default 1000 */
  readonly steps?: number;
  /** β of the first step (linear, scaled_linear, sigmoid). @default 0.0001 */
  readonly betaStart?: number;
  /** β of the last step (linear, scaled_linear, sigmoid). @default 0.02 */
  readonly betaEnd?: number;
  /** Apply the zero-terminal-SNR rescale [ZTSNR Alg. 1]. @default false */
  readonly rescaleZeroTerminalSnr?: boolean;
  /** β clip of `betas_for_alpha_bar` kinds (squaredcos_cap_v2, exp, laplace). @default 0.999 */
  readonly maxBeta?: number;
  /** Laplace location μ. @default 0 */
  readonly laplaceMu?: number;
  /** Laplace scale b. @default 0.5 */
  readonly laplaceB?: number;
}

/**
 * ᾱ_i (i = 0…T−1, T−1 noisiest) of a DDPM schedule, in float64.
 *
 * Compatible with diffusers `DDPMScheduler(beta_schedule=kind)` for "linear",
 * "scaled_linear", "squaredcos_cap_v2", "sigmoid" (diffusers' β-sigmoid) and
 * "exp" (`betas_for_alpha_bar(alpha_transform_type="exp")`), up to diffusers'
 * float32 rounding. "laplace" follows the paper [Hang & Gu 2024]:
 * `betas_for_alpha_bar` semantics with ᾱ(t) = sigmoid(λ(t)), so ᾱ_i =
 * sigmoid(laplaceLogSnr((i+1)/T)) until the β clip. diffusers returns
 * α = √sigmoid(λ) there instead (REFERENCES §6.1); see the README.
 */
export function ddpmAlphasCumprod(kind: DdpmScheduleKind, options: DdpmOptions = {}): Float64Array {
  const betas = ddpmBetas(kind, options);
  const out = new Float64Array(betas.length);
  // Σ log1p(−β) is the float64-accurate form of cumprod(1 − β).
  let logAb = 0;
  for (let i = 0; i < betas.length; i++) {
    logAb += Math.log1p(-betas[i]!);
    out[i] = Math.exp(logAb);
  }
  return options.rescaleZeroTerminalSnr ? rescaleZeroTerminalSnr(out) : out;
}

/** The β_i of `ddpmAlphasCumprod` before any zero-terminal-SNR rescale. */
export function ddpmBetas(kind: DdpmScheduleKind, options: DdpmOptions = {}): Float64Array {
  const T = options.steps ?? 1000;
  const b0 = options.betaStart ?? 0.0001;
  const b1 = options.betaEnd ?? 0.02;
  const maxBeta = options.maxBeta ?? 0.999;
  if (!Number.isInteger(T) || T < 2) throw new VsdError("INVALID_ARGUMENT", `ddpm steps must be an integer ≥ 2, got ${T}.`);
  if (!(b0 > 0 && b1 >= b0 && b1 < 1)) {
    throw new VsdError("INVALID_ARGUMENT", `ddpm needs 0 < betaStart ≤ betaEnd < 1, got ${b0}, ${b1}.`);
  }
  const betas = new Float64Array(T);
  const frac = (i: number) => i / (T - 1);
  switch (kind) {
    case "linear": // DDPM §4; diffusers torch.linspace(beta_start, beta_end, T)
      for (let i = 0; i < T; i++) betas[i] = b0 + (b1 - b0) * frac(i);
      return betas;
    case "scaled_linear": // diffusers linspace(√β₀, √β₁, T)²
      for (let i = 0; i < T; i++) betas[i] = (Math.sqrt(b0) + (Math.sqrt(b1) - Math.sqrt(b0)) * frac(i)) ** 2;
      return betas;
    case "sigmoid": // diffusers: sigmoid(linspace(−6, 6, T))·(β₁ − β₀) + β₀
      for (let i = 0; i < T; i++) betas[i] = stableSigmoid(-6 + 12 * frac(i)) * (b1 - b0) + b0;
      return betas;
    case "squaredcos_cap_v2": {
      // iDDPM Eq. 17 with s = 0.008; diffusers betas_for_alpha_bar("cosine").
      const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      return betasForAlphaBar(f, T, maxBeta);
    }
    case "exp":
      return betasForAlphaBar((t) => Math.exp(-12 * t), T, maxBeta);
    case "laplace": {
      const mu = options.laplaceMu ?? 0;
      const b = options.laplaceB ?? 0.5;
      return betasForAlphaBar((t) => stableSigmoid(laplaceLogSnr(t, mu, b)), T, maxBeta);
    }
    default:
      throw new VsdError("INVALID_ARGUMENT", `Unknown DDPM schedule kind "${String(kind)}".`);
  }
}

/**
 * β_i = min(1 − ā((i+1)/T)/ā(i/T), maxBeta) for a function ā(t) that must
 * return ᾱ [diffusers `scheduling_ddpm.py::betas_for_alpha_bar`].
 */
export function betasForAlphaBar(alphaBar: (t: number) => number, steps: number, maxBeta = 0.999): Float64Array {
  const betas = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const a1 = alphaBar(i / steps);
    const a2 = alphaBar((i + 1) / steps);
    betas[i] = Math.min(1 - a2 / a1, maxBeta);
  }
  return betas;
}

/**
 * Zero-terminal-SNR rescale of ᾱ [ZTSNR Alg. 1; diffusers
 * `rescale_zero_terminal_snr`]: r = √ᾱ shifted so r_{T−1} = 0 and scaled so r_0
 * is unchanged; returns the new ᾱ = r² (λ_{T−1} = −∞, β_{T−1} = 1).
 */
export function rescaleZeroTerminalSnr(alphasCumprod: ArrayLike<number>): Float64Array {
  const n = alphasCumprod.length;
  if (n < 2) throw new VsdError("INVALID_ARGUMENT", `rescaleZeroTerminalSnr needs ≥ 2 values.`);
  const r0 = Math.sqrt(alphasCumprod[0]!);
  const rT = Math.sqrt(alphasCumprod[n - 1]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = ((Math.sqrt(alphasCumprod[i]!) - rT) * r0) / (r0 - rT);
    out[i] = r * r;
  }
  out[n - 1] = 0;
  return out;
}

/** β_i = 1 − ᾱ_i/ᾱ_{i−1} (β_0 = 1 − ᾱ_0). */
export function betasFromAlphasCumprod(alphasCumprod: ArrayLike<number>): Float64Array {
  const out = new Float64Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = 1 - alphasCumprod[i]! / (i === 0 ? 1 : alphasCumprod[i - 1]!);
  }
  return out;
}
