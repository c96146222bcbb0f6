import { alphaSigmaFromLogSnr, stableSigmoid, type AlphaSigma } from "@vsd/core";

/**
 * How a schedule scales z = α·x + σ·ε (REFERENCES §0, §1.1):
 * - "vp": α² + σ² = 1 (DDPM, VDM, iDDPM cosine, Laplace);
 * - "ve": α = 1, σ = e^(−λ/2) (EDM);
 * - "flow": α = 1 − t, σ = t with t = sigmoid(−λ/2) (rectified flow).
 * Every family is the same process up to a rescaling of z; the schedule's
 * content is λ(t), i.e. the density p(λ) it samples.
 */
export type ScheduleFamily = "vp" | "ve" | "flow";

/**
 * A noise schedule over t ∈ [0, 1] (t = 0 clean, t = 1 noisy), expressed in
 * log-SNR λ = ln(α²/σ²). With t ~ U(0, 1) it induces a density over λ
 * (REFERENCES §1.2): p(λ) = 1/|λ′(t(λ))|, P(Λ ≤ λ) = 1 − t(λ), quantile(u) = λ(1 − u).
 */
export interface NoiseSchedule {
  readonly name: string;
  readonly family: ScheduleFamily;
  /** λ(0): the clean end (may be +∞). */
  readonly logSnrMax: number;
  /** λ(1): the noisy end (may be −∞, e.g. zero terminal SNR). */
  readonly logSnrMin: number;
  /** λ(t), strictly decreasing. */
  logSnr(t: number): number;
  /** dλ/dt (≤ 0). */
  logSnrDerivative(t: number): number;
  /** The inverse t(λ), clamped to [0, 1]. */
  tOfLogSnr(lambda: number): number;
  /** α, σ of this schedule's family at time t. */
  alphaSigma(t: number): AlphaSigma;
  /** The density of λ(t) for t ~ U(0, 1). */
  density(lambda: number): number;
  /** P(Λ ≤ λ) = 1 − t(λ). */
  cdf(lambda: number): number;
  /** λ with cdf(λ) = u, i.e. λ(1 − u). */
  quantile(u: number): number;
}

/** α, σ of a family at log-SNR λ. */
export function familyAlphaSigma(family: ScheduleFamily, lambda: number): AlphaSigma {
  switch (family) {
    case "vp":
      return alphaSigmaFromLogSnr(lambda);
    case "ve":
      return { alpha: 1, sigma: Math.exp(-lambda / 2) };
    case "flow": {
      // σ_RF = t = sigmoid(−λ/2), α_RF = 1 − t = sigmoid(λ/2) (REFERENCES §1.1).
      return { alpha: stableSigmoid(lambda / 2), sigma: stableSigmoid(-lambda / 2) };
    }
  }
}

/** What a concrete schedule supplies; `makeSchedule` derives the rest. */
export interface ScheduleParts {
  readonly name: string;
  readonly family: ScheduleFamily;
  logSnr(t: number): number;
  logSnrDerivative(t: number): number;
  /** Unclamped inverse; may assume λ ∈ [λ(1), λ(0)]. */
  tOfLogSnr(lambda: number): number;
  /** A closed-form density, when more accurate than 1/|λ′(t(λ))|. */
  density?(lambda: number): number;
  /** A closed-form 1 − t(λ), when more accurate in the tails. */
  cdf?(lambda: number): number;
}

/** Builds a `NoiseSchedule` from λ(t), λ′(t) and t(λ). */
export function makeSchedule(parts: ScheduleParts): NoiseSchedule {
  const lmax = parts.logSnr(0);
  const lmin = parts.logSnr(1);
  const tOf = (lambda: number): number => {
    if (lambda >= lmax) return 0;
    if (lambda <= lmin) return 1;
    const t = parts.tOfLogSnr(lambda);
    return t < 0 ? 0 : t > 1 ? 1 : t;
  };
  return {
    name: parts.name,
    family: parts.family,
    logSnrMax: lmax,
    logSnrMin: lmin,
    logSnr: (t) => parts.logSnr(t),
    logSnrDerivative: (t) => parts.logSnrDerivative(t),
    tOfLogSnr: tOf,
    alphaSigma(t) {
      return familyAlphaSigma(parts.family, parts.logSnr(t));
    },
    density(lambda) {
      if (!(lambda > lmin && lambda < lmax)) return 0;
      if (parts.density) return parts.density(lambda);
      const d = parts.logSnrDerivative(tOf(lambda));
      return 1 / Math.abs(d);
    },
    cdf(lambda) {
      if (lambda >= lmax) return 1;
      if (lambda <= lmin) return 0;
      return parts.cdf ? parts.cdf(lambda) : 1 - tOf(lambda);
    },
    quantile(u) {
      return parts.logSnr(1 - u);
    },
  };
}
