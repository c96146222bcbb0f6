import { checkGrid, type GridOrder } from "./grid-order.js";

/**
 * Generalized Hilbert ("gilbert") order for any `rows × cols` grid
 * (REFERENCES §3.1; algorithm of J. Červený, `jakubcerveny/gilbert`, BSD-2,
 * written here from its description, not copied).
 *
 * A rectangle is described by its corner and two edge vectors: `a` along its
 * longer ("major") side and `b` along the other. It is filled by recursion:
 * - a 1-cell-thin rectangle is walked straight along its length;
 * - a long rectangle (2·|a| > 3·|b|) is cut across `a` into two halves, each
 *   filled in the same orientation;
 * - otherwise it is cut into three: the lower half of `b` is filled with the
 *   axes swapped (going "up" the left side), then the upper part along `a`,
 *   then the rest of the lower half coming back down, as in Hilbert's curve.
 * Halves are rounded so that sub-rectangles have even lengths where possible;
 * that keeps every step 4-adjacent except for at most one diagonal step, which
 * is unavoidable when the major side is odd and the minor side even. For
 * power-of-two squares the result is Hilbert's curve. It starts at (0, 0).
 */
export function hilbertOrder(rows: number, cols: number): GridOrder {
  checkGrid(rows, cols, "hilbertOrder");
  const out = new Int32Array(rows * cols);
  let k = 0;
  const visit = (x: number, y: number): void => {
    out[k++] = y * cols + x;
  };
  // x runs along columns, y along rows; the major axis is the longer side.
  if (cols >= rows) fillRect(0, 0, cols, 0, 0, rows, visit);
  else fillRect(0, 0, 0, rows, cols, 0, visit);
  return out;
}

const sign = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);
/** Floor division by two (toward −∞, also for negative edge vectors). */
const half = (v: number): number => Math.floor(v / 2);

function fillRect(
  x: number,
  y: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  visit: (x: number, y: number) => void,
): void {
  const w = Math.abs(ax + ay);
  const h = Math.abs(bx + by);
  const dax = sign(ax);
  const day = sign(ay);
  const dbx = sign(bx);
  const dby = sign(by);

  if (h === 1) {
    for (let i = 0; i < w; i++) visit(x + i * dax, y + i * day);
    return;
  }
  if (w === 1) {
    for (let i = 0; i < h; i++) visit(x + i * dbx, y + i * dby);
    return;
  }

  let ax2 = half(ax);
  let ay2 = half(ay);
  let bx2 = half(bx);
  let by2 = half(by);
  const w2 = Math.abs(ax2 + ay2);
  const h2 = Math.abs(bx2 + by2);

  if (2 * w > 3 * h) {
    // Long rectangle: two halves along the major axis, the first of even length.
    if (w2 % 2 === 1 && w > 2) {
      ax2 += dax;
      ay2 += day;
    }
    fillRect(x, y, ax2, ay2, bx, by, visit);
    fillRect(x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by, visit);
    return;
  }

  // Up the first half of b (axes swapped), across, and back down.
  if (h2 % 2 === 1 && h > 2) {
    bx2 += dbx;
    by2 += dby;
  }
  fillRect(x, y, bx2, by2, ax2, ay2, visit);
  fillRect(x + bx2, y + by2, ax, ay, bx - bx2, by - by2, visit);
  fillRect(x + (ax - dax) + (bx2 - dbx), y + (ay - day) + (by2 - dby), -bx2, -by2, -(ax - ax2), -(ay - ay2), visit);
}
