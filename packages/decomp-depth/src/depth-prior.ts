import * as tf from "@tensorflow/tfjs-core";
import { AdamW, type Mlp, ParamStore, Rng, TRAIN_FLOPS_FACTOR, VsdError, saveModelState } from "@vsd/core";
import type { RqTokenizer } from "./rq-tokenizer.js";
import { categoricalNll, loadPriorState, priorNets, sampleCategorical } from "./shared/prior-parts.js";

/**
 * "shared": one network for every depth, told the depth by an embedding
 * (RQ-Transformer's shared depth transformer, REFERENCES §2.9); "separate": one
 * network per depth, no parameters shared (MUSE-style independent stages).
 */
export type DepthPriorForm = "shared" | "separate";

export interface DepthPriorOptions {
  /** @default "shared" */
  readonly form?: DepthPriorForm;
  /** Hidden width of the MLP(s). @default 128 */
  readonly hidden?: number;
  /** @default 1e-3 */
  readonly learningRate?: number;
  /** @default 0 */
  readonly seed?: number;
}

export type ResolvedDepthPriorOptions = Required<DepthPriorOptions>;

export function resolveDepthPriorOptions(o: DepthPriorOptions = {}): ResolvedDepthPriorOptions {
  const r = { form: o.form ?? "shared", hidden: o.hidden ?? 128, learningRate: o.learningRate ?? 1e-3, seed: o.seed ?? 0 } as const;
  if (r.form !== "shared" && r.form !== "separate") throw new VsdError("INVALID_ARGUMENT", `DepthPrior: form must be "shared" or "separate", got ${String(r.form)}.`);
  if (!Number.isInteger(r.hidden) || r.hidden < 1) throw new VsdError("INVALID_ARGUMENT", `DepthPrior: hidden must be a positive integer, got ${r.hidden}.`);
  return r;
}

/**
 * An autoregressive prior over the codes of a frozen `RqTokenizer`:
 * positions in raster order, and at each position its D codes in depth order,
 * p(k) = Π_t Π_d p(k_{t,d} | k_{t,<d}, left and upper neighbours' codes).
 * The code k_{t,d} sees the partial latent Σ_{j<d} e_{k_{t,j}} (the cumulative
 * depth context of RQ-Transformer's `cumsum_depth_ctx`), a position one-hot,
 * and the full quantized latents of the left and upper positions (both earlier
 * in raster order), so the likelihood of the codes is exact.
 */
export class DepthPrior {
  readonly options: ResolvedDepthPriorOptions;
  readonly tokenizer: RqTokenizer;
  private readonly store: ParamStore;
  private readonly nets: Mlp[];
  private readonly optimizer: AdamW;
  private disposed = false;

  constructor(tokenizer: RqTokenizer, options: DepthPriorOptions = {}) {
    this.options = resolveDepthPriorOptions(options);
    this.tokenizer = tokenizer;
    const o = this.options;
    const D = tokenizer.depth;
    const K = tokenizer.options.codebookSize;
    this.store = new ParamStore(new Rng(o.seed).derive("depth-prior"));
    const inDim = this.featureDim();
    const dims = [inDim, o.hidden, o.hidden, K];
    this.nets = priorNets(this.store, o.form, dims, D, "depth");
    this.optimizer = new AdamW(this.store.variables, { learningRate: o.learningRate });
  }

  numParams(): number {
    return this.store.numParams();
  }

  /** FLOPs of one training step on `batchSize` images (prior only; the frozen tokenizer's encoder is extra). */
  flopsPerStep(batchSize: number): number {
    const rows = batchSize * this.tokenizer.positions;
    const perDepth = this.nets[0]!.flops(rows);
    return TRAIN_FLOPS_FACTOR * perDepth * this.tokenizer.depth;
  }

  /**
   * Negative log-likelihood of `codes` (`[n·positions, D]`) in nats, per
   * image and per depth (summed over positions), without training.
   */
  codeNll(codes: Int32Array, n: number): { perImage: Float64Array; perDepth: Float64Array } {
    const perRow = tf.tidy(() => this.loss(codes, n).perRow.dataSync() as Float32Array);
    return this.summarise(perRow, n);
  }

  /** One AdamW step on the codes of `images`. Returns the mean NLL per code (nats) and per depth. */
  trainStep(images: tf.Tensor4D): { loss: number; perDepth: Float64Array } {
    if (this.disposed) throw new VsdError("INVALID_ARGUMENT", "This DepthPrior has been disposed.");
    const { n, codes } = this.tokenizer.encode(images);
    let perDepth = new Float64Array(this.tokenizer.depth);
    const loss = this.optimizer.step(() => {
      const { perRow, mean } = this.loss(codes, n);
      const s = this.summarise(perRow.dataSync() as Float32Array, n).perDepth;
      perDepth = s.map((v) => v / (n * this.tokenizer.positions));
      return mean;
    });
    return { loss, perDepth };
  }

  /** Samples `n` code arrays (`[n·positions, D]`) position by position, depth by depth. */
  sampleCodes(n: number, rng: Rng, temperature = 1): Int32Array {
    if (!(Number.isInteger(n) && n > 0)) throw new VsdError("INVALID_ARGUMENT", `DepthPrior.sampleCodes: n must be a positive integer, got ${n}.`);
    if (!(temperature > 0)) throw new VsdError("INVALID_ARGUMENT", `DepthPrior.sampleCodes: temperature must be > 0, got ${temperature}.`);
    const D = this.tokenizer.depth;
    const P = this.tokenizer.positions;
    const K = this.tokenizer.options.codebookSize;
    const codes = new Int32Array(n * P * D).fill(-1);
    for (let t = 0; t < P; t++) {
      for (let d = 0; d < D; d++) {
        const probs = this.conditionalProbabilities(codes, n, t, d, temperature);
        for (let i = 0; i < n; i++) codes[(i * P + t) * D + d] = sampleCategorical(probs, i * K, K, rng);
      }
    }
    return codes;
  }


  /**
   * p(k_{t,d} | everything before (t, d) in the AR order) for each of the `n`
   * images, row-major `[n, K]`. Only codes before (t, d) are read, so `codes`
   * may hold anything (e.g. −1) after it.
   */
  conditionalProbabilities(codes: Int32Array, n: number, t: number, d: number, temperature = 1): Float32Array {
    const feats = this.features(codes, n, d, t);
    return tf.tidy(() => tf.softmax(tf.div(this.nets[this.net(d)]!.apply(tf.tensor2d(feats, [n, this.featureDim()])), temperature)).dataSync() as Float32Array);
  }

  async save(dir: string): Promise<void> {
    await saveModelState(dir, { params: this.store, optimizer: this.optimizer, meta: { kind: "vsd-depth-prior", options: this.options } });
  }

  async load(dir: string): Promise<void> {
    await loadPriorState(dir, { params: this.store, optimizer: this.optimizer }, "vsd-depth-prior", "depth prior");
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.store.dispose();
  }

  private net(d: number): number {
    return this.options.form === "shared" ? 0 : d;
  }

  private featureDim(): number {
    const t = this.tokenizer;
    return t.positions + (this.options.form === "shared" ? t.depth : 0) + 3 * t.latentDim;
  }

  /**
   * Features of depth `d` for every row (image, position), or only position
   * `onlyPos` of each image: [position one-hot, depth one-hot (shared form),
   * partial latent before d, left neighbour's latent, upper neighbour's latent].
   * Codes of −1 (not yet sampled) contribute nothing; they never occur in the
   * features a code depends on.
   */
  private features(codes: Int32Array, n: number, d: number, onlyPos?: number): Float32Array {
    const tok = this.tokenizer;
    const D = tok.depth;
    const P = tok.positions;
    const dim = tok.latentDim;
    const cols = tok.grid.cols;
    const shared = this.options.form === "shared";
    const F = this.featureDim();
    const positions = onlyPos === undefined ? P : 1;
    const out = new Float32Array(n * positions * F);
    const addLatent = (row: number, upTo: number, into: number) => {
      for (let j = 0; j < upTo; j++) {
        const k = codes[row * D + j]!;
        if (k < 0) continue;
        const cb = tok.codebooks[j]!;
        for (let c = 0; c < dim; c++) out[into + c]! += cb[k * dim + c]!;
      }
    };
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < positions; q++) {
        const t = onlyPos ?? q;
        const o = (i * positions + q) * F;
        out[o + t] = 1;
        let off = P;
        if (shared) {
          out[o + off + d] = 1;
          off += D;
        }
        addLatent(i * P + t, d, o + off);
        if (t % cols > 0) addLatent(i * P + t - 1, D, o + off + dim);
        if (t >= cols) addLatent(i * P + t - cols, D, o + off + 2 * dim);
      }
    }
    return out;
  }

  /** Per-row NLL (nats), rows ordered depth-major [D, n·P], and its mean. */
  private loss(codes: Int32Array, n: number): { perRow: tf.Tensor1D; mean: tf.Scalar } {
    const tok = this.tokenizer;
    const D = tok.depth;
    const rows = n * tok.positions;
    const K = tok.options.codebookSize;
    const F = this.featureDim();
    const parts: tf.Tensor1D[] = [];
    const run = (depths: number[], net: Mlp) => {
      const feats = new Float32Array(depths.length * rows * F);
      const labels = new Int32Array(depths.length * rows);
      depths.forEach((d, a) => {
        feats.set(this.features(codes, n, d), a * rows * F);
        for (let r = 0; r < rows; r++) labels[a * rows + r] = codes[r * D + d]!;
      });
      parts.push(categoricalNll(net.apply(tf.tensor2d(feats, [depths.length * rows, F])), labels, K));
    };
    if (this.options.form === "shared") run(Array.from({ length: D }, (_, d) => d), this.nets[0]!);
    else for (let d = 0; d < D; d++) run([d], this.nets[d]!);
    const perRow = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor1D);
    return { perRow, mean: tf.mean(perRow) as tf.Scalar };
  }

  private summarise(perRow: Float32Array, n: number): { perImage: Float64Array; perDepth: Float64Array } {
    const D = this.tokenizer.depth;
    const P = this.tokenizer.positions;
    const perImage = new Float64Array(n);
    const perDepth = new Float64Array(D);
    for (let d = 0; d < D; d++)
      for (let i = 0; i < n; i++)
        for (let t = 0; t < P; t++) {
          const v = perRow[d * n * P + i * P + t]!;
          perImage[i]! += v;
          perDepth[d]! += v;
        }
    return { perImage, perDepth };
  }
}
