import { scheme } from "vega";
import type { TopLevelSpec } from "vega-lite";
import { VsdError } from "../errors.js";
import { checkValues, scaleOption, type ChartFrame } from "./chart-data.js";
import { renderVegaLitePng } from "./render-chart.js";

/** Options of {@link heatmapPng}. */
export interface HeatmapOptions extends Omit<ChartFrame, "width" | "height"> {
  /** `matrix[row][col]`. */
  readonly matrix: readonly (readonly number[])[];
  readonly rowLabels: readonly string[];
  readonly colLabels: readonly string[];
  /** Legend title, e.g. "gap (bits/dim)". */
  readonly valueLabel: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** A vega colour scheme (https://vega.github.io/vega/docs/schemes/). @default "viridis" */
  readonly colorScheme?: string;
  /** Colour domain. @default [min, max] of the matrix */
  readonly domain?: readonly [number, number];
  /** Print each value in its cell. @default true when the matrix has ≤ 16×16 cells */
  readonly showValues?: boolean;
  /** d3-format string for printed values. @default ".2f" */
  readonly format?: string;
  /** Side of a cell in CSS pixels. @default 36 (16 when values are not printed) */
  readonly cellSize?: number;
}

/**
 * Heat-map (e.g. the equivariance probe's transfer matrix) as PNG bytes.
 * Rows run top to bottom and columns left to right in the given label order.
 * Printed values are black on light cells and white on dark ones (luminance of
 * the scheme's colour at the cell's value).
 */
export async function heatmapPng(options: HeatmapOptions): Promise<Uint8Array> {
  const { matrix, rowLabels, colLabels } = options;
  if (matrix.length === 0 || matrix.length !== rowLabels.length) {
    throw new VsdError(
      "INVALID_SHAPE",
      `heatmapPng: ${matrix.length} rows but ${rowLabels.length} row labels; expected the same non-zero count.`,
    );
  }
  matrix.forEach((row, r) => {
    if (row.length !== colLabels.length) {
      throw new VsdError("INVALID_SHAPE", `heatmapPng: row ${r} has ${row.length} values; expected ${colLabels.length} (one per column label).`);
    }
    checkValues(`matrix[${r}]`, row);
  });
  if (new Set(rowLabels).size !== rowLabels.length || new Set(colLabels).size !== colLabels.length) {
    throw new VsdError("INVALID_ARGUMENT", "heatmapPng: row and column labels must be unique.");
  }
  const flat = matrix.flat();
  const [lo, hi] = options.domain ?? [Math.min(...flat), Math.max(...flat)];
  const schemeName = options.colorScheme ?? "viridis";
  const interpolate = scheme(schemeName) as ((t: number) => string) | undefined;
  if (typeof interpolate !== "function") {
    throw new VsdError("INVALID_ARGUMENT", `heatmapPng: "${schemeName}" is not a continuous vega colour scheme.`);
  }
  const showValues = options.showValues ?? (rowLabels.length <= 16 && colLabels.length <= 16);
  const cell = options.cellSize ?? (showValues ? 36 : 16);
  const values = matrix.flatMap((row, r) =>
    row.map((value, c) => {
      const t = hi > lo ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 0.5;
      return { row: rowLabels[r]!, col: colLabels[c]!, value, ink: luminance(interpolate(t)) > 0.45 ? "black" : "white" };
    }),
  );
  const x = { field: "col", type: "ordinal", sort: [...colLabels], title: options.xLabel ?? null };
  const y = { field: "row", type: "ordinal", sort: [...rowLabels], title: options.yLabel ?? null };
  const layers: unknown[] = [
    {
      mark: "rect",
      encoding: {
        x,
        y,
        color: {
          field: "value",
          type: "quantitative",
          title: options.valueLabel,
          scale: { scheme: schemeName, domain: [lo, hi], clamp: true },
        },
      },
    },
  ];
  if (showValues) {
    layers.push({
      mark: { type: "text", fontSize: Math.max(7, Math.min(11, cell / 3.5)) },
      encoding: {
        x,
        y,
        text: { field: "value", type: "quantitative", format: options.format ?? ".2f" },
        // `fill` rather than `color`: vega-lite 6.5 fails to compile a layered chart whose
        // `color` channels mix a scale with `scale: null`.
        fill: { field: "ink", type: "nominal", scale: null },
      },
    });
  }
  const spec = {
    title: options.title,
    width: { step: cell },
    height: { step: cell },
    data: { values },
    layer: layers,
  } as unknown as TopLevelSpec;
  return renderVegaLitePng(spec, scaleOption(options));
}

/** Relative luminance (Rec. 709 weights on gamma-encoded sRGB; enough to choose black or white text). */
function luminance(color: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color) ?? /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(color);
  if (!m) return 0.5;
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((s) => (color.startsWith("#") ? parseInt(s, 16) : Number(s)) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
