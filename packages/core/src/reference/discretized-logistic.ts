import * as tf from "@tensorflow/tfjs-core";

/**
 * One discretized logistic per sub-pixel over the 256 bins of 8-bit data
 * (PixelCNN++ §2.1; `openai/pixel-cnn` `pixel_cnn_pp/nn.py`): data y = x/127.5 − 1,
 * bin half-width δ = 1/255, interior mass σ((y+δ−μ)/s) − σ((y−δ−μ)/s), the
 * edge bins take the tails. The 256 masses telescope to exactly 1, so −log of
 * it is an exact code length, not a bound.
 */
export const BIN_HALF_WIDTH = 1 / 255;

/** Log-scales are clamped from below, as in PixelCNN++ (`nn.py`: `tf.maximum(·, -7.)`). */
export const MIN_LOG_SCALE = -7;

/**
 * ln P(bin of y) for tensors of equal shape. Computed without a mid-bin
 * fallback, from the identity
 * σ(a) − σ(b) = e^b·expm1(a−b) / ((1+e^a)(1+e^b)), so
 * ln P = b + ln expm1(a−b) − softplus(a) − softplus(b), with a − b = 2δ/s > 0.
 * Edges: ln σ(a) = −softplus(−a) at y = −1; ln(1 − σ(b)) = −softplus(b) at y = +1.
 */
export function discretizedLogisticLogProb(y: tf.Tensor, mu: tf.Tensor, logScale: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const ls = tf.maximum(logScale, MIN_LOG_SCALE);
    const inv = tf.exp(tf.neg(ls));
    const centred = tf.sub(y, mu);
    const a = tf.mul(tf.add(centred, BIN_HALF_WIDTH), inv);
    const b = tf.mul(tf.sub(centred, BIN_HALF_WIDTH), inv);
    const d = tf.mul(inv, 2 * BIN_HALF_WIDTH);
    // ln expm1(d): a short series below 1e-2, where float32 expm1 loses digits
    // (error of the series < d⁴/2880).
    // The switch is a 0/1 weight from tf.step (which has a zero gradient), not
    // tf.where on tf.less: Less has no gradient and d depends on the weights.
    const small = tf.step(tf.sub(1e-2, d));
    const series = tf.add(tf.log(tf.maximum(d, 1e-30)), tf.add(tf.div(d, 2), tf.div(tf.square(d), 24)));
    const direct = tf.log(tf.expm1(tf.maximum(d, 1e-2)));
    const logExpm1 = tf.add(tf.mul(small, series), tf.mul(tf.sub(1, small), direct));
    const interior = tf.sub(tf.add(b, logExpm1), tf.add(tf.softplus(a), tf.softplus(b)));
    const left = tf.neg(tf.softplus(tf.neg(a)));
    const right = tf.neg(tf.softplus(b));
    // Edge tests as in PixelCNN++ (y < −0.999, y > 0.999).
    return tf.where(tf.less(y, -0.999), left, tf.where(tf.greater(y, 0.999), right, interior));
  });
}

/** The same in float64 on numbers, for reference values: ln P(pixel | μ, ln s), stable in the far tails. */
export function discretizedLogisticLogProbNumber(pixel: number, mu: number, logScale: number): number {
  const inv = Math.exp(-Math.max(logScale, MIN_LOG_SCALE));
  const y = pixel / 127.5 - 1;
  const a = (y + BIN_HALF_WIDTH - mu) * inv;
  const b = (y - BIN_HALF_WIDTH - mu) * inv;
  if (pixel === 0) return -softplus(-a);
  if (pixel === 255) return -softplus(b);
  return b + Math.log(Math.expm1(a - b)) - softplus(a) - softplus(b);
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * A draw of the 8-bit pixel: inverse-CDF sample of the continuous logistic,
 * x = μ + s·ln(u/(1−u)), then the bin it falls in. Drawing the bin this way has
 * exactly the discretized probabilities above.
 */
export function sampleDiscretizedLogistic(mu: number, logScale: number, u: number): number {
  const s = Math.exp(Math.max(logScale, MIN_LOG_SCALE));
  const v = Math.min(Math.max(u, 1e-12), 1 - 1e-12);
  const x = mu + s * Math.log(v / (1 - v));
  const pixel = Math.round((x + 1) * 127.5);
  return pixel < 0 ? 0 : pixel > 255 ? 255 : pixel;
}
