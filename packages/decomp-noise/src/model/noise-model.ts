import * as tf from "@tensorflow/tfjs-core";
import {
  AdamW,
  TRAIN_FLOPS_FACTOR,
  Rng,
  VsdError,
  alphaSigmaFromLogSnr,
  antitheticTimes,
  checkImageBatch,
  encodePixels,
  estimateVdmElbo,
  type ElboDiffusionRows,
  imageDims,
  loadModelState,
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
import { predictionCoefficients } from "../prediction.js";
import { createSchedule } from "../schedules/create-schedule.js";
import type { NoiseSchedule } from "../schedules/noise-schedule.js";
import { createWeighting, trainingWeight } from "../weighting/create-weighting.js";
import type { LossWeighting } from "../weighting/loss-weighting.js";
import type { Denoiser } from "./denoiser.js";
import { createDitDenoiser } from "./dit-denoiser.js";
import { createMlpDenoiser } from "./mlp-denoiser.js";
import { resolveNoiseModelOptions, type NoiseModelOptions, type ResolvedNoiseModelOptions } from "./model-options.js";
import { logSnrBinIndex, logSnrBins } from "../log-snr-bins.js";
import { preconditionCoefficients } from "./precondition.js";
import { guidanceActive, runSampler, type SamplerKind } from "./samplers.js";

export interface CreateNoiseModelOptions extends NoiseModelOptions {
  readonly shape: ImageShape;
  readonly seed: number;
  readonly size?: ModelSize;
}

/** Sampling options understood by `NoiseModel.sample` (on top of core's). */
export interface NoiseSampleOptions extends SampleOptions {
  readonly sampler?: SamplerKind;
  readonly eta?: number;
  /** Apply guidance only while σ_VE = e^(−λ/2) ∈ (lo, hi] [Kynkäänniemi et al. 2024]. */
  readonly guidanceInterval?: readonly [number, number];
  /** Clip x̂ to [−1, 1] inside DDPM/DDIM steps (diffusers `clip_sample`). @default true */
  readonly clipDenoised?: boolean;
}

/**
 * A Gaussian diffusion model over 8-bit images in log-SNR space: a denoiser
 * network trained with a configurable p(λ) (the schedule), weighting w(λ) and
 * prediction target; NLL is the VDM continuous-time ELBO in bits/dim.
 * Data are encoded at the 8-bit bin centres f = (2k + 1)/256 − 1 (VDM).
 */
export class NoiseModel implements GenerativeModel {
  readonly id = "noise";
  readonly shape: ImageShape;
  readonly config: ResolvedNoiseModelOptions;
  readonly schedule: NoiseSchedule;
  readonly weighting: LossWeighting;
  readonly denoiser: Denoiser;
  private readonly optimizer: AdamW;
  private readonly dims: number;
  private readonly numClasses: number;
  private steps = 0;

  constructor(options: CreateNoiseModelOptions) {
    this.shape = options.shape;
    this.dims = imageDims(options.shape);
    this.config = resolveNoiseModelOptions(options, options.shape, options.size);
    this.schedule = createSchedule(this.config.schedule);
    this.weighting = createWeighting(this.config.weighting, this.config.prediction);
    this.numClasses = this.config.conditional ? options.shape.numClasses ?? 0 : 0;
    const base = new Rng(options.seed).derive("denoiser");
    this.denoiser =
      this.config.architecture === "mlp"
        ? createMlpDenoiser(base, {
            dim: this.dims,
            hidden: this.config.width,
            depth: this.config.depth,
            numClasses: this.numClasses,
            fourierExponents: this.config.fourierExponents,
          })
        : createDitDenoiser(base, {
            shape: options.shape,
            patch: this.config.patch,
            width: this.config.width,
            depth: this.config.depth,
            heads: this.config.heads,
            numClasses: this.numClasses,
          });
    this.optimizer = new AdamW(this.denoiser.store.variables, { learningRate: this.config.learningRate, clipNorm: this.config.clipNorm });
  }

  numParams(): number {
    return this.denoiser.store.numParams();
  }

  flopsPerStep(batchSize: number): number {
    return TRAIN_FLOPS_FACTOR * this.denoiser.flops(batchSize);
  }

  /** One AdamW step on ½·ω(λ)·‖target − F(z, λ)‖² per dim, λ from the schedule with antithetic t. */
  trainStep(batch: Batch, rng: Rng): StepStats {
    const n = batch.images.shape[0];
    const D = this.dims;
    checkImageBatch(batch, this.shape);
    const x = encodePixels(batch.pixels);
    const eps = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const ts = antitheticTimes(n, rng.uniform());
    const [lo, hi] = this.config.trainLogSnrRange;
    const lam = new Float32Array(n);
    const a = new Float32Array(n);
    const s = new Float32Array(n);
    const cx = new Float32Array(n);
    const ce = new Float32Array(n);
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const l = Math.min(hi, Math.max(lo, this.schedule.logSnr(ts[i]!)));
      lam[i] = l;
      const as = alphaSigmaFromLogSnr(l);
      a[i] = as.alpha;
      s[i] = as.sigma;
      const c = predictionCoefficients(this.config.prediction, l).target;
      cx[i] = c.x;
      ce[i] = c.eps;
      w[i] = trainingWeight(this.weighting, this.schedule, this.config.prediction, l);
    }
    const labels = this.trainLabels(batch, rng);
    const col = (v: Float32Array) => tf.tensor2d(v, [n, 1]);
    // Per-sample ½‖ε − ε̂‖²/D, kept out of the step's tidy when bins are asked for.
    const bins = this.config.lossBins;
    let perSample: tf.Tensor | undefined;
    const ez = new Float32Array(n);
    const ep = new Float32Array(n);
    if (bins) {
      for (let i = 0; i < n; i++) {
        const c = predictionCoefficients(this.config.prediction, lam[i]!).toEps;
        ez[i] = c.z;
        ep[i] = c.pred;
      }
    }
    const loss = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, D]);
      const et = tf.tensor2d(eps, [n, D]);
      const z = tf.add(tf.mul(xt, col(a)), tf.mul(et, col(s))) as tf.Tensor2D;
      const target = tf.add(tf.mul(xt, col(cx)), tf.mul(et, col(ce)));
      const wt = col(w);
      return this.optimizer.step(() => {
        const out = this.predict(z, lam, labels);
        const se = tf.sum(tf.square(tf.sub(out, target)), 1, true);
        if (bins) {
          const epsHat = tf.add(tf.mul(z, col(ez)), tf.mul(out, col(ep)));
          perSample = tf.keep(tf.mul(tf.sum(tf.square(tf.sub(epsHat, et)), 1), 0.5 / D));
        }
        return tf.mul(tf.mean(tf.mul(wt, se)), 0.5 / D) as tf.Scalar;
      });
    });
    this.steps++;
    if (!bins || !perSample) return { loss };
    const v = perSample.dataSync();
    perSample.dispose();
    const sums = new Map<string, [number, number]>();
    const keys = logSnrBins(bins.range, bins.count).map((b) => b.key);
    for (let i = 0; i < n; i++) {
      const k = logSnrBinIndex(bins.range, bins.count, lam[i]!);
      if (k < 0) continue;
      const acc = sums.get(keys[k]!) ?? [0, 0];
      acc[0] += v[i]!;
      acc[1] += 1;
      sums.set(keys[k]!, acc);
    }
    const subtaskLosses: Record<string, number> = {};
    for (const [key, [s, c]] of sums) subtaskLosses[key] = s / c;
    return { loss, subtaskLosses };
  }

  /**
   * ½·E‖ε − ε̂‖² per dim at the subtask's λ: the integrand of the ELBO's diffusion
   * term (nats per dim per unit λ), whatever the prediction target.
   */
  subtaskLoss(images: tf.Tensor4D, subtask: Subtask, rng: Rng): number {
    return subtaskDenoisingLoss(images, subtask, rng, this.shape, (z, lambda) => {
      const c = predictionCoefficients(this.config.prediction, lambda).toEps;
      const out = this.predict(z, new Float32Array(z.shape[0]).fill(lambda));
      return tf.add(tf.mul(z, c.z), tf.mul(out, c.pred)) as tf.Tensor2D;
    });
  }

  /**
   * VDM ELBO in bits/dim [VDM Eq. 17; REFERENCES §1.15]: prior KL at λ₁ +
   * 256-way reconstruction at λ₀ + ½(λ₀ − λ₁)·E_{λ~U[λ₁,λ₀]}‖ε − ε̂‖² with
   * antithetic λ samples. Unconditional (null label) for conditional models.
   */
  async nll(batch: Batch, rng: Rng): Promise<NllResult> {
    checkImageBatch(batch, this.shape);
    const D = this.dims;
    const [l1, l0] = this.config.nllLogSnrRange;
    return estimateVdmElbo(batch.pixels, rng, {
      dims: D,
      logSnr0: l0,
      logSnr1: l1,
      samples: this.config.nllSamples,
      chunk: this.config.evalChunk,
      diffusionNats: (rows) => this.elboDiffusionNats(rows),
    });
  }

  /**
   * Single-sample diffusion terms ½(λ₀ − λ₁)‖ε − ε̂‖² (nats per image) of ELBO rows
   * (core's `estimateVdmElbo`), with λ = λ₁ + (λ₀ − λ₁)u over `nllLogSnrRange`
   * [VDM Eq. 17, λ uniform]. ε̂ is unconditional (null label) unless `guided`
   * gives each row's class and a classifier-free guidance scale w:
   * ε̂_w = ε̂(z, ∅) + w·(ε̂(z, c) − ε̂(z, ∅)) [Ho & Salimans 2022, Eq. 6], applied
   * to the network output (the ε conversion is linear in it).
   */
  elboDiffusionNats({ rows: m, x, eps, u, image }: ElboDiffusionRows, guided?: { readonly labels: Int32Array; readonly scale: number }): Float64Array {
    const D = this.dims;
    const [l1, l0] = this.config.nllLogSnrRange;
    if (guided && !(this.numClasses > 0)) throw new VsdError("INVALID_ARGUMENT", "elboDiffusionNats: guidance needs a class-conditional model.");
    if (guided && !(guided.scale >= 0)) throw new VsdError("INVALID_ARGUMENT", `elboDiffusionNats: guidance scale must be ≥ 0, got ${guided.scale}.`);
    const lam = new Float32Array(m);
    const a = new Float32Array(m);
    const s = new Float32Array(m);
    const cz = new Float32Array(m);
    const cp = new Float32Array(m);
    for (let r = 0; r < m; r++) {
      const l = l1 + (l0 - l1) * u[r]!;
      lam[r] = l;
      const as = alphaSigmaFromLogSnr(l);
      a[r] = as.alpha;
      s[r] = as.sigma;
      const c = predictionCoefficients(this.config.prediction, l).toEps;
      cz[r] = c.z;
      cp[r] = c.pred;
    }
    const se = tf.tidy(() => {
      const col = (v: Float32Array) => tf.tensor2d(v, [m, 1]);
      const et = tf.tensor2d(eps, [m, D]);
      const z = tf.add(tf.mul(tf.tensor2d(x, [m, D]), col(a)), tf.mul(et, col(s))) as tf.Tensor2D;
      const uncond = this.predict(z, lam, this.numClasses > 0 ? new Int32Array(m).fill(this.numClasses) : undefined);
      const out =
        !guided || guided.scale === 0
          ? uncond
          : tf.add(uncond, tf.mul(tf.sub(this.predict(z, lam, Int32Array.from(image, (i) => guided.labels[i]!)), uncond), guided.scale));
      const epsHat = tf.add(tf.mul(z, col(cz)), tf.mul(out, col(cp)));
      return tf.sum(tf.square(tf.sub(epsHat, et)), 1);
    });
    const v = se.dataSync();
    se.dispose();
    return Float64Array.from(v, (e) => 0.5 * (l0 - l1) * e);
  }

  async sample(n: number, rng: Rng, options: NoiseSampleOptions = {}): Promise<tf.Tensor4D> {
    if (!Number.isInteger(n) || n < 1) throw new VsdError("INVALID_ARGUMENT", `sample: n must be a positive integer, got ${n}.`);
    const scale = options.guidanceScale ?? 1;
    const labels = options.labels;
    if (labels && labels.length !== n) throw new VsdError("INVALID_ARGUMENT", `sample: ${labels.length} labels for ${n} samples.`);
    if (labels && this.numClasses === 0) throw new VsdError("NOT_SUPPORTED", "sample: this model is unconditional; it takes no labels.");
    if (labels) for (const l of labels) if (!(l >= 0 && l < this.numClasses)) throw new VsdError("INVALID_RANGE", `sample: label ${l} outside [0, ${this.numClasses}).`);
    const kind = options.sampler ?? this.config.sampler;
    const clip = options.clipDenoised ?? true;
    const D = this.dims;
    const nullLabels = this.numClasses > 0 ? new Int32Array(n).fill(this.numClasses) : undefined;
    const denoise = (z: tf.Tensor2D, lambda: number) =>
      tf.tidy(() => {
        const lam = new Float32Array(n).fill(lambda);
        let out = this.predict(z, lam, labels ?? nullLabels);
        if (labels && scale !== 1 && guidanceActive(lambda, options.guidanceInterval)) {
          const uncond = this.predict(z, lam, nullLabels);
          out = tf.add(uncond, tf.mul(tf.sub(out, uncond), scale));
        }
        const c = predictionCoefficients(this.config.prediction, lambda);
        let x = tf.add(tf.mul(z, c.toX.z), tf.mul(out, c.toX.pred)) as tf.Tensor2D;
        let eps = tf.add(tf.mul(z, c.toEps.z), tf.mul(out, c.toEps.pred)) as tf.Tensor2D;
        if (clip && (kind === "ddpm" || kind === "ddim")) {
          const { alpha, sigma } = alphaSigmaFromLogSnr(lambda);
          x = tf.clipByValue(x, -1, 1);
          eps = tf.div(tf.sub(z, tf.mul(x, alpha)), sigma);
        }
        return { x, eps };
      });
    const [lmin, lmax] = this.config.sampleLogSnrRange;
    const flat = runSampler(denoise, n, D, rng, {
      kind,
      steps: options.steps ?? this.config.sampleSteps,
      logSnrMin: lmin,
      logSnrMax: lmax,
      ...(options.eta !== undefined ? { eta: options.eta } : {}),
    });
    const out = tf.tidy(() => tf.reshape(tf.clipByValue(flat, -1, 1), [n, this.shape.height, this.shape.width, this.shape.channels])) as tf.Tensor4D;
    flat.dispose();
    return out;
  }

  async save(dir: string): Promise<void> {
    await saveModelState(dir, { params: this.denoiser.store, optimizer: this.optimizer, meta: { id: this.id, steps: this.steps, config: this.config } });
  }

  async load(dir: string): Promise<void> {
    const meta = (await loadModelState(dir, { params: this.denoiser.store, optimizer: this.optimizer })) as { steps?: number } | undefined;
    this.steps = meta?.steps ?? 0;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.denoiser.store.dispose();
  }

  /**
   * The model's prediction of its target at (z, λ): out·F(input·z, λ) + skip·z
   * with per-row EDM coefficients (`preconditionCoefficients`).
   */
  predict(z: tf.Tensor2D, logSnr: Float32Array, labels?: Int32Array): tf.Tensor2D {
    const n = logSnr.length;
    if (this.config.preconditioning === "none") return this.denoiser.apply(z, logSnr, labels);
    const cin = new Float32Array(n);
    const cout = new Float32Array(n);
    const cskip = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const c = preconditionCoefficients("edm", this.config.prediction, logSnr[i]!, this.config.sigmaData);
      cin[i] = c.input;
      cout[i] = c.out;
      cskip[i] = c.skip;
    }
    return tf.tidy(() => {
      const col = (v: Float32Array) => tf.tensor2d(v, [n, 1]);
      const f = this.denoiser.apply(tf.mul(z, col(cin)) as tf.Tensor2D, logSnr, labels, z);
      return tf.add(tf.mul(f, col(cout)), tf.mul(z, col(cskip))) as tf.Tensor2D;
    });
  }

  private trainLabels(batch: Batch, rng: Rng): Int32Array | undefined {
    if (this.numClasses === 0) return undefined;
    const n = batch.images.shape[0];
    const out = new Int32Array(n).fill(this.numClasses);
    if (!batch.labels) return out;
    for (let i = 0; i < n; i++) {
      const l = batch.labels[i]!;
      if (!(l >= 0 && l < this.numClasses)) throw new VsdError("INVALID_RANGE", `Label ${l} outside [0, ${this.numClasses}).`);
      out[i] = rng.uniform() < this.config.labelDropout ? this.numClasses : l;
    }
    return out;
  }
}
