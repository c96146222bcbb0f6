import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import {
  AdamW,
  ParamStore,
  Rng,
  TRAIN_FLOPS_FACTOR,
  VsdError,
  antitheticTimes,
  checkImageBatch,
  encodePixels,
  estimateVdmElbo,
  imageDims,
  loadModelState,
  priorKl,
  repeatRows,
  saveModelState,
  subtaskDenoisingLoss,
  type Batch,
  type GenerativeModel,
  type ImageShape,
  type ModelSize,
  type NllResult,
  type SampleOptions,
  type StepStats,
  type Subtask,
} from "@vsd/core";
import { cosineSchedule } from "../schedule/fixed-gamma-schedule.js";
import type { GammaSchedule } from "../schedule/gamma-schedule.js";
import { LearnedSchedule } from "../schedule/learned-schedule.js";
import { priorKlGrad, reconstructionNllWithGrad } from "./elbo-gradients.js";
import { createVdmDenoiser, type VdmDenoiser } from "./vdm-denoiser.js";
import { resolveVdmModelOptions, type ResolvedVdmModelOptions, type VdmModelOptions } from "./vdm-model-options.js";

export interface CreateVdmModelOptions extends VdmModelOptions {
  readonly shape: ImageShape;
  readonly seed: number;
  readonly size?: ModelSize;
}

/** One point of the training curve: the step's VLB estimate. */
export interface ElboPoint {
  readonly step: number;
  readonly bitsPerDim: number;
}

/**
 * A variational diffusion model [VDM, Kingma et al. 2021] on 8-bit images with
 * a learned (or, as the baseline, fixed cosine) noise schedule γ(t) = −λ(t).
 *
 * Training step (REFERENCES §1.15, §4.1):
 * - antithetic t; z_t = α_t x + σ_t ε with α² = sigmoid(−γ), σ² = sigmoid(γ);
 * - per example the diffusion loss L_i = ½ γ′(t_i) ‖ε − ε̂(z_t, λ_t)‖² (nats);
 * - the denoiser and (learned) endpoints descend the VLB
 *   E[L_prior + L_recon + L_diff];
 * - the schedule's interior η descends E[L²]: one backward pass gives
 *   ∂L_i/∂γ(t_i) and ∂L_i/∂γ′(t_i); the η-gradient is the vector–Jacobian
 *   product of the schedule with 2·L_i times those (no second pass through the
 *   denoiser) [VDM §5.2, App. I.2].
 * The VLB is unchanged by η (it depends on the endpoints only, VDM §5.1), so
 * this changes p(λ), i.e. where training samples fall, not the objective.
 */
export class VdmModel implements GenerativeModel {
  readonly id = "learnable";
  readonly shape: ImageShape;
  readonly config: ResolvedVdmModelOptions;
  readonly schedule: GammaSchedule;
  readonly denoiser: VdmDenoiser;
  /** VLB-trained parameters: denoiser and learned endpoints. */
  readonly store: ParamStore;
  /** Variance-trained parameters: the schedule's interior (empty for the cosine baseline). */
  readonly scheduleStore: ParamStore;
  /** VLB estimate (bits/dim) of every training step. */
  readonly history: ElboPoint[] = [];
  private readonly optimizer: AdamW;
  private readonly scheduleOptimizer: AdamW | undefined;
  private readonly dims: number;
  private steps = 0;

  constructor(options: CreateVdmModelOptions) {
    this.shape = options.shape;
    this.dims = imageDims(options.shape);
    this.config = resolveVdmModelOptions(options, options.size);
    const rng = new Rng(options.seed);
    this.store = new ParamStore(rng.derive("vlb"));
    this.scheduleStore = new ParamStore(rng.derive("schedule"));
    this.denoiser = createVdmDenoiser(this.store, {
      dim: this.dims,
      hidden: this.config.width,
      depth: this.config.depth,
      embedDim: this.config.embedDim,
      fourierExponents: this.config.fourierExponents,
    });
    const so = this.config.scheduleOptions;
    if (this.config.schedule === "learned") {
      const s = new LearnedSchedule(this.scheduleStore, this.store, so);
      this.schedule = s;
      this.scheduleOptimizer = new AdamW(s.interiorVariables, { learningRate: this.config.scheduleLearningRate, clipNorm: this.config.clipNorm });
    } else {
      this.schedule = cosineSchedule(so.gammaMin, so.gammaMax);
    }
    this.optimizer = new AdamW(this.store.variables, { learningRate: this.config.learningRate, clipNorm: this.config.clipNorm });
  }

  numParams(): number {
    return this.store.numParams() + this.scheduleStore.numParams();
  }

  flopsPerStep(batchSize: number): number {
    return TRAIN_FLOPS_FACTOR * this.denoiser.flops(batchSize);
  }

  get stepCount(): number {
    return this.steps;
  }

  trainStep(batch: Batch, rng: Rng): StepStats {
    checkImageBatch(batch, this.shape);
    const n = batch.images.shape[0];
    const D = this.dims;
    const x = encodePixels(batch.pixels);
    const eps = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const ts = Float32Array.from(antitheticTimes(n, rng.uniform()));
    // Endpoint terms (numbers; their gradients go to learned endpoints).
    const [g0, g1] = this.schedule.endpoints();
    let endpointNats = 0;
    let dPriorDGamma1 = 0;
    let dReconDGamma0 = 0;
    const learnedEndpoints = this.schedule instanceof LearnedSchedule && this.schedule.endpointVariables.length > 0;
    for (let i = 0; i < n; i++) {
      const px = batch.pixels.subarray(i * D, (i + 1) * D);
      const noise = rng.fillNormal(new Float64Array(D));
      const rec = reconstructionNllWithGrad(px, noise, -g0);
      endpointNats += priorKl(px, -g1) + rec.nll;
      if (learnedEndpoints) {
        dPriorDGamma1 -= priorKlGrad(px, -g1);
        dReconDGamma0 -= rec.grad;
      }
    }
    const norm = 1 / (n * D);
    let diffNats = 0;
    if (!(this.schedule instanceof LearnedSchedule)) {
      // Fixed schedule: one ordinary VLB step.
      const { gamma, dgamma } = this.schedule.tensors(ts);
      let perEx: Float32Array | undefined;
      tf.tidy(() =>
        this.optimizer.step(() => {
          const l = this.diffusionLossPerExample(x, eps, gamma, dgamma, n);
          perEx = l.dataSync() as Float32Array;
          return tf.mul(tf.sum(l), norm) as tf.Scalar;
        }),
      );
      tf.dispose([gamma, dgamma]);
      for (const v of perEx!) diffNats += v;
    } else {
      const sched = this.schedule;
      const vars = this.denoiser.variables;
      const { gamma, dgamma } = sched.tensors(ts);
      let perExT: tf.Tensor1D | undefined;
      const { grads, value } = tf.engine().gradients(
        () => {
          const l = this.diffusionLossPerExample(x, eps, gamma, dgamma, n);
          perExT = tf.keep(l);
          return tf.mul(tf.sum(l), norm) as tf.Scalar;
        },
        [gamma, dgamma, ...vars],
        undefined,
        true,
      );
      value.dispose();
      const perEx = perExT!.dataSync() as Float32Array;
      perExT!.dispose();
      for (const v of perEx) diffNats += v;
      const [gG, gD, ...gVars] = grads as [tf.Tensor1D, tf.Tensor1D, ...tf.Tensor[]];
      if (!Number.isFinite(diffNats)) {
        tf.dispose([gamma, dgamma, ...grads]);
        throw new VsdError("NON_FINITE", `VDM diffusion loss is ${diffNats} at step ${this.steps + 1}; no update applied.`);
      }
      // Denoiser + endpoints: the VLB gradient, fed to AdamW through a linear
      // surrogate whose gradient is exactly the precomputed one.
      const c0 = dReconDGamma0 * norm;
      const c1 = dPriorDGamma1 * norm;
      tf.tidy(() =>
        this.optimizer.step(() => {
          let s = tf.addN(vars.map((v, i) => tf.sum(tf.mul(v, gVars[i] ?? tf.zerosLike(v)))));
          if (learnedEndpoints) {
            const st = sched.tensors(ts);
            const e = sched.endpointTensors();
            s = tf.addN([s, tf.sum(tf.mul(st.gamma, gG)), tf.sum(tf.mul(st.dgamma, gD)), tf.mul(e.gamma0, c0), tf.mul(e.gamma1, c1)]);
          }
          return s as tf.Scalar;
        }),
      );
      // Interior: ∇η E[L²] = E[2L·∂L/∂η] via the same per-example derivatives.
      tf.tidy(() => {
        const twoL = tf.mul(tf.tensor1d(perEx), 2);
        const wG = tf.mul(twoL, gG);
        const wD = tf.mul(twoL, gD);
        this.scheduleOptimizer!.step(() => {
          const st = sched.tensors(ts);
          return tf.add(tf.sum(tf.mul(st.gamma, wG)), tf.sum(tf.mul(st.dgamma, wD))) as tf.Scalar;
        });
      });
      tf.dispose([gamma, dgamma, ...grads]);
    }
    this.steps++;
    const loss = (diffNats + endpointNats) * norm;
    this.history.push({ step: this.steps, bitsPerDim: loss / Math.LN2 });
    return { loss };
  }

  /** L_i = ½ γ′(t_i)‖ε − ε̂(z_t, −γ(t_i))‖² per example, nats. */
  private diffusionLossPerExample(x: Float32Array, eps: Float32Array, gamma: tf.Tensor1D, dgamma: tf.Tensor1D, n: number): tf.Tensor1D {
    const D = this.dims;
    return tf.tidy(() => {
      const g = tf.reshape(gamma, [n, 1]);
      const alpha = tf.sqrt(tf.sigmoid(tf.neg(g)));
      const sigma = tf.sqrt(tf.sigmoid(g));
      const et = tf.tensor2d(eps, [n, D]);
      const z = tf.add(tf.mul(tf.tensor2d(x, [n, D]), alpha), tf.mul(et, sigma)) as tf.Tensor2D;
      const epsHat = this.denoiser.apply(z, tf.neg(gamma) as tf.Tensor1D);
      const se = tf.sum(tf.square(tf.sub(et, epsHat)), 1);
      return tf.mul(tf.mul(se, dgamma), 0.5) as tf.Tensor1D;
    });
  }

  /**
   * Single-sample estimates of the diffusion term L_diff (nats per image) for
   * `samples` independent (t, ε) draws per image, under this model's schedule
   * or another one with the same endpoints (`schedule`). Row r·samples + k is
   * image r's k-th draw. Used to measure the estimator's variance.
   */
  diffusionEstimates(batch: Batch, rng: Rng, samples: number, schedule: GammaSchedule = this.schedule): Float64Array {
    checkImageBatch(batch, this.shape);
    const n = batch.images.shape[0];
    const D = this.dims;
    const x = encodePixels(batch.pixels);
    const rows = n * samples;
    const out = new Float64Array(rows);
    const chunk = this.config.evalChunk;
    for (let start = 0; start < rows; start += chunk) {
      const m = Math.min(chunk, rows - start);
      const t = new Float32Array(m);
      for (let r = 0; r < m; r++) t[r] = rng.uniform();
      const xs = repeatRows(x, D, samples, start, m);
      const eps = rng.fillNormal(new Float32Array(m * D)) as Float32Array;
      const l = tf.tidy(() => {
        const { gamma, dgamma } = schedule.tensors(t);
        return this.diffusionLossPerExample(xs, eps, gamma, dgamma, m);
      });
      const v = l.dataSync();
      l.dispose();
      for (let r = 0; r < m; r++) out[start + r] = v[r]!;
    }
    return out;
  }

  /** ½·E‖ε − ε̂‖² per dim at the subtask's λ (nats per dim per unit λ). */
  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, rng: Rng): number {
    return subtaskDenoisingLoss(images, subtask, rng, this.shape, (z, lambda) => this.denoiser.apply(z, tf.fill([z.shape[0]], lambda) as tf.Tensor1D));
  }

  /**
   * VDM ELBO in bits/dim [VDM Eq. 17; REFERENCES §1.15] (core's `estimateVdmElbo`):
   * prior KL at γ₁ + 256-way reconstruction at γ₀ + ½E_t[γ′(t)‖ε − ε̂‖²], with
   * t ~ U antithetic under this model's schedule (so the learned p(λ) is the
   * importance sampler).
   */
  async nll(batch: Batch, rng: Rng): Promise<NllResult> {
    checkImageBatch(batch, this.shape);
    const [g0, g1] = this.schedule.endpoints();
    return estimateVdmElbo(batch.pixels, rng, {
      dims: this.dims,
      logSnr0: -g0,
      logSnr1: -g1,
      samples: this.config.nllSamples,
      chunk: this.config.evalChunk,
      diffusionNats: ({ rows, x, eps, u }) => {
        const t = Float32Array.from(u);
        const l = tf.tidy(() => {
          const { gamma, dgamma } = this.schedule.tensors(t);
          return this.diffusionLossPerExample(x, eps, gamma, dgamma, rows);
        });
        const v = l.dataSync();
        l.dispose();
        return v;
      },
    });
  }

  /**
   * Ancestral sampling [VDM App. A.4, `model_vdm.py::sample`]: from
   * z₁ ~ N(0, I), for t = 1 … 1/T with s = t − 1/T and c = −expm1(γ_s − γ_t):
   *   z_s = (α_s/α_t)(z_t − c σ_t ε̂) + √(c) σ_s ξ,
   * then x = z₀/α₀ clipped to [−1, 1] (the decoder's mean, up to rounding).
   */
  async sample(n: number, rng: Rng, options: SampleOptions = {}): Promise<tf.Tensor4D> {
    if (!Number.isInteger(n) || n < 1) throw new VsdError("INVALID_ARGUMENT", `sample: n must be a positive integer, got ${n}.`);
    if (options.labels) throw new VsdError("NOT_SUPPORTED", "sample: the VDM model is unconditional; it takes no labels.");
    const T = options.steps ?? this.config.sampleSteps;
    if (!(Number.isInteger(T) && T >= 1)) throw new VsdError("INVALID_ARGUMENT", `sample: steps must be a positive integer, got ${T}.`);
    const D = this.dims;
    const grid = new Float64Array(T + 1);
    for (let i = 0; i <= T; i++) grid[i] = i / T;
    const gam = this.schedule.evaluate(grid).gamma;
    let z = tf.tensor2d(rng.fillNormal(new Float32Array(n * D)) as Float32Array, [n, D]);
    for (let i = T; i >= 1; i--) {
      const gt = gam[i]!;
      const gs = gam[i - 1]!;
      const c = -Math.expm1(gs - gt);
      const at = Math.sqrt(1 / (1 + Math.exp(gt)));
      const as = Math.sqrt(1 / (1 + Math.exp(gs)));
      const st = Math.sqrt(1 / (1 + Math.exp(-gt)));
      const ss = Math.sqrt(1 / (1 + Math.exp(-gs)));
      const xi = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
      const next = tf.tidy(() => {
        const epsHat = this.denoiser.apply(z, tf.fill([n], -gt) as tf.Tensor1D);
        const mean = tf.mul(tf.sub(z, tf.mul(epsHat, c * st)), as / at);
        return tf.add(mean, tf.mul(tf.tensor2d(xi, [n, D]), Math.sqrt(c) * ss)) as tf.Tensor2D;
      });
      z.dispose();
      z = next;
    }
    const a0 = Math.sqrt(1 / (1 + Math.exp(gam[0]!)));
    const out = tf.tidy(() => tf.reshape(tf.clipByValue(tf.div(z, a0), -1, 1), [n, this.shape.height, this.shape.width, this.shape.channels])) as tf.Tensor4D;
    z.dispose();
    return out;
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const meta = { id: this.id, steps: this.steps, config: this.config, history: this.history };
    await saveModelState(join(dir, "vlb"), { params: this.store, optimizer: this.optimizer, meta });
    if (this.scheduleOptimizer) await saveModelState(join(dir, "schedule"), { params: this.scheduleStore, optimizer: this.scheduleOptimizer });
  }

  async load(dir: string): Promise<void> {
    const meta = (await loadModelState(join(dir, "vlb"), { params: this.store, optimizer: this.optimizer })) as
      | { steps?: number; history?: ElboPoint[] }
      | undefined;
    if (this.scheduleOptimizer) await loadModelState(join(dir, "schedule"), { params: this.scheduleStore, optimizer: this.scheduleOptimizer });
    this.steps = meta?.steps ?? 0;
    this.history.length = 0;
    this.history.push(...(meta?.history ?? []));
  }

  dispose(): void {
    this.optimizer.dispose();
    this.scheduleOptimizer?.dispose();
    this.store.dispose();
    this.scheduleStore.dispose();
  }
}

// `encodePixels` moved to @vsd/core; re-exported so this package's public API keeps it.
export { encodePixels };
