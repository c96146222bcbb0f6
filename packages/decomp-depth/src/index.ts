export { residualQuantize, type ResidualQuantization } from "./residual-quantize.js";
export { depthLossWeights, optimalLatentCoefficients, type DepthLossWeighting } from "./depth-loss-weights.js";
export { kmeans, nearestCodes } from "./kmeans.js";
export { createEmaState, emaUpdate, restartDeadCodes, type EmaCodebookState } from "./ema-codebook.js";
export { codebookUsage, type CodebookUsage } from "./codebook-stats.js";
export { patchGrid, patchify, unpatchify, type PatchGrid } from "./patches.js";
export {
  RqTokenizer,
  resolveRqTokenizerOptions,
  type RqTokenizerOptions,
  type ResolvedRqTokenizerOptions,
  type TokenizerStepStats,
  type TokenizerCodes,
} from "./rq-tokenizer.js";
export {
  analyzeInvalidEncoding,
  findDominantStage,
  type AnalyzableTokenizer,
  type InvalidEncodingOptions,
  type InvalidEncodingReport,
  type DepthStats,
} from "./analyze-invalid-encoding.js";
export { DepthPrior, resolveDepthPriorOptions, type DepthPriorForm, type DepthPriorOptions, type ResolvedDepthPriorOptions } from "./depth-prior.js";
export { DepthDecomposition, DepthModel, type DepthDecompositionOptions } from "./depth-decomposition.js";
export { depthDecomposition } from "./depth-plugin.js";
export { depthDecomposition as default } from "./depth-plugin.js";
export { multiScaleResidualQuantize, areaDownsample, nearestUpsample, type MultiScaleQuantization } from "./multi-scale-quantize.js";
export { ScaleTokenizer, type ScaleTokenizerOptions, type ScaleCodes } from "./scale-tokenizer.js";
export { ScaleDecomposition, ScaleModel, ScalePrior, scaleDecomposition, type ScaleDecompositionOptions } from "./scale-decomposition.js";
