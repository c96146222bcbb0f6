export { probeEquivariance, UNGROUPED } from "./equivariance-probe.js";
export type {
  EquivarianceReport,
  EquivarianceReportData,
  ProbeMatrix,
  ProbeScalar,
  GroupSummary,
  SubtaskSummary,
  RecordedProbeOptions,
} from "./equivariance-report.js";
export {
  resolveProbeOptions,
  selectSubtasks,
  PROBE_METHODS,
  QUANTIZATION_VARIANCE_8BIT,
  type ProbeOptions,
  type ResolvedProbeOptions,
  type ProbeMethod,
  type ProbeSpace,
  type SubtaskSelection,
  type NeuralVariance,
} from "./probe-options.js";
export { fitLinearGaussian, scoreLinearGaussian, type LinearGaussianFit, type LinearGaussianFitOptions } from "./linear-gaussian.js";
export { type PairSet, makePairSet } from "./pair-set.js";
export { bootstrapColumnMeans, type Interval, type ColumnSet } from "./bootstrap.js";
export { writeProbeReport, probeReportMarkdown } from "./write-probe-report.js";
export { runProbeCli, resolveProbePlugin, loadProbeDataset, PROBE_USAGE } from "./probe-cli.js";
