import type { TopLevelSpec } from "vega-lite";
import { VsdError } from "../errors.js";
import { checkValues, frameSize, scaleOption, type ChartFrame } from "./chart-data.js";
import { renderVegaLitePng } from "./render-chart.js";

/** One point; `series` colours it. */
export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly series?: string;
}

/** Options of {@link scatterPng}. */
export interface ScatterOptions extends ChartFrame {
  readonly points: readonly ScatterPoint[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** @default false */
  readonly logX?: boolean;
  /** @default false */
  readonly logY?: boolean;
  /**
   * A fitted curve drawn as a dashed line through these points (e.g. a
   * power-law fit evaluated on a grid; the fit itself is the caller's),
   * labelled with `name` at its last point when given.
   */
  readonly fit?: { readonly x: readonly number[]; readonly y: readonly number[]; readonly name?: string };
}

/** Scatter plot with an optional fitted line (scaling-law plots) as PNG bytes. */
export async function scatterPng(options: ScatterOptions): Promise<Uint8Array> {
  const { points, fit } = options;
  if (points.length === 0) throw new VsdError("INVALID_ARGUMENT", "scatterPng: needs at least one point.");
  checkValues("x", points.map((p) => p.x), options.logX);
  checkValues("y", points.map((p) => p.y), options.logY);
  const xScale = options.logX ? { type: "log" } : { zero: false };
  const yScale = options.logY ? { type: "log" } : { zero: false };
  const hasSeries = points.some((p) => p.series !== undefined);
  const layers: unknown[] = [
    {
      data: { values: points.map((p) => ({ x: p.x, y: p.y, series: p.series ?? "" })) },
      mark: { type: "point", filled: true, size: 60 },
      encoding: {
        x: { field: "x", type: "quantitative", title: options.xLabel, scale: xScale },
        y: { field: "y", type: "quantitative", title: options.yLabel, scale: yScale },
        ...(hasSeries ? { color: { field: "series", type: "nominal", title: null } } : {}),
      },
    },
  ];
  if (fit) {
    if (fit.x.length !== fit.y.length || fit.x.length < 2) {
      throw new VsdError("INVALID_SHAPE", `scatterPng: fit has ${fit.x.length} x and ${fit.y.length} y values; expected the same count, at least 2.`);
    }
    checkValues("fit x", fit.x, options.logX);
    checkValues("fit y", fit.y, options.logY);
    layers.push({
      data: { values: fit.x.map((x, i) => ({ x, y: fit.y[i]!, order: i })) },
      mark: { type: "line", strokeDash: [6, 4], color: "black", strokeWidth: 1.5 },
      encoding: {
        x: { field: "x", type: "quantitative", scale: xScale },
        y: { field: "y", type: "quantitative", scale: yScale },
        order: { field: "order", type: "quantitative" },
      },
    });
    if (fit.name !== undefined) {
      // Label the curve at its last point (e.g. "L = 3.2·C^-0.05").
      const last = fit.x.length - 1;
      layers.push({
        data: { values: [{ x: fit.x[last], y: fit.y[last], name: fit.name }] },
        mark: { type: "text", align: "right", dy: -10, fontSize: 11 },
        encoding: {
          x: { field: "x", type: "quantitative", scale: xScale },
          y: { field: "y", type: "quantitative", scale: yScale },
          text: { field: "name" },
        },
      });
    }
  }
  const spec = { title: options.title, ...frameSize(options), layer: layers } as unknown as TopLevelSpec;
  return renderVegaLitePng(spec, scaleOption(options));
}
