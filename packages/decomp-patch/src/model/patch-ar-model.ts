import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import {
  AdamW,
  MODEL_STATE_MANIFEST,
  ParamStore,
  Rng,
  TRAIN_FLOPS_FACTOR,
  VsdError,
  loadModelState,
  saveModelState,
  tensorToPixels,
  transformerBlock,
  type Batch,
  type Dense,
  type Embedding,
  type GenerativeModel,
  type ImageShape,
  type LayerNorm,
  type NllResult,
  type SampleOptions,
  type StepStats,
  type Subtask,
  type TransformerBlock,
} from "@vsd/core";
import { rasterOrder } from "../orders/basic-orders.js";
import { validateOrder, type GridOrder } from "../orders/grid-order.js";
import { mixtureParamCount, sampleMixture } from "../likelihood/discretized-logistic.js";
import { mixtureLogProbTensor } from "../likelihood/discretized-logistic-tensor.js";
import { sampleCategorical } from "../likelihood/categorical.js";
import { patchGrid, patchify, unpatchify, type PatchGrid } from "../patchify.js";
import { resolvePatchArOptions, type PatchArModelOptions, type ResolvedPatchArOptions } from "./patch-ar-options.js";

/**
 * A causal transformer over patch tokens in a given order, with an exact
 * discrete likelihood over 8-bit pixels.
 *
 * Token t carries the patch visited at step t − 1 (zeros at t = 0), a learned
 * per-step embedding (the step fixes the target's position, since the order
 * is fixed) and, optionally, a class embedding; its output parametrises the
 * patch at step t. Given the previous patches, the p·p pixels of a patch are
 * modelled as independent, each a discretized logistic mixture (PixelCNN++,
 * REFERENCES §3.3) with RGB coupling inside a pixel, or (`output:
 * "categorical"`) each sub-pixel a 256-way categorical (REFERENCES §3.2). That is a proper
 * distribution over all 256^(H·W·C) images, so `nll` is an exact likelihood
 * of this model (`bound: "exact"`), in bits per sub-pixel (REFERENCES §3.4);
 * the independence within a patch only limits how good the model can be.
 */
export class PatchArModel implements GenerativeModel {
  readonly id = "patch-ar";
  readonly shape: ImageShape;
  readonly config: ResolvedPatchArOptions;
  readonly grid: PatchGrid;
  readonly order: GridOrder;
  private readonly keys: string[];
  private readonly store: ParamStore;
  private readonly inProj: Dense;
  private readonly stepEmb: tf.Variable;
  private readonly classEmb: Embedding | undefined;
  private readonly blocks: TransformerBlock[];
  private readonly finalNorm: LayerNorm;
  private readonly head: Dense;
  private readonly optimizer: AdamW;
  private readonly paramsPerPixel: number;
  private disposed = false;

  constructor(options: PatchArModelOptions) {
    this.config = resolvePatchArOptions(options);
    const c = this.config;
    this.shape = options.shape;
    this.grid = patchGrid(this.shape, c.patchSize);
    this.order = c.order ? validateOrder(c.order, this.grid.rows, this.grid.cols) : rasterOrder(this.grid.rows, this.grid.cols);
    this.keys = keysFor(this.order, this.grid, options.subtasks);
    // Logistic mixture: its parameters per pixel; categorical: 256 logits per sub-pixel.
    this.paramsPerPixel = c.output === "categorical" ? 256 * c.channels : mixtureParamCount(c.mixtures, c.channels);
    const L = this.grid.length;
    this.store = new ParamStore(new Rng(c.seed).derive("patch-ar"));
    this.inProj = this.store.dense("in", this.grid.patchDim, c.dim);
    this.stepEmb = this.store.variable("step-embedding", [L, c.dim], { normal: 0.02 });
    this.classEmb = c.classConditional ? this.store.embedding("class", c.numClasses!, c.dim) : undefined;
    this.blocks = Array.from({ length: c.layers }, (_, i) =>
      transformerBlock(this.store, `block${i}`, { dim: c.dim, heads: c.heads, causal: true }),
    );
    this.finalNorm = this.store.layerNorm("final-ln", c.dim);
    this.head = this.store.dense("head", c.dim, c.patchSize * c.patchSize * this.paramsPerPixel, { init: { normal: 0.01 } });
    if (c.output === "logistic-mixture") {
      tf.tidy(() => this.head.bias!.assign(tf.tensor1d(initialHeadBias(c.patchSize * c.patchSize, c.mixtures, c.channels))));
    }
    this.optimizer = new AdamW(this.store.variables, {
      learningRate: c.learningRate,
      weightDecay: c.weightDecay,
      clipNorm: c.clipNorm,
    });
  }

  /** Subtask key of each step (`pos/<row>,<col>`). */
  get subtaskKeys(): readonly string[] {
    return this.keys;
  }

  numParams(): number {
    return this.store.numParams();
  }

  /** 8-bit images → ordered patches as y = x/127.5 − 1, `[n, L, p·p·c]` (values exactly on the 8-bit grid). */
  private orderedTargets(pixels: Uint8Array, n: number): Float32Array {
    const patches = patchify(pixels, n, this.grid);
    const { length: L, patchDim: D } = this.grid;
    const out = new Float32Array(n * L * D);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < L; s++) {
        const src = (i * L + this.order[s]!) * D;
        const dst = (i * L + s) * D;
        for (let j = 0; j < D; j++) out[dst + j] = patches[src + j]! / 127.5 - 1;
      }
    }
    return out;
  }

  /** Mixture parameters `[n, T, p·p·K]` for the first T steps, given ordered patches `[n, T, D]`. */
  private forward(ordered: tf.Tensor3D, labels: Int32Array | undefined): tf.Tensor3D {
    const [n, T, D] = ordered.shape;
    const c = this.config;
    return tf.tidy(() => {
      // Shift right: token t sees the patch of step t − 1.
      const prev = tf.concat([tf.zeros([n, 1, D]), tf.slice(ordered, [0, 0, 0], [n, T - 1, D])], 1) as tf.Tensor3D;
      let h = tf.add(this.inProj.apply(prev), tf.slice(this.stepEmb, [0, 0], [T, c.dim])) as tf.Tensor3D;
      if (this.classEmb) {
        if (!labels || labels.length !== n) {
          throw new VsdError("INVALID_ARGUMENT", `This model is class-conditional: ${n} labels are needed.`);
        }
        h = tf.add(h, tf.reshape(this.classEmb.apply(labels), [n, 1, c.dim])) as tf.Tensor3D;
      }
      for (const b of this.blocks) h = b.apply(h);
      return this.head.apply(this.finalNorm.apply(h));
    });
  }

  /** Log-probability (nats) of each patch, `[n, L]`, for 8-bit `pixels`. */
  private patchLogProbs(pixels: Uint8Array, n: number, labels: Int32Array | undefined): tf.Tensor2D {
    const { length: L, patchDim: D } = this.grid;
    const p2 = this.config.patchSize * this.config.patchSize;
    const ch = this.config.channels;
    return tf.tidy(() => {
      const y = tf.tensor3d(this.orderedTargets(pixels, n), [n, L, D]);
      const out = this.forward(y, labels);
      if (this.config.output === "categorical") {
        // −ln softmax(ℓ)_x per sub-pixel (REFERENCES §3.2); the one-hot of the data picks x.
        const logits = tf.reshape(out, [n * L * D, 256]);
        const x = tf.cast(tf.round(tf.mul(tf.add(tf.reshape(y, [n * L * D]), 1), 127.5)), "int32") as tf.Tensor1D;
        const lp = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(x, 256)), 1);
        return tf.sum(tf.reshape(lp, [n, L, D]), 2) as tf.Tensor2D;
      }
      const params = tf.reshape(out, [n, L * p2, this.paramsPerPixel]) as tf.Tensor3D;
      const lp = mixtureLogProbTensor(params, tf.reshape(y, [n, L * p2, ch]) as tf.Tensor3D, this.config.mixtures, ch);
      return tf.sum(tf.reshape(lp, [n, L, p2]), 2) as tf.Tensor2D;
    });
  }

  private labelsFor(labels: Int32Array | undefined, n: number): Int32Array | undefined {
    if (!this.classEmb) return undefined;
    if (!labels) throw new VsdError("INVALID_ARGUMENT", "This model is class-conditional: the batch needs labels.");
    if (labels.length !== n) throw new VsdError("INVALID_SHAPE", `Expected ${n} labels, got ${labels.length}.`);
    return labels;
  }

  private checkPixels(pixels: Uint8Array, n: number): void {
    const d = this.shape.height * this.shape.width * this.shape.channels;
    if (pixels.length !== n * d) {
      throw new VsdError("INVALID_SHAPE", `Expected ${n} images of ${d} sub-pixels, got ${pixels.length} values.`);
    }
  }

  trainStep(batch: Batch, _rng: Rng): StepStats {
    this.assertLive();
    const n = batch.images.shape[0];
    this.checkPixels(batch.pixels, n);
    const labels = this.labelsFor(batch.labels, n);
    const dimsPerPatch = this.grid.patchDim;
    const L = this.grid.length;
    let perStep: tf.Tensor1D | undefined;
    const loss = this.optimizer.step(() => {
      const lp = this.patchLogProbs(batch.pixels, n, labels);
      // Per-position loss in nats per sub-pixel of the patch, batch mean.
      perStep = tf.keep(tf.div(tf.neg(tf.mean(lp, 0)), dimsPerPatch) as tf.Tensor1D);
      return tf.div(tf.neg(tf.sum(lp)), n * L * dimsPerPatch) as tf.Scalar;
    });
    const per = perStep!.dataSync();
    perStep!.dispose();
    const subtaskLosses: Record<string, number> = {};
    for (let s = 0; s < L; s++) subtaskLosses[this.keys[s]!] = per[s]!;
    return { loss, subtaskLosses };
  }

  /** ln p of every patch of every image (nats), `[n · L]` row-major by image then step. */
  patchLogProbabilities(pixels: Uint8Array, n: number, labels?: Int32Array): Float64Array {
    this.checkPixels(pixels, n);
    const lp = this.patchLogProbs(pixels, n, this.labelsFor(labels, n));
    const v = Float64Array.from(lp.dataSync());
    lp.dispose();
    return v;
  }

  /** Mean loss per position (nats per sub-pixel) on 8-bit `pixels`, indexed by step. */
  positionLosses(pixels: Uint8Array, n: number, labels?: Int32Array): Float64Array {
    this.checkPixels(pixels, n);
    const lab = this.labelsFor(labels, n);
    const lp = this.patchLogProbs(pixels, n, lab);
    const mean = tf.tidy(() => tf.mean(lp, 0));
    const v = mean.dataSync();
    tf.dispose([lp, mean]);
    return Float64Array.from(v, (x) => -x / this.grid.patchDim);
  }

  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, _rng: Rng, labels?: Int32Array): number {
    const s = subtask.index;
    if (!(s >= 0 && s < this.grid.length) || this.keys[s] !== subtask.key) {
      throw new VsdError("INVALID_ARGUMENT", `Subtask ${subtask.key} (index ${s}) is not a position of this model's order.`);
    }
    const n = images.shape[0];
    return this.positionLosses(tensorToPixels(images), n, labels)[s]!;
  }

  async nll(batch: Batch, _rng: Rng): Promise<NllResult> {
    const n = batch.images.shape[0];
    this.checkPixels(batch.pixels, n);
    const labels = this.labelsFor(batch.labels, n);
    const d = this.shape.height * this.shape.width * this.shape.channels;
    const perImage = new Float64Array(n);
    // Chunks of about 2^18 sub-pixels keep memory flat on large test sets.
    const chunk = Math.max(1, Math.floor(262144 / d));
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const m = Math.min(chunk, n - i0);
      const px = batch.pixels.subarray(i0 * d, (i0 + m) * d);
      const lp = this.patchLogProbs(px, m, labels?.subarray(i0, i0 + m));
      const tot = tf.tidy(() => tf.sum(lp, 1));
      const v = tot.dataSync();
      tf.dispose([lp, tot]);
      for (let i = 0; i < m; i++) perImage[i0 + i] = -v[i]! / (d * Math.LN2);
    }
    let mean = 0;
    for (const v of perImage) mean += v / n;
    return { bitsPerDim: mean, bound: "exact", perImage };
  }

  async sample(n: number, rng: Rng, options: SampleOptions = {}): Promise<tf.Tensor4D> {
    this.assertLive();
    if (!Number.isInteger(n) || n < 1) throw new VsdError("INVALID_ARGUMENT", `sample: n must be a positive integer, got ${n}.`);
    const temperature = options.temperature ?? 1;
    if (!(temperature > 0)) throw new VsdError("INVALID_ARGUMENT", `temperature must be > 0, got ${temperature}.`);
    let labels: Int32Array | undefined;
    if (this.classEmb) {
      labels = options.labels ?? Int32Array.from({ length: n }, () => rng.int(this.config.numClasses!));
      if (labels.length !== n) throw new VsdError("INVALID_SHAPE", `sample: ${n} labels needed, got ${labels.length}.`);
    }
    const { length: L, patchDim: D } = this.grid;
    const p2 = this.config.patchSize * this.config.patchSize;
    const K = this.paramsPerPixel;
    const ch = this.config.channels;
    const M = this.config.mixtures;
    const categorical = this.config.output === "categorical";
    const ordered = new Float32Array(n * L * D); // y values, ordered by step
    const bytes = new Uint8Array(n * L * D); // 8-bit, ordered by step
    const px = new Uint8Array(ch);
    for (let s = 0; s < L; s++) {
      // Causal: the prefix of steps 0..s is all that step s depends on.
      const T = s + 1;
      const params = tf.tidy(() => {
        const prefix = tf.slice(tf.tensor3d(ordered, [n, L, D]), [0, 0, 0], [n, T, D]) as tf.Tensor3D;
        return tf.slice(this.forward(prefix, labels), [0, s, 0], [n, 1, p2 * K]);
      });
      const pv = params.dataSync();
      params.dispose();
      for (let i = 0; i < n; i++) {
        for (let q = 0; q < p2; q++) {
          const pp = pv.subarray((i * p2 + q) * K, (i * p2 + q + 1) * K);
          if (categorical) {
            for (let k = 0; k < ch; k++) px[k] = sampleCategorical(pp.subarray(k * 256, (k + 1) * 256), rng, temperature);
          } else {
            sampleMixture(pp, M, ch, rng, temperature, px);
          }
          for (let k = 0; k < ch; k++) {
            const idx = (i * L + s) * D + q * ch + k;
            bytes[idx] = px[k]!;
            ordered[idx] = px[k]! / 127.5 - 1;
          }
        }
      }
    }
    // Back from step order to position order, then to images.
    const byPos = new Uint8Array(n * L * D);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < L; s++) byPos.set(bytes.subarray((i * L + s) * D, (i * L + s + 1) * D), (i * L + this.order[s]!) * D);
    }
    const img = unpatchify(byPos, n, this.grid);
    return tf.tidy(() =>
      tf.sub(tf.div(tf.tensor4d(Float32Array.from(img), [n, this.shape.height, this.shape.width, ch]), 127.5), 1) as tf.Tensor4D,
    );
  }

  /** Forward + backward FLOPs of one training step (matrix products only). */
  flopsPerStep(batchSize: number): number {
    const L = this.grid.length;
    const rows = batchSize * L;
    let f = this.inProj.flops(rows) + this.head.flops(rows);
    for (const b of this.blocks) f += b.flops(batchSize, L);
    return TRAIN_FLOPS_FACTOR * f;
  }

  private metaConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      model: this.id,
      height: c.height,
      width: c.width,
      channels: c.channels,
      patchSize: c.patchSize,
      dim: c.dim,
      layers: c.layers,
      heads: c.heads,
      mixtures: c.mixtures,
      output: c.output,
      classConditional: c.classConditional,
      order: Array.from(this.order),
    };
  }

  async save(dir: string): Promise<void> {
    await saveModelState(dir, { params: this.store, optimizer: this.optimizer, meta: this.metaConfig() });
  }

  async load(dir: string): Promise<void> {
    // Check the saved configuration before touching any weight.
    let meta: unknown;
    try {
      meta = (JSON.parse(await readFile(join(dir, MODEL_STATE_MANIFEST), "utf8")) as { meta?: unknown }).meta;
    } catch (e) {
      throw new VsdError("IO_ERROR", `Could not read the model state in ${dir}: ${(e as Error).message}`, { cause: e });
    }
    const want = JSON.stringify(this.metaConfig());
    if (JSON.stringify(meta) !== want) {
      throw new VsdError("CHECKPOINT_MISMATCH", `The checkpoint in ${dir} was saved by a differently configured patch model.`);
    }
    await loadModelState(dir, { params: this.store, optimizer: this.optimizer });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.store.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new VsdError("INVALID_ARGUMENT", "This patch model has been disposed.");
  }
}

/**
 * Head bias at init: component means spread evenly over [−0.8, 0.8] and
 * log-scales at −2. With identical components (a zero bias) the mixture sits
 * in a wide-component local optimum on peaked data (measured: 3.1 vs 1.47
 * bits/dim on three-valued i.i.d. pixels); spreading them breaks the symmetry.
 */
function initialHeadBias(pixels: number, m: number, c: number): Float32Array {
  const K = mixtureParamCount(m, c);
  const out = new Float32Array(pixels * K);
  for (let q = 0; q < pixels; q++) {
    const base = q * K;
    for (let k = 0; k < m; k++) {
      const mu = m === 1 ? 0 : -0.8 + (1.6 * k) / (m - 1);
      for (let ch = 0; ch < c; ch++) {
        out[base + m + k * c + ch] = mu;
        out[base + m + m * c + k * c + ch] = -2;
      }
    }
  }
  return out;
}

function keysFor(order: GridOrder, grid: PatchGrid, subtasks: readonly Subtask[] | undefined): string[] {
  if (subtasks) {
    if (subtasks.length !== order.length) {
      throw new VsdError("INVALID_ARGUMENT", `Got ${subtasks.length} subtasks for ${order.length} positions.`);
    }
    return subtasks.map((s) => s.key);
  }
  return Array.from(order, (pos) => `pos/${Math.floor(pos / grid.cols)},${pos % grid.cols}`);
}
