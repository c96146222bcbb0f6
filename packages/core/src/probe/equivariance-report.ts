import type { Interval } from "./bootstrap.js";
import type { ProbeMethod, ProbeSpace, ResolvedProbeOptions } from "./probe-options.js";

/** A subtask × subtask (or group × subtask) matrix of the report. */
export interface ProbeMatrix {
  /** e.g. "gap-diag", "gap-full", "cosine-mean". */
  readonly name: string;
  readonly title: string;
  readonly unit: string;
  /** What the rows are (models, subtasks, groups). */
  readonly rowKeys: readonly string[];
  readonly colKeys: readonly string[];
  readonly values: readonly (readonly number[])[];
}

/** A scalar with a bootstrap interval, its unit and what it is the mean of. */
export interface ProbeScalar extends Interval {
  readonly unit: string;
  readonly description: string;
}

/** One group's summary (e.g. "row-start" vs "interior"). */
export interface GroupSummary {
  readonly group: string;
  readonly subtaskCount: number;
  readonly keys: readonly string[];
  /** The report's statistics restricted to this group's subtasks (columns). */
  readonly values: Readonly<Record<string, ProbeScalar>>;
}

export interface SubtaskSummary {
  readonly key: string;
  readonly index: number;
  readonly group?: string;
  /** Each statistic's value on this subtask alone (e.g. mean gap onto it). */
  readonly values: Readonly<Record<string, number>>;
}

/** Probe options as recorded in a report (everything but callbacks). */
export type RecordedProbeOptions = Omit<ResolvedProbeOptions, "onProgress">;

export interface EquivarianceReportData {
  readonly kind: "vsd.equivariance-report";
  readonly version: 1;
  readonly method: ProbeMethod;
  readonly decomposition: { readonly id: string; readonly description?: string };
  readonly dataset: {
    readonly name: string;
    readonly height: number;
    readonly width: number;
    readonly channels: number;
    readonly trainImages: number;
  };
  readonly subtasks: readonly {
    readonly key: string;
    readonly index: number;
    readonly group?: string;
    readonly params: Readonly<Record<string, number>>;
  }[];
  readonly totalSubtasks: number;
  readonly groupNames: readonly string[];
  readonly pairShape: { readonly condition: number; readonly target: number };
  /** Images per subtask used to fit and to evaluate. */
  readonly images: { readonly fit: number; readonly heldOut: number };
  readonly space: ProbeSpace;
  /** Which variance floor or standardization was used, in words. */
  readonly spaceDescription: string;
  readonly varianceFloor: number;
  readonly matrices: readonly ProbeMatrix[];
  /** The headline statistic (first of `statistics`). */
  readonly nonEquivariance: ProbeScalar & { readonly statistic: string };
  /** Every statistic of the method, by name; the first is the headline. */
  readonly statistics: Readonly<Record<string, ProbeScalar>>;
  /** Robust companions of the statistics (e.g. median off-diagonal gap), no intervals. */
  readonly medians: Readonly<Record<string, number>>;
  readonly groups: readonly GroupSummary[];
  readonly perSubtask: readonly SubtaskSummary[];
  readonly options: RecordedProbeOptions;
  readonly seed: number;
  readonly notes: readonly string[];
  readonly backend: string;
  readonly elapsedMs: number;
}

/** What `probeEquivariance` returns. `toJSON()` gives a JSON-safe copy (non-finite numbers → null). */
export interface EquivarianceReport extends EquivarianceReportData {
  toJSON(): unknown;
}

/** Attaches `toJSON` to the report data. */
export function makeEquivarianceReport(data: EquivarianceReportData): EquivarianceReport {
  return {
    ...data,
    toJSON() {
      return jsonSafe(data);
    },
  };
}

/** Deep copy with NaN/±Infinity as null and typed arrays as plain arrays. */
function jsonSafe(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (v === null || typeof v !== "object") return typeof v === "function" ? undefined : v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  if (Array.isArray(v)) return v.map(jsonSafe);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "function") continue;
    out[k] = jsonSafe(x);
  }
  return out;
}
