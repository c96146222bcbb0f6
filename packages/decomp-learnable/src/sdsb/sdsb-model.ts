import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import {
  Rng,
  VsdError,
  loadModelState,
  saveModelState,
  type Batch,
  type GenerativeModel,
  type ImageShape,
  type ModelSize,
  type NllResult,
  type SampleOptions,
  type StepStats,
  type Subtask,
} from "@vsd/core";
import type { NoiseScaleSpec } from "./noise-scale.js";
import { SimplifiedDsb, cosineLr, type SdsbDirection } from "./sdsb.js";

/** Knobs of the S-DSB image model (and of `SdsbDecomposition`). */
export interface SdsbModelOptions {
  /** Bridge steps N. @default 8 */
  readonly steps?: number;
  /** Per-step noise γ_k. @default { kind: "constant", g: 0.01 } */
  readonly noise?: NoiseScaleSpec;
  /** Training steps of flow matching before the IPF phases start. @default 200 */
  readonly flowMatchingSteps?: number;
  /** Training steps per IPF phase (F phase, B phase, F phase, …). @default 200 */
  readonly phaseSteps?: number;
  /** Peak learning rate of flow matching. @default 2e-3 */
  readonly learningRate?: number;
  /** Peak learning rate of each IPF phase. @default 5e-3 */
  readonly ipfLearningRate?: number;
  /** MLP hidden layers. @default 3 */
  readonly depth?: number;
}

export interface CreateSdsbModelOptions extends SdsbModelOptions {
  readonly shape: ImageShape;
  readonly seed: number;
  /** Hidden width: XS 128, S 256, M 512, L 1024, XL 2048, or 256 × a number. @default "XS" */
  readonly size?: ModelSize;
}

const WIDTHS: Record<string, number> = { XS: 128, S: 256, M: 512, L: 1024, XL: 2048 };

function widthOf(size: ModelSize): number {
  if (typeof size === "number") {
    if (!(size > 0 && Number.isFinite(size))) throw new VsdError("INVALID_ARGUMENT", `S-DSB model size must be a positive number, got ${size}.`);
    return Math.max(8, Math.round(256 * size));
  }
  const w = WIDTHS[size];
  if (w === undefined) throw new VsdError("INVALID_ARGUMENT", `Unknown model size "${String(size)}".`);
  return w;
}

/**
 * S-DSB as an image `GenerativeModel`: `SimplifiedDsb` on flattened images
 * (D = h·w·c), previous-state target. `trainStep` follows one schedule:
 * the first `flowMatchingSteps` steps are flow matching of B on the batch;
 * then IPF phases of `phaseSteps` steps alternate, F first (F starts as the
 * reversed flow). A step of an F phase trains F on B's rollouts from batch-size
 * prior samples; a step of a B phase trains B on F's rollouts from the batch
 * images. Each phase restarts AdamW's moments and cosine-decays its rate
 * (see `SimplifiedDsb`). The loss is the mean squared error per dimension.
 *
 * `nll` is not supported: a bridge sampler gives no likelihood bound here
 * (the Gaussian transition densities of B are defined, see `subtaskLoss`,
 * but the last step is deterministic, so there is no density of x_N).
 */
export class SdsbModel implements GenerativeModel {
  readonly id = "sdsb";
  readonly shape: ImageShape;
  readonly bridge: SimplifiedDsb;
  private readonly dims: number;
  private readonly fmSteps: number;
  private readonly phaseSteps: number;
  private step = 0;

  constructor(options: CreateSdsbModelOptions) {
    const { height, width, channels } = options.shape;
    for (const v of [height, width, channels]) {
      if (!(Number.isInteger(v) && v >= 1)) throw new VsdError("INVALID_SHAPE", `S-DSB model: shape must be positive integers, got ${height}×${width}×${channels}.`);
    }
    this.shape = { height, width, channels };
    this.dims = height * width * channels;
    this.fmSteps = options.flowMatchingSteps ?? 200;
    this.phaseSteps = options.phaseSteps ?? 200;
    if (!(Number.isInteger(this.fmSteps) && this.fmSteps >= 0)) throw new VsdError("INVALID_ARGUMENT", "flowMatchingSteps must be a non-negative integer.");
    if (!(Number.isInteger(this.phaseSteps) && this.phaseSteps >= 1)) throw new VsdError("INVALID_ARGUMENT", "phaseSteps must be a positive integer.");
    this.bridge = new SimplifiedDsb(options.seed, {
      dim: this.dims,
      steps: options.steps ?? 8,
      noise: options.noise ?? { kind: "constant", g: 0.01 },
      target: "previous",
      hidden: widthOf(options.size ?? "XS"),
      depth: options.depth ?? 3,
      learningRate: options.learningRate ?? 2e-3,
      ipfLearningRate: options.ipfLearningRate ?? 5e-3,
    });
  }

  /** Training steps taken so far (the position in the FM → IPF schedule). */
  get stepCount(): number {
    return this.step;
  }

  /** What the next `trainStep` trains: "flow-matching", or the IPF phase's network. */
  get stage(): "flow-matching" | SdsbDirection {
    if (this.step < this.fmSteps) return "flow-matching";
    return Math.floor((this.step - this.fmSteps) / this.phaseSteps) % 2 === 0 ? "forward" : "backward";
  }

  trainStep(batch: Batch, rng: Rng): StepStats {
    const x = this.flatten(batch.images, "trainStep");
    const n = x.length / this.dims;
    const { learningRate, ipfLearningRate, steps: N } = this.bridge.options;
    let loss: number;
    if (this.step < this.fmSteps) {
      loss = this.bridge.flowMatchingStep(x, rng, cosineLr(learningRate, this.step, this.fmSteps));
    } else {
      const j = this.step - this.fmSteps;
      if (j === 0) this.bridge.reverseFlowIntoF();
      const direction = this.stage as SdsbDirection;
      const within = j % this.phaseSteps;
      if (within === 0) this.bridge.beginPhase(direction);
      const start = direction === "forward" ? (rng.fillNormal(new Float32Array(n * this.dims)) as Float32Array) : x;
      const traj = this.bridge.rolloutsFor(direction, start, rng);
      const rows = Int32Array.from({ length: n }, (_, i) => i);
      const steps = Int32Array.from({ length: n }, () => rng.int(N));
      loss = this.bridge.phaseStep(direction, traj, rows, steps, cosineLr(ipfLearningRate, within, this.phaseSteps));
    }
    this.step++;
    return { loss };
  }

  /**
   * Mean negative log-density, nats per dimension, of x_{k+1} under B's
   * Gaussian transition N(x_k + o/N, 2γ_k I) at bridge step k = `subtask.params.step`,
   * on pairs (x_k, x_{k+1}) from this model's F run from `images`.
   */
  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, rng: Rng): number {
    const N = this.bridge.options.steps;
    const k = subtask.params["step"];
    if (!(k !== undefined && Number.isInteger(k) && k >= 0 && k < N)) {
      throw new VsdError("NOT_SUPPORTED", `S-DSB subtaskLoss: subtask "${subtask.key}" has no bridge step in 0…${N - 1}.`);
    }
    const x = this.flatten(images, "subtaskLoss");
    const n = x.length / this.dims;
    const D = this.dims;
    const traj = this.bridge.simulate("forward", x, rng);
    const xk = new Float32Array(n * D);
    const xk1 = new Float32Array(n * D);
    const stride = (N + 1) * D;
    for (let i = 0; i < n; i++) {
      xk.set(traj.subarray(i * stride + k * D, i * stride + (k + 1) * D), i * D);
      xk1.set(traj.subarray(i * stride + (k + 1) * D, i * stride + (k + 2) * D), i * D);
    }
    const variance = 2 * this.bridge.gammas[k]!;
    if (!(variance > 0)) throw new VsdError("NOT_SUPPORTED", `S-DSB subtaskLoss: γ_${k} = 0, so step ${k} has no density.`);
    const sq = tf.tidy(() => {
      const mean = this.bridge.backwardMean(tf.tensor2d(xk, [n, D]), k);
      return tf.mean(tf.square(tf.sub(tf.tensor2d(xk1, [n, D]), mean))).dataSync()[0]!;
    });
    // Gaussian NLL per dim: ½ ln(2πσ²) + (x − μ)²/(2σ²).
    return 0.5 * Math.log(2 * Math.PI * variance) + sq / (2 * variance);
  }

  async nll(_batch: Batch, _rng: Rng): Promise<NllResult> {
    throw new VsdError("NOT_SUPPORTED", "The S-DSB model has no likelihood: its last bridge step is deterministic. Evaluate it by samples (FID, moments).");
  }

  async sample(n: number, rng: Rng, options: SampleOptions = {}): Promise<tf.Tensor4D> {
    if (options.labels) throw new VsdError("NOT_SUPPORTED", "sample: the S-DSB model is unconditional; it takes no labels.");
    if (!(Number.isInteger(n) && n >= 1)) throw new VsdError("INVALID_ARGUMENT", `sample: n must be a positive integer, got ${n}.`);
    const x = this.bridge.sample(n, rng);
    return tf.tidy(() => tf.reshape(tf.clipByValue(tf.tensor2d(x, [n, this.dims]), -1, 1), [n, this.shape.height, this.shape.width, this.shape.channels])) as tf.Tensor4D;
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const nets = this.bridge.networks();
    await saveModelState(join(dir, "backward"), { ...nets.backward, meta: { id: this.id, step: this.step, options: this.bridge.options } });
    await saveModelState(join(dir, "forward"), nets.forward);
  }

  async load(dir: string): Promise<void> {
    const nets = this.bridge.networks();
    const meta = (await loadModelState(join(dir, "backward"), nets.backward)) as { step?: number } | undefined;
    await loadModelState(join(dir, "forward"), nets.forward);
    this.step = meta?.step ?? 0;
  }

  numParams(): number {
    return this.bridge.numParams();
  }

  dispose(): void {
    this.bridge.dispose();
  }

  private flatten(images: tf.Tensor4D, where: string): Float32Array {
    if (images.rank !== 4) throw new VsdError("INVALID_SHAPE", `${where}: images must be [n, h, w, c], got rank ${images.rank}.`);
    const [, h, w, c] = images.shape;
    if (h !== this.shape.height || w !== this.shape.width || c !== this.shape.channels) {
      throw new VsdError("INVALID_SHAPE", `${where}: images are ${h}×${w}×${c}, the model is ${this.shape.height}×${this.shape.width}×${this.shape.channels}.`);
    }
    return new Float32Array(images.dataSync() as Float32Array);
  }
}
