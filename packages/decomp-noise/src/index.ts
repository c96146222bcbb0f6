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
