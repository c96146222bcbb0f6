import * as tf from "@tensorflow/tfjs-core";
import { AdamW, type ImageShape, type Mlp, ParamStore, Rng, TRAIN_FLOPS_FACTOR, VsdError, loadModelState, saveModelState } from "@vsd/core";
import { type DepthLossWeighting, depthLossWeights } from "./depth-loss-weights.js";
import {
  type CodebookCheckpoint,
  codebookCheckpoint,
  createEmaState,
  type EmaCodebookState,
  emaStepBooks,
  resetEmaState,
  restoreCodebookCheckpoint,
} from "./ema-codebook.js";
import { kmeans } from "./kmeans.js";
import { type PatchGrid, patchGrid } from "./patches.js";
import { residualQuantize } from "./residual-quantize.js";
import { activeIndices, decodeToImages, encodePatches, fitOnRandomBatches, imagePatches, patchCoder, straightThroughLosses } from "./shared/tokenizer-parts.js";

/** Options of {@link RqTokenizer}; every field has a default (see {@link resolveRqTokenizerOptions}). */
export interface RqTokenizerOptions {
  /** Side p of the square patches the encoder sees. @default 4 */
  readonly patchSize?: number;
  /** Width of each latent vector. @default 8 */
  readonly latentDim?: number;
  /** Hidden width of the encoder and decoder MLPs. @default 128 */
  readonly hidden?: number;
  /** Quantization depth D. @default 4 */
  readonly depth?: number;
  /** Codes per codebook K. @default 64 */
  readonly codebookSize?: number;
  /** One codebook for all depths (RQ-VAE's ImageNet config) or one per depth. @default true */
  readonly sharedCodebook?: boolean;
  /**
   * How codewords learn: "ema" (VQ-VAE App. A.1, no gradient) or "gradient"
   * (the VQ-VAE codebook loss ‖sg[z] − ẑ^(d)‖², codebook trained by AdamW). @default "ema"
   */
  readonly codebookUpdate?: "ema" | "gradient";
  /** EMA decay γ. @default 0.99 */
  readonly emaDecay?: number;
  /** Laplace smoothing ε of the EMA counts. @default 1e-5 */
  readonly laplaceEpsilon?: number;
  /** k-means initialisation of the codebooks on the first training batch. @default true */
  readonly kmeansInit?: boolean;
  /** Lloyd iterations of the k-means init. @default 10 */
  readonly kmeansIterations?: number;
  /** Restart codes whose EMA count falls below this (0 = off; EMA mode only). @default 1 */
  readonly deadCodeThreshold?: number;
  /** Std of the random normal codebook init when k-means init is off. @default 1 */
  readonly codebookInitStd?: number;
  /** Commitment weight β on mean_d ‖z − sg[ẑ^(d)]‖² (RQ 'cumsum'). @default 0.25 */
  readonly commitmentWeight?: number;
  /** Probability that an example trains on a random depth prefix {1…D} (quantize dropout). @default 0 */
  readonly quantizeDropout?: number;
  /** Weights of the D partial-reconstruction losses (VSD Q3, Eq. 3). @default "equal" */
  readonly depthWeighting?: DepthLossWeighting;
  /** AdamW learning rate. @default 1e-3 */
  readonly learningRate?: number;
  /** Seed of the weights and of everything random in training. @default 0 */
  readonly seed?: number;
}

export type ResolvedRqTokenizerOptions = Required<RqTokenizerOptions>;

export function resolveRqTokenizerOptions(o: RqTokenizerOptions = {}): ResolvedRqTokenizerOptions {
  const r: ResolvedRqTokenizerOptions = {
    patchSize: o.patchSize ?? 4,
    latentDim: o.latentDim ?? 8,
    hidden: o.hidden ?? 128,
    depth: o.depth ?? 4,
    codebookSize: o.codebookSize ?? 64,
    sharedCodebook: o.sharedCodebook ?? true,
    codebookUpdate: o.codebookUpdate ?? "ema",
    emaDecay: o.emaDecay ?? 0.99,
    laplaceEpsilon: o.laplaceEpsilon ?? 1e-5,
    kmeansInit: o.kmeansInit ?? true,
    kmeansIterations: o.kmeansIterations ?? 10,
    deadCodeThreshold: o.deadCodeThreshold ?? 1,
    codebookInitStd: o.codebookInitStd ?? 1,
    commitmentWeight: o.commitmentWeight ?? 0.25,
    quantizeDropout: o.quantizeDropout ?? 0,
    depthWeighting: o.depthWeighting ?? "equal",
    learningRate: o.learningRate ?? 1e-3,
    seed: o.seed ?? 0,
  };
  for (const k of ["patchSize", "latentDim", "hidden", "depth", "codebookSize", "kmeansIterations"] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new VsdError("INVALID_ARGUMENT", `RqTokenizer: ${k} must be an integer ≥ 1, got ${r[k]}.`);
  }
  if (!(r.emaDecay >= 0 && r.emaDecay < 1)) throw new VsdError("INVALID_ARGUMENT", `RqTokenizer: emaDecay must be in [0, 1), got ${r.emaDecay}.`);
  if (!(r.quantizeDropout >= 0 && r.quantizeDropout <= 1)) {
    throw new VsdError("INVALID_ARGUMENT", `RqTokenizer: quantizeDropout must be in [0, 1], got ${r.quantizeDropout}.`);
  }
  if (!(r.commitmentWeight >= 0) || !(r.deadCodeThreshold >= 0) || !(r.laplaceEpsilon >= 0) || !(r.codebookInitStd > 0)) {
    throw new VsdError("INVALID_ARGUMENT", "RqTokenizer: commitmentWeight, deadCodeThreshold, laplaceEpsilon must be ≥ 0 and codebookInitStd > 0.");
  }
  if (r.codebookUpdate !== "ema" && r.codebookUpdate !== "gradient") {
    throw new VsdError("INVALID_ARGUMENT", `RqTokenizer: codebookUpdate must be "ema" or "gradient", got ${String(r.codebookUpdate)}.`);
  }
  depthLossWeights(r.depthWeighting, r.depth); // validates
  return r;
}

/** What one {@link RqTokenizer.trainStep} did. */
export interface TokenizerStepStats {
  /** Total loss: Σ_d w_d·MSE_d + β·commitment (+ codebook loss in gradient mode). */
  readonly loss: number;
  /** Pixel MSE (in [−1, 1] units) of each partial reconstruction d = 1…D that has weight > 0; NaN where not computed. */
  readonly reconstruction: Float64Array;
  readonly commitment: number;
  /** Codes restarted by dead-code expiry in this step. */
  readonly restarted: number;
}

/** Codes of a batch of images. */
export interface TokenizerCodes {
  /** Images in the batch. */
  readonly n: number;
  /** Latent positions per image (rows·cols of the patch grid). */
  readonly positions: number;
  /** Row-major `[n·positions, D]`. */
  readonly codes: Int32Array;
  /** Row-major `[D + 1, n·positions]` squared latent residual norms. */
  readonly residualNorms: Float64Array;
}

/**
 * An RQ-VAE-style tokenizer without convolutions: an MLP encoder maps each p×p
 * patch to a latent vector (a rows×cols latent grid), residual quantization of
 * depth D turns each latent into D codes (REFERENCES §2.1), and an MLP decoder
 * maps a (partial) quantized latent back to the patch.
 *
 * Training (REFERENCES §2.2–2.6): the loss is Σ_d w_d·MSE(Dec(ẑ^(d)), x) over
 * the partial reconstructions ẑ^(d) = Σ_{j≤d} e_{k_j} with the straight-through
 * estimator z + sg(ẑ^(d) − z), plus β·mean_d MSE(z, sg ẑ^(d)). Nearest-codeword
 * search runs in JS (`residualQuantize`), so no `tf.gather` is needed on the
 * wasm backend; EMA codebooks get no gradient at all.
 */
export class RqTokenizer {
  readonly options: ResolvedRqTokenizerOptions;
  readonly shape: ImageShape;
  readonly grid: PatchGrid;
  /** Normalised depth loss weights w_1…w_D. */
  readonly weights: Float64Array;
  /** Codebooks used by `residualQuantize` (the same array D times when shared). */
  readonly codebooks: Float32Array[];
  private readonly store: ParamStore;
  private readonly encoder: Mlp;
  private readonly decoder: Mlp;
  private readonly codebookVars: tf.Variable[] = [];
  private readonly ema: EmaCodebookState[] = [];
  private readonly optimizer: AdamW;
  private readonly rng: Rng;
  private initialised: boolean;
  private steps = 0;
  private disposed = false;

  constructor(shape: ImageShape, options: RqTokenizerOptions = {}) {
    this.options = resolveRqTokenizerOptions(options);
    const o = this.options;
    this.shape = { height: shape.height, width: shape.width, channels: shape.channels };
    this.grid = patchGrid(shape.height, shape.width, shape.channels, o.patchSize);
    this.weights = depthLossWeights(o.depthWeighting, o.depth);
    const rng = new Rng(o.seed);
    this.rng = rng.derive("training");
    this.store = new ParamStore(rng.derive("params"));
    const pd = this.grid.patchDim;
    ({ encoder: this.encoder, decoder: this.decoder } = patchCoder(this.store, pd, o.hidden, o.latentDim));
    const nBooks = o.sharedCodebook ? 1 : o.depth;
    const books: Float32Array[] = [];
    const cbRng = rng.derive("codebook");
    for (let b = 0; b < nBooks; b++) {
      const cb = cbRng.fillNormal(new Float32Array(o.codebookSize * o.latentDim), 0, o.codebookInitStd) as Float32Array;
      books.push(cb);
      if (o.codebookUpdate === "ema") this.ema.push(createEmaState(cb, o.latentDim));
      else this.codebookVars.push(this.store.variable(`codebook/${b}`, [o.codebookSize, o.latentDim], cb));
    }
    this.codebooks = Array.from({ length: o.depth }, (_, d) => books[o.sharedCodebook ? 0 : d]!);
    this.initialised = !o.kmeansInit;
    this.optimizer = new AdamW(this.store.variables, { learningRate: o.learningRate });
  }

  get depth(): number {
    return this.options.depth;
  }
  get latentDim(): number {
    return this.options.latentDim;
  }
  get positions(): number {
    return this.grid.rows * this.grid.cols;
  }
  /** Training steps taken. */
  get stepCount(): number {
    return this.steps;
  }
  /** Whether the k-means init (if enabled) has run. */
  get isInitialised(): boolean {
    return this.initialised;
  }

  numParams(): number {
    return this.store.numParams();
  }

  /** Approximate FLOPs of one training step on `batchSize` images (matMuls only). */
  flopsPerStep(batchSize: number): number {
    const rows = batchSize * this.positions;
    const decoded = this.weights.reduce((n, w) => n + (w > 0 ? 1 : 0), 0);
    const o = this.options;
    const rq = 2 * rows * o.depth * o.codebookSize * o.latentDim;
    return TRAIN_FLOPS_FACTOR * (this.encoder.flops(rows) + decoded * this.decoder.flops(rows)) + rq;
  }

  /** Forward FLOPs of encoding `batchSize` images (encoder matMuls + nearest-codeword search). */
  encodeFlops(batchSize: number): number {
    const rows = batchSize * this.positions;
    const o = this.options;
    return this.encoder.flops(rows) + 2 * rows * o.depth * o.codebookSize * o.latentDim;
  }

  /** Encoder output: row-major `[n·positions, latentDim]` latents of `images` (`[n, h, w, c]` in [−1, 1]). */
  encodeLatents(images: tf.Tensor4D): Float32Array {
    return encodePatches(this.encoder, this.grid, this.patches(images));
  }

  /** Residual quantization of the encoder output. */
  encode(images: tf.Tensor4D): TokenizerCodes {
    const z = this.encodeLatents(images);
    const { codes, residualNorms } = residualQuantize(z, this.latentDim, this.codebooks);
    return { n: images.shape[0], positions: this.positions, codes, residualNorms };
  }

  /**
   * Quantized latents ẑ^(d) = Σ_{j≤d} e_{k_j} for `codes` (`[rows, D]`), as
   * row-major `[rows, latentDim]`; `upTo` = 0 gives zeros. A code of −1 means
   * "no code" (quantize dropout convention) and adds nothing.
   */
  partialLatents(codes: Int32Array, upTo: number): Float32Array {
    const D = this.depth;
    const dim = this.latentDim;
    if (!(Number.isInteger(upTo) && upTo >= 0 && upTo <= D)) throw new VsdError("INVALID_RANGE", `partialLatents: depth ${upTo} outside [0, ${D}].`);
    if (codes.length % D !== 0) throw new VsdError("INVALID_SHAPE", `partialLatents: ${codes.length} codes are not [rows, ${D}].`);
    const rows = codes.length / D;
    const out = new Float32Array(rows * dim);
    for (let i = 0; i < rows; i++) {
      for (let d = 0; d < upTo; d++) {
        const k = codes[i * D + d]!;
        if (k < 0) continue;
        const cb = this.codebooks[d]!;
        for (let j = 0; j < dim; j++) out[i * dim + j]! += cb[k * dim + j]!;
      }
    }
    return out;
  }

  /** Decodes row-major latents of `n` images (`[n·positions, latentDim]`) to images `[n, h, w, c]`. */
  decodeLatents(latents: Float32Array, n: number): tf.Tensor4D {
    return decodeToImages(this.decoder, this.grid, this.shape, this.latentDim, latents, n);
  }

  /** Reconstruction of `images` from the first `upTo` codes of each position. */
  reconstruct(images: tf.Tensor4D, upTo = this.depth): tf.Tensor4D {
    const { n, codes } = this.encode(images);
    return this.decodeLatents(this.partialLatents(codes, upTo), n);
  }

  /** One optimisation step on a batch of images (`[n, h, w, c]` in [−1, 1]). */
  trainStep(images: tf.Tensor4D): TokenizerStepStats {
    this.assertLive();
    const o = this.options;
    const D = o.depth;
    const dim = o.latentDim;
    const pd = this.grid.patchDim;
    const n = images.shape[0];
    const P = this.positions;
    const rows = n * P;
    const x = this.patches(images);
    if (!this.initialised) this.kmeansInitialise(x);
    // Quantize dropout: per example, keep a random prefix 1…D of the depths (SoundStream §3.3).
    const keep = new Int32Array(rows).fill(D);
    if (o.quantizeDropout > 0) {
      for (let i = 0; i < n; i++) {
        if (this.rng.uniform() < o.quantizeDropout) keep.fill(1 + this.rng.int(D), i * P, (i + 1) * P);
      }
    }
    const active = activeIndices(this.weights);
    let zData: Float32Array = new Float32Array(0);
    let codes: Int32Array = new Int32Array(0);
    const recon = new Float64Array(D).fill(Number.NaN);
    let commitment = 0;
    const xT = tf.tensor2d(x, [rows, pd]);
    try {
      const loss = this.optimizer.step(() => {
        const z = this.encoder.apply(xT);
        // Reading z inside the tape is fine: the codes are constants of the step.
        zData = z.dataSync() as Float32Array;
        codes = residualQuantize(zData, dim, this.codebooks).codes;
        for (let i = 0; i < rows; i++) for (let d = keep[i]!; d < D; d++) codes[i * D + d] = -1;
        // ẑ^(d) for every depth (rows of depth d stacked), with the dropout prefix.
        const partial = new Float32Array(D * rows * dim);
        for (let d = 0; d < D; d++) partial.set(this.partialLatents(codes, d + 1), d * rows * dim);
        // Straight-through: forward value ẑ^(d), gradient identity to z.
        const st = straightThroughLosses({ decoder: this.decoder, z, zData, partial, active, weights: this.weights, x: xT });
        const { zConst, commitment: commit } = st;
        const perDepthData = st.perActive.dataSync();
        active.forEach((d, a) => (recon[d] = perDepthData[a]!));
        let total: tf.Tensor = st.reconstruction;
        commitment = commit.dataSync()[0]!;
        total = tf.add(total, tf.mul(commit, o.commitmentWeight));
        if (o.codebookUpdate === "gradient") {
          // VQ-VAE codebook loss, cumulative over depth: mean_d ‖sg[z] − ẑ^(d)‖², ẑ^(d) via one-hot matMul.
          let cum: tf.Tensor2D = tf.zeros([rows, dim]);
          const parts: tf.Tensor2D[] = [];
          for (let d = 0; d < D; d++) {
            const idx = tf.tensor1d(codes.filter((_, t) => t % D === d), "int32");
            const oneHot = tf.oneHot(idx, o.codebookSize) as tf.Tensor2D; // −1 → all-zero row
            const book = this.codebookVars[o.sharedCodebook ? 0 : d]! as tf.Tensor2D;
            cum = tf.add(cum, tf.matMul(tf.cast(oneHot, "float32") as tf.Tensor2D, book));
            parts.push(cum);
          }
          total = tf.add(total, tf.mean(tf.squaredDifference(tf.concat(parts, 0), tf.tile(zConst, [D, 1]))));
        }
        return total as tf.Scalar;
      });
      let restarted = 0;
      if (o.codebookUpdate === "ema") restarted = this.emaStep(zData, codes);
      else this.syncCodebooksFromVariables();
      this.steps++;
      return { loss, reconstruction: recon, commitment, restarted };
    } finally {
      xT.dispose();
    }
  }

  /** Trains for `steps` steps on random batches of `pixels` (8-bit `[n, h, w, c]`). */
  fit(pixels: Uint8Array, options: { steps: number; batchSize: number; rng: Rng; onStep?: (s: TokenizerStepStats, i: number) => void }): TokenizerStepStats[] {
    return fitOnRandomBatches("RqTokenizer", this.shape, pixels, options, (images, s) => {
      const st = this.trainStep(images);
      options.onStep?.(st, s);
      return st;
    });
  }

  /** Writes weights, optimiser state, codebooks and EMA state to `dir` (atomically per file). */
  async save(dir: string): Promise<void> {
    await saveModelState(dir, {
      params: this.store,
      optimizer: this.optimizer,
      meta: {
        kind: "vsd-rq-tokenizer",
        options: this.options,
        steps: this.steps,
        initialised: this.initialised,
        ...codebookCheckpoint(this.uniqueBooks(), this.ema),
        rng: this.rng.getState(),
      },
    });
  }

  /** Restores what `save` wrote into this (same-config) tokenizer. */
  async load(dir: string): Promise<void> {
    const meta = (await loadModelState(dir, { params: this.store, optimizer: this.optimizer })) as
      | (CodebookCheckpoint & { kind?: string; steps: number; initialised: boolean })
      | undefined;
    if (meta?.kind !== "vsd-rq-tokenizer") {
      throw new VsdError("CHECKPOINT_MISMATCH", `${dir} does not hold a tokenizer of this configuration.`);
    }
    restoreCodebookCheckpoint(meta, this.uniqueBooks(), this.ema, dir);
    this.steps = meta.steps;
    this.initialised = meta.initialised;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.store.dispose();
  }

  private uniqueBooks(): Float32Array[] {
    return this.options.sharedCodebook ? [this.codebooks[0]!] : this.codebooks;
  }

  private patches(images: tf.Tensor4D): Float32Array {
    return imagePatches("RqTokenizer", this.shape, this.grid, images);
  }

  /**
   * k-means init on the first batch (REFERENCES §2.4): per-depth codebooks are
   * fitted in depth order, each on the residuals the previous depths leave;
   * a shared codebook is fitted on the encoder outputs.
   */
  private kmeansInitialise(x: Float32Array): void {
    const o = this.options;
    const rows = x.length / this.grid.patchDim;
    const z = encodePatches(this.encoder, this.grid, x);
    const books = this.uniqueBooks();
    const residual = Float32Array.from(z);
    books.forEach((book, b) => {
      const { centroids, counts } = kmeans(residual, o.latentDim, o.codebookSize, o.kmeansIterations, this.rng.derive(`kmeans/${b}`));
      book.set(centroids);
      if (o.codebookUpdate === "ema") {
        resetEmaState(this.ema[b]!, book, counts);
      } else {
        tf.tidy(() => this.codebookVars[b]!.assign(tf.tensor2d(centroids, [o.codebookSize, o.latentDim])));
      }
      const codes = residualQuantize(residual, o.latentDim, [book]).codes;
      for (let i = 0; i < rows; i++) for (let j = 0; j < o.latentDim; j++) residual[i * o.latentDim + j]! -= book[codes[i]! * o.latentDim + j]!;
    });
    this.initialised = true;
  }

  /** EMA update of each codebook from the residuals its depths saw, then dead-code restart. */
  private emaStep(z: Float32Array, codes: Int32Array): number {
    const o = this.options;
    const D = o.depth;
    const dim = o.latentDim;
    const rows = z.length / dim;
    const residual = Float32Array.from(z);
    const perBook: { vectors: number[]; codes: number[] }[] = this.ema.map(() => ({ vectors: [], codes: [] }));
    for (let d = 0; d < D; d++) {
      const bin = perBook[o.sharedCodebook ? 0 : d]!;
      const cb = this.codebooks[d]!;
      for (let i = 0; i < rows; i++) {
        const k = codes[i * D + d]!;
        if (k < 0) continue; // dropped depth: no update
        for (let j = 0; j < dim; j++) bin.vectors.push(residual[i * dim + j]!);
        bin.codes.push(k);
        for (let j = 0; j < dim; j++) residual[i * dim + j]! -= cb[k * dim + j]!;
      }
    }
    return emaStepBooks(this.ema, this.uniqueBooks(), perBook, { decay: o.emaDecay, epsilon: o.laplaceEpsilon, deadCodeThreshold: o.deadCodeThreshold, rng: this.rng });
  }

  private syncCodebooksFromVariables(): void {
    this.codebookVars.forEach((v, b) => this.uniqueBooks()[b]!.set(v.dataSync() as Float32Array));
  }

  private assertLive(): void {
    if (this.disposed) throw new VsdError("INVALID_ARGUMENT", "This RqTokenizer has been disposed.");
  }
}

