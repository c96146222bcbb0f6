import { VsdError } from "@vsd/core";

/**
 * An order over a grid of `rows × cols` patch positions: `order[step]` is the
 * position `row * cols + col` visited at `step`. Orders are plain data, so a
 * user can pass any permutation of `0 .. rows·cols − 1`.
 */
export type GridOrder = Int32Array;

/** The built-in orders. */
export type OrderName = "raster" | "snake" | "column" | "hilbert" | "spiral" | "random";

export const ORDER_NAMES: readonly OrderName[] = ["raster", "snake", "column", "hilbert", "spiral", "random"];

/** Checks that a grid size is a pair of positive integers. */
export function checkGrid(rows: number, cols: number, where: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new VsdError("INVALID_ARGUMENT", `${where}: grid size must be positive integers, got ${rows}×${cols}.`);
  }
}

/**
 * Validates a user-supplied order and returns it as an `Int32Array` (a copy).
 * Throws `INVALID_ARGUMENT` unless it is a permutation of all `rows·cols`
 * positions.
 */
export function validateOrder(order: ArrayLike<number>, rows: number, cols: number): GridOrder {
  checkGrid(rows, cols, "validateOrder");
  const n = rows * cols;
  if (order.length !== n) {
    throw new VsdError(
      "INVALID_ARGUMENT",
      `Order has ${order.length} entries but a ${rows}×${cols} grid has ${n} positions; an order must be a permutation of 0..${n - 1}.`,
    );
  }
  const seen = new Uint8Array(n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = order[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new VsdError("INVALID_ARGUMENT", `Order entry ${i} is ${v}; positions must be integers in 0..${n - 1}.`);
    }
    if (seen[v] === 1) {
      throw new VsdError("INVALID_ARGUMENT", `Order visits position ${v} twice (at entry ${i}); an order must be a permutation.`);
    }
    seen[v] = 1;
    out[i] = v;
  }
  return out;
}

/** `steps[pos]` = the step at which `order` visits `pos` (the inverse permutation). */
export function orderSteps(order: GridOrder): Int32Array {
  const inv = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) inv[order[i]!] = i;
  return inv;
}

/** True when positions `a` and `b` of a grid with `cols` columns share an edge. */
export function areNeighbours(a: number, b: number, cols: number): boolean {
  const ra = Math.floor(a / cols);
  const rb = Math.floor(b / cols);
  const dc = Math.abs((a % cols) - (b % cols));
  const dr = Math.abs(ra - rb);
  return dr + dc === 1;
}
