import { VsdError, renderVegaLitePng } from "@vsd/core";
import { validateOrder, type GridOrder } from "../orders/grid-order.js";
import { describeSteps } from "../patch-groups.js";

type VegaLiteSpec = Parameters<typeof renderVegaLitePng>[0];

/** Options of {@link orderPathPng}. */
export interface OrderPathOptions {
  /** Chart title. @default "patch order" */
  readonly title?: string;
  /** Side of a grid cell in CSS pixels. @default 28 */
  readonly cellSize?: number;
  /** PNG pixel density. @default 2 */
  readonly scale?: number;
}

/**
 * A picture of an order: the path through the `rows × cols` grid of patches,
 * cells coloured by step (viridis, dark = early), the start ringed, and steps
 * whose previous patch is not a spatial neighbour ("order-break") drawn as
 * dashed red jumps. Row 0 is at the top, as in the image.
 */
export async function orderPathPng(order: ArrayLike<number>, rows: number, cols: number, options: OrderPathOptions = {}): Promise<Uint8Array> {
  const o: GridOrder = validateOrder(order, rows, cols);
  const cell = options.cellSize ?? 28;
  if (!(cell > 0)) throw new VsdError("INVALID_ARGUMENT", `cellSize must be > 0, got ${cell}.`);
  const steps = describeSteps(o, rows, cols);
  const points = steps.map((s) => ({ step: s.step, row: s.row, col: s.col }));
  const walks: { step: number; row: number; col: number; seg: number }[] = [];
  const jumps: { row: number; col: number; row2: number; col2: number }[] = [];
  let seg = 0;
  for (const s of steps) {
    if (s.orderBreak) {
      const p = steps[s.step - 1]!;
      jumps.push({ row: p.row, col: p.col, row2: s.row, col2: s.col });
      seg++;
    }
    walks.push({ step: s.step, row: s.row, col: s.col, seg });
  }
  const x = { field: "col", type: "quantitative", title: "column", scale: { domain: [-0.5, cols - 0.5], nice: false, zero: false }, axis: { tickMinStep: 1, grid: false } };
  const y = { field: "row", type: "quantitative", title: "row", scale: { domain: [rows - 0.5, -0.5], nice: false, zero: false }, axis: { tickMinStep: 1, grid: false } };
  const spec = {
    title: options.title ?? "patch order",
    width: cols * cell,
    height: rows * cell,
    layer: [
      {
        data: { values: points },
        mark: { type: "square", size: cell * cell * 0.9, opacity: 0.55 },
        encoding: { x, y, color: { field: "step", type: "quantitative", scale: { scheme: "viridis" }, title: "step" } },
      },
      {
        data: { values: walks },
        mark: { type: "line", color: "black", strokeWidth: 1.5 },
        encoding: { x, y, order: { field: "step", type: "quantitative" }, detail: { field: "seg", type: "nominal" } },
      },
      ...(jumps.length > 0
        ? [
            {
              data: { values: jumps },
              mark: { type: "rule", color: "#d62728", strokeDash: [4, 3], strokeWidth: 1.5 },
              encoding: { x, y, x2: { field: "col2" }, y2: { field: "row2" } },
            },
          ]
        : []),
      {
        data: { values: [points[0]] },
        mark: { type: "point", shape: "circle", size: cell * cell * 0.5, color: "#d62728", strokeWidth: 2.5, filled: false },
        encoding: { x, y },
      },
    ],
  } as unknown as VegaLiteSpec;
  return renderVegaLitePng(spec, options.scale !== undefined ? { scale: options.scale } : {});
}
