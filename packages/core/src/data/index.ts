// Public surface of the data module.
export { loadMnist, mnistDigits, resolveMnistOptions, type MnistOptions } from "./mnist.js";
export { parseIdx, readIdx, type IdxArray } from "./idx.js";
export {
  loadIdx,
  loadIdxSplits,
  readIdxSplit,
  type LoadIdxOptions,
  type LoadIdxSplitsOptions,
  type IdxFiles,
} from "./load-idx.js";
export { loadFashionMnist, FASHION_MNIST_DIR, type FashionMnistOptions } from "./fashion-mnist.js";
export { validateDataset } from "./validate.js";
export {
  apportion,
  stratifiedSplit,
  subsetSplit,
  type SplitIndices,
  type StratifiedSplitOptions,
} from "./split.js";
export { fillSeparableAr1Field, fillAr1Sequence, ar1TransferGapBits } from "./ar1.js";
export {
  syntheticStationary,
  syntheticRowBreak,
  resolveSyntheticFieldOptions,
  type SyntheticFieldOptions,
  type SyntheticRowBreakOptions,
} from "./synthetic-field.js";
export {
  syntheticSequences,
  resolveSyntheticSequenceOptions,
  type SyntheticSequenceOptions,
} from "./synthetic-sequences.js";
