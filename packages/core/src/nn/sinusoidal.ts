import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "../errors.js";

/**
 * Sinusoidal embedding of scalars (time, log-SNR): for i < dim/2,
 * [cos(v·fᵢ), sin(v·fᵢ)] with fᵢ = maxPeriod^(−i/(dim/2)) (Vaswani et al.
 * 2017 §3.5; the cos-first layout of diffusers' `get_timestep_embedding` with
 * `flip_sin_to_cos=True`, `downscale_freq_shift=0`). `[n]` → `[n, dim]`.
 */
export function sinusoidalEmbedding(values: Float32Array | tf.Tensor1D, dim: number, maxPeriod = 10000): tf.Tensor2D {
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0) {
    throw new VsdError("INVALID_ARGUMENT", `sinusoidalEmbedding: dim must be an even integer ≥ 2, got ${dim}.`);
  }
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp((-Math.log(maxPeriod) * i) / half);
  return tf.tidy(() => {
    const v = values instanceof Float32Array ? tf.tensor1d(values) : values;
    const args = tf.mul(tf.reshape(v, [-1, 1]), tf.tensor2d(freqs, [1, half]));
    return tf.concat([tf.cos(args), tf.sin(args)], 1) as tf.Tensor2D;
  });
}
