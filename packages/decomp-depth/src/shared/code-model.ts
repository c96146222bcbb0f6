import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import { type ImageShape, type ModelOptions, type ModelSize, type NllResult, type Subtask, VsdError, imageDims } from "@vsd/core";
import type { DepthPriorForm } from "../depth-prior.js";

/**
 * What the depth (RQ) and scale (VAR) decompositions and their models have in
 * common: a tokenizer fitted in `prepare`, frozen, and a code prior over it.
 */

/** Options both decompositions take besides their tokenizer's. */
export interface CodeDecompositionSettings {
  /** Training steps of the tokenizer in `prepare` when the caller gives no bound. @default 200 */
  readonly prepareSteps?: number;
  /** Images per tokenizer training batch. @default 32 */
  readonly batchSize?: number;
  /** Prior form of `createModel` unless `ModelOptions.priorForm` says otherwise. @default "shared" */
  readonly priorForm?: DepthPriorForm;
}

/** The settings with defaults applied, plus the tokenizer's options (`{}` when none were given). */
export type ResolvedCodeDecompositionOptions<T> = Required<CodeDecompositionSettings> & { tokenizer: T };

/** Defaults applied; `prepareSteps` must be an integer ≥ 0. */
export function resolveCodeDecompositionOptions<T extends object>(
  who: string,
  options: CodeDecompositionSettings & { readonly tokenizer?: T },
): ResolvedCodeDecompositionOptions<T> {
  const r = {
    tokenizer: options.tokenizer ?? ({} as T),
    prepareSteps: options.prepareSteps ?? 200,
    batchSize: options.batchSize ?? 32,
    priorForm: options.priorForm ?? "shared",
  };
  if (!(Number.isInteger(r.prepareSteps) && r.prepareSteps >= 0)) {
    throw new VsdError("INVALID_ARGUMENT", `${who}: prepareSteps must be an integer ≥ 0, got ${r.prepareSteps}.`);
  }
  return r;
}

/** The tokenizer fitted by `prepare`, or VsdError INVALID_ARGUMENT before it. */
export function fittedTokenizer<T>(who: string, tok: T | undefined): T {
  if (!tok) throw new VsdError("INVALID_ARGUMENT", `${who}: call prepare(data) first; the tokenizer is fitted there.`);
  return tok;
}

/** `pairs` input checks: rank-4 images and a subtask of this decomposition's list. */
export function checkPairsInput(who: string, images: tf.Tensor4D, list: readonly Subtask[], subtask: Subtask): void {
  if (images.rank !== 4) throw new VsdError("INVALID_SHAPE", `${who}.pairs: images must be [n, h, w, c], got [${images.shape.join(", ")}].`);
  const own = list[subtask.index];
  if (!own || own.key !== subtask.key) throw new VsdError("INVALID_ARGUMENT", `${who}.pairs: ${subtask.key} is not one of this decomposition's subtasks.`);
}

const SIZE_WIDTH: Record<Exclude<ModelSize, number>, number> = { XS: 32, S: 64, M: 128, L: 256, XL: 512 };

/**
 * Prior settings of `createModel`: the model shape must be the tokenizer's;
 * `size` sets the width (XS 32 … XL 512, a number multiplies 64);
 * `ModelOptions.priorForm` overrides `defaultForm`.
 */
export function priorSettings(
  who: string,
  tokenizerShape: ImageShape,
  options: ModelOptions,
  defaultForm: DepthPriorForm,
): { form: DepthPriorForm; hidden: number; seed: number; learningRate?: number } {
  const s = options.shape;
  if (s.height !== tokenizerShape.height || s.width !== tokenizerShape.width || s.channels !== tokenizerShape.channels) {
    throw new VsdError("INVALID_SHAPE", `${who}.createModel: the model shape differs from the data the tokenizer was fitted on.`);
  }
  const size = options.size ?? "S";
  const hidden = typeof size === "number" ? Math.max(1, Math.round(64 * size)) : SIZE_WIDTH[size];
  const form = (options["priorForm"] as DepthPriorForm | undefined) ?? defaultForm;
  return { form, hidden, seed: options.seed, ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}) };
}

/** `{ "<prefix>/1": values[0], … }`, the per-subtask losses of a train step. */
export function subtaskLossRecord(prefix: string, values: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  values.forEach((v, i) => (out[`${prefix}/${i + 1}`] = v));
  return out;
}

/** A tokenizer frozen under a prior. */
interface FrozenTokenizer {
  readonly shape: ImageShape;
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  encodeFlops(batchSize: number): number;
}

/** A prior over a tokenizer's codes. */
interface CodePrior {
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  numParams(): number;
  flopsPerStep(batchSize: number): number;
  dispose(): void;
}

/**
 * A code prior plus the frozen tokenizer it models. Likelihoods are of the
 * tokenizer's codes, not of the 8-bit image (see `DepthModel`).
 */
export abstract class CodePriorModel<T extends FrozenTokenizer, P extends CodePrior> {
  readonly shape: ImageShape;

  constructor(
    readonly tokenizer: T,
    readonly prior: P,
  ) {
    this.shape = tokenizer.shape;
  }

  /** Saves the tokenizer to `dir/tokenizer` and the prior to `dir/prior`. */
  async save(dir: string): Promise<void> {
    await this.tokenizer.save(join(dir, "tokenizer"));
    await this.prior.save(join(dir, "prior"));
  }

  async load(dir: string): Promise<void> {
    await this.tokenizer.load(join(dir, "tokenizer"));
    await this.prior.load(join(dir, "prior"));
  }

  /** Trainable parameters of the prior (the tokenizer is frozen here). */
  numParams(): number {
    return this.prior.numParams();
  }

  /** Prior training FLOPs plus the tokenizer's encoder forward pass. */
  flopsPerStep(batchSize: number): number {
    return this.prior.flopsPerStep(batchSize) + this.tokenizer.encodeFlops(batchSize);
  }

  dispose(): void {
    this.prior.dispose();
  }

  /**
   * `nll` from the code NLL (nats) of each image: bits per image dimension
   * (h·w·c) and `bitsPerCode` = bits per image / `codesPerImage`.
   */
  protected codeNllResult(perImageNats: Float64Array, codesPerImage: number): NllResult & { bitsPerCode: number; likelihoodOf: "codes" } {
    const n = perImageNats.length;
    const dims = imageDims(this.shape);
    const perImage = perImageNats.map((v) => v / Math.LN2 / dims);
    const mean = perImage.reduce((a, b) => a + b, 0) / n;
    return { bitsPerDim: mean, bound: "exact", perImage, bitsPerCode: (mean * dims) / codesPerImage, likelihoodOf: "codes" };
  }
}
