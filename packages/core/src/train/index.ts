// Public surface of the train module.
export {
  train,
  resolveTrainOptions,
  type TrainOptions,
  type ResolvedTrainOptions,
  type TrainResult,
  type TrainProgress,
  type TrainEval,
} from "./train.js";
export { BatchOrder, stepRng } from "./batch-order.js";
export {
  readLatestCheckpoint,
  writeCheckpoint,
  checkpointName,
  TRAIN_STATE_FILE,
  LATEST_FILE,
  type TrainState,
  type LatestPointer,
} from "./checkpoint.js";
