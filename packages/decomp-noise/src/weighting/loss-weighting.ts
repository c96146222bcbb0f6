import { VsdError, stableLogAddExp, stableLogSigmoid } from "@vsd/core";
import { logMseFactor, type Prediction } from "../prediction.js";
import type { NoiseSchedule } from "../schedules/noise-schedule.js";

/**
 * A loss weighting over log-SNR (REFERENCES §1.9–1.10). Two kinds:
 * - "per-sample": ω(λ), the weight on ½‖ε − ε̂‖² of a λ drawn from the
 *   schedule's p(λ) (Min-SNR, EDM, the MSE of a prediction target);
 * - "effective": w(λ) itself, the weight of ½∫ w(λ) E‖ε − ε̂‖² dλ (ELBO,
 *   VDM++ sigmoid); the per-sample weight is then w/p.
 * The expected loss depends only on w = ω·p (VSD Eq. 6), so sampling and
 * weighting can trade places (`effectiveWeight`, `perSampleWeight`).
 * Weights are kept as logarithms so that λ = ±∞ never produces 0·∞.
 */
export interface LossWeighting {
  readonly name: string;
  readonly kind: "per-sample" | "effective";
  /** ln ω(λ) (ε-space) for "per-sample", ln w(λ) for "effective". */
  logWeight(lambda: number): number;
  /** Exact weight on a prediction target's own MSE, where the generic ratio would be ∞/∞. */
  targetWeight?(prediction: Prediction, lambda: number): number;
}

/** exp of `logWeight`. */
export function weightAt(weighting: LossWeighting, lambda: number): number {
  return Math.exp(weighting.logWeight(lambda));
}

/** Plain MSE on a prediction target, expressed as an ε-space weight: ω = ‖target − t̂‖²/‖ε − ε̂‖². */
export function mseWeighting(prediction: Prediction): LossWeighting {
  return { name: `${prediction}-mse`, kind: "per-sample", logWeight: (l) => logMseFactor(prediction, l) };
}

/**
 * Min-SNR-γ [Hang et al. 2023 §3.4] in ε-space: ω = min(1, γ e^(−λ)), which is
 * 1 at zero SNR (no 0/0). The same objective for every prediction target;
 * `minSnrWeight` gives the weight on a target's own MSE.
 */
export function minSnrWeighting(gamma = 5): LossWeighting {
  checkPositive("min-SNR gamma", gamma);
  const lg = Math.log(gamma);
  return {
    name: `min-snr-${gamma}`,
    kind: "per-sample",
    logWeight: (l) => Math.min(0, lg - l),
    targetWeight: (p, l) => minSnrWeight(Math.exp(l), gamma, p),
  };
}

/**
 * Min-SNR-γ weight on the MSE of `prediction` [MinSNR; diffusers
 * `train_text_to_image.py`], from SNR = e^λ, through λ-forms (REFERENCES §1.9, §6.3):
 * ε: min(SNR, γ)/SNR → 1 at SNR 0; x0: min(SNR, γ) → 0; v: min(SNR, γ)/(SNR + 1) → 0.
 * ("flow" divides by the RF factor (1 + e^(−λ/2))².)
 */
export function minSnrWeight(snr: number, gamma: number, prediction: Prediction): number {
  if (!(snr >= 0)) throw new VsdError("INVALID_RANGE", `minSnrWeight: snr must be ≥ 0, got ${snr}.`);
  checkPositive("min-SNR gamma", gamma);
  // Infinite SNR (clean data): only the x0 weight is non-zero, min(SNR, γ) = γ.
  if (snr === Infinity) return prediction === "x0" ? gamma : 0;
  const lambda = Math.log(snr);
  return Math.exp(Math.min(0, Math.log(gamma) - lambda) - logMseFactor(prediction, lambda));
}

/**
 * EDM weight λ(σ) = (σ² + σ_d²)/(σ σ_d)² on x-MSE [EDM §5], in ε-space
 * (‖D − x‖² = σ²‖ε̂ − ε‖², σ = e^(−λ/2)): ω = (e^(−λ) + σ_d²)/σ_d².
 */
export function edmWeighting(sigmaData = 0.5): LossWeighting {
  checkPositive("EDM sigmaData", sigmaData);
  const l2 = 2 * Math.log(sigmaData);
  return { name: "edm", kind: "per-sample", logWeight: (l) => stableLogAddExp(-l, l2) - l2 };
}

/** VDM++ sigmoid weighting, effective: w(λ) = sigmoid(b − λ) [Kingma & Gao 2023]. */
export function sigmoidWeighting(bias = 0): LossWeighting {
  return { name: `sigmoid-${bias}`, kind: "effective", logWeight: (l) => stableLogSigmoid(bias - l) };
}

/** The ELBO: effective w(λ) ≡ 1 [VDM Eq. 17–18]. */
export function elboWeighting(): LossWeighting {
  return { name: "elbo", kind: "effective", logWeight: () => 0 };
}

/**
 * SD3 "cosmap" loss weight on the RF velocity MSE with uniform σ [diffusers
 * `compute_loss_weighting_for_sd3`]: 2/(π(1 − 2σ + 2σ²)), σ = sigmoid(−λ/2),
 * times the RF → ε factor (1 + e^(−λ/2))².
 */
export function cosmapWeighting(): LossWeighting {
  return {
    name: "cosmap",
    kind: "per-sample",
    logWeight(l) {
      const s = 1 / (1 + Math.exp(l / 2));
      const bot = 1 - 2 * s + 2 * s * s;
      return Math.log(2 / (Math.PI * bot)) + logMseFactor("flow", l);
    },
  };
}

/** Per-sample ε-space weight ω(λ) of `weighting` when λ ~ `schedule` (w/p for effective weightings). */
export function perSampleWeight(weighting: LossWeighting, schedule: NoiseSchedule, lambda: number): number {
  if (weighting.kind === "per-sample") return Math.exp(weighting.logWeight(lambda));
  const p = schedule.density(lambda);
  if (!(p > 0)) throw new VsdError("INVALID_RANGE", `λ = ${lambda} is outside the support of schedule "${schedule.name}".`);
  return Math.exp(weighting.logWeight(lambda)) / p;
}

/** Effective weighting w(λ) = ω(λ)·p(λ) of `weighting` sampled with `schedule` (VSD Eq. 6). */
export function effectiveWeight(weighting: LossWeighting, schedule: NoiseSchedule, lambda: number): number {
  if (weighting.kind === "effective") return Math.exp(weighting.logWeight(lambda));
  const p = schedule.density(lambda);
  return p === 0 ? 0 : Math.exp(weighting.logWeight(lambda)) * p;
}

/**
 * Weight to put on the MSE of `prediction` (instead of ε) so the loss equals
 * ω_ε·‖ε − ε̂‖²: exp(ln ω_ε − ln factor), for a per-sample weighting.
 */
export function targetWeight(weighting: LossWeighting, prediction: Prediction, lambda: number): number {
  if (weighting.kind !== "per-sample") {
    throw new VsdError("INVALID_ARGUMENT", `targetWeight needs a per-sample weighting; use perSampleWeight for "${weighting.name}".`);
  }
  if (weighting.targetWeight) return weighting.targetWeight(prediction, lambda);
  const w = Math.exp(weighting.logWeight(lambda) - logMseFactor(prediction, lambda));
  if (Number.isNaN(w)) {
    throw new VsdError("NON_FINITE", `Weighting "${weighting.name}" has no defined ${prediction} weight at λ = ${lambda}.`);
  }
  return w;
}

/**
 * Moves mass between sampling and weighting at equal expected loss:
 * ω′(λ) = ω(λ)·p(λ)/p′(λ) (REFERENCES §1.10).
 */
export function importanceWeight(omega: number, pFrom: number, pTo: number): number {
  if (!(pTo > 0)) throw new VsdError("INVALID_RANGE", `importanceWeight: target density must be > 0, got ${pTo}.`);
  return (omega * pFrom) / pTo;
}

function checkPositive(what: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new VsdError("INVALID_ARGUMENT", `${what} must be a positive finite number, got ${v}.`);
}
