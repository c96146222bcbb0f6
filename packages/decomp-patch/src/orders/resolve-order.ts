import { VsdError } from "@vsd/core";
import { columnOrder, rasterOrder, snakeOrder } from "./basic-orders.js";
import { ORDER_NAMES, validateOrder, type GridOrder, type OrderName } from "./grid-order.js";
import { hilbertOrder } from "./hilbert-order.js";
import { randomOrder } from "./random-order.js";
import { spiralOrder } from "./spiral-order.js";

/**
 * How an order is given: a built-in name, `{ name: "random", seed }`, or an
 * explicit permutation of the positions `row * cols + col`.
 */
export type OrderSpec = OrderName | { readonly name: "random"; readonly seed: number } | ArrayLike<number>;

/**
 * The order for a grid. `"random"` without a seed uses `seed` (default 0), so
 * it is fixed for a given decomposition. User permutations are validated.
 */
export function makeOrder(spec: OrderSpec, rows: number, cols: number, seed = 0): GridOrder {
  if (typeof spec === "string") {
    switch (spec) {
      case "raster":
        return rasterOrder(rows, cols);
      case "snake":
        return snakeOrder(rows, cols);
      case "column":
        return columnOrder(rows, cols);
      case "hilbert":
        return hilbertOrder(rows, cols);
      case "spiral":
        return spiralOrder(rows, cols);
      case "random":
        return randomOrder(rows, cols, seed);
      default:
        throw new VsdError(
          "INVALID_ARGUMENT",
          `Unknown patch order "${String(spec)}"; expected one of ${ORDER_NAMES.join(", ")} or a permutation.`,
        );
    }
  }
  if (spec !== null && typeof spec === "object" && "name" in spec && !("length" in spec)) {
    if (spec.name !== "random" || !Number.isFinite(spec.seed)) {
      throw new VsdError("INVALID_ARGUMENT", `Order object must be { name: "random", seed: number }.`);
    }
    return randomOrder(rows, cols, spec.seed);
  }
  if (spec !== null && typeof spec === "object" && typeof (spec as ArrayLike<number>).length === "number") {
    return validateOrder(spec as ArrayLike<number>, rows, cols);
  }
  throw new VsdError("INVALID_ARGUMENT", `Patch order must be a name, { name: "random", seed } or a permutation.`);
}

/** A short label for an order spec, for keys and reports. */
export function orderLabel(spec: OrderSpec): string {
  if (typeof spec === "string") return spec;
  if ("name" in spec && !("length" in spec)) return `random-${spec.seed}`;
  return "custom";
}
