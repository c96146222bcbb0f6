import * as tf from "@tensorflow/tfjs-core";
import {
  AdamW,
  type Batch,
  type Decomposition,
  type GenerativeModel,
  type ImageDataset,
  type ModelOptions,
  type Mlp,
  type NllResult,
  ParamStore,
  type PrepareOptions,
  Rng,
  type SampleOptions,
  type StepStats,
  type Subtask,
  type SubtaskPairs,
  TRAIN_FLOPS_FACTOR,
  VsdError,
  defineDecompositionPlugin,
  saveModelState,
} from "@vsd/core";
import type { DepthPriorForm } from "./depth-prior.js";
import { areaDownsample } from "./multi-scale-quantize.js";
import { ScaleTokenizer, type ScaleTokenizerOptions } from "./scale-tokenizer.js";
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
import { categoricalNll, loadPriorState, priorNets, sampleCategorical } from "./shared/prior-parts.js";

/**
 * A next-scale prior (VAR's factorisation, REFERENCES §2.8): the codes of
 * scale k are independent given the earlier scales, each predicted from its
 * token position and the teacher-forcing input area-downsample(f̂_{<k}, p_k) at
 * its cell. "shared": one MLP for all scales (plus a scale one-hot), like
 * VAR's one transformer; "separate": one MLP per scale. The likelihood of the
 * codes under this model is exact.
 */
export class ScalePrior {
  readonly form: DepthPriorForm;
  private readonly store: ParamStore;
  private readonly nets: Mlp[];
  private readonly optimizer: AdamW;

  constructor(
    readonly tokenizer: ScaleTokenizer,
    options: { form?: DepthPriorForm; hidden?: number; learningRate?: number; seed?: number } = {},
  ) {
    this.form = options.form ?? "shared";
    const K = tokenizer.scales.length;
    this.store = new ParamStore(new Rng(options.seed ?? 0).derive("scale-prior"));
    const dims = [this.featureDim(), options.hidden ?? 128, options.hidden ?? 128, tokenizer.codebookSize];
    this.nets = priorNets(this.store, this.form, dims, K, "scale");
    this.optimizer = new AdamW(this.store.variables, { learningRate: options.learningRate ?? 1e-3 });
  }

  numParams(): number {
    return this.store.numParams();
  }

  flopsPerStep(batchSize: number): number {
    return TRAIN_FLOPS_FACTOR * this.nets[0]!.flops(batchSize * this.tokenizer.tokens);
  }

  /** NLL (nats) of `codes` per image and per scale. */
  codeNll(codes: Int32Array, n: number): { perImage: Float64Array; perScale: Float64Array } {
    const rows = tf.tidy(() => this.perToken(codes, n).dataSync() as Float32Array);
    return this.summarise(rows, n);
  }

  trainStep(images: tf.Tensor4D): { loss: number; perScale: Float64Array } {
    const { n, codes } = this.tokenizer.encode(images);
    let perScale = new Float64Array(this.tokenizer.scales.length);
    const loss = this.optimizer.step(() => {
      const t = this.perToken(codes, n);
      perScale = this.summarise(t.dataSync() as Float32Array, n).perScale.map((v, k) => v / (n * this.tokenizer.scales[k]! ** 2));
      return tf.mean(t) as tf.Scalar;
    });
    return { loss, perScale };
  }

  /** Samples codes scale by scale (all cells of a scale at once). */
  sampleCodes(n: number, rng: Rng, temperature = 1): Int32Array {
    if (!(Number.isInteger(n) && n > 0) || !(temperature > 0)) throw new VsdError("INVALID_ARGUMENT", "ScalePrior.sampleCodes: n must be a positive integer and temperature > 0.");
    const tok = this.tokenizer;
    const codes = new Int32Array(n * tok.tokens);
    const Kc = tok.codebookSize;
    tok.scales.forEach((p, k) => {
      const feats = this.features(codes, n, k);
      const probs = tf.tidy(() => tf.softmax(tf.div(this.nets[this.form === "shared" ? 0 : k]!.apply(tf.tensor2d(feats, [n * p * p, this.featureDim()])), temperature)).dataSync());
      for (let i = 0; i < n; i++) for (let c = 0; c < p * p; c++) codes[i * tok.tokens + tok.scaleOffsets[k]! + c] = sampleCategorical(probs, (i * p * p + c) * Kc, Kc, rng);
    });
    return codes;
  }

  async save(dir: string): Promise<void> {
    await saveModelState(dir, { params: this.store, optimizer: this.optimizer, meta: { kind: "vsd-scale-prior", form: this.form } });
  }

  async load(dir: string): Promise<void> {
    await loadPriorState(dir, { params: this.store, optimizer: this.optimizer }, "vsd-scale-prior", "scale prior");
  }

  dispose(): void {
    this.optimizer.dispose();
    this.store.dispose();
  }

  private featureDim(): number {
    const t = this.tokenizer;
    return t.tokens + (this.form === "shared" ? t.scales.length : 0) + t.latentDim;
  }

  /** Features of scale k's cells: [token one-hot, (scale one-hot), area-downsample(f̂_{<k}, p_k) at the cell]. */
  private features(codes: Int32Array, n: number, k: number): Float32Array {
    const tok = this.tokenizer;
    const p = tok.scales[k]!;
    const g = tok.grid.rows;
    const dim = tok.latentDim;
    const F = this.featureDim();
    const out = new Float32Array(n * p * p * F);
    const fhat = tok.partialLatents(codes, n, k);
    for (let i = 0; i < n; i++) {
      const grid = fhat.subarray(i * g * g * dim, (i + 1) * g * g * dim);
      const down = p === g ? grid : areaDownsample(grid, g, g, dim, p, p);
      for (let c = 0; c < p * p; c++) {
        const o = (i * p * p + c) * F;
        out[o + tok.scaleOffsets[k]! + c] = 1;
        let off = tok.tokens;
        if (this.form === "shared") {
          out[o + off + k] = 1;
          off += tok.scales.length;
        }
        out.set(down.subarray(c * dim, (c + 1) * dim), o + off);
      }
    }
    return out;
  }

  /** NLL per token, scale-major blocks `[scale k: n·p_k²]`. */
  private perToken(codes: Int32Array, n: number): tf.Tensor1D {
    const tok = this.tokenizer;
    const parts = tok.scales.map((p, k) => {
      const labels = new Int32Array(n * p * p);
      for (let i = 0; i < n; i++) for (let c = 0; c < p * p; c++) labels[i * p * p + c] = codes[i * tok.tokens + tok.scaleOffsets[k]! + c]!;
      const logits = this.nets[this.form === "shared" ? 0 : k]!.apply(tf.tensor2d(this.features(codes, n, k), [n * p * p, this.featureDim()]));
      return categoricalNll(logits, labels, tok.codebookSize);
    });
    return (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor1D;
  }

  private summarise(perToken: Float32Array, n: number): { perImage: Float64Array; perScale: Float64Array } {
    const tok = this.tokenizer;
    const perImage = new Float64Array(n);
    const perScale = new Float64Array(tok.scales.length);
    let o = 0;
    tok.scales.forEach((p, k) => {
      for (let i = 0; i < n; i++)
        for (let c = 0; c < p * p; c++) {
          const v = perToken[o++]!;
          perImage[i]! += v;
          perScale[k]! += v;
        }
    });
    return { perImage, perScale };
  }
}

/** Options of {@link ScaleDecomposition}; `prepareSteps`, `batchSize`, `priorForm`: see {@link CodeDecompositionSettings}. */
export interface ScaleDecompositionOptions extends CodeDecompositionSettings {
  readonly tokenizer?: ScaleTokenizerOptions;
}

/**
 * Multi-scale (VAR) decomposition: subtask k predicts what scale p_k adds.
 * `pairs`: per latent cell of the full grid, condition = f̂_{<k} and target =
 * the upsampled contribution h_k, both `latentDim` wide. The subtask list
 * depends on the scales, which depend on the image size: before `prepare` it
 * uses `tokenizer.scales` (required then) and `prepare` checks them.
 */
export class ScaleDecomposition implements Decomposition {
  readonly specificationVersion = "v1" as const;
  readonly id = "scale";
  readonly description = "VAR multi-scale residual quantization: subtask k predicts the k-th scale's codes.";
  private tok: ScaleTokenizer | undefined;
  private list: Subtask[];
  private readonly o: ResolvedCodeDecompositionOptions<ScaleTokenizerOptions>;

  constructor(options: ScaleDecompositionOptions = {}) {
    this.o = resolveCodeDecompositionOptions("scaleDecomposition", options);
    this.list = this.makeList(options.tokenizer?.scales ?? [1, 2, 4, 7]);
  }

  get tokenizer(): ScaleTokenizer {
    return fittedTokenizer("scaleDecomposition", this.tok);
  }

  async prepare(data: ImageDataset, options: PrepareOptions): Promise<void> {
    const steps = options.steps ?? this.o.prepareSteps;
    this.tok?.dispose();
    const tok = new ScaleTokenizer(data, { ...this.o.tokenizer, seed: options.rng.derive("tokenizer-seed").int(2 ** 31) });
    this.tok = tok;
    this.list = this.makeList(tok.scales);
    if (steps > 0) tok.fit(data.train.pixels, { steps, batchSize: this.o.batchSize, rng: options.rng.derive("tokenizer-batches"), onStep: (i) => options.onProgress?.(i + 1, steps) });
  }

  subtasks(): readonly Subtask[] {
    return this.list;
  }

  pairs(images: tf.Tensor4D, subtask: Subtask, _rng: Rng): SubtaskPairs {
    const tok = this.tokenizer;
    checkPairsInput("scaleDecomposition", images, this.list, subtask);
    const { n, codes } = tok.encode(images);
    const k = subtask.index;
    const rows = n * tok.positions;
    return {
      condition: tf.tensor2d(tok.partialLatents(codes, n, k), [rows, tok.latentDim]),
      target: tf.tensor2d(tok.partialLatents(codes, n, k + 1, k), [rows, tok.latentDim]),
    };
  }

  createModel(options: ModelOptions): GenerativeModel {
    const tok = this.tokenizer;
    return new ScaleModel(tok, new ScalePrior(tok, priorSettings("scaleDecomposition", tok.shape, options, this.o.priorForm)));
  }

  dispose(): void {
    this.tok?.dispose();
    this.tok = undefined;
  }

  private makeList(scales: readonly number[]): Subtask[] {
    return scales.map((p, k) => ({ index: k, key: `scale/${k + 1}`, params: { scale: k + 1, size: p } }));
  }
}

/** The scale prior over a frozen `ScaleTokenizer`. NLL: exact for the codes, not an image likelihood (see `DepthModel`). */
export class ScaleModel extends CodePriorModel<ScaleTokenizer, ScalePrior> implements GenerativeModel {
  readonly id: string;

  constructor(tokenizer: ScaleTokenizer, prior: ScalePrior) {
    super(tokenizer, prior);
    this.id = `scale/${prior.form}`;
  }

  trainStep(batch: Batch, _rng: Rng): StepStats {
    const { loss, perScale } = this.prior.trainStep(batch.images);
    return { loss, subtaskLosses: subtaskLossRecord("scale", perScale) };
  }

  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, _rng: Rng): number {
    const k = subtask.index;
    if (!(k >= 0 && k < this.tokenizer.scales.length) || subtask.key !== `scale/${k + 1}`) throw new VsdError("INVALID_ARGUMENT", `ScaleModel.subtaskLoss: ${subtask.key} is not a scale subtask of this model.`);
    const { n, codes } = this.tokenizer.encode(images);
    return this.prior.codeNll(codes, n).perScale[k]! / (n * this.tokenizer.scales[k]! ** 2);
  }

  async nll(batch: Batch, _rng: Rng): Promise<NllResult & { bitsPerCode: number; likelihoodOf: "codes" }> {
    const { n, codes } = this.tokenizer.encode(batch.images);
    return this.codeNllResult(this.prior.codeNll(codes, n).perImage, this.tokenizer.tokens);
  }

  async sample(n: number, rng: Rng, options: SampleOptions = {}): Promise<tf.Tensor4D> {
    const codes = this.prior.sampleCodes(n, rng, options.temperature ?? 1);
    return this.tokenizer.decodeLatents(this.tokenizer.partialLatents(codes, n, this.tokenizer.scales.length), n);
  }
}

/** Plugin factory of the multi-scale (VAR) decomposition, id "scale". */
export const scaleDecomposition = defineDecompositionPlugin<ScaleDecompositionOptions>({
  name: "@vsd/decomp-depth",
  id: "scale",
  create: (options?: ScaleDecompositionOptions) => new ScaleDecomposition(options),
});
