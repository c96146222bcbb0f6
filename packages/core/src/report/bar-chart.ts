import type { TopLevelSpec } from "vega-lite";
import { VsdError } from "../errors.js";
import { checkValues, frameSize, scaleOption, type ChartFrame } from "./chart-data.js";
import { renderVegaLitePng } from "./render-chart.js";

/** One bar. Bars with the same `label` and different `group`s stand side by side. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly group?: string;
  /** Half-width of an error bar drawn at `value ± error`. */
  readonly error?: number;
}

/** Options of {@link barChartPng}. */
export interface BarChartOptions extends ChartFrame {
  readonly bars: readonly Bar[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** @default false */
  readonly logY?: boolean;
}

/** Bar chart (e.g. bits/dim per strategy, grouped by data set) as PNG bytes; labels keep their first-seen order. */
export async function barChartPng(options: BarChartOptions): Promise<Uint8Array> {
  const { bars } = options;
  if (bars.length === 0) throw new VsdError("INVALID_ARGUMENT", "barChartPng: needs at least one bar.");
  checkValues("bar values", bars.map((b) => b.value), options.logY);
  const errors = bars.filter((b) => b.error !== undefined).map((b) => b.error!);
  checkValues("bar errors", errors);
  const labels = [...new Set(bars.map((b) => b.label))];
  const groups = [...new Set(bars.map((b) => b.group ?? ""))];
  const grouped = groups.length > 1 || groups[0] !== "";
  const values = bars.map((b) => ({
    label: b.label,
    group: b.group ?? "",
    value: b.value,
    lo: b.value - (b.error ?? 0),
    hi: b.value + (b.error ?? 0),
  }));
  const x = { field: "label", type: "nominal", sort: labels, title: options.xLabel, axis: { labelAngle: labels.length > 6 ? -40 : 0 } };
  const xOffset = grouped ? { xOffset: { field: "group", type: "nominal", sort: groups } } : {};
  const yScale = options.logY ? { type: "log" } : {};
  const layers: unknown[] = [
    {
      mark: "bar",
      encoding: {
        x,
        ...xOffset,
        y: { field: "value", type: "quantitative", title: options.yLabel, scale: yScale },
        ...(grouped ? { color: { field: "group", type: "nominal", sort: groups, title: null } } : {}),
      },
    },
  ];
  if (errors.length > 0) {
    layers.push({
      mark: { type: "rule", color: "black" },
      encoding: { x, ...xOffset, y: { field: "lo", type: "quantitative", scale: yScale }, y2: { field: "hi" } },
    });
  }
  const spec = { title: options.title, ...frameSize(options), data: { values }, layer: layers } as unknown as TopLevelSpec;
  return renderVegaLitePng(spec, scaleOption(options));
}
