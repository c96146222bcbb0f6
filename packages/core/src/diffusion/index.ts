// Generic helpers get a `stable` prefix so they cannot collide with other core modules' names.
export {
  sigmoid as stableSigmoid,
  logSigmoid as stableLogSigmoid,
  softplus as stableSoftplus,
  logit as stableLogit,
  logAddExp as stableLogAddExp,
  type AlphaSigma,
  alphaSigmaFromLogSnr,
  logSnrFromAlphaSigma,
  logSnrFromAlphaBar,
  alphaBarFromLogSnr,
  snrFromLogSnr,
  sigmaVeFromLogSnr,
  logSnrFromSigmaVe,
} from "./log-snr.js";
export { diffuse } from "./forward-process.js";
export { antitheticTimes } from "./antithetic.js";
export {
  encodePixel,
  encodePixels,
  priorKl,
  reconstructionProbs,
  reconstructionNll,
  diffusionLoss,
  discreteDiffusionLoss,
  natsToBitsPerDim,
  logVarianceFromLogSnr,
} from "./elbo.js";
export { estimateVdmElbo, repeatRows, type VdmElboOptions, type ElboDiffusionRows } from "./elbo-estimate.js";
export {
  truncatedCosineLogSnr,
  linearVpLogSnr,
  type LogSnrCurve,
  type LogSnrCurveWithDensity,
  type LinearVpLogSnrOptions,
} from "./continuous-schedules.js";
export { checkImageBatch, subtaskLogSnr } from "./model-inputs.js";
export { subtaskDenoisingLoss, type PredictEps } from "./denoising-loss.js";
export { checkPairsRequest, noisedPairs, type PairsRequestOptions } from "./noised-pairs.js";
export { LOG_SNR_EMBED_SCALE, logSnrEmbedding, fourierFeatures } from "./denoiser-inputs.js";
export { MLP_DENOISER_SIZES, denoiserWidthDepth, type DenoiserSizeTable } from "./denoiser-size.js";
