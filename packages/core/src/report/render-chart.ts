import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { VsdError } from "../errors.js";

/** The font every chart uses, by family name; the TTF file ships with the npm package `dejavu-fonts-ttf`. */
export const CHART_FONT_FAMILY = "DejaVu Sans";

let fontPath: string | undefined;

/** Path of DejaVuSans.ttf from `dejavu-fonts-ttf`, so charts have text on machines without system fonts. */
export function chartFontFile(): string {
  if (fontPath) return fontPath;
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json"));
  } catch (error) {
    throw new VsdError("IO_ERROR", `The npm package "dejavu-fonts-ttf" (chart font) is not installed.`, { cause: error });
  }
  const path = join(dir, "ttf", "DejaVuSans.ttf");
  if (!existsSync(path)) throw new VsdError("IO_ERROR", `Chart font not found at ${path}.`);
  fontPath = path;
  return path;
}

/** Options of {@link renderVegaLitePng}. */
export interface RenderChartOptions {
  /** Pixel density: the PNG is `scale` times the chart's CSS size. @default 2 */
  readonly scale?: number;
}

/**
 * Shared look of every chart: the bundled font, a white background (PNG
 * viewers show transparency as black or checkers) and a little padding.
 */
export function withChartConfig(spec: TopLevelSpec): TopLevelSpec {
  const config = (spec as unknown as { config?: Record<string, unknown> }).config ?? {};
  return {
    ...spec,
    background: "white",
    padding: 8,
    config: { font: CHART_FONT_FAMILY, ...config },
  } as TopLevelSpec;
}

/** A vega-lite spec rendered headlessly to SVG (vega View with renderer "none"). */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(withChartConfig(spec)).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A vega-lite spec → SVG (vega) → PNG (resvg, with the bundled DejaVu Sans
 * loaded explicitly and system fonts off, so the output is the same on every
 * machine).
 */
export async function renderVegaLitePng(spec: TopLevelSpec, options: RenderChartOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new VsdError("INVALID_RANGE", `Chart scale must be in (0, 8], got ${scale}.`);
  const svg = await renderVegaLiteSvg(spec);
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: {
      fontFiles: [chartFontFile()],
      loadSystemFonts: false,
      defaultFontFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
    },
  });
  return new Uint8Array(resvg.render().asPng());
}
