import type * as tf from "@tensorflow/tfjs-core";

/**
 * A VDM noise schedule γ(t) = −λ(t), t ∈ [0, 1] (t = 0 clean, t = 1 noisy),
 * as the VDM model uses it: tensors for training (differentiable in the
 * schedule's variables when it is learned) and float64 values for everything
 * else (sampling, subtasks, reports).
 */
export interface GammaSchedule {
  readonly kind: "learned" | "fixed";
  /** γ(t) and dγ/dt as `[n]` tensors. */
  tensors(t: Float32Array): { gamma: tf.Tensor1D; dgamma: tf.Tensor1D };
  /** γ(t) and dγ/dt from the current weights, in float64. */
  evaluate(t: ArrayLike<number>): { gamma: Float64Array; dgamma: Float64Array };
  /** Current [γ₀, γ₁] = [γ(0), γ(1)]. */
  endpoints(): [number, number];
  /** Endpoints as scalar tensors (differentiable when they are learned). */
  endpointTensors(): { gamma0: tf.Scalar; gamma1: tf.Scalar };
}
