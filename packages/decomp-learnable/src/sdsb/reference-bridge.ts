import { VsdError } from "@vsd/core";

/**
 * The S-DSB reference process as a clock: the Brownian walk whose step between
 * positions k and k+1 adds variance 2γ_k (noise-scale.ts). Its cumulative
 * variance v_k = Σ_{j<k} 2γ_j (v₀ = 0, v_N = V) is the time of its bridges, and
 * τ_k = v_k / V ∈ [0, 1] is the normalised clock (γ̄_k of Tang et al. 2024 §4.3,
 * with γ̄_N = 1). For constant γ, τ_k = k/N.
 *
 * Throws INVALID_RANGE unless every γ_k > 0: a step without noise would pin
 * the reference bridge there, so its posterior step is undefined.
 */
export function cumulativeVariance(gammas: ArrayLike<number>): Float64Array {
  const v = new Float64Array(gammas.length + 1);
  for (let k = 0; k < gammas.length; k++) {
    const g = gammas[k]!;
    if (!(g > 0 && Number.isFinite(g))) {
      throw new VsdError("INVALID_RANGE", `The terminal and flow targets step along the reference's Brownian bridge, which needs every γ_k > 0; γ_${k} = ${g}.`);
    }
    v[k + 1] = v[k]! + 2 * g;
  }
  return v;
}

/**
 * Where the terminal and flow targets' inputs x_k come from:
 * - "bridge": the reference's Brownian bridge between the endpoints of the other
 *   network's rollout (the rollouts' reciprocal projection [Shi et al. 2023, DSBM]);
 * - "trajectory": the rollout's own position k (as S-DSB's code). With a
 *   flow-matching init this does not converge (README, population numbers).
 */
export type SdsbEndpointPairs = "bridge" | "trajectory";

/** "backward": B, position k → k+1 towards x_N; "forward": F, k → k−1 towards x₀. */
export type BridgeDirection = "backward" | "forward";

/**
 * The reference's bridge posterior for one step, given the far endpoint
 * [Brownian bridge; Tang et al. 2024 §4.3, TR-DSB]. With v the cumulative
 * variance (`cumulativeVariance`, V = v_N), Δ the variance of the step taken:
 * - B at k (k → k+1, endpoint x_N): mean x_k + Δ/(V − v_k)·(x_N − x_k), Δ = v_{k+1} − v_k,
 *   variance Δ·(V − v_{k+1})/(V − v_k);
 * - F at k (k → k−1, endpoint x₀): mean x_k + Δ/v_k·(x₀ − x_k), Δ = v_k − v_{k−1},
 *   variance Δ·v_{k−1}/v_k.
 * (Gaussian conditioning of the walk on its endpoint.) The variance is that of
 * x_{k±1}; a sampler adds √variance·ξ. The S-DSB reparameterised code we read
 * multiplies ξ by the variance expression itself; that is not the posterior's
 * standard deviation. The variance vanishes on each chain's last step, as
 * S-DSB's noise-free last step.
 */
export function bridgeStep(v: Float64Array, direction: BridgeDirection, k: number): { readonly weight: number; readonly variance: number } {
  const N = v.length - 1;
  const V = v[N]!;
  if (direction === "backward") {
    if (!(Number.isInteger(k) && k >= 0 && k < N)) throw new VsdError("INVALID_ARGUMENT", `bridgeStep: B's position must be in 0…${N - 1}, got ${k}.`);
    const d = v[k + 1]! - v[k]!;
    return { weight: d / (V - v[k]!), variance: (d * (V - v[k + 1]!)) / (V - v[k]!) };
  }
  if (!(Number.isInteger(k) && k >= 1 && k <= N)) throw new VsdError("INVALID_ARGUMENT", `bridgeStep: F's position must be in 1…${N}, got ${k}.`);
  const d = v[k]! - v[k - 1]!;
  return { weight: d / v[k]!, variance: (d * v[k - 1]!) / v[k]! };
}

/**
 * Coefficients of the reference bridge's marginal at position k between
 * endpoints x₀ and x_N: x_k = (1 − τ_k)x₀ + τ_k x_N + √(v_k(V − v_k)/V)·ξ
 * (Brownian bridge; τ_k = v_k/V). Sampling interior positions this way from
 * another chain's endpoints is the reciprocal projection of that chain onto the
 * reference's bridges [Shi et al. 2023, DSBM §3 (IMF); Léonard 2014].
 */
export function bridgeMarginal(v: Float64Array, k: number): { readonly tau: number; readonly std: number } {
  const V = v[v.length - 1]!;
  return { tau: v[k]! / V, std: Math.sqrt(Math.max(0, (v[k]! * (V - v[k]!)) / V)) };
}
