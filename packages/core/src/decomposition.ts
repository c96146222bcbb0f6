import type * as tf from "@tensorflow/tfjs-core";
import type { Batch, ImageDataset, ImageShape } from "./dataset.js";
import type { Rng } from "./rng.js";

/** One conditional problem p(target | condition) of a decomposition. */
export interface Subtask {
  /** Position in the decomposition's order, 0-based. */
  readonly index: number;
  /** Stable id, e.g. "pos/3,4", "depth/2", "logsnr/-1.5". */
  readonly key: string;
  /** Numeric parameters, e.g. {row: 3, col: 4} | {depth: 2} | {logSnr: -1.5}. */
  readonly params: Readonly<Record<string, number>>;
  /** Optional group, e.g. "row-start", "interior"; reports summarise by group. */
  readonly group?: string;
}

/**
 * Samples of one subtask: `n` (condition, target) rows. Every subtask of one
 * decomposition has the same `dc` and `dt`, so one model can be fitted to any
 * of them and evaluated on any other (the equivariance probe relies on it).
 */
export interface SubtaskPairs {
  readonly condition: tf.Tensor2D;
  readonly target: tf.Tensor2D;
}

export interface PrepareOptions {
  readonly rng: Rng;
  /** Upper bound on work, in training steps, for decompositions that learn something. */
  readonly steps?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Model size presets, for scaling-law runs; a number is a width multiplier. */
export type ModelSize = "XS" | "S" | "M" | "L" | "XL" | number;

export interface ModelOptions {
  readonly shape: ImageShape;
  readonly seed: number;
  readonly size?: ModelSize;
  readonly learningRate?: number;
  /** Plugin-specific knobs, documented by each plugin. */
  readonly [key: string]: unknown;
}

/**
 * A way of splitting the modelling of an image into subtasks (DESIGN.md).
 * Implementations: `@vsd/decomp-*` packages and third-party plugins.
 */
export interface Decomposition {
  readonly specificationVersion: "v1";
  /** "patch" | "depth" | "noise" | "learnable" | a third-party id. */
  readonly id: string;
  readonly description?: string;
  /** Fit whatever the decomposition learns from data (a codebook, a schedule). */
  prepare?(data: ImageDataset, options: PrepareOptions): Promise<void>;
  subtasks(): readonly Subtask[];
  /**
   * Pairs of `subtask` built from `images` (float32 `[n, h, w, c]` in [-1, 1]).
   * Deterministic for a given `rng` state. The caller disposes the tensors.
   */
  pairs(images: tf.Tensor4D, subtask: Subtask, rng: Rng): SubtaskPairs;
  /** The strategy's own generative model. */
  createModel(options: ModelOptions): GenerativeModel;
  /** Releases tensors the decomposition holds (e.g. what `prepare` fitted). Optional. */
  dispose?(): void;
}

export interface StepStats {
  /** The training objective of the step (nats per dim unless the model says otherwise). */
  readonly loss: number;
  /** Loss per subtask key, when the step knows it. */
  readonly subtaskLosses?: Readonly<Record<string, number>>;
}

export interface NllResult {
  readonly bitsPerDim: number;
  /** "exact": a true discrete likelihood; "elbo": an upper bound on −log p. */
  readonly bound: "exact" | "elbo";
  /** Per-image bits/dim, when available. */
  readonly perImage?: Float64Array;
}

export interface SampleOptions {
  /** Class labels for conditional models, one per sample. */
  readonly labels?: Int32Array;
  /** Classifier-free guidance scale (1 = no guidance). */
  readonly guidanceScale?: number;
  /** Sampling temperature for likelihood models. */
  readonly temperature?: number;
  /** Number of sampler steps, for iterative samplers. */
  readonly steps?: number;
  readonly [key: string]: unknown;
}

/** A trainable generative model over images, scored by `@vsd/eval`. */
export interface GenerativeModel {
  readonly id: string;
  readonly shape: ImageShape;
  /** One optimiser step on the batch. Returns the loss as a number (no tensors escape). */
  trainStep(batch: Batch, rng: Rng): StepStats;
  /** Mean loss of the model on one subtask of `images`, nats per dim of the target. */
  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, rng: Rng): number;
  /** Bits per dimension on 8-bit data, exact or a bound. */
  nll(batch: Batch, rng: Rng): Promise<NllResult>;
  /** `n` images, float32 `[n, h, w, c]` in [-1, 1]. The caller disposes it. */
  sample(n: number, rng: Rng, options?: SampleOptions): Promise<tf.Tensor4D>;
  /** Writes weights and optimiser state to `dir` (atomically). */
  save(dir: string): Promise<void>;
  /** Restores what `save` wrote into this (same-config) model. */
  load(dir: string): Promise<void>;
  /** Trainable parameter count. */
  numParams(): number;
  /** Approximate FLOPs of one `trainStep` at this batch size (forward + backward). */
  flopsPerStep?(batchSize: number): number;
  dispose(): void;
}
