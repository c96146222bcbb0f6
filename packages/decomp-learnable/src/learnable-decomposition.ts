import * as tf from "@tensorflow/tfjs-core";
import {
  Rng,
  VsdError,
  checkPairsRequest,
  makeBatch,
  noisedPairs,
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
import { LearnedSchedule } from "./schedule/learned-schedule.js";
import { linearGammaSchedule } from "./schedule/fixed-schedules.js";
import { normalizedGamma, type MonotoneNetWeights } from "./schedule/monotone-net-math.js";
import type { VdmModelOptions } from "./vdm/vdm-model-options.js";
import { VdmModel, type ElboPoint } from "./vdm/vdm-model.js";

export interface LearnableDecompositionOptions {
  /** Number of subtasks: bins of equal probability under the learned p(λ). @default 16 */
  readonly bins?: number;
  /** Training steps `prepare` spends learning the schedule (PrepareOptions.steps overrides). @default 200 */
  readonly prepareSteps?: number;
  /** Batch size of `prepare`'s training. @default 32 */
  readonly prepareBatchSize?: number;
  /**
   * VDM model knobs, used by `prepare` (with size "XS" unless set) and as
   * defaults of `createModel`. @default {}
   */
  readonly model?: VdmModelOptions;
}

export interface ResolvedLearnableDecompositionOptions {
  bins: number;
  prepareSteps: number;
  prepareBatchSize: number;
  model: VdmModelOptions;
}

export function resolveLearnableDecompositionOptions(o: LearnableDecompositionOptions = {}): ResolvedLearnableDecompositionOptions {
  const r = { bins: o.bins ?? 16, prepareSteps: o.prepareSteps ?? 200, prepareBatchSize: o.prepareBatchSize ?? 32, model: o.model ?? {} };
  for (const [k, v] of [["bins", r.bins], ["prepareBatchSize", r.prepareBatchSize]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new VsdError("INVALID_ARGUMENT", `${k} must be a positive integer, got ${v}.`);
  }
  if (!(Number.isInteger(r.prepareSteps) && r.prepareSteps >= 0)) throw new VsdError("INVALID_ARGUMENT", `prepareSteps must be a non-negative integer.`);
  if (r.model.schedule === "cosine") throw new VsdError("INVALID_ARGUMENT", `The learnable decomposition needs schedule "learned".`);
  return r;
}

/** What `prepare` learned: the schedule (as weights) and the training curve. */
export interface LearnedScheduleState {
  readonly weights: MonotoneNetWeights;
  readonly gamma0: number;
  readonly gamma1: number;
  /** Raw schedule-store weights and endpoint values, to initialise models. */
  readonly raw: WeightMap;
  readonly history: readonly ElboPoint[];
}

/**
 * The learned noise-intensity decomposition (VSD "learnable decomposition";
 * REFERENCES §4.2): `prepare` trains a small VDM whose schedule γ_η(t) is
 * learned (interior by variance minimisation, endpoints pinned or on the VLB).
 * Subtask k is the k-th of `bins` bins of equal probability under the induced
 * p(λ) — since t ~ U(0,1), the bins are equal t-intervals, t ∈ [1 − (k+1)/K, 1 − k/K] —
 * ordered noisy → clean, denoising at the bin's centre λ = −γ(1 − (k+½)/K).
 * `pairs` is as in the noise plugin: condition [z, λ], target ε, widths (D+1, D).
 * Before `prepare`, the schedule is γ linear in t between the configured endpoints.
 */
export class LearnableDecomposition implements Decomposition {
  readonly specificationVersion = "v1" as const;
  readonly id = "learnable";
  readonly description = "Learned Gaussian noise schedule (VDM): subtasks are equal-probability bins of the learned p(λ).";
  readonly options: ResolvedLearnableDecompositionOptions;
  private state: LearnedScheduleState | undefined;
  private shape: ImageShape | undefined;
  private list: readonly Subtask[];

  constructor(options: LearnableDecompositionOptions = {}) {
    this.options = resolveLearnableDecompositionOptions(options);
    this.list = this.buildSubtasks();
  }

  /** The learned schedule, once `prepare` ran. */
  get learned(): LearnedScheduleState | undefined {
    return this.state;
  }

  /** γ(t) of the current schedule (learned, or linear before `prepare`). */
  gammaAt(t: number): number {
    if (this.state) return normalizedGamma(this.state.weights, this.state.gamma0, this.state.gamma1, t).gamma;
    const so = this.options.model.scheduleOptions ?? {};
    return linearGammaSchedule(so.gammaMin ?? -13.3, so.gammaMax ?? 5).at(t).gamma;
  }

  async prepare(data: ImageDataset, options: PrepareOptions): Promise<void> {
    this.shape = { height: data.height, width: data.width, channels: data.channels };
    const steps = options.steps ?? this.options.prepareSteps;
    if (!(Number.isInteger(steps) && steps >= 0)) throw new VsdError("INVALID_ARGUMENT", `prepare: steps must be a non-negative integer, got ${steps}.`);
    const rng = options.rng.derive("learnable/prepare");
    const model = new VdmModel({ size: "XS", ...this.options.model, schedule: "learned", shape: this.shape, seed: rng.int(2 ** 31) });
    try {
      const batch = Math.min(this.options.prepareBatchSize, data.train.n);
      for (let s = 0; s < steps; s++) {
        const b = makeBatch(data, data.train, rng.sample(data.train.n, batch));
        try {
          model.trainStep(b, rng);
        } finally {
          b.images.dispose();
        }
        options.onProgress?.(s + 1, steps);
      }
      this.state = snapshot(model);
    } finally {
      model.dispose();
    }
    this.list = this.buildSubtasks();
  }

  subtasks(): readonly Subtask[] {
    return this.list;
  }

  pairs(images: tf.Tensor4D, subtask: Subtask, rng: Rng): SubtaskPairs {
    const own = checkPairsRequest(images, subtask, { subtasks: this.list, shape: this.shape, name: "learnable" });
    return noisedPairs(images, own.params["logSnr"]!, rng);
  }

  /** A VDM with a learned schedule, initialised from the prepared schedule when there is one. */
  createModel(options: ModelOptions): GenerativeModel {
    const knobs = { ...this.options.model, ...(options as VdmModelOptions) };
    const model = new VdmModel({
      ...knobs,
      schedule: "learned",
      shape: options.shape,
      seed: options.seed,
      ...(options.size !== undefined ? { size: options.size } : {}),
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    });
    if (this.state) {
      const names = model.scheduleStore.paramNames();
      const same = names.length === Object.keys(this.state.raw).length && names.every((k) => this.state!.raw[k]?.shape.join() === model.scheduleStore.get(k).shape.join());
      if (same) {
        model.scheduleStore.setWeights(this.state.raw);
        if ((knobs.scheduleOptions?.endpoints ?? "pinned") === "learned") {
          const [g0, g1] = [this.state.gamma0, this.state.gamma1];
          tf.tidy(() => {
            model.store.get("schedule/gamma0").assign(tf.tensor1d([g0]));
            model.store.get("schedule/gap/raw").assign(tf.tensor1d([Math.log(Math.expm1(g1 - g0))]));
          });
        }
      }
    }
    return model;
  }

  private buildSubtasks(): readonly Subtask[] {
    const K = this.options.bins;
    return Array.from({ length: K }, (_, k) => {
      // Bin k covers t ∈ [1 − (k+1)/K, 1 − k/K]: noisy (k = 0) to clean (k = K−1).
      const tHi = 1 - k / K;
      const tLo = 1 - (k + 1) / K;
      const centre = -this.gammaAt(1 - (k + 0.5) / K);
      const lo = -this.gammaAt(tHi);
      const hi = -this.gammaAt(tLo);
      return Object.freeze({
        index: k,
        key: `quantile/${k}of${K}`,
        params: Object.freeze({ logSnr: centre, logSnrLow: lo, logSnrHigh: hi, t: 1 - (k + 0.5) / K }),
        group: centre < 0 ? "low-snr" : "high-snr",
      });
    });
  }
}

function snapshot(model: VdmModel): LearnedScheduleState {
  const sched = model.schedule;
  if (!(sched instanceof LearnedSchedule)) throw new VsdError("INVALID_ARGUMENT", "snapshot: the model's schedule is not learned.");
  const [gamma0, gamma1] = model.schedule.endpoints();
  const w = sched.weights();
  return {
    weights: { w1: w.w1, w2: Float64Array.from(w.w2), b2: Float64Array.from(w.b2), w3: Float64Array.from(w.w3) },
    gamma0,
    gamma1,
    raw: model.scheduleStore.getWeights(),
    history: [...model.history],
  };
}

