import { MLP_DENOISER_SIZES, VsdError, denoiserWidthDepth, type ModelSize } from "@vsd/core";
import { resolveLearnedScheduleOptions, type LearnedScheduleOptions, type ResolvedLearnedScheduleOptions } from "../schedule/learned-schedule.js";

/** Plugin knobs of the VDM model (passed through `createModel` options). */
export interface VdmModelOptions {
  /** "learned": VDM's monotone network; "cosine": the fixed truncated cosine schedule (baseline). @default "learned" */
  readonly schedule?: "learned" | "cosine";
  /** Learned-schedule network and endpoints (the cosine baseline uses the same endpoints). @default {} */
  readonly scheduleOptions?: LearnedScheduleOptions;
  /** Hidden width of the MLP denoiser; overrides `size`. */
  readonly width?: number;
  /** Hidden layers of the MLP denoiser; overrides `size`. */
  readonly depth?: number;
  /** Width of the λ embedding. @default 32 */
  readonly embedDim?: number;
  /** Fourier-feature exponents of the denoiser input [VDM App. C]. @default [] */
  readonly fourierExponents?: readonly number[];
  /** AdamW learning rate of the denoiser and the endpoints (VLB). @default 1e-3 */
  readonly learningRate?: number;
  /** AdamW learning rate of the schedule's interior (variance objective). @default 1e-2 */
  readonly scheduleLearningRate?: number;
  /** Global-norm gradient clip of each optimiser. @default 1 */
  readonly clipNorm?: number;
  /** Monte-Carlo t samples per image in `nll`. @default 8 */
  readonly nllSamples?: number;
  /** Ancestral sampling steps. @default 100 */
  readonly sampleSteps?: number;
  /** Rows per forward pass in `nll`. @default 512 */
  readonly evalChunk?: number;
}

export interface ResolvedVdmModelOptions {
  schedule: "learned" | "cosine";
  scheduleOptions: ResolvedLearnedScheduleOptions;
  width: number;
  depth: number;
  embedDim: number;
  fourierExponents: number[];
  learningRate: number;
  scheduleLearningRate: number;
  clipNorm: number;
  nllSamples: number;
  sampleSteps: number;
  evalChunk: number;
}

export function resolveVdmModelOptions(o: VdmModelOptions = {}, size: ModelSize = "S"): ResolvedVdmModelOptions {
  // The same width/depth table as decomp-noise's MLP, so both train one denoiser per size.
  const [width, depth] = denoiserWidthDepth(size, MLP_DENOISER_SIZES, o);
  const r: ResolvedVdmModelOptions = {
    schedule: o.schedule ?? "learned",
    scheduleOptions: resolveLearnedScheduleOptions(o.scheduleOptions ?? {}),
    width,
    depth,
    embedDim: o.embedDim ?? 32,
    fourierExponents: [...(o.fourierExponents ?? [])],
    learningRate: o.learningRate ?? 1e-3,
    scheduleLearningRate: o.scheduleLearningRate ?? 1e-2,
    clipNorm: o.clipNorm ?? 1,
    nllSamples: o.nllSamples ?? 8,
    sampleSteps: o.sampleSteps ?? 100,
    evalChunk: o.evalChunk ?? 512,
  };
  if (r.schedule !== "learned" && r.schedule !== "cosine") throw new VsdError("INVALID_ARGUMENT", `schedule must be "learned" or "cosine".`);
  if (!(Number.isInteger(r.width) && r.width > 0 && Number.isInteger(r.depth) && r.depth > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `width and depth must be positive integers, got ${r.width}, ${r.depth}.`);
  }
  for (const [k, v] of [["nllSamples", r.nllSamples], ["sampleSteps", r.sampleSteps], ["evalChunk", r.evalChunk]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new VsdError("INVALID_ARGUMENT", `${k} must be a positive integer, got ${v}.`);
  }
  return r;
}
