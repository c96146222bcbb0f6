import * as tf from "@tensorflow/tfjs-core";
import type { ImageDataset } from "../dataset.js";
import type { Decomposition } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { bootstrapColumnMeans, mean, type ColumnSet } from "./bootstrap.js";
import { gatherProbeData, MIN_FIT_PAIRS, type ProbeData } from "./collect-pairs.js";
import {
  makeEquivarianceReport,
  type EquivarianceReport,
  type GroupSummary,
  type ProbeScalar,
  type RecordedProbeOptions,
  type SubtaskSummary,
} from "./equivariance-report.js";
import { UNGROUPED } from "./groups.js";
import { linearGaussianMinFitPairs, runLinearGaussianProbe } from "./linear-gaussian-probe.js";
import type { MethodOutcome } from "./method-outcome.js";
import { runNeuralProbe } from "./neural-probes.js";
import { resolveProbeOptions, selectSubtasks, type ProbeOptions, type ResolvedProbeOptions } from "./probe-options.js";

export { UNGROUPED };

/**
 * Measures how equivariant a decomposition's subtasks are (paper, Question 2,
 * Definition 1): fits a conditional model per subtask (or one shared model)
 * and reports how much worse one subtask's model does on another's pairs.
 * Only `subtasks()` and `pairs()` are used, so any plugin gets it for free.
 *
 * A non-equivariant decomposition is a result, not an error: only misuse
 * (bad options, a faulty plugin, too little data) throws a `VsdError`.
 */
export async function probeEquivariance(
  decomposition: Decomposition,
  dataset: ImageDataset,
  options: ProbeOptions = {},
): Promise<EquivarianceReport> {
  const started = Date.now();
  if (!decomposition || typeof decomposition.subtasks !== "function" || typeof decomposition.pairs !== "function") {
    throw new VsdError("PLUGIN_INVALID", "probeEquivariance needs a decomposition with subtasks() and pairs().");
  }
  const opts = resolveProbeOptions(options);
  const rng = new Rng(opts.seed);
  const all = decomposition.subtasks();
  if (!Array.isArray(all) || all.length === 0) {
    throw new VsdError("INVALID_ARGUMENT", `Decomposition "${decomposition.id}" has no subtasks to probe.`);
  }
  const { subtasks, note } = selectSubtasks(all, opts.subtasks, rng.derive("subtasks"));
  const minFit = opts.method === "linear-gaussian" ? linearGaussianMinFitPairs : () => MIN_FIT_PAIRS;
  const data = gatherProbeData(decomposition, dataset, subtasks, opts, rng.derive("data"), minFit);

  let outcome: MethodOutcome;
  if (opts.method === "linear-gaussian") {
    outcome = runLinearGaussianProbe(
      data,
      opts,
      opts.interval === "refit" ? { rng: rng.derive("bootstrap/refit"), sets: columnSets(data).sets } : undefined,
    );
  }
  else outcome = await runNeuralProbe(data, opts, rng.derive(`method/${opts.method}`));

  const notes = [...(note ? [note] : []), ...data.notes, ...outcome.notes, ...interpretationNotes(outcome)];
  return buildReport(decomposition, dataset, all.length, data, outcome, opts, rng, notes, started);
}

function describeSpace(opts: ResolvedProbeOptions): string {
  const q = opts.varianceFloor.toExponential(3);
  return opts.space === "floored"
    ? `floored: pairs in the decomposition's own units; every residual variance gets ${q} added (the variance of uniform noise over one 8-bit bin, (2/255)²/12 in [-1, 1] units)`
    : `standardized: each subtask's conditions and targets z-scored by its own fit-split mean and std (std floored at √${q}); the quantization variance ${q} in those units is added to each residual variance`;
}

/** Column sets the statistics are summarised over: all subtasks, then each group. */
function columnSets(data: ProbeData): { groupNames: string[]; sets: ColumnSet[] } {
  const groupOf = data.subtasks.map((s) => s.group ?? UNGROUPED);
  const groupNames = [...new Set(groupOf)];
  const sets: ColumnSet[] = [
    { name: "all", columns: data.subtasks.map((_, i) => i) },
    ...groupNames.map((g) => ({ name: `group:${g}`, columns: groupOf.flatMap((x, i) => (x === g ? [i] : [])) })),
  ];
  return { groupNames, sets };
}

function buildReport(
  decomposition: Decomposition,
  dataset: ImageDataset,
  totalSubtasks: number,
  data: ProbeData,
  outcome: MethodOutcome,
  opts: ResolvedProbeOptions,
  rng: Rng,
  notes: string[],
  started: number,
): EquivarianceReport {
  const { groupNames, sets } = columnSets(data);
  const statistics: Record<string, ProbeScalar> = {};
  const medians: Record<string, number> = {};
  const groupValues = groupNames.map(() => ({}) as Record<string, ProbeScalar>);
  for (const stat of outcome.statistics) {
    const ci = bootstrapColumnMeans(stat.columns, sets, rng.derive(`bootstrap/${stat.name}`), stat.intervals ? 1 : opts.bootstrapSamples, opts.ciLevel);
    if (stat.intervals) {
      // Point estimates from the data, intervals from the method's own bootstrap.
      for (const [name, iv] of stat.intervals) ci.set(name, { ...iv, value: ci.get(name)!.value });
    }
    const base = { unit: stat.unit, description: stat.description };
    statistics[stat.name] = { ...ci.get("all")!, ...base };
    if (stat.median !== undefined) medians[stat.name] = stat.median;
    groupNames.forEach((g, j) => {
      groupValues[j]![stat.name] = { ...ci.get(`group:${g}`)!, ...base, description: `${stat.description}, onto group ${g}` };
    });
  }
  const headline = outcome.statistics[0]!;
  const groups: GroupSummary[] = groupNames.map((g, j) => {
    const cols = sets[j + 1]!.columns;
    return { group: g, subtaskCount: cols.length, keys: cols.map((i) => data.subtasks[i]!.key), values: groupValues[j]! };
  });
  const perSubtask: SubtaskSummary[] = data.subtasks.map((s, i) => ({
    key: s.key,
    index: s.index,
    ...(s.group !== undefined ? { group: s.group } : {}),
    values: Object.fromEntries(outcome.statistics.map((st) => [st.name, mean(st.columns[i]!)])),
  }));
  return makeEquivarianceReport({
    kind: "vsd.equivariance-report",
    version: 1,
    method: opts.method,
    decomposition: {
      id: decomposition.id,
      ...(decomposition.description !== undefined ? { description: decomposition.description } : {}),
    },
    dataset: {
      name: dataset.name,
      height: dataset.height,
      width: dataset.width,
      channels: dataset.channels,
      trainImages: dataset.train.n,
    },
    subtasks: data.subtasks.map((s) => ({
      key: s.key,
      index: s.index,
      ...(s.group !== undefined ? { group: s.group } : {}),
      params: { ...s.params },
    })),
    totalSubtasks,
    groupNames,
    pairShape: { condition: data.dc, target: data.dt },
    images: { fit: data.fitImages, heldOut: data.heldOutImages },
    space: opts.space,
    spaceDescription: describeSpace(opts),
    varianceFloor: opts.varianceFloor,
    matrices: outcome.matrices,
    nonEquivariance: { ...statistics[headline.name]!, statistic: headline.name },
    statistics,
    medians,
    groups,
    perSubtask,
    options: recordedOptions(opts),
    seed: opts.seed,
    notes,
    backend: tf.getBackend(),
    elapsedMs: Date.now() - started,
  });
}

function recordedOptions(opts: ResolvedProbeOptions): RecordedProbeOptions {
  const { onProgress: _ignored, ...rest } = opts;
  return rest;
}

/**
 * Warnings about reading the headline number, from what the matrices show:
 * a mean ruled by a few huge gaps (e.g. MNIST border cells whose fits claim
 * near-zero variance), or negative gaps (a subtask's own fit generalising worse
 * than another's: too few or unrepresentative fit pairs).
 */
function interpretationNotes(outcome: MethodOutcome): string[] {
  const out: string[] = [];
  for (const stat of outcome.statistics) {
    const value = mean(stat.columns.map((c) => mean(c)));
    if (stat.median !== undefined && Math.abs(value) > 10 * Math.max(Math.abs(stat.median), 1e-3)) {
      out.push(
        `${stat.name}: the mean (${value.toPrecision(4)} ${stat.unit}) is ruled by a few very large entries; the median off-diagonal entry is ${stat.median.toPrecision(4)} ${stat.unit}`,
      );
    }
    if (stat.unit === "bits/dim" && stat.name.startsWith("gap") && value < 0) {
      out.push(
        `${stat.name}: negative on average — other subtasks' fits predict a subtask's held-out pairs better than its own fit, which points at own fits that overfit (too few or unrepresentative fit pairs); more pairs per subtask, or the floored space, should help`,
      );
    }
  }
  return out;
}
