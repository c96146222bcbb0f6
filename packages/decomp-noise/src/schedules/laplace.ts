import { VsdError } from "@vsd/core";
import { makeSchedule, type NoiseSchedule } from "./noise-schedule.js";

/**
 * Laplace schedule [Hang, Gu et al. 2024, arXiv 2407.03297; REFERENCES §1.4]:
 * the inverse CDF of Laplace(μ, b) over log-SNR, t = 0 clean:
 *   λ(t) = μ − b·sgn(½ − t)·ln(1 − 2|t − ½|),
 * so λ(½) = μ and F(λ(t)) = 1 − t exactly on both branches.
 */
export function laplaceLogSnr(t: number, mu = 0, b = 0.5): number {
  checkLaplace(mu, b);
  if (t < 0.5) return mu - b * Math.log(2 * t);
  // ln(2 − 2t) via log1p keeps precision near t = ½.
  return mu + b * Math.log1p(1 - 2 * t);
}

/** Laplace density p(λ) = exp(−|λ − μ|/b) / (2b). */
export function laplaceDensity(lambda: number, mu = 0, b = 0.5): number {
  checkLaplace(mu, b);
  return Math.exp(-Math.abs(lambda - mu) / b) / (2 * b);
}

function checkLaplace(mu: number, b: number): void {
  if (!Number.isFinite(mu) || !(b > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `Laplace schedule needs a finite mu and b > 0, got mu=${mu}, b=${b}.`);
  }
}

export interface LaplaceOptions {
  /** Location μ of λ. @default 0 */
  readonly mu?: number;
  /** Scale b of λ. @default 0.5 */
  readonly b?: number;
}

/** The Laplace schedule as a `NoiseSchedule` (VP family: ᾱ = sigmoid(λ)). */
export function laplaceSchedule(options: LaplaceOptions = {}): NoiseSchedule {
  const mu = options.mu ?? 0;
  const b = options.b ?? 0.5;
  checkLaplace(mu, b);
  return makeSchedule({
    name: "laplace",
    family: "vp",
    logSnr: (t) => laplaceLogSnr(t, mu, b),
    logSnrDerivative: (t) => (t < 0.5 ? -b / t : -b / (1 - t)),
    tOfLogSnr: (lambda) =>
      lambda >= mu ? 0.5 * Math.exp(-(lambda - mu) / b) : 1 - 0.5 * Math.exp((lambda - mu) / b),
    density: (lambda) => laplaceDensity(lambda, mu, b),
    cdf: (lambda) =>
      lambda >= mu ? 1 - 0.5 * Math.exp(-(lambda - mu) / b) : 0.5 * Math.exp((lambda - mu) / b),
  });
}
