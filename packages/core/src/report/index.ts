// Public surface of the report module: atomic files, reports, pictures, progress.
export { writeFileAtomic, writeJsonAtomic } from "../io.js";
export { imageGridPng, savePng, type ImageGridOptions } from "./image-grid.js";
export {
  renderVegaLitePng,
  renderVegaLiteSvg,
  chartFontFile,
  CHART_FONT_FAMILY,
  type RenderChartOptions,
} from "./render-chart.js";
export type { ChartFrame } from "./chart-data.js";
export { linePlotPng, type LinePlotOptions, type LineSeries } from "./line-plot.js";
export { heatmapPng, type HeatmapOptions } from "./heatmap.js";
export { barChartPng, type BarChartOptions, type Bar } from "./bar-chart.js";
export { scatterPng, type ScatterOptions, type ScatterPoint } from "./scatter.js";
export { markdownTable, type MarkdownCell, type MarkdownTableOptions } from "./markdown-table.js";
export { writeReport, type ReportContent, type WrittenReport } from "./write-report.js";
export { runtimeVersions, packageVersion } from "./versions.js";
export {
  createProgress,
  formatDuration,
  formatRate,
  type Progress,
  type ProgressOptions,
  type ProgressStream,
} from "../progress.js";
