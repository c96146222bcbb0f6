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
  priorKl,
  reconstructionProbs,
  reconstructionNll,
  diffusionLoss,
  discreteDiffusionLoss,
  natsToBitsPerDim,
  logVarianceFromLogSnr,
} from "./elbo.js";
