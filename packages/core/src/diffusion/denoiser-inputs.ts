import * as tf from "@tensorflow/tfjs-core";
import { sinusoidalEmbedding } from "../nn/sinusoidal.js";

/**
 * Scale applied to λ before the sinusoidal embedding: with the highest
 * frequency 1, λ steps of ~0.1 stay distinguishable over λ ∈ [−20, 20].
 */
export const LOG_SNR_EMBED_SCALE = 10;

/**
 * Sinusoidal embedding `[n, dim]` of LOG_SNR_EMBED_SCALE·λ, the noise-level
 * input of the diffusion denoisers. A tensor `logSnr` keeps the gradient to
 * whatever produced it (a learned schedule).
 */
export function logSnrEmbedding(logSnr: Float32Array | tf.Tensor1D, dim: number): tf.Tensor2D {
  if (logSnr instanceof Float32Array) return sinusoidalEmbedding(logSnr.map((l) => l * LOG_SNR_EMBED_SCALE), dim);
  return tf.tidy(() => sinusoidalEmbedding(tf.mul(logSnr, LOG_SNR_EMBED_SCALE) as tf.Tensor1D, dim));
}

/**
 * Fourier features sin(2ⁿπz), cos(2ⁿπz) for each exponent n, in that order
 * [VDM App. C]: they let a denoiser resolve the 8-bit grid (bin width 2⁻⁷) at
 * high SNR. Returns 2·|exponents| blocks shaped like `z`.
 */
export function fourierFeatures(z: tf.Tensor2D, exponents: readonly number[]): tf.Tensor2D[] {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (const e of exponents) {
      const arg = tf.mul(z, Math.PI * 2 ** e);
      parts.push(tf.sin(arg) as tf.Tensor2D, tf.cos(arg) as tf.Tensor2D);
    }
    return parts;
  });
}
