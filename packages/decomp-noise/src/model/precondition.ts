import { VsdError, alphaSigmaFromLogSnr } from "@vsd/core";
import { predictionCoefficients, type Prediction } from "../prediction.js";

/** How the network's raw output F becomes the model's prediction. */
export type Preconditioning = "edm" | "none";

/** Per-λ scalars: network input z_in = input·z; prediction = out·F + skip·z. */
export interface PreconditionCoefficients {
  readonly input: number;
  readonly out: number;
  readonly skip: number;
}

/**
 * EDM preconditioning [EDM §5, Table 1; REFERENCES §1.6] written for the VP
 * state z = αx + σε: with σ_VE = σ/α,
 *   c_in·(z/α) = z/√(σ² + α²σ_d²),
 *   x̂ = c_skip·(z/α) + c_out·F = σ_d²α/(σ² + α²σ_d²)·z + σσ_d/√(σ² + α²σ_d²)·F,
 * finite at both ends (α → 0 and σ → 0). The prediction target P = c_x·x + c_ε·ε
 * is then P̂ = c_x·x̂ + c_ε·(z − αx̂)/σ, so the network output always has unit
 * scale whatever P is. A narrow MLP cannot carry the D-dimensional noise
 * through its bottleneck; the skip path does. "none": P̂ = F(z).
 */
export function preconditionCoefficients(mode: Preconditioning, prediction: Prediction, lambda: number, sigmaData = 0.5): PreconditionCoefficients {
  if (mode === "none") return { input: 1, out: 1, skip: 0 };
  if (mode !== "edm") throw new VsdError("INVALID_ARGUMENT", `preconditioning must be "edm" or "none", got ${String(mode)}.`);
  const { alpha: a, sigma: s } = alphaSigmaFromLogSnr(lambda);
  const sd2 = sigmaData * sigmaData;
  const v = s * s + a * a * sd2;
  const cs = (sd2 * a) / v;
  const co = (s * sigmaData) / Math.sqrt(v);
  const t = predictionCoefficients(prediction, lambda).target;
  if (t.eps === 0) return { input: 1 / Math.sqrt(v), out: t.x * co, skip: t.x * cs };
  if (!(s > 0)) throw new VsdError("INVALID_RANGE", `EDM preconditioning of "${prediction}" needs σ > 0 (λ < ∞), got λ = ${lambda}.`);
  // k·x̂ + (c_ε/σ)·z with k = c_x − c_ε·α/σ; the skip term simplifies for ε
  // (k·c_skip + 1/σ = σ/v) but the general form is kept for every target.
  const k = t.x - (t.eps * a) / s;
  return { input: 1 / Math.sqrt(v), out: k * co, skip: k * cs + t.eps / s };
}
