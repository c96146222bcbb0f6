import type { Interval } from "./bootstrap.js";
import type { ProbeMatrix } from "./equivariance-report.js";

/**
 * A statistic the probe reports with a bootstrap interval: the mean over
 * subtasks (columns) of the mean of `columns[k]`, whose entries are the
 * resampling units (held-out pairs, or batches).
 */
export interface ProbeStatistic {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** One array per chosen subtask, in the probe's subtask order. */
  readonly columns: readonly Float64Array[];
  /** The median companion (e.g. median off-diagonal gap), if meaningful. */
  readonly median?: number;
  /**
   * Intervals the method computed itself (e.g. the refit bootstrap), by column
   * set name ("all", "group:<g>"); their `value` is ignored (the point estimate
   * always comes from `columns`). Otherwise `columns` are resampled.
   */
  readonly intervals?: ReadonlyMap<string, Interval>;
}

/** What each probe method hands to the report builder. */
export interface MethodOutcome {
  readonly matrices: readonly ProbeMatrix[];
  /** The first one is the headline `nonEquivariance`. */
  readonly statistics: readonly ProbeStatistic[];
  readonly notes: readonly string[];
}
