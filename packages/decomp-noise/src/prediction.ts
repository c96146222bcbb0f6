import { VsdError, alphaSigmaFromLogSnr, stableSoftplus } from "@vsd/core";

/**
 * What the denoiser outputs. All conversions assume the VP process
 * z = α x + σ ε with α² = sigmoid(λ), σ² = sigmoid(−λ) (REFERENCES §1.1):
 * - "epsilon": ε;  "x0": x;  "v": α ε − σ x [Salimans & Ho 2022];
 * - "flow": the rectified-flow velocity ε − x [SD3 §2] (scale-free, so it is
 *   the same target whether z is written on the VP or the RF path).
 */
export type Prediction = "epsilon" | "x0" | "v" | "flow";

export const PREDICTIONS: readonly Prediction[] = ["epsilon", "x0", "v", "flow"];

/** target = x·x + eps·ε; x̂ = toX.z·z + toX.pred·p̂; ε̂ = toEps.z·z + toEps.pred·p̂. */
export interface PredictionCoefficients {
  readonly target: { readonly x: number; readonly eps: number };
  readonly toX: { readonly z: number; readonly pred: number };
  readonly toEps: { readonly z: number; readonly pred: number };
}

/** Linear coefficients of a prediction target at log-SNR λ (finite λ for ε → x and x → ε). */
export function predictionCoefficients(prediction: Prediction, lambda: number): PredictionCoefficients {
  const { alpha: a, sigma: s } = alphaSigmaFromLogSnr(lambda);
  switch (prediction) {
    case "epsilon":
      return { target: { x: 0, eps: 1 }, toX: { z: 1 / a, pred: -s / a }, toEps: { z: 0, pred: 1 } };
    case "x0":
      return { target: { x: 1, eps: 0 }, toX: { z: 0, pred: 1 }, toEps: { z: 1 / s, pred: -a / s } };
    case "v":
      return { target: { x: -s, eps: a }, toX: { z: a, pred: -s }, toEps: { z: s, pred: a } };
    case "flow": {
      // RF: z_rf = z/(α+σ), t = σ/(α+σ); x̂ = z_rf − t v̂, ε̂ = z_rf + (1 − t) v̂.
      const k = a + s;
      return { target: { x: -1, eps: 1 }, toX: { z: 1 / k, pred: -s / k }, toEps: { z: 1 / k, pred: a / k } };
    }
    default:
      throw new VsdError("INVALID_ARGUMENT", `Unknown prediction "${String(prediction)}".`);
  }
}

/** The target value of `prediction` for one (x, ε) at λ. */
export function predictionTarget(prediction: Prediction, x: number, eps: number, lambda: number): number {
  const c = predictionCoefficients(prediction, lambda).target;
  return c.x * x + c.eps * eps;
}

/** (x̂, ε̂) from a model output of type `prediction` at (z, λ). */
export function predictionToXEps(prediction: Prediction, z: number, pred: number, lambda: number): { x: number; eps: number } {
  const c = predictionCoefficients(prediction, lambda);
  return { x: c.toX.z * z + c.toX.pred * pred, eps: c.toEps.z * z + c.toEps.pred * pred };
}

/** Converts a model output from one prediction type to another at (z, λ). */
export function convertPrediction(from: Prediction, to: Prediction, z: number, pred: number, lambda: number): number {
  const { x, eps } = predictionToXEps(from, z, pred, lambda);
  return predictionTarget(to, x, eps, lambda);
}

/**
 * ln of ‖target − target̂‖² / ‖ε − ε̂‖² at λ (REFERENCES §1.1 equivalences):
 * ε: 0; x0: −λ; v: ln(1 + e^(−λ)); flow: 2 ln(1 + e^(−λ/2)).
 */
export function logMseFactor(prediction: Prediction, lambda: number): number {
  switch (prediction) {
    case "epsilon":
      return 0;
    case "x0":
      return -lambda;
    case "v":
      return stableSoftplus(-lambda);
    case "flow":
      return 2 * stableSoftplus(-lambda / 2);
    default:
      throw new VsdError("INVALID_ARGUMENT", `Unknown prediction "${String(prediction)}".`);
  }
}
