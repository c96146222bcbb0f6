import * as tf from "@tensorflow/tfjs-core";

export type Activation = "gelu" | "silu" | "relu";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
 * (Hendrycks & Gimpel 2016, §2; PyTorch `gelu(approximate="tanh")`).
 * tfjs-core has no GELU op; this composes ops that have wasm kernels.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}

/** SiLU / swish: x·σ(x) (Elfwing et al. 2018). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)) as T);
}

export function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  switch (activation) {
    case "gelu":
      return gelu(x);
    case "silu":
      return silu(x);
    case "relu":
      return tf.relu(x);
  }
}
