import * as tf from "@tensorflow/tfjs-core";
import {
  Rng,
  checkPairsRequest,
  VsdError,
  makeBatch,
  type Decomposition,
  type GenerativeModel,
  type ImageDataset,
  type ImageShape,
  type ModelOptions,
  type PrepareOptions,
  type Subtask,
  type SubtaskPairs,
  type WeightMap,
} from "@vsd/core";
import { noiseScales } from "./noise-scale.js";
import { SdsbModel, type SdsbModelOptions } from "./sdsb-model.js";

export interface SdsbDecompositionOptions {
  /** Training steps `prepare` spends (PrepareOptions.steps overrides): ⅓ flow matching, then one F and one B phase. @default 300 */
  readonly prepareSteps?: number;
  /** Images per `prepare` training step. @default 32 */
  readonly prepareBatchSize?: number;
  /** Bridge and model knobs (steps N, noise γ, learning rates, depth), also the defaults of `createModel`. @default {} */
  readonly model?: SdsbModelOptions;
}

/**
 * The learned bridge as a decomposition [S-DSB, Tang et al. 2024; VSD
 * "learnable decomposition", REFERENCES §4.3]: subtask k (k = 0…N−1) is bridge
 * step k, the backward network's task of moving x_k one step towards the data,
 * E[x_{k+1} | x_k] under the forward process. `pairs` runs the forward process
 * from the images (x_N = image) and returns condition [x_k, k/N] (width D + 1)
 * and target x_{k+1} (width D). Before `prepare` the forward process is the
 * reference (Brownian) walk x_{k−1} = x_k + √(2γ_{k−1})ξ (an F with zero
 * output); after it, the learned F of an S-DSB trained on the data (flow
 * matching, then one IPF iteration). Step N−1 → N is noise-free in B's
 * sampler; its pairs still come from F's noisy first step.
 *
 * Models (`createModel`) are `SdsbModel`s, started from the prepared networks
 * when the architecture matches. They have no NLL (`nll` throws NOT_SUPPORTED).
 */
export class SdsbDecomposition implements Decomposition {
  readonly specificationVersion = "v1" as const;
  readonly id = "sdsb";
  readonly description = "Simplified Diffusion Schrödinger Bridge: subtasks are the learned bridge's steps x_k → x_{k+1}.";
  readonly steps: number;
  readonly gammas: Float64Array;
  private readonly prepareSteps: number;
  private readonly prepareBatchSize: number;
  private readonly model: SdsbModelOptions;
  private trained: SdsbModel | undefined;
  private shape: ImageShape | undefined;
  private readonly list: readonly Subtask[];

  constructor(options: SdsbDecompositionOptions = {}) {
    this.model = options.model ?? {};
    this.steps = this.model.steps ?? 8;
    this.gammas = noiseScales(this.steps, this.model.noise ?? { kind: "constant", g: 0.01 });
    this.prepareSteps = options.prepareSteps ?? 300;
    this.prepareBatchSize = options.prepareBatchSize ?? 32;
    if (!(Number.isInteger(this.prepareSteps) && this.prepareSteps >= 0)) throw new VsdError("INVALID_ARGUMENT", "prepareSteps must be a non-negative integer.");
    if (!(Number.isInteger(this.prepareBatchSize) && this.prepareBatchSize >= 1)) throw new VsdError("INVALID_ARGUMENT", "prepareBatchSize must be a positive integer.");
    const N = this.steps;
    this.list = Array.from({ length: N }, (_, k) =>
      Object.freeze({
        index: k,
        key: `bridge/${k}of${N}`,
        params: Object.freeze({ step: k, t: k / N, gamma: this.gammas[k]! }),
        group: k === N - 1 ? "noise-free-step" : "noisy-step",
      }),
    );
  }

  /** The bridge `prepare` trained (owned by this decomposition), if any. */
  get prepared(): SdsbModel | undefined {
    return this.trained;
  }

  async prepare(data: ImageDataset, options: PrepareOptions): Promise<void> {
    const steps = options.steps ?? this.prepareSteps;
    if (!(Number.isInteger(steps) && steps >= 0)) throw new VsdError("INVALID_ARGUMENT", `prepare: steps must be a non-negative integer, got ${steps}.`);
    const rng = options.rng.derive("sdsb/prepare");
    const shape = { height: data.height, width: data.width, channels: data.channels };
    const fm = Math.ceil(steps / 3);
    const model = new SdsbModel({ size: "XS", ...this.model, shape, seed: rng.int(2 ** 31), flowMatchingSteps: fm, phaseSteps: Math.max(1, Math.floor((steps - fm) / 2)) });
    try {
      const batch = Math.min(this.prepareBatchSize, data.train.n);
      for (let s = 0; s < steps; s++) {
        const b = makeBatch(data, data.train, rng.sample(data.train.n, batch));
        try {
          model.trainStep(b, rng);
        } finally {
          b.images.dispose();
        }
        options.onProgress?.(s + 1, steps);
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    this.trained?.dispose();
    this.trained = model;
    this.shape = shape;
  }

  subtasks(): readonly Subtask[] {
    return this.list;
  }

  pairs(images: tf.Tensor4D, subtask: Subtask, rng: Rng): SubtaskPairs {
    const own = checkPairsRequest(images, subtask, { subtasks: this.list, shape: this.shape, name: "S-DSB" });
    const [n, h, w, c] = images.shape;
    const D = h * w * c;
    const N = this.steps;
    const k = own.params["step"]!;
    const x = new Float32Array(images.dataSync() as Float32Array);
    let xk: Float32Array;
    let xk1: Float32Array = x;
    if (this.trained) {
      const traj = this.trained.bridge.simulate("forward", x, rng);
      const stride = (N + 1) * D;
      xk = new Float32Array(n * D);
      xk1 = new Float32Array(n * D);
      for (let i = 0; i < n; i++) {
        xk.set(traj.subarray(i * stride + k * D, i * stride + (k + 1) * D), i * D);
        xk1.set(traj.subarray(i * stride + (k + 1) * D, i * stride + (k + 2) * D), i * D);
      }
    } else {
      // Reference walk from x_N down to x_k; its step into position 0 is noise-free (as F's).
      let cur = x;
      for (let p = N; p > k; p--) {
        const next = new Float32Array(cur);
        if (p > 1) {
          const z = rng.fillNormal(new Float32Array(n * D));
          const s = Math.sqrt(2 * this.gammas[p - 1]!);
          for (let i = 0; i < next.length; i++) next[i]! += s * z[i]!;
        }
        if (p === k + 1) xk1 = cur;
        cur = next;
      }
      xk = cur;
    }
    return tf.tidy(() => ({
      condition: tf.concat([tf.tensor2d(xk, [n, D]), tf.fill([n, 1], k / N)], 1) as tf.Tensor2D,
      target: tf.tensor2d(xk1, [n, D]),
    }));
  }

  /** An `SdsbModel` with this decomposition's bridge knobs, started from the prepared networks when they fit. */
  createModel(options: ModelOptions): GenerativeModel {
    const knobs = { ...this.model, ...(options as SdsbModelOptions) };
    const model = new SdsbModel({
      ...knobs,
      shape: options.shape,
      seed: options.seed,
      ...(options.size !== undefined ? { size: options.size } : {}),
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    });
    if (this.trained) {
      const from: WeightMap = this.trained.bridge.getWeights();
      const to = model.bridge.getWeights();
      const same = Object.keys(to).length === Object.keys(from).length && Object.entries(to).every(([k, v]) => from[k]?.shape.join() === v.shape.join());
      if (same) model.bridge.setWeights(from);
    }
    return model;
  }

  dispose(): void {
    this.trained?.dispose();
    this.trained = undefined;
  }
}
