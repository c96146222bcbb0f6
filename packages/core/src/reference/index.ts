// Public surface of the reference decomposition and the tiny model.
export {
  sequenceDecomposition,
  sequencePlugin,
  resolveSequenceDecompositionOptions,
  type SequenceDecompositionOptions,
} from "./sequence-decomposition.js";
export { sequenceDataset, resolveSequenceDatasetOptions, type SequenceDatasetOptions } from "./sequence-dataset.js";
export { createTinyModel, resolveTinyModelOptions, type TinyModelOptions } from "./tiny-model.js";
export {
  discretizedLogisticLogProb,
  discretizedLogisticLogProbNumber,
  sampleDiscretizedLogistic,
  BIN_HALF_WIDTH,
  MIN_LOG_SCALE,
} from "./discretized-logistic.js";
