export type { NoiseSchedule, ScheduleFamily, ScheduleParts } from "./schedules/noise-schedule.js";
export { makeSchedule, familyAlphaSigma } from "./schedules/noise-schedule.js";
export { linearVpSchedule, scaledLinearVpSchedule, type LinearVpOptions, type ScaledLinearVpOptions } from "./schedules/vp-continuous.js";
export {
  cosineSchedule,
  iddpmCosineSchedule,
  rinSigmoidSchedule,
  type CosineOptions,
  type IddpmCosineOptions,
  type RinSigmoidOptions,
} from "./schedules/cosine.js";
export { laplaceLogSnr, laplaceDensity, laplaceSchedule, type LaplaceOptions } from "./schedules/laplace.js";
export { logitNormalSchedule, edmSchedule, type LogitNormalOptions, type EdmOptions } from "./schedules/normal-log-snr.js";
export { flowSchedule, shiftFlowSigma, type FlowOptions } from "./schedules/flow.js";
export { shiftSchedule, resolutionShift } from "./schedules/shift.js";
export { discreteSchedule, discreteLogSnr } from "./schedules/discrete.js";
export { createSchedule, SCHEDULE_KINDS, type ScheduleSpec, type ScheduleKind } from "./schedules/create-schedule.js";
export {
  ddpmAlphasCumprod,
  ddpmBetas,
  betasForAlphaBar,
  rescaleZeroTerminalSnr,
  betasFromAlphasCumprod,
  type DdpmScheduleKind,
  type DdpmOptions,
} from "./ddpm.js";
export { karrasSigmas, flowMatchSigmas, type FlowMatchSigmasOptions } from "./sigmas.js";
export {
  type Prediction,
  PREDICTIONS,
  type PredictionCoefficients,
  predictionCoefficients,
  predictionTarget,
  predictionToXEps,
  convertPrediction,
  logMseFactor,
} from "./prediction.js";
export {
  type LossWeighting,
  weightAt,
  mseWeighting,
  minSnrWeighting,
  minSnrWeight,
  edmWeighting,
  sigmoidWeighting,
  elboWeighting,
  cosmapWeighting,
  perSampleWeight,
  effectiveWeight,
  targetWeight,
  importanceWeight,
} from "./weighting/loss-weighting.js";
export { createWeighting, trainingWeight, type WeightingSpec } from "./weighting/create-weighting.js";
export type { Denoiser } from "./model/denoiser.js";
export { createMlpDenoiser, type MlpDenoiserOptions } from "./model/mlp-denoiser.js";
export { createDitDenoiser, type DitDenoiserOptions } from "./model/dit-denoiser.js";
export { runSampler, guidanceActive, SAMPLER_KINDS, type SamplerKind, type SamplerOptions, type DenoiseFn } from "./model/samplers.js";
export { resolveNoiseModelOptions, type NoiseModelOptions, type ResolvedNoiseModelOptions } from "./model/model-options.js";
export { NoiseModel, type CreateNoiseModelOptions, type NoiseSampleOptions } from "./model/noise-model.js";
export {
  NoiseDecomposition,
  resolveNoiseDecompositionOptions,
  type NoiseDecompositionOptions,
  type ResolvedNoiseDecompositionOptions,
} from "./noise-decomposition.js";
export { noiseDecomposition } from "./plugin.js";
export { noiseDecomposition as default } from "./plugin.js";
export { logSnrBins, logSnrBinIndex } from "./log-snr-bins.js";
export { preconditionCoefficients, type Preconditioning, type PreconditionCoefficients } from "./model/precondition.js";
export { gaussianMixtureDataset } from "./testing/gaussian-mixture.js";
