import { Rng } from "@vsd/core";
import { checkGrid, type GridOrder } from "./grid-order.js";

/** A fixed random permutation of the positions, determined by `seed` (Fisher–Yates on core's `Rng`). */
export function randomOrder(rows: number, cols: number, seed: number): GridOrder {
  checkGrid(rows, cols, "randomOrder");
  return new Rng(seed).derive("patch-order").permutation(rows * cols);
}
