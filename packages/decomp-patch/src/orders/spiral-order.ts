import { checkGrid, type GridOrder } from "./grid-order.js";

/**
 * Centre-out square spiral: starts at the centre cell `(⌊(rows−1)/2⌋, ⌊(cols−1)/2⌋)`
 * and walks right, down, left, up with run lengths 1, 1, 2, 2, 3, 3, …,
 * keeping the cells inside the grid. On a square grid every step is to a
 * neighbour; on a non-square grid the spiral leaves the grid on the short
 * side and re-enters it further on, so those steps are jumps ("order-break").
 */
export function spiralOrder(rows: number, cols: number): GridOrder {
  checkGrid(rows, cols, "spiralOrder");
  const n = rows * cols;
  const out = new Int32Array(n);
  let r = Math.floor((rows - 1) / 2);
  let c = Math.floor((cols - 1) / 2);
  const dr = [0, 1, 0, -1];
  const dc = [1, 0, -1, 0];
  let k = 0;
  out[k++] = r * cols + c;
  let run = 1;
  let dir = 0;
  while (k < n) {
    // Two runs per length: (right, down), (left, up), ...
    for (let twice = 0; twice < 2 && k < n; twice++) {
      for (let s = 0; s < run && k < n; s++) {
        r += dr[dir]!;
        c += dc[dir]!;
        if (r >= 0 && r < rows && c >= 0 && c < cols) out[k++] = r * cols + c;
      }
      dir = (dir + 1) % 4;
    }
    run++;
  }
  return out;
}
