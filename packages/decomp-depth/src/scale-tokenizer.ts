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
import { areaDownsample, multiScaleResidualQuantize, nearestUpsample } from "./multi-scale-quantize.js";
import { type PatchGrid, patchGrid } from "./patches.js";
import { activeIndices, decodeToImages, encodePatches, fitOnRandomBatches, imagePatches, patchCoder, straightThroughLosses } from "./shared/tokenizer-parts.js";

export interface ScaleTokenizerOptions {
  /** @default 4 */
  readonly patchSize?: number;
  /** @default 8 */
  readonly latentDim?: number;
  /** @default 128 */
  readonly hidden?: number;
  /** Square scales p_1 < … < p_K, the last equal to the (square) latent grid. @default [1, 2, 4, grid] (those below the grid) */
  readonly scales?: readonly number[];
  /** Codes per codebook. @default 64 */
  readonly codebookSize?: number;
  /** One codebook for all scales (VAR) or one per scale. @default true */
  readonly sharedCodebook?: boolean;
  /** @default 0.99 */
  readonly emaDecay?: number;
  /** @default 1e-5 */
  readonly laplaceEpsilon?: number;
  /** k-means init on the first batch (10 Lloyd iterations). @default true */
  readonly kmeansInit?: boolean;
  /** @default 1 */
  readonly deadCodeThreshold?: number;
  /** β on mean_k ‖f − sg f̂_{≤k}‖² (VAR: 0.25). @default 0.25 */
  readonly commitmentWeight?: number;
  /** Weights of the K partial reconstructions Dec(f̂_{≤k}). @default "final" (VAR trains the full reconstruction) */
  readonly scaleWeighting?: DepthLossWeighting;
  /** @default 1e-3 */
  readonly learningRate?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** Codes of a batch: image-major, then scale, then row-major cells (Σ_k p_k² per image). */
export interface ScaleCodes {
  readonly n: number;
  readonly codes: Int32Array;
  /** `[K + 1, n]` squared latent residual norms per image. */
  readonly residualNorms: Float64Array;
}

/**
 * A VAR-style multi-scale tokenizer without convolutions: the MLP patch
 * encoder/decoder of `RqTokenizer`, with the latent grid quantized by
 * `multiScaleResidualQuantize` (area down, nearest up, no φ). Codebooks are EMA
 * (REFERENCES §2.3; VAR itself trains them by gradient) with k-means init and
 * dead-code restart; quantize dropout is not offered here.
 */
export class ScaleTokenizer {
  readonly shape: ImageShape;
  readonly grid: PatchGrid;
  readonly scales: readonly number[];
  readonly latentDim: number;
  readonly codebookSize: number;
  readonly weights: Float64Array;
  /** One codebook per scale (the same array when shared). */
  readonly codebooks: Float32Array[];
  readonly scaleOffsets: Int32Array;
  /** Tokens per image, Σ_k p_k². */
  readonly tokens: number;
  private readonly o: Required<Omit<ScaleTokenizerOptions, "scales">>;
  private readonly store: ParamStore;
  private readonly encoder: Mlp;
  private readonly decoder: Mlp;
  private readonly ema: EmaCodebookState[] = [];
  private readonly optimizer: AdamW;
  private readonly rng: Rng;
  private initialised: boolean;

  constructor(shape: ImageShape, options: ScaleTokenizerOptions = {}) {
    this.o = {
      patchSize: options.patchSize ?? 4,
      latentDim: options.latentDim ?? 8,
      hidden: options.hidden ?? 128,
      codebookSize: options.codebookSize ?? 64,
      sharedCodebook: options.sharedCodebook ?? true,
      emaDecay: options.emaDecay ?? 0.99,
      laplaceEpsilon: options.laplaceEpsilon ?? 1e-5,
      kmeansInit: options.kmeansInit ?? true,
      deadCodeThreshold: options.deadCodeThreshold ?? 1,
      commitmentWeight: options.commitmentWeight ?? 0.25,
      scaleWeighting: options.scaleWeighting ?? "final",
      learningRate: options.learningRate ?? 1e-3,
      seed: options.seed ?? 0,
    };
    this.shape = { height: shape.height, width: shape.width, channels: shape.channels };
    this.grid = patchGrid(shape.height, shape.width, shape.channels, this.o.patchSize);
    if (this.grid.rows !== this.grid.cols) throw new VsdError("INVALID_SHAPE", `ScaleTokenizer needs a square latent grid, got ${this.grid.rows}×${this.grid.cols}.`);
    const g = this.grid.rows;
    this.scales = options.scales ?? [...[1, 2, 4].filter((p) => p < g), g];
    const K = this.scales.length;
    // Validate scales with a dry run of the pure quantizer on one zero grid.
    multiScaleResidualQuantize(new Float32Array(g * g), 1, g, g, 1, this.scales, this.scales.map(() => new Float32Array(1)));
    this.weights = depthLossWeights(this.o.scaleWeighting, K);
    this.latentDim = this.o.latentDim;
    this.codebookSize = this.o.codebookSize;
    const rng = new Rng(this.o.seed);
    this.rng = rng.derive("training");
    this.store = new ParamStore(rng.derive("params"));
    const pd = this.grid.patchDim;
    ({ encoder: this.encoder, decoder: this.decoder } = patchCoder(this.store, pd, this.o.hidden, this.latentDim));
    const books = Array.from({ length: this.o.sharedCodebook ? 1 : K }, (_, b) => rng.derive(`codebook/${b}`).fillNormal(new Float32Array(this.codebookSize * this.latentDim)) as Float32Array);
    books.forEach((b) => this.ema.push(createEmaState(b, this.latentDim)));
    this.codebooks = this.scales.map((_, k) => books[this.o.sharedCodebook ? 0 : k]!);
    this.scaleOffsets = new Int32Array(K);
    let t = 0;
    this.scales.forEach((p, k) => {
      this.scaleOffsets[k] = t;
      t += p * p;
    });
    this.tokens = t;
    this.initialised = !this.o.kmeansInit;
    this.optimizer = new AdamW(this.store.variables, { learningRate: this.o.learningRate });
  }

  get positions(): number {
    return this.grid.rows * this.grid.cols;
  }

  numParams(): number {
    return this.store.numParams();
  }

  encodeFlops(batchSize: number): number {
    const rows = batchSize * this.positions;
    return this.encoder.flops(rows) + 2 * batchSize * this.tokens * this.codebookSize * this.latentDim;
  }

  flopsPerStep(batchSize: number): number {
    const rows = batchSize * this.positions;
    const decoded = this.weights.reduce((n, w) => n + (w > 0 ? 1 : 0), 0);
    return TRAIN_FLOPS_FACTOR * (this.encoder.flops(rows) + decoded * this.decoder.flops(rows)) + this.encodeFlops(batchSize);
  }

  encodeLatents(images: tf.Tensor4D): Float32Array {
    return encodePatches(this.encoder, this.grid, this.patches(images));
  }

  encode(images: tf.Tensor4D): ScaleCodes {
    const n = images.shape[0];
    const g = this.grid.rows;
    const q = multiScaleResidualQuantize(this.encodeLatents(images), n, g, g, this.latentDim, this.scales, this.codebooks);
    return { n, codes: q.codes, residualNorms: q.residualNorms };
  }

  /**
   * f̂ after the first `upTo` scales, `[n·positions, latentDim]`; also the
   * contribution h_k of one scale with `only`.
   */
  partialLatents(codes: Int32Array, n: number, upTo: number, only?: number): Float32Array {
    const K = this.scales.length;
    if (!(Number.isInteger(upTo) && upTo >= 0 && upTo <= K)) throw new VsdError("INVALID_RANGE", `partialLatents: scale count ${upTo} outside [0, ${K}].`);
    if (codes.length !== n * this.tokens) throw new VsdError("INVALID_SHAPE", `partialLatents: ${codes.length} codes are not ${n} × ${this.tokens}.`);
    const g = this.grid.rows;
    const dim = this.latentDim;
    const cells = g * g * dim;
    const out = new Float32Array(n * cells);
    for (let i = 0; i < n; i++) {
      for (let k = only ?? 0; k < (only === undefined ? upTo : only + 1); k++) {
        const p = this.scales[k]!;
        const e = new Float32Array(p * p * dim);
        for (let c = 0; c < p * p; c++) {
          const code = codes[i * this.tokens + this.scaleOffsets[k]! + c]!;
          e.set(this.codebooks[k]!.subarray(code * dim, (code + 1) * dim), c * dim);
        }
        const h = p === g ? e : nearestUpsample(e, p, p, dim, g, g);
        for (let x = 0; x < cells; x++) out[i * cells + x]! += h[x]!;
      }
    }
    return out;
  }

  decodeLatents(latents: Float32Array, n: number): tf.Tensor4D {
    return decodeToImages(this.decoder, this.grid, this.shape, this.latentDim, latents, n);
  }

  /** One step: Σ_k w_k MSE(Dec(f + sg(f̂_{≤k} − f)), x) + β·mean_k MSE(f, sg f̂_{≤k}), then EMA. */
  trainStep(images: tf.Tensor4D): { loss: number; restarted: number } {
    const n = images.shape[0];
    const K = this.scales.length;
    const dim = this.latentDim;
    const rows = n * this.positions;
    const pd = this.grid.patchDim;
    const x = this.patches(images);
    if (!this.initialised) this.kmeansInitialise(x, n);
    const active = activeIndices(this.weights);
    let zData: Float32Array = new Float32Array(0);
    let codes: Int32Array = new Int32Array(0);
    const xT = tf.tensor2d(x, [rows, pd]);
    try {
      const loss = this.optimizer.step(() => {
        const z = this.encoder.apply(xT);
        zData = z.dataSync() as Float32Array;
        const g = this.grid.rows;
        codes = multiScaleResidualQuantize(zData, n, g, g, dim, this.scales, this.codebooks).codes;
        const partial = new Float32Array(K * rows * dim);
        for (let k = 0; k < K; k++) partial.set(this.partialLatents(codes, n, k + 1), k * rows * dim);
        const { reconstruction, commitment } = straightThroughLosses({ decoder: this.decoder, z, zData, partial, active, weights: this.weights, x: xT });
        return tf.add(reconstruction, tf.mul(commitment, this.o.commitmentWeight)) as tf.Scalar;
      });
      return { loss, restarted: this.emaStep(zData, n, codes) };
    } finally {
      xT.dispose();
    }
  }

  fit(pixels: Uint8Array, options: { steps: number; batchSize: number; rng: Rng; onStep?: (i: number) => void }): number[] {
    return fitOnRandomBatches("ScaleTokenizer", this.shape, pixels, options, (images, s) => {
      const { loss } = this.trainStep(images);
      options.onStep?.(s);
      return loss;
    });
  }

  /** Writes weights, optimiser state, codebooks and EMA statistics to `dir` (atomically, via core's model state). */
  async save(dir: string): Promise<void> {
    await saveModelState(dir, {
      params: this.store,
      optimizer: this.optimizer,
      meta: {
        kind: "vsd-scale-tokenizer",
        scales: [...this.scales],
        initialised: this.initialised,
        ...codebookCheckpoint(this.uniqueBooks(), this.ema),
      },
    });
  }

  /** Restores what `save` wrote into this (same-config) tokenizer. */
  async load(dir: string): Promise<void> {
    const meta = (await loadModelState(dir, { params: this.store, optimizer: this.optimizer })) as
      | (CodebookCheckpoint & { kind?: string; scales: number[]; initialised: boolean })
      | undefined;
    if (meta?.kind !== "vsd-scale-tokenizer" || meta.scales.join(",") !== this.scales.join(",")) {
      throw new VsdError("CHECKPOINT_MISMATCH", `${dir} does not hold a scale tokenizer of this configuration.`);
    }
    restoreCodebookCheckpoint(meta, this.uniqueBooks(), this.ema, dir);
    this.initialised = meta.initialised;
  }

  private uniqueBooks(): Float32Array[] {
    return this.o.sharedCodebook ? [this.codebooks[0]!] : this.codebooks;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.store.dispose();
  }

  private patches(images: tf.Tensor4D): Float32Array {
    return imagePatches("ScaleTokenizer", this.shape, this.grid, images);
  }

  /** The vectors quantized at each scale (downsampled residuals), grouped per codebook, with their codes. */
  private scaleVectors(z: Float32Array, n: number, codes: Int32Array): { vectors: number[]; codes: number[] }[] {
    const g = this.grid.rows;
    const dim = this.latentDim;
    const cells = g * g * dim;
    const bins = this.ema.map(() => ({ vectors: [] as number[], codes: [] as number[] }));
    for (let i = 0; i < n; i++) {
      const r = Float32Array.from(z.subarray(i * cells, (i + 1) * cells));
      this.scales.forEach((p, k) => {
        const zk = p === g ? r.slice() : areaDownsample(r, g, g, dim, p, p);
        const bin = bins[this.o.sharedCodebook ? 0 : k]!;
        for (const v of zk) bin.vectors.push(v);
        for (let c = 0; c < p * p; c++) bin.codes.push(codes[i * this.tokens + this.scaleOffsets[k]! + c]!);
        const h = this.partialLatents(codes.subarray(i * this.tokens, (i + 1) * this.tokens), 1, k + 1, k);
        for (let x = 0; x < cells; x++) r[x]! -= h[x]!;
      });
    }
    return bins;
  }

  private emaStep(z: Float32Array, n: number, codes: Int32Array): number {
    const o = this.o;
    return emaStepBooks(this.ema, this.uniqueBooks(), this.scaleVectors(z, n, codes), { decay: o.emaDecay, epsilon: o.laplaceEpsilon, deadCodeThreshold: o.deadCodeThreshold, rng: this.rng });
  }

  /** k-means per codebook on the first batch's vectors of its scale(s), in scale order. */
  private kmeansInitialise(x: Float32Array, n: number): void {
    const z = encodePatches(this.encoder, this.grid, x);
    const g = this.grid.rows;
    const dim = this.latentDim;
    const nBooks = this.ema.length;
    for (let b = 0; b < nBooks; b++) {
      // Vectors seen by book b given the books before it are fitted: quantize with the current books.
      const q = multiScaleResidualQuantize(z, n, g, g, dim, this.scales, this.codebooks);
      const bins = this.scaleVectors(z, n, q.codes);
      const data = Float32Array.from(bins[b]!.vectors);
      const { centroids, counts } = kmeans(data, dim, this.codebookSize, 10, this.rng.derive(`kmeans/${b}`));
      const book = this.codebooks[this.o.sharedCodebook ? 0 : b]!;
      book.set(centroids);
      resetEmaState(this.ema[b]!, book, counts);
    }
    this.initialised = true;
  }
}
