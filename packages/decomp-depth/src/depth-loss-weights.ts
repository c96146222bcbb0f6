import { VsdError } from "@vsd/core";

/**
 * How the D partial-reconstruction losses L_d = ‖Dec(Σ_{j≤d} x_j) − I‖² are
 * weighted (VSD Q3, Eq. 3): `equal` is the paper's "standard configuration",
 * `final` trains only the full-depth reconstruction, `geometric` doubles the
 * weight with each depth (w_d ∝ 2^d), and an array gives the weights directly.
 */
export type DepthLossWeighting = "equal" | "final" | "geometric" | readonly number[];

/**
 * Weights w_1…w_D of the partial reconstructions, normalised to sum to 1.
 * Throws `INVALID_ARGUMENT` for D < 1, a user array of the wrong length, or
 * negative / non-finite / all-zero user weights.
 */
export function depthLossWeights(kind: DepthLossWeighting, depth: number): Float64Array {
  if (!Number.isInteger(depth) || depth < 1) {
    throw new VsdError("INVALID_ARGUMENT", `depthLossWeights: depth must be an integer ≥ 1, got ${depth}.`);
  }
  const w = new Float64Array(depth);
  if (kind === "equal") w.fill(1);
  else if (kind === "final") w[depth - 1] = 1;
  else if (kind === "geometric") for (let d = 0; d < depth; d++) w[d] = 2 ** d;
  else if (Array.isArray(kind)) {
    if (kind.length !== depth) {
      throw new VsdError("INVALID_ARGUMENT", `depthLossWeights: ${kind.length} weights given for depth ${depth}.`);
    }
    for (let d = 0; d < depth; d++) {
      const v = kind[d]!;
      if (!Number.isFinite(v) || v < 0) {
        throw new VsdError("INVALID_ARGUMENT", `depthLossWeights: weight ${d} is ${v}; weights must be finite and ≥ 0.`);
      }
      w[d] = v;
    }
  } else {
    throw new VsdError("INVALID_ARGUMENT", `depthLossWeights: unknown weighting ${String(kind)}.`);
  }
  let s = 0;
  for (const v of w) s += v;
  if (!(s > 0)) throw new VsdError("INVALID_ARGUMENT", "depthLossWeights: the weights sum to 0.");
  for (let d = 0; d < depth; d++) w[d] = w[d]! / s;
  return w;
}

/**
 * The latent that a weighted sum of partial-reconstruction losses effectively
 * trains, as coefficients on the depth codes (VSD Q3, Eqs. 4–5, generalised).
 *
 * Derivation [derived]: with a linear decoder A and S_d = Σ_{j≤d} x_j,
 * Σ_d w_d ‖A S_d − I‖² = W ‖A X̄ − I‖² + Σ_d w_d ‖A(S_d − X̄)‖², W = Σ_d w_d,
 * X̄ = Σ_d w_d S_d / W (the cross term vanishes because Σ_d w_d (S_d − X̄) = 0).
 * The second term does not involve I, so the loss pulls X̄ = Σ_j c_j x_j,
 * c_j = Σ_{d≥j} w_d / W, toward the ideal latent. Equal weights with D = 4 give
 * (1, ¾, ½, ¼), the paper's Eq. 5; `final` gives (1, 1, 1, 1), the full sum.
 */
export function optimalLatentCoefficients(weights: ArrayLike<number>): Float64Array {
  const depth = weights.length;
  if (depth < 1) throw new VsdError("INVALID_ARGUMENT", "optimalLatentCoefficients: no weights given.");
  let total = 0;
  for (let d = 0; d < depth; d++) {
    const v = weights[d]!;
    if (!Number.isFinite(v) || v < 0) {
      throw new VsdError("INVALID_ARGUMENT", `optimalLatentCoefficients: weight ${d} is ${v}; weights must be finite and ≥ 0.`);
    }
    total += v;
  }
  if (!(total > 0)) throw new VsdError("INVALID_ARGUMENT", "optimalLatentCoefficients: the weights sum to 0.");
  const c = new Float64Array(depth);
  let tail = 0;
  for (let j = depth - 1; j >= 0; j--) {
    tail += weights[j]!;
    c[j] = tail / total;
  }
  return c;
}
