import { VsdError, heatmapPng } from "@vsd/core";

/** Options of {@link lossHeatmapPng}. */
export interface LossHeatmapOptions {
  /** @default "loss by patch position" */
  readonly title?: string;
  /** @default "loss (bits/dim)" */
  readonly valueLabel?: string;
  /** d3-format of printed values. @default ".2f" */
  readonly format?: string;
}

/**
 * Loss by patch position as a heat-map over the patch grid (row 0 at the top).
 * `lossByPosition[row * cols + col]` is the loss at that position, e.g.
 * `PatchArModel.positionLosses` re-indexed by position and divided by ln 2
 * for bits/dim (see `lossesByPosition`).
 */
export async function lossHeatmapPng(
  lossByPosition: ArrayLike<number>,
  rows: number,
  cols: number,
  options: LossHeatmapOptions = {},
): Promise<Uint8Array> {
  if (lossByPosition.length !== rows * cols) {
    throw new VsdError("INVALID_SHAPE", `lossHeatmapPng: ${lossByPosition.length} losses for a ${rows}×${cols} grid (${rows * cols} positions).`);
  }
  const matrix = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => lossByPosition[r * cols + c]!));
  return heatmapPng({
    title: options.title ?? "loss by patch position",
    matrix,
    rowLabels: Array.from({ length: rows }, (_, r) => String(r)),
    colLabels: Array.from({ length: cols }, (_, c) => String(c)),
    valueLabel: options.valueLabel ?? "loss (bits/dim)",
    xLabel: "column",
    yLabel: "row",
    format: options.format ?? ".2f",
  });
}

/** Per-step losses (nats) → per-position losses in bits/dim, `out[order[step]] = loss[step] / ln 2`. */
export function lossesByPosition(lossByStep: ArrayLike<number>, order: ArrayLike<number>): Float64Array {
  if (lossByStep.length !== order.length) {
    throw new VsdError("INVALID_SHAPE", `lossesByPosition: ${lossByStep.length} losses for ${order.length} steps.`);
  }
  const out = new Float64Array(order.length);
  for (let s = 0; s < order.length; s++) out[order[s]!] = lossByStep[s]! / Math.LN2;
  return out;
}
