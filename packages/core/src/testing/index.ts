// Public surface of "@vsd/core/testing": test helpers for plugin authors (imports vitest).
export {
  describeDecompositionContract,
  resolveDecompositionContractOptions,
  type DecompositionContractOptions,
} from "./decomposition-contract.js";
export {
  CONTRACT_SEED,
  checkRegistration,
  checkSubtasks,
  checkStableKeys,
  checkPairsShapes,
  checkPairsDeterminism,
  checkRejectsBadImages,
  checkRejectsForeignSubtask,
  checkPrepareDeterminism,
  checkModel,
  sampleSubtasks,
} from "./contract-checks.js";
export { contractDataset } from "./contract-dataset.js";
export { createTinyModel, type TinyModelOptions } from "../reference/tiny-model.js";
export { sequenceDataset, type SequenceDatasetOptions } from "../reference/sequence-dataset.js";
export { sequenceDecomposition, sequencePlugin, type SequenceDecompositionOptions } from "../reference/sequence-decomposition.js";
