export { monotoneNet, normalizedGamma, positive, inverseSoftplus, type MonotoneNetWeights, type GammaValue } from "./schedule/monotone-net-math.js";
export {
  cosineGammaSchedule,
  linearVpGammaSchedule,
  linearGammaSchedule,
  type FixedGammaSchedule,
  type LinearVpOptions,
} from "./schedule/fixed-schedules.js";
export type { GammaSchedule } from "./schedule/gamma-schedule.js";
export { FixedSchedule, cosineSchedule } from "./schedule/fixed-gamma-schedule.js";
export {
  LearnedSchedule,
  resolveLearnedScheduleOptions,
  type LearnedScheduleOptions,
  type ResolvedLearnedScheduleOptions,
} from "./schedule/learned-schedule.js";
export { priorKlGrad, reconstructionNllWithGrad } from "./vdm/elbo-gradients.js";
export { createVdmDenoiser, LOG_SNR_EMBED_SCALE, type VdmDenoiser, type VdmDenoiserOptions } from "./vdm/vdm-denoiser.js";
export { resolveVdmModelOptions, type VdmModelOptions, type ResolvedVdmModelOptions } from "./vdm/vdm-model-options.js";
export { VdmModel, encodePixels, type CreateVdmModelOptions, type ElboPoint } from "./vdm/vdm-model.js";
export {
  LearnableDecomposition,
  resolveLearnableDecompositionOptions,
  type LearnableDecompositionOptions,
  type ResolvedLearnableDecompositionOptions,
  type LearnedScheduleState,
} from "./learnable-decomposition.js";
export { learnableDecomposition, sdsbDecomposition } from "./plugin.js";
export { learnableDecomposition as default } from "./plugin.js";
export { scheduleCurves, type NamedSchedule, type ScheduleCurve } from "./report/schedule-curves.js";
export { learnedSchedulePng, logSnrDensityPng, elboCurvePng, type LearnedSchedulePngOptions } from "./report/learned-schedule-png.js";
export { writeScheduleReport } from "./report/write-schedule-report.js";
export { noiseScales, type NoiseScaleSpec } from "./sdsb/noise-scale.js";
export { sampleGaussian2d, moments2d, momentErrors, gaussianW2, type Gaussian2d } from "./sdsb/gaussian-2d.js";
export { populationSdsb, type PopulationSdsbOptions, type PopulationSdsbResult } from "./sdsb/gaussian-ipf.js";
export { cumulativeVariance, bridgeStep, bridgeMarginal, type BridgeDirection, type SdsbEndpointPairs } from "./sdsb/reference-bridge.js";
export { SdsbModel, type SdsbModelOptions, type CreateSdsbModelOptions } from "./sdsb/sdsb-model.js";
export { SdsbDecomposition, type SdsbDecompositionOptions } from "./sdsb/sdsb-decomposition.js";
export {
  SimplifiedDsb,
  resolveSdsbOptions,
  SDSB_TARGETS,
  cosineLr,
  type SdsbTarget,
  type SdsbDirection,
  type SdsbOptions,
  type ResolvedSdsbOptions,
  type DataSampler,
} from "./sdsb/sdsb.js";
