import { VsdError } from "@vsd/core";
import { logMseFactor, type Prediction } from "../prediction.js";
import type { NoiseSchedule } from "../schedules/noise-schedule.js";
import {
  cosmapWeighting,
  edmWeighting,
  elboWeighting,
  minSnrWeighting,
  mseWeighting,
  sigmoidWeighting,
  type LossWeighting,
} from "./loss-weighting.js";

/** A loss weighting by name (JSON-serialisable, for model configs). */
export type WeightingSpec =
  | { readonly kind: "mse"; readonly prediction?: Prediction }
  | { readonly kind: "min-snr"; readonly gamma?: number }
  | { readonly kind: "edm"; readonly sigmaData?: number }
  | { readonly kind: "sigmoid"; readonly bias?: number }
  | { readonly kind: "elbo" }
  | { readonly kind: "cosmap" };

/** Builds a weighting; `{kind: "mse"}` without a prediction means plain MSE on the model's own target. */
export function createWeighting(spec: WeightingSpec, modelPrediction: Prediction = "epsilon"): LossWeighting {
  switch (spec.kind) {
    case "mse":
      return mseWeighting(spec.prediction ?? modelPrediction);
    case "min-snr":
      return minSnrWeighting(spec.gamma ?? 5);
    case "edm":
      return edmWeighting(spec.sigmaData ?? 0.5);
    case "sigmoid":
      return sigmoidWeighting(spec.bias ?? 0);
    case "elbo":
      return elboWeighting();
    case "cosmap":
      return cosmapWeighting();
    default:
      throw new VsdError("INVALID_ARGUMENT", `Unknown weighting kind "${String((spec as { kind: unknown }).kind)}".`);
  }
}

/**
 * The weight on ½‖target − target̂‖² of the model's prediction target for one
 * λ drawn from `schedule`, so that the expected loss has effective weighting
 * w(λ) = ω(λ)·p(λ) (REFERENCES §1.9–1.10).
 */
export function trainingWeight(weighting: LossWeighting, schedule: NoiseSchedule, prediction: Prediction, lambda: number): number {
  if (weighting.kind === "per-sample" && weighting.targetWeight) return weighting.targetWeight(prediction, lambda);
  let logOmega = weighting.logWeight(lambda);
  if (weighting.kind === "effective") {
    const p = schedule.density(lambda);
    if (!(p > 0)) throw new VsdError("INVALID_RANGE", `λ = ${lambda} is outside the support of schedule "${schedule.name}".`);
    logOmega -= Math.log(p);
  }
  const w = Math.exp(logOmega - logMseFactor(prediction, lambda));
  if (!Number.isFinite(w)) {
    throw new VsdError("NON_FINITE", `Weighting "${weighting.name}" gives a non-finite ${prediction} weight at λ = ${lambda}; clip the training log-SNR range.`);
  }
  return w;
}
