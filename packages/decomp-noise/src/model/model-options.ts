import { MLP_DENOISER_SIZES, VsdError, denoiserWidthDepth, type DenoiserSizeTable, type ImageShape, type ModelSize } from "@vsd/core";
import { PREDICTIONS, type Prediction } from "../prediction.js";
import { SCHEDULE_KINDS, type ScheduleSpec } from "../schedules/create-schedule.js";
import type { WeightingSpec } from "../weighting/create-weighting.js";
import type { Preconditioning } from "./precondition.js";
import { SAMPLER_KINDS, type SamplerKind } from "./samplers.js";

/** Plugin knobs of the noise model (passed through `createModel` options). */
export interface NoiseModelOptions {
  /** Denoiser network. @default "mlp" */
  readonly architecture?: "mlp" | "dit";
  /** Training schedule: the density p(λ) that λ is sampled from. @default { kind: "cosine" } */
  readonly schedule?: ScheduleSpec;
  /** Loss weighting. @default { kind: "mse" } (plain MSE on the prediction target) */
  readonly weighting?: WeightingSpec;
  /** What the model predicts (the loss target). @default "epsilon" */
  readonly prediction?: Prediction;
  /** Network parameterisation: EDM c_in/c_skip/c_out around the network, or raw output. @default "edm" */
  readonly preconditioning?: Preconditioning;
  /** σ_data of the EDM preconditioning. @default 0.5 */
  readonly sigmaData?: number;
  /** Training λ are clipped to this range (keeps weights finite at the schedule's ends). @default [-15, 15] */
  readonly trainLogSnrRange?: readonly [number, number];
  /** ELBO endpoints [λ₁, λ₀] (noisy, clean) for `nll` (VDM uses [−5, 13.3]). @default [-6, 12] */
  readonly nllLogSnrRange?: readonly [number, number];
  /** Monte-Carlo λ samples per image for the ELBO's diffusion term. @default 8 */
  readonly nllSamples?: number;
  /** Default sampler. @default "ddpm" */
  readonly sampler?: SamplerKind;
  /** Default sampler steps. @default 100 */
  readonly sampleSteps?: number;
  /** λ range the samplers traverse. @default nllLogSnrRange */
  readonly sampleLogSnrRange?: readonly [number, number];
  /** Probability of replacing the label by the null class during training (CFG). @default 0.1 */
  readonly labelDropout?: number;
  /** Condition on class labels when the data has them. @default true */
  readonly conditional?: boolean;
  /** Hidden width (MLP) / token width (DiT); overrides `size`. */
  readonly width?: number;
  /** Hidden layers (MLP) / transformer blocks (DiT); overrides `size`. */
  readonly depth?: number;
  /** DiT patch side. @default 4 (or 2 for images smaller than 8) */
  readonly patch?: number;
  /** DiT heads. @default 4 */
  readonly heads?: number;
  /** MLP Fourier-feature exponents [VDM App. C]; see `MlpDenoiserOptions`. @default [7, 8] */
  readonly fourierExponents?: readonly number[];
  /** AdamW learning rate. @default 1e-3 */
  readonly learningRate?: number;
  /** AdamW global-norm clip. @default 1 */
  readonly clipNorm?: number;
  /**
   * λ bins for `StepStats.subtaskLosses` (the decomposition passes its own):
   * each step reports ½‖ε − ε̂‖²/D averaged per bin, keyed like the subtasks.
   * @default none
   */
  readonly lossBins?: { readonly range: readonly [number, number]; readonly count: number };
  /** Rows per forward pass in `nll` (memory bound). @default 512 */
  readonly evalChunk?: number;
}

export interface ResolvedNoiseModelOptions {
  architecture: "mlp" | "dit";
  schedule: ScheduleSpec;
  weighting: WeightingSpec;
  prediction: Prediction;
  preconditioning: Preconditioning;
  sigmaData: number;
  trainLogSnrRange: [number, number];
  nllLogSnrRange: [number, number];
  nllSamples: number;
  sampler: SamplerKind;
  sampleSteps: number;
  sampleLogSnrRange: [number, number];
  labelDropout: number;
  conditional: boolean;
  width: number;
  depth: number;
  patch: number;
  heads: number;
  fourierExponents: number[];
  learningRate: number;
  clipNorm: number;
  evalChunk: number;
  lossBins: { range: [number, number]; count: number } | undefined;
}

/** DiT [width, depth] per size; the MLP uses core's `MLP_DENOISER_SIZES` (shared with the learnable plugin's VDM). */
const DIT_SIZES: DenoiserSizeTable = {
  XS: [32, 1],
  S: [64, 2],
  M: [128, 4],
  L: [256, 6],
  XL: [384, 8],
};

/** Resolves the knobs once, with defaults and checks. */
export function resolveNoiseModelOptions(o: NoiseModelOptions, shape: ImageShape, size: ModelSize = "S"): ResolvedNoiseModelOptions {
  const architecture = o.architecture ?? "mlp";
  if (architecture !== "mlp" && architecture !== "dit") throw new VsdError("INVALID_ARGUMENT", `architecture must be "mlp" or "dit", got ${String(architecture)}.`);
  const [width, depth] = denoiserWidthDepth(size, architecture === "mlp" ? MLP_DENOISER_SIZES : DIT_SIZES, o);
  const prediction = o.prediction ?? "epsilon";
  if (!PREDICTIONS.includes(prediction)) throw new VsdError("INVALID_ARGUMENT", `prediction must be one of ${PREDICTIONS.join(", ")}.`);
  const schedule = o.schedule ?? { kind: "cosine" };
  if (!SCHEDULE_KINDS.includes(schedule.kind)) throw new VsdError("INVALID_ARGUMENT", `Unknown schedule kind "${String(schedule.kind)}".`);
  const nll = range("nllLogSnrRange", o.nllLogSnrRange ?? [-6, 12]);
  const r: ResolvedNoiseModelOptions = {
    architecture,
    schedule,
    weighting: o.weighting ?? { kind: "mse" },
    prediction,
    preconditioning: o.preconditioning ?? "edm",
    sigmaData: o.sigmaData ?? 0.5,
    trainLogSnrRange: range("trainLogSnrRange", o.trainLogSnrRange ?? [-15, 15]),
    nllLogSnrRange: nll,
    nllSamples: o.nllSamples ?? 8,
    sampler: o.sampler ?? "ddpm",
    sampleSteps: o.sampleSteps ?? 100,
    sampleLogSnrRange: range("sampleLogSnrRange", o.sampleLogSnrRange ?? nll),
    labelDropout: o.labelDropout ?? 0.1,
    conditional: (o.conditional ?? true) && (shape.numClasses ?? 0) > 0,
    width,
    depth,
    patch: o.patch ?? (Math.min(shape.height, shape.width) >= 8 ? 4 : 2),
    heads: o.heads ?? 4,
    fourierExponents: [...(o.fourierExponents ?? [7, 8])],
    learningRate: o.learningRate ?? 1e-3,
    clipNorm: o.clipNorm ?? 1,
    evalChunk: o.evalChunk ?? 512,
    lossBins: o.lossBins ? { range: range("lossBins.range", o.lossBins.range), count: o.lossBins.count } : undefined,
  };
  if (r.lossBins && !(Number.isInteger(r.lossBins.count) && r.lossBins.count >= 1)) {
    throw new VsdError("INVALID_ARGUMENT", `lossBins.count must be a positive integer.`);
  }
  if (r.preconditioning !== "edm" && r.preconditioning !== "none") throw new VsdError("INVALID_ARGUMENT", `preconditioning must be "edm" or "none".`);
  if (!(r.sigmaData > 0)) throw new VsdError("INVALID_ARGUMENT", `sigmaData must be > 0.`);
  if (!(Number.isInteger(r.evalChunk) && r.evalChunk >= 1)) throw new VsdError("INVALID_ARGUMENT", `evalChunk must be a positive integer.`);
  if (!SAMPLER_KINDS.includes(r.sampler)) throw new VsdError("INVALID_ARGUMENT", `sampler must be one of ${SAMPLER_KINDS.join(", ")}.`);
  if (!(Number.isInteger(r.nllSamples) && r.nllSamples >= 1)) throw new VsdError("INVALID_ARGUMENT", `nllSamples must be a positive integer.`);
  if (!(Number.isInteger(r.sampleSteps) && r.sampleSteps >= 1)) throw new VsdError("INVALID_ARGUMENT", `sampleSteps must be a positive integer.`);
  if (!(r.labelDropout >= 0 && r.labelDropout <= 1)) throw new VsdError("INVALID_RANGE", `labelDropout must be in [0, 1].`);
  if (!(Number.isInteger(r.width) && r.width > 0 && Number.isInteger(r.depth) && r.depth > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `width and depth must be positive integers, got ${r.width}, ${r.depth}.`);
  }
  return r;
}

function range(name: string, v: readonly [number, number]): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !(v[0] < v[1]) || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
    throw new VsdError("INVALID_RANGE", `${name} must be a finite [low, high] with low < high, got ${JSON.stringify(v)}.`);
  }
  return [v[0], v[1]];
}
