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
