import * as tf from "@tensorflow/tfjs-core";
import {
  VsdError,
  checkPairsRequest,
  noisedPairs,
  type Decomposition,
  type GenerativeModel,
  type ImageDataset,
  type ImageShape,
  type ModelOptions,
  type PrepareOptions,
  type Rng,
  type Subtask,
  type SubtaskPairs,
} from "@vsd/core";
import type { NoiseModelOptions } from "./model/model-options.js";
import { NoiseModel } from "./model/noise-model.js";
import { logSnrBins } from "./log-snr-bins.js";

export interface NoiseDecompositionOptions {
  /** Number of λ bins (subtasks). @default 16 */
  readonly bins?: number;
  /** λ range the bins cover, [noisy, clean]. @default [-10, 10] */
  readonly logSnrRange?: readonly [number, number];
  /** Defaults for `createModel` (overridden by the options passed there). @default {} */
  readonly model?: NoiseModelOptions;
}

export interface ResolvedNoiseDecompositionOptions {
  bins: number;
  logSnrRange: [number, number];
  model: NoiseModelOptions;
}

export function resolveNoiseDecompositionOptions(o: NoiseDecompositionOptions = {}): ResolvedNoiseDecompositionOptions {
  const bins = o.bins ?? 16;
  const r = o.logSnrRange ?? [-10, 10];
  if (!Number.isInteger(bins) || bins < 1) throw new VsdError("INVALID_ARGUMENT", `bins must be a positive integer, got ${bins}.`);
  if (!(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) {
    throw new VsdError("INVALID_RANGE", `logSnrRange must be finite with low < high, got ${JSON.stringify(r)}.`);
  }
  return { bins, logSnrRange: [r[0], r[1]], model: o.model ?? {} };
}

/**
 * The noise-intensity decomposition (VSD Q4–5): subtask k denoises at the
 * centre λ_k of the k-th of `bins` equal-width log-SNR bins, ordered from
 * noisy to clean (the order a sampler visits them). `pairs` gives, per image,
 * condition = [z flattened, λ] with z = α(λ)x + σ(λ)ε, target = ε: the same
 * widths (D + 1, D) for every subtask, so the equivariance probe can compare
 * them. The model (`createModel`) is a diffusion model over all λ.
 */
export class NoiseDecomposition implements Decomposition {
  readonly specificationVersion = "v1" as const;
  readonly id = "noise";
  readonly description = "Gaussian diffusion: subtasks are log-SNR bins (denoising at one noise level each).";
  readonly options: ResolvedNoiseDecompositionOptions;
  private readonly list: readonly Subtask[];
  private shape: ImageShape | undefined;

  constructor(options: NoiseDecompositionOptions = {}) {
    this.options = resolveNoiseDecompositionOptions(options);
    this.list = logSnrBins(this.options.logSnrRange, this.options.bins);
  }

  /** Records the data's image shape, so `pairs` can reject other shapes. */
  async prepare(data: ImageDataset, _options: PrepareOptions): Promise<void> {
    this.shape = { height: data.height, width: data.width, channels: data.channels };
  }

  subtasks(): readonly Subtask[] {
    return this.list;
  }

  pairs(images: tf.Tensor4D, subtask: Subtask, rng: Rng): SubtaskPairs {
    const own = checkPairsRequest(images, subtask, { subtasks: this.list, shape: this.shape, name: "noise" });
    return noisedPairs(images, own.params["logSnr"]!, rng);
  }

  createModel(options: ModelOptions): GenerativeModel {
    const knobs = {
      lossBins: { range: this.options.logSnrRange, count: this.options.bins },
      ...this.options.model,
      ...(options as NoiseModelOptions),
    };
    return new NoiseModel({
      ...knobs,
      shape: options.shape,
      seed: options.seed,
      ...(options.size !== undefined ? { size: options.size } : {}),
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    });
  }
}
