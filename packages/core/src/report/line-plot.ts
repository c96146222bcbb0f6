import type { TopLevelSpec } from "vega-lite";
import { VsdError } from "../errors.js";
import { checkValues, frameSize, scaleOption, type ChartFrame } from "./chart-data.js";
import { renderVegaLitePng } from "./render-chart.js";

/** One named curve. */
export interface LineSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Options of {@link linePlotPng}. */
export interface LinePlotOptions extends ChartFrame {
  readonly series: readonly LineSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** @default false */
  readonly logX?: boolean;
  /** @default false */
  readonly logY?: boolean;
  /** Draw a dot at each point. @default true when every series has ≤ 50 points */
  readonly points?: boolean;
}

/** Line plot (loss curves, loss by subtask, …) as PNG bytes; one colour per series, with a legend. */
export async function linePlotPng(options: LinePlotOptions): Promise<Uint8Array> {
  const { series, xLabel, yLabel, title } = options;
  if (series.length === 0) throw new VsdError("INVALID_ARGUMENT", "linePlotPng: needs at least one series.");
  const values: Array<{ x: number; y: number; series: string; order: number }> = [];
  for (const s of series) {
    if (s.x.length !== s.y.length || s.x.length === 0) {
      throw new VsdError(
        "INVALID_SHAPE",
        `linePlotPng: series "${s.name}" has ${s.x.length} x and ${s.y.length} y values; expected the same non-zero count.`,
      );
    }
    checkValues(`series "${s.name}" x`, s.x, options.logX);
    checkValues(`series "${s.name}" y`, s.y, options.logY);
    s.x.forEach((x, i) => values.push({ x, y: s.y[i]!, series: s.name, order: i }));
  }
  const points = options.points ?? series.every((s) => s.x.length <= 50);
  const spec = {
    title,
    ...frameSize(options),
    data: { values },
    mark: { type: "line", point: points, strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: xLabel, scale: options.logX ? { type: "log" } : { zero: false } },
      y: { field: "y", type: "quantitative", title: yLabel, scale: options.logY ? { type: "log" } : { zero: false } },
      color: { field: "series", type: "nominal", title: null, sort: series.map((s) => s.name) },
      order: { field: "order", type: "quantitative" },
    },
  } as TopLevelSpec;
  return renderVegaLitePng(spec, scaleOption(options));
}
