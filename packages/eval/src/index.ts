export {
  frechetDistance,
  frechetDistanceDetailed,
  fid,
  fidDetailed,
  type FrechetDistanceDetails,
  type FidDetails,
  type FrechetOptions,
} from "./fid/frechet-distance.js";
export { pivotedCholesky, type PivotedCholesky } from "./linalg/pivoted-cholesky.js";
export { featureStatistics, checkFeatures, type FeatureStatistics } from "./linalg/feature-statistics.js";
export { symmetricEigen, type SymmetricEigen } from "./linalg/symmetric-eigen.js";
export { symmetricEigenvalues } from "./linalg/tridiagonalize.js";
export {
  fitPowerLaw,
  resolvePowerLawOptions,
  type PowerLawFit,
  type PowerLawOptions,
  type Interval,
} from "./scaling/power-law.js";
export { kid, mmdPolynomialUnbiased, resolveKidOptions, type KidOptions, type KidResult } from "./kid/kid.js";
export {
  precisionRecall,
  type PrecisionRecallOptions,
  type PrecisionRecallResult,
} from "./precision-recall/precision-recall.js";
export {
  importanceWeightedLoss,
  laplaceDensity,
  type ImportanceOptions,
  type ImportanceWeightedLoss,
} from "./importance/importance-weighted-loss.js";
export {
  predictFromScales,
  type ScalePoint,
  type ScaleTarget,
  type ScalePrediction,
  type ScalePredictionResult,
  type PredictFromScalesOptions,
} from "./scaling/predict-from-scales.js";
export { type FeatureExtractor, extractInBatches } from "./extractors/feature-extractor.js";
export { loadGraphModelExtractor, type GraphModelExtractorOptions } from "./extractors/graph-model-extractor.js";
export { loadLayersModelExtractor, type LayersModelExtractorOptions } from "./extractors/layers-model-extractor.js";
export { type InputRange } from "./extractors/image-preprocessing.js";
export {
  referenceFeatures,
  splitFeatures,
  type ReferenceFeatures,
  type ReferenceOptions,
} from "./fid/reference-statistics.js";
export {
  createMnistMlp,
  mnistFeatureExtractor,
  mnistWeightsDir,
  MNIST_EXTRACTOR_ID,
  MNIST_FEATURE_DIM,
  MNIST_MLP_DIMS,
  type MnistMlp,
} from "./extractors/mnist-mlp.js";
export {
  evaluate,
  resolveEvaluateOptions,
  NLL_CONVENTION,
  type EvaluateOptions,
  type EvaluationResult,
  type ResolvedEvaluateOptions,
  type MetricName,
} from "./evaluate/evaluate.js";
