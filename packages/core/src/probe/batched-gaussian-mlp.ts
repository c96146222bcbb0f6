import * as tf from "@tensorflow/tfjs-core";
import { gelu } from "../nn/activations.js";
import { ParamStore } from "../nn/param-store.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { LinearGaussianFit } from "./linear-gaussian.js";
import type { NeuralVariance } from "./probe-options.js";

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * `M` independent small Gaussian conditionals p(y | x) = N(μ(x), floor + exp(s(x)))
 * stored as batched weights (leading axis M), so M models train and evaluate
 * in one batched matMul instead of M small ones. Each model: two GELU layers
 * of width `hidden`, a mean head plus a linear skip from the input (so a model
 * starts from the linear fit's family), and a log-variance head that depends
 * on the input (`learned`) or is a per-dim constant (`fixed`, homoscedastic).
 * The variance floor keeps densities bounded as in the linear probe.
 *
 * Adam's update is elementwise, so one optimizer over the batched weights with
 * the sum of the M losses trains the M models exactly as M separate runs.
 */
export class BatchedGaussianMlp {
  readonly store: ParamStore;
  readonly params: tf.Variable[];

  constructor(
    rng: Rng,
    readonly models: number,
    readonly inDim: number,
    readonly hidden: number,
    readonly outDim: number,
    readonly variance: NeuralVariance,
  ) {
    this.store = new ParamStore(rng);
    const glorot = (a: number, b: number) => ({ uniform: Math.sqrt(6 / (a + b)) });
    const M = models;
    this.params = [
      this.store.variable("w1", [M, inDim, hidden], glorot(inDim, hidden)),
      this.store.variable("b1", [M, 1, hidden], "zeros"),
      this.store.variable("w2", [M, hidden, hidden], glorot(hidden, hidden)),
      this.store.variable("b2", [M, 1, hidden], "zeros"),
      // Heads start at zero: mean = skip(x) = 0, log-variance = 0.
      this.store.variable("wo", [M, hidden, 2 * outDim], "zeros"),
      this.store.variable("bo", [M, 1, 2 * outDim], "zeros"),
      this.store.variable("skip", [M, inDim, outDim], "zeros"),
    ];
  }

  /**
   * Per-pair NLL in nats (summed over target dims), `[M, B]`, for inputs
   * `x: [M, B, in]`, targets `y: [M, B, out]` and `floor` broadcastable to
   * `[M, B, out]`. `params` defaults to the model's own (gradient-conflict
   * passes tiled copies).
   */
  nll(x: tf.Tensor3D, y: tf.Tensor3D, floor: tf.Tensor, params: readonly tf.Tensor[] = this.params): tf.Tensor2D {
    return tf.tidy(() => {
      const [w1, b1, w2, b2, wo, bo, skip] = params as [tf.Tensor3D, tf.Tensor, tf.Tensor3D, tf.Tensor, tf.Tensor3D, tf.Tensor, tf.Tensor3D];
      const h1 = gelu(tf.add(tf.matMul(x, w1), b1));
      const h2 = gelu(tf.add(tf.matMul(h1, w2), b2));
      const out = tf.add(tf.matMul(h2, wo), bo);
      const d = this.outDim;
      const mean = tf.add(tf.slice(out, [0, 0, 0], [-1, -1, d]), tf.matMul(x, skip));
      const logVar =
        this.variance === "learned"
          ? tf.slice(out, [0, 0, d], [-1, -1, d])
          : tf.slice(bo, [0, 0, d], [-1, -1, d]); // per-dim constant
      const v = tf.add(tf.exp(logVar), floor);
      const r = tf.sub(y, mean);
      const perDim = tf.mul(0.5, tf.add(tf.add(tf.log(v), LOG_2PI), tf.div(tf.square(r), v)));
      return tf.sum(perDim, -1) as tf.Tensor2D;
    });
  }

  /**
   * Starts every model from a closed-form linear-Gaussian fit: the skip path
   * gets the ridge weights, the mean bias the intercept, the log-variance bias
   * ln(residual variance − floor). The MLP then only has to learn what is not
   * linear, and a small budget gives models that are at least as good as the
   * linear probe's.
   */
  initFromLinear(fits: readonly LinearGaussianFit[], floors: readonly Float64Array[]): void {
    const M = this.models;
    const d = this.outDim;
    if (fits.length !== M) throw new VsdError("INVALID_ARGUMENT", `initFromLinear: ${fits.length} fits for ${M} models.`);
    const skip = new Float32Array(M * this.inDim * d);
    const bo = new Float32Array(M * 2 * d);
    fits.forEach((f, m) => {
      if (f.dc !== this.inDim || f.dt !== d) throw new VsdError("INVALID_SHAPE", `initFromLinear: fit ${m} is ${f.dc}→${f.dt}, model is ${this.inDim}→${d}.`);
      skip.set(f.weights, m * this.inDim * d);
      const floor = floors[m]!;
      for (let j = 0; j < d; j++) {
        bo[m * 2 * d + j] = f.bias[j]!;
        bo[m * 2 * d + d + j] = Math.log(Math.max(f.diagVariance[j]! - floor[j]!, floor[j]!));
      }
    });
    tf.tidy(() => {
      this.params[6]!.assign(tf.tensor3d(skip, [M, this.inDim, d]));
      this.params[5]!.assign(tf.tensor3d(bo, [M, 1, 2 * d]));
    });
  }

  /**
   * Zeroes input rows [from, to) of the first layer's kernel (the one-hot
   * subtask rows of a shared model), so the shared model starts out the same
   * function for every subtask and learns its subtask embedding from zero.
   */
  zeroInputRows(from: number, to: number): void {
    tf.tidy(() => {
      const w1 = this.params[0]!;
      const mask = new Float32Array(this.inDim).fill(1).fill(0, from, to);
      w1.assign(tf.mul(w1, tf.tensor3d(mask, [1, this.inDim, 1])));
    });
  }

  numParams(): number {
    return this.store.numParams();
  }

  dispose(): void {
    this.store.dispose();
  }
}
