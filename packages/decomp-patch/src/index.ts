export {
  type GridOrder,
  type OrderName,
  ORDER_NAMES,
  validateOrder,
  orderSteps,
  areNeighbours,
} from "./orders/grid-order.js";
export { rasterOrder, snakeOrder, columnOrder } from "./orders/basic-orders.js";
export { hilbertOrder } from "./orders/hilbert-order.js";
export { spiralOrder } from "./orders/spiral-order.js";
export { randomOrder } from "./orders/random-order.js";
export { makeOrder, orderLabel, type OrderSpec } from "./orders/resolve-order.js";
export { type PatchGrid, patchGrid, patchify, unpatchify, patchifyTensor, unpatchifyTensor } from "./patchify.js";
export { type PatchGroup, type StepInfo, PATCH_GROUPS, describeSteps } from "./patch-groups.js";
export {
  PatchDecomposition,
  resolvePatchDecompositionOptions,
  type PatchDecompositionOptions,
  type ResolvedPatchDecompositionOptions,
} from "./patch-decomposition.js";
export {
  MIN_LOG_SCALE,
  BIN_HALF_WIDTH,
  mixtureParamCount,
  logisticBinLogProb,
  mixtureLogProb,
  sampleMixture,
  softplus,
} from "./likelihood/discretized-logistic.js";
export { mixtureLogProbTensor } from "./likelihood/discretized-logistic-tensor.js";
export { PatchArModel } from "./model/patch-ar-model.js";
export { resolvePatchArOptions, type PatchArModelOptions, type ResolvedPatchArOptions } from "./model/patch-ar-options.js";
export { patchDecomposition, patchDecomposition as default } from "./patch-plugin.js";
export { orderPathPng, type OrderPathOptions } from "./pictures/order-path-png.js";
export { lossHeatmapPng, lossesByPosition, type LossHeatmapOptions } from "./pictures/loss-heatmap-png.js";
