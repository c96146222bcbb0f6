import { checkGrid, type GridOrder } from "./grid-order.js";

/** Row by row, left to right: step `i` visits position `i` (REFERENCES §3.1). */
export function rasterOrder(rows: number, cols: number): GridOrder {
  checkGrid(rows, cols, "rasterOrder");
  const out = new Int32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = i;
  return out;
}

/** Boustrophedon: even rows left to right, odd rows right to left, so every step is to a neighbour. */
export function snakeOrder(rows: number, cols: number): GridOrder {
  checkGrid(rows, cols, "snakeOrder");
  const out = new Int32Array(rows * cols);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) out[k++] = r * cols + (r % 2 === 0 ? j : cols - 1 - j);
  }
  return out;
}

/** Column by column, top to bottom (raster order of the transposed grid). */
export function columnOrder(rows: number, cols: number): GridOrder {
  checkGrid(rows, cols, "columnOrder");
  const out = new Int32Array(rows * cols);
  let k = 0;
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) out[k++] = r * cols + c;
  }
  return out;
}
