import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";
import { BIN_HALF_WIDTH, MIN_LOG_SCALE, mixtureParamCount } from "./discretized-logistic.js";

/**
 * Tensor version of `mixtureLogProb` (same formulas and parameter layout; see
 * discretized-logistic.ts): ln p of each pixel in nats.
 *
 * @param params `[n, P, K]` raw mixture parameters, `K = mixtureParamCount(m, c)`.
 * @param y `[n, P, c]` targets as y = x/127.5 − 1 (exactly on the 8-bit grid).
 * @returns `[n, P]` log-probabilities.
 */
export function mixtureLogProbTensor(params: tf.Tensor3D, y: tf.Tensor3D, m: number, c: number): tf.Tensor2D {
  const [n, P, K] = params.shape;
  if (K !== mixtureParamCount(m, c) || y.shape[0] !== n || y.shape[1] !== P || y.shape[2] !== c) {
    throw new VsdError(
      "INVALID_SHAPE",
      `mixtureLogProbTensor: params [${params.shape}] and targets [${y.shape}] do not fit m = ${m}, c = ${c}.`,
    );
  }
  return tf.tidy(() => {
    const logits = tf.slice(params, [0, 0, 0], [n, P, m]);
    let means = tf.reshape(tf.slice(params, [0, 0, m], [n, P, m * c]), [n, P, m, c]);
    const logS = tf.maximum(tf.reshape(tf.slice(params, [0, 0, m + m * c], [n, P, m * c]), [n, P, m, c]), MIN_LOG_SCALE);
    const y4 = tf.reshape(y, [n, P, 1, c]);
    if (c === 3) {
      // PixelCNN++ channel coupling on the (discretized) earlier channels.
      const co = tf.tanh(tf.reshape(tf.slice(params, [0, 0, m + 2 * m * c], [n, P, m * 3]), [n, P, m, 3]));
      const [cA, cB, cC] = tf.split(co, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const [yR, yG] = tf.split(y4, [1, 1, 1], 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const [mR, mG, mB] = tf.split(means, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      means = tf.concat([mR, tf.add(mG, tf.mul(cA, yR)), tf.add(mB, tf.add(tf.mul(cB, yR), tf.mul(cC, yG)))], 3);
    }
    const invS = tf.exp(tf.neg(logS));
    const centered = tf.sub(y4, means);
    const a = tf.mul(tf.add(centered, BIN_HALF_WIDTH), invS);
    const b = tf.mul(tf.sub(centered, BIN_HALF_WIDTH), invS);
    const lnGap = tf.log(tf.expm1(tf.mul(invS, 2 * BIN_HALF_WIDTH)));
    // ln(σ(a) − σ(b)) in the form that avoids cancellation on each side of the mean.
    const left = tf.sub(tf.sub(tf.add(b, lnGap), tf.softplus(a)), tf.softplus(b));
    const right = tf.sub(tf.sub(tf.sub(lnGap, a), tf.softplus(tf.neg(a))), tf.softplus(tf.neg(b)));
    // Blend with a step mask (Step has a zero gradient; Less/Select-on-params would have none).
    const leftOfMean = tf.step(tf.neg(tf.add(a, b)));
    const interior = tf.add(tf.mul(leftOfMean, left), tf.mul(tf.sub(1, leftOfMean), right));
    const edgeLow = tf.neg(tf.softplus(tf.neg(a)));
    const edgeHigh = tf.neg(tf.softplus(b));
    // Edge tests as PixelCNN++ (y < −0.999, y > 0.999), as float masks broadcast over components.
    const low = tf.cast(tf.less(y4, -0.999), "float32");
    const high = tf.cast(tf.greater(y4, 0.999), "float32");
    const mid = tf.sub(tf.sub(1, low), high);
    const lp = tf.add(tf.add(tf.mul(low, edgeLow), tf.mul(high, edgeHigh)), tf.mul(mid, interior));
    const perComponent = tf.add(tf.sum(lp, 3), tf.logSoftmax(logits, -1));
    return tf.logSumExp(perComponent, -1) as tf.Tensor2D;
  });
}
