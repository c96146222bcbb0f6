import * as tf from "@tensorflow/tfjs-core";
import { imageDims, type Batch } from "../dataset.js";
import type { GenerativeModel, ModelOptions, ModelSize, NllResult, SampleOptions, StepStats, Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { AdamW } from "../nn/adamw.js";
import { TRAIN_FLOPS_FACTOR } from "../nn/flops.js";
import { mlp, type Mlp } from "../nn/mlp.js";
import { loadModelState, saveModelState } from "../nn/model-state.js";
import { ParamStore } from "../nn/param-store.js";
import { Rng } from "../rng.js";
import { discretizedLogisticLogProb, sampleDiscretizedLogistic } from "./discretized-logistic.js";

export interface TinyModelOptions extends ModelOptions {
  /** Previous raster elements each element is conditioned on. @default 1 */
  readonly context?: number;
  /** Hidden width at size "S"; scaled by the size multiplier. @default 32 */
  readonly hidden?: number;
  /** @default 0.01 */
  readonly learningRate?: number;
}

interface ResolvedTinyModelOptions {
  shape: ModelOptions["shape"];
  seed: number;
  context: number;
  hidden: number;
  learningRate: number;
}

const SIZE_MULTIPLIER: Record<Exclude<ModelSize, number>, number> = { XS: 0.5, S: 1, M: 2, L: 4, XL: 8 };

export function resolveTinyModelOptions(o: TinyModelOptions): ResolvedTinyModelOptions {
  const size = o.size ?? "S";
  const mult = typeof size === "number" ? size : SIZE_MULTIPLIER[size];
  const r: ResolvedTinyModelOptions = {
    shape: o.shape,
    seed: o.seed,
    context: o.context ?? 1,
    hidden: Math.max(1, Math.round((o.hidden ?? 32) * mult)),
    learningRate: o.learningRate ?? 0.01,
  };
  const { height, width, channels } = r.shape ?? ({} as Partial<ModelOptions["shape"]>);
  if (![height, width, channels].every((d) => Number.isInteger(d) && d! > 0)) {
    throw new VsdError("INVALID_SHAPE", `createTinyModel: shape must have positive integer height, width, channels.`);
  }
  if (!Number.isInteger(r.context) || r.context < 1) {
    throw new VsdError("INVALID_ARGUMENT", `createTinyModel: context must be a positive integer, got ${r.context}.`);
  }
  if (!(mult > 0) || !Number.isFinite(mult)) throw new VsdError("INVALID_ARGUMENT", `createTinyModel: bad size ${String(size)}.`);
  return r;
}

/** Keys of per-element losses reported by `trainStep` (only up to this many elements). */
const MAX_REPORTED_ELEMENTS = 256;

/**
 * A small but real autoregressive model of 8-bit images, for tests and for the
 * reference decomposition. The image is read as a raster sequence of
 * L = height·width elements of `channels` sub-pixels; element t gets a
 * discretized logistic per sub-pixel (PixelCNN++ §2.1, one component) whose
 * mean and log-scale come from one MLP shared by all positions, fed the
 * previous `context` elements (zeros plus a "missing" flag before the start).
 * Training is teacher-forced over all positions at once.
 *
 * `nll` is exact (`bound: "exact"`): the product of normalised discrete
 * conditionals. `subtaskLoss` scores element `t` for subtasks with `params.t`
 * (keys `pos/<t>`, as the reference sequence decomposition makes).
 */
export function createTinyModel(options: TinyModelOptions): GenerativeModel {
  return new TinyModel(resolveTinyModelOptions(options));
}

class TinyModel implements GenerativeModel {
  readonly id = "tiny";
  readonly shape: ModelOptions["shape"];
  private readonly length: number;
  private readonly channels: number;
  private readonly context: number;
  private readonly store: ParamStore;
  private readonly net: Mlp;
  private readonly optimizer: AdamW;
  private readonly config: ResolvedTinyModelOptions;

  constructor(o: ResolvedTinyModelOptions) {
    this.config = o;
    this.shape = o.shape;
    this.length = o.shape.height * o.shape.width;
    this.channels = o.shape.channels;
    this.context = o.context;
    this.store = new ParamStore(new Rng(o.seed).derive("tiny-model"));
    const inDim = this.context * (this.channels + 1);
    this.net = mlp(this.store, "net", [inDim, o.hidden, o.hidden, 2 * this.channels], { activation: "relu", finalInit: "zeros" });
    this.optimizer = new AdamW(this.store.variables, { learningRate: o.learningRate });
  }

  /** Per-sub-pixel ln P, `[n, L, c]`, for float images `[n, h, w, c]` holding exact 8-bit levels. */
  private logProb(images: tf.Tensor4D): tf.Tensor3D {
    this.checkImages(images);
    return tf.tidy(() => {
      const n = images.shape[0];
      const { length: L, channels: c, context: k } = this;
      const seq = tf.reshape(images, [n, L, c]);
      const parts: tf.Tensor[] = [];
      const flags: tf.Tensor[] = [];
      for (let j = 1; j <= k; j++) {
        // Element t sees x_{t−j}; before the start, zeros and a flag of 1.
        const shift = Math.min(j, L);
        const shifted = tf.slice(tf.pad(seq, [[0, 0], [shift, 0], [0, 0]]), [0, 0, 0], [n, L, c]);
        parts.push(shifted);
        const flag = new Float32Array(L);
        for (let t = 0; t < Math.min(j, L); t++) flag[t] = 1;
        flags.push(tf.tile(tf.reshape(tf.tensor1d(flag), [1, L, 1]), [n, 1, 1]));
      }
      const input = tf.reshape(tf.concat([...parts, ...flags], 2), [n * L, k * (c + 1)]) as tf.Tensor2D;
      const out = this.net.apply(input);
      const mu = tf.reshape(tf.slice(out, [0, 0], [n * L, c]), [n, L, c]);
      const logScale = tf.reshape(tf.slice(out, [0, c], [n * L, c]), [n, L, c]);
      return discretizedLogisticLogProb(seq, mu, logScale) as tf.Tensor3D;
    });
  }

  trainStep(batch: Batch, _rng: Rng): StepStats {
    let perElement: tf.Tensor | undefined;
    try {
      const loss = this.optimizer.step(() => {
        const lp = this.logProb(batch.images);
        perElement = tf.keep(tf.neg(tf.mean(lp, [0, 2])));
        return tf.neg(tf.mean(lp)) as tf.Scalar;
      });
      if (this.length > MAX_REPORTED_ELEMENTS) return { loss };
      const values = perElement!.dataSync();
      const subtaskLosses: Record<string, number> = {};
      for (let t = 0; t < this.length; t++) subtaskLosses[`pos/${t}`] = values[t]!;
      return { loss, subtaskLosses };
    } finally {
      perElement?.dispose();
    }
  }

  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, _rng: Rng): number {
    const t = subtask.params.t;
    if (t === undefined || !Number.isInteger(t) || t < 0 || t >= this.length) {
      throw new VsdError(
        "NOT_SUPPORTED",
        `The tiny model scores raster elements: subtask ${subtask.key} needs params.t in [0, ${this.length}).`,
      );
    }
    const value = tf.tidy(() => tf.neg(tf.mean(tf.slice(this.logProb(images), [0, t, 0], [-1, 1, -1]))).dataSync()[0]!);
    return value;
  }

  async nll(batch: Batch, _rng: Rng): Promise<NllResult> {
    const perImageNats = tf.tidy(() => tf.neg(tf.sum(this.logProb(batch.images), [1, 2])).dataSync());
    const d = imageDims(this.shape);
    const perImage = new Float64Array(perImageNats.length);
    let total = 0;
    for (let i = 0; i < perImage.length; i++) {
      perImage[i] = perImageNats[i]! / (d * Math.LN2);
      total += perImage[i]!;
    }
    return { bitsPerDim: total / perImage.length, bound: "exact", perImage };
  }

  async sample(n: number, rng: Rng, options: SampleOptions = {}): Promise<tf.Tensor4D> {
    if (!Number.isInteger(n) || n < 1) throw new VsdError("INVALID_ARGUMENT", `sample: n must be a positive integer, got ${n}.`);
    const temperature = options.temperature ?? 1;
    if (!(temperature > 0)) throw new VsdError("INVALID_ARGUMENT", `sample: temperature must be > 0, got ${temperature}.`);
    const { length: L, channels: c, context: k } = this;
    const values = new Float32Array(n * L * c);
    const input = new Float32Array(n * k * (c + 1));
    for (let t = 0; t < L; t++) {
      input.fill(0);
      for (let i = 0; i < n; i++) {
        const row = i * k * (c + 1);
        for (let j = 1; j <= k; j++) {
          if (t - j >= 0) {
            for (let ch = 0; ch < c; ch++) input[row + (j - 1) * c + ch] = values[(i * L + t - j) * c + ch]!;
          } else input[row + k * c + (j - 1)] = 1;
        }
      }
      const out = tf.tidy(() => this.net.apply(tf.tensor2d(input, [n, k * (c + 1)])).dataSync());
      for (let i = 0; i < n; i++) {
        for (let ch = 0; ch < c; ch++) {
          const mu = out[i * 2 * c + ch]!;
          const logScale = out[i * 2 * c + c + ch]! + Math.log(temperature);
          const pixel = sampleDiscretizedLogistic(mu, logScale, rng.uniform());
          values[(i * L + t) * c + ch] = pixel / 127.5 - 1;
        }
      }
    }
    return tf.tensor4d(values, [n, this.shape.height, this.shape.width, c]);
  }

  async save(dir: string): Promise<void> {
    await saveModelState(dir, {
      params: this.store,
      optimizer: this.optimizer,
      meta: { model: "tiny", context: this.context, hidden: this.config.hidden, shape: this.shape },
    });
  }

  async load(dir: string): Promise<void> {
    await loadModelState(dir, { params: this.store, optimizer: this.optimizer });
  }

  numParams(): number {
    return this.store.numParams();
  }

  flopsPerStep(batchSize: number): number {
    return TRAIN_FLOPS_FACTOR * this.net.flops(batchSize * this.length);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.store.dispose();
  }

  private checkImages(images: tf.Tensor): void {
    const { height, width, channels } = this.shape;
    const s = images.shape;
    if (images.rank !== 4 || s[1] !== height || s[2] !== width || s[3] !== channels) {
      throw new VsdError("INVALID_SHAPE", `The tiny model expects images [n, ${height}, ${width}, ${channels}], got [${s.join(", ")}].`);
    }
  }
}
