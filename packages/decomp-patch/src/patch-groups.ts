import { areNeighbours, type GridOrder } from "./orders/grid-order.js";

/** Per-step facts about an order, in terms of the order itself. */
export interface StepInfo {
  readonly step: number;
  readonly row: number;
  readonly col: number;
  /** The first patch of its grid row that the order visits. */
  readonly rowStart: boolean;
  /** The last patch of its grid row that the order visits. */
  readonly rowEnd: boolean;
  /** The previous patch in the order is not a 4-neighbour (a jump); false at step 0. */
  readonly orderBreak: boolean;
  /** In the central half of the grid along both axes. */
  readonly center: boolean;
  /** One group per step, see `stepGroup`. */
  readonly group: PatchGroup;
}

/**
 * Subtask groups of a patch order (reports summarise losses and probe gaps by group):
 * - `start`: step 0, the patch predicted from nothing;
 * - `row-start`: the first patch of a grid row that the order visits. In raster
 *   order these are the patches after the jump from the end of the previous
 *   row, the break the paper (Question 2) points at; in snake order they are
 *   reached by a step down from the patch above;
 * - `row-end`: the last patch of a grid row that the order visits;
 * - `order-break`: the previous patch in the order is not a spatial neighbour
 *   (column order's jump to the next column, Hilbert's one diagonal step,
 *   spiral's re-entry on non-square grids, almost every step of `random`);
 * - `center`: in the central half of the grid along both axes (where subjects
 *   tend to sit);
 * - `interior`: everything else.
 * When several apply, the first in this list wins; the flags in `StepInfo`
 * (and in each subtask's params) keep all of them.
 */
export type PatchGroup = "start" | "row-start" | "row-end" | "order-break" | "center" | "interior";

export const PATCH_GROUPS: readonly PatchGroup[] = ["start", "row-start", "row-end", "order-break", "center", "interior"];

/** Step facts and groups for every step of `order` on a `rows × cols` grid. */
export function describeSteps(order: GridOrder, rows: number, cols: number): StepInfo[] {
  const firstInRow = new Int32Array(rows).fill(-1);
  const lastInRow = new Int32Array(rows).fill(-1);
  for (let s = 0; s < order.length; s++) {
    const r = Math.floor(order[s]! / cols);
    if (firstInRow[r] === -1) firstInRow[r] = s;
    lastInRow[r] = s;
  }
  const out: StepInfo[] = [];
  for (let s = 0; s < order.length; s++) {
    const pos = order[s]!;
    const row = Math.floor(pos / cols);
    const col = pos % cols;
    const rowStart = firstInRow[row] === s;
    const rowEnd = lastInRow[row] === s;
    const orderBreak = s > 0 && !areNeighbours(order[s - 1]!, pos, cols);
    const center = Math.abs(row - (rows - 1) / 2) <= rows / 4 && Math.abs(col - (cols - 1) / 2) <= cols / 4;
    const group: PatchGroup =
      s === 0 ? "start" : rowStart ? "row-start" : rowEnd ? "row-end" : orderBreak ? "order-break" : center ? "center" : "interior";
    out.push({ step: s, row, col, rowStart, rowEnd, orderBreak, center, group });
  }
  return out;
}
