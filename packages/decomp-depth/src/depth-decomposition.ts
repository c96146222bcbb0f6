import * as tf from "@tensorflow/tfjs-core";
import {
  type Batch,
  type Decomposition,
  type GenerativeModel,
  type ImageDataset,
  type ModelOptions,
  type NllResult,
  type PrepareOptions,
  Rng,
  type SampleOptions,
  type StepStats,
  type Subtask,
  type SubtaskPairs,
  VsdError,
} from "@vsd/core";
import { DepthPrior } from "./depth-prior.js";
import { RqTokenizer, type RqTokenizerOptions } from "./rq-tokenizer.js";
import {
  type CodeDecompositionSettings,
  CodePriorModel,
  checkPairsInput,
  fittedTokenizer,
  priorSettings,
  type ResolvedCodeDecompositionOptions,
  resolveCodeDecompositionOptions,
  subtaskLossRecord,
} from "./shared/code-model.js";

/** Options of {@link DepthDecomposition}; `prepareSteps`, `batchSize`, `priorForm`: see {@link CodeDecompositionSettings}. */
export interface DepthDecompositionOptions extends CodeDecompositionSettings {
  /** Options of the RQ tokenizer fitted by `prepare` (`depth` sets the number of subtasks). */
  readonly tokenizer?: RqTokenizerOptions;
}

/**
 * Depth decomposition (VSD Q2/Q3): an RQ tokenizer turns each latent position
 * into D codes; subtask d (1…D) is "predict what depth d adds given the first
 * d − 1 codes". `pairs` gives, per latent position, condition = the partial
 * quantized latent Σ_{j<d} e_{k_j} and target = e_{k_d}, both `latentDim`
 * wide for every depth.
 */
export class DepthDecomposition implements Decomposition {
  readonly specificationVersion = "v1" as const;
  readonly id = "depth";
  readonly description = "Residual-quantization depth (RQ-VAE): subtask d predicts the d-th code of each latent position.";
  readonly options: ResolvedCodeDecompositionOptions<RqTokenizerOptions>;
  private tokenizerInstance: RqTokenizer | undefined;
  private readonly list: Subtask[];

  constructor(options: DepthDecompositionOptions = {}) {
    this.options = resolveCodeDecompositionOptions("depthDecomposition", options);
    const D = options.tokenizer?.depth ?? 4;
    if (!(Number.isInteger(D) && D >= 1)) throw new VsdError("INVALID_ARGUMENT", `depthDecomposition: depth must be an integer ≥ 1, got ${D}.`);
    this.list = Array.from({ length: D }, (_, i) => ({ index: i, key: `depth/${i + 1}`, params: { depth: i + 1 } }));
  }

  /** The fitted tokenizer (after `prepare`). */
  get tokenizer(): RqTokenizer {
    return fittedTokenizer("depthDecomposition", this.tokenizerInstance);
  }

  /** Trains the tokenizer on the train split: seeded from `rng`, `steps` (or `prepareSteps`) steps. */
  async prepare(data: ImageDataset, options: PrepareOptions): Promise<void> {
    const steps = options.steps ?? this.options.prepareSteps;
    const seed = options.rng.derive("tokenizer-seed").int(2 ** 31);
    this.tokenizerInstance?.dispose();
    const tok = new RqTokenizer(data, { ...this.options.tokenizer, seed });
    this.tokenizerInstance = tok;
    if (steps > 0) {
      tok.fit(data.train.pixels, {
        steps,
        batchSize: this.options.batchSize,
        rng: options.rng.derive("tokenizer-batches"),
        onStep: (_s, i) => options.onProgress?.(i + 1, steps),
      });
    }
  }

  subtasks(): readonly Subtask[] {
    return this.list;
  }

  pairs(images: tf.Tensor4D, subtask: Subtask, _rng: Rng): SubtaskPairs {
    const tok = this.tokenizer;
    checkPairsInput("depthDecomposition", images, this.list, subtask);
    const d = subtask.index; // codes 0…d−1 are the condition, code d the target
    const { codes } = tok.encode(images);
    const rows = codes.length / tok.depth;
    const condition = tok.partialLatents(codes, d);
    const next = tok.partialLatents(codes, d + 1);
    const target = new Float32Array(next.length);
    for (let i = 0; i < next.length; i++) target[i] = next[i]! - condition[i]!;
    return { condition: tf.tensor2d(condition, [rows, tok.latentDim]), target: tf.tensor2d(target, [rows, tok.latentDim]) };
  }

  /**
   * The depth prior as a generative model over images. `ModelOptions.size`
   * sets the prior's width (XS 32 … XL 512, a number multiplies 64);
   * `ModelOptions.priorForm` ("shared" | "separate") overrides the default form.
   */
  createModel(options: ModelOptions): GenerativeModel {
    const tok = this.tokenizer;
    return new DepthModel(tok, new DepthPrior(tok, priorSettings("depthDecomposition", tok.shape, options, this.options.priorForm)));
  }

  dispose(): void {
    this.tokenizerInstance?.dispose();
    this.tokenizerInstance = undefined;
  }
}

/**
 * A depth prior plus the frozen tokenizer it models, as a `GenerativeModel`.
 *
 * Likelihood: `nll` is the exact negative log-likelihood of the tokenizer's
 * *codes* under the prior, divided by the image's pixel dimensions (h·w·c).
 * It is not a likelihood of the 8-bit image: the tokenizer is lossy, so the
 * codes do not determine the pixels (REFERENCES §3.4). `bound: "exact"` refers
 * to the code likelihood only; `bitsPerCode` gives bits per token as well.
 */
export class DepthModel extends CodePriorModel<RqTokenizer, DepthPrior> implements GenerativeModel {
  readonly id: string;

  constructor(tokenizer: RqTokenizer, prior: DepthPrior) {
    super(tokenizer, prior);
    this.id = `depth/${prior.options.form}`;
  }

  trainStep(batch: Batch, _rng: Rng): StepStats {
    const { loss, perDepth } = this.prior.trainStep(batch.images);
    return { loss, subtaskLosses: subtaskLossRecord("depth", perDepth) };
  }

  /** Mean NLL (nats) of the subtask's code per latent position: "per dim of the target" is per code here. */
  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, _rng: Rng): number {
    const d = subtask.index;
    if (!(d >= 0 && d < this.tokenizer.depth) || subtask.key !== `depth/${d + 1}`) {
      throw new VsdError("INVALID_ARGUMENT", `DepthModel.subtaskLoss: ${subtask.key} is not a depth subtask of this model.`);
    }
    const { n, codes } = this.tokenizer.encode(images);
    return this.prior.codeNll(codes, n).perDepth[d]! / (n * this.tokenizer.positions);
  }

  async nll(batch: Batch, _rng: Rng): Promise<NllResult & { bitsPerCode: number; likelihoodOf: "codes" }> {
    const { n, codes } = this.tokenizer.encode(batch.images);
    return this.codeNllResult(this.prior.codeNll(codes, n).perImage, this.tokenizer.positions * this.tokenizer.depth);
  }

  async sample(n: number, rng: Rng, options: SampleOptions = {}): Promise<tf.Tensor4D> {
    const codes = this.prior.sampleCodes(n, rng, options.temperature ?? 1);
    return this.tokenizer.decodeLatents(this.tokenizer.partialLatents(codes, this.tokenizer.depth), n);
  }
}
