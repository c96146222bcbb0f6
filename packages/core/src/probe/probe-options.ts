import type { Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";

/** The four ways the probe measures Definition 1 (paper, Question 2). */
export type ProbeMethod = "linear-gaussian" | "transfer" | "shared-vs-separate" | "gradient-conflict";

export const PROBE_METHODS: readonly ProbeMethod[] = [
  "linear-gaussian",
  "transfer",
  "shared-vs-separate",
  "gradient-conflict",
];

/**
 * Which subtasks to probe: all; every k-th (from `offset`); those in the listed
 * groups; those with the listed keys; or at most N (a seeded random subset,
 * kept in the decomposition's order).
 */
export type SubtaskSelection =
  | "all"
  | { readonly every: number; readonly offset?: number }
  | { readonly groups: readonly string[] }
  | { readonly keys: readonly string[] }
  | { readonly max: number };

/**
 * Units the Gaussian conditionals live in.
 * - `floored`: the decomposition's own units ([−1, 1] pixels for image
 *   decompositions); every residual variance gets the 8-bit quantization
 *   variance (2/255)²/12 added.
 * - `standardized`: each subtask's conditions and targets are z-scored by that
 *   subtask's own fit-split mean and std (std floored at the quantization std),
 *   and the floor is the quantization variance in those units. Gaps then
 *   ignore what a per-subtask affine rescaling could fix.
 */
export type ProbeSpace = "floored" | "standardized";

/** Output variance of the neural conditionals. */
export type NeuralVariance = "learned" | "fixed";

export interface ProbeOptions {
  /** @default "linear-gaussian" */
  readonly method?: ProbeMethod;
  /** @default { max: 64 } */
  readonly subtasks?: SubtaskSelection;
  /** Images drawn per subtask (one pair per image for most decompositions). @default 2000 */
  readonly pairsPerSubtask?: number;
  /** Fraction of the images held out for evaluation. @default 0.25 */
  readonly heldOutFraction?: number;
  /** @default 0 */
  readonly seed?: number;
  /** @default "floored" */
  readonly space?: ProbeSpace;
  /** Quantization variance in the data's units. @default (2/255)²/12 */
  readonly varianceFloor?: number;
  /** Ridge strength relative to the mean condition variance. @default 1e-4 */
  readonly ridge?: number;
  /** Optimizer steps per model for the neural methods. @default 300 */
  readonly budget?: number;
  /** Pairs per subtask per optimizer step (neural methods). @default 64 */
  readonly batchSize?: number;
  /** Hidden width of the neural conditionals. @default 64 */
  readonly hiddenUnits?: number;
  /** Adam learning rate of the neural methods. @default 3e-3 */
  readonly learningRate?: number;
  /** @default "learned" */
  readonly variance?: NeuralVariance;
  /** `transfer`: one model per subtask or per group. @default "subtask" */
  readonly transferUnit?: "subtask" | "group";
  /** Bootstrap resamples for confidence intervals. @default 1000 */
  readonly bootstrapSamples?: number;
  /** Confidence level of the intervals. @default 0.95 */
  readonly ciLevel?: number;
  /**
   * `held-out`: resample held-out images (fast; misses the fits' own noise,
   * so intervals around large gaps are too narrow). `refit` (linear-gaussian
   * only): block bootstrap that refits every subtask per replicate (at most 200
   * replicates). @default "held-out"
   */
  readonly interval?: "held-out" | "refit";
  /** Images per `pairs()` call, to bound memory. @default 512 */
  readonly imageBatch?: number;
  /** Called as work progresses (done, total). */
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

export interface ResolvedProbeOptions {
  readonly method: ProbeMethod;
  readonly subtasks: SubtaskSelection;
  readonly pairsPerSubtask: number;
  readonly heldOutFraction: number;
  readonly seed: number;
  readonly space: ProbeSpace;
  readonly varianceFloor: number;
  readonly ridge: number;
  readonly budget: number;
  readonly batchSize: number;
  readonly hiddenUnits: number;
  readonly learningRate: number;
  readonly variance: NeuralVariance;
  readonly transferUnit: "subtask" | "group";
  readonly bootstrapSamples: number;
  readonly ciLevel: number;
  readonly interval: "held-out" | "refit";
  readonly imageBatch: number;
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

/** Variance of uniform noise over one 8-bit bin in [−1, 1] units: (2/255)²/12. */
export const QUANTIZATION_VARIANCE_8BIT = (2 / 255) ** 2 / 12;

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) {
    throw new VsdError("INVALID_ARGUMENT", `Probe option ${name} must be a positive integer, got ${v}.`);
  }
  return v;
}

function inRange(name: string, v: number, lo: number, hi: number): number {
  if (!(v > lo && v < hi)) {
    throw new VsdError("INVALID_RANGE", `Probe option ${name} must lie in (${lo}, ${hi}), got ${v}.`);
  }
  return v;
}

/** Fills in defaults and rejects malformed options with a `VsdError`. */
export function resolveProbeOptions(options: ProbeOptions = {}): ResolvedProbeOptions {
  const method = options.method ?? "linear-gaussian";
  if (!PROBE_METHODS.includes(method)) {
    throw new VsdError("INVALID_ARGUMENT", `Unknown probe method "${String(method)}"; expected one of ${PROBE_METHODS.join(", ")}.`);
  }
  const space = options.space ?? "floored";
  if (space !== "floored" && space !== "standardized") {
    throw new VsdError("INVALID_ARGUMENT", `Probe option space must be "floored" or "standardized", got "${String(space)}".`);
  }
  const variance = options.variance ?? "learned";
  if (variance !== "learned" && variance !== "fixed") {
    throw new VsdError("INVALID_ARGUMENT", `Probe option variance must be "learned" or "fixed", got "${String(variance)}".`);
  }
  const transferUnit = options.transferUnit ?? "subtask";
  if (transferUnit !== "subtask" && transferUnit !== "group") {
    throw new VsdError("INVALID_ARGUMENT", `Probe option transferUnit must be "subtask" or "group", got "${String(transferUnit)}".`);
  }
  const interval = options.interval ?? "held-out";
  if (interval !== "held-out" && interval !== "refit") {
    throw new VsdError("INVALID_ARGUMENT", `Probe option interval must be "held-out" or "refit", got "${String(interval)}".`);
  }
  if (interval === "refit" && method !== "linear-gaussian") {
    throw new VsdError("NOT_SUPPORTED", `interval "refit" is implemented for the linear-gaussian method only, not "${method}".`);
  }
  const subtasks = options.subtasks ?? { max: 64 };
  validateSelection(subtasks);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new VsdError("INVALID_ARGUMENT", `Probe option seed must be an integer, got ${seed}.`);
  const varianceFloor = options.varianceFloor ?? QUANTIZATION_VARIANCE_8BIT;
  if (!(varianceFloor > 0 && Number.isFinite(varianceFloor))) {
    throw new VsdError("INVALID_RANGE", `Probe option varianceFloor must be a positive number, got ${varianceFloor}.`);
  }
  const ridge = options.ridge ?? 1e-4;
  if (!(ridge >= 0 && Number.isFinite(ridge))) {
    throw new VsdError("INVALID_RANGE", `Probe option ridge must be ≥ 0, got ${ridge}.`);
  }
  const learningRate = options.learningRate ?? 3e-3;
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new VsdError("INVALID_RANGE", `Probe option learningRate must be positive, got ${learningRate}.`);
  }
  return {
    method,
    subtasks,
    pairsPerSubtask: positiveInt("pairsPerSubtask", options.pairsPerSubtask ?? 2000),
    heldOutFraction: inRange("heldOutFraction", options.heldOutFraction ?? 0.25, 0, 1),
    seed,
    space,
    varianceFloor,
    ridge,
    budget: positiveInt("budget", options.budget ?? 300),
    batchSize: positiveInt("batchSize", options.batchSize ?? 64),
    hiddenUnits: positiveInt("hiddenUnits", options.hiddenUnits ?? 64),
    learningRate,
    variance,
    transferUnit,
    bootstrapSamples: positiveInt("bootstrapSamples", options.bootstrapSamples ?? 1000),
    ciLevel: inRange("ciLevel", options.ciLevel ?? 0.95, 0, 1),
    interval,
    imageBatch: positiveInt("imageBatch", options.imageBatch ?? 512),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}

function validateSelection(s: SubtaskSelection): void {
  if (s === "all") return;
  if (typeof s !== "object" || s === null) {
    throw new VsdError("INVALID_ARGUMENT", `Probe option subtasks must be "all" or an object, got ${String(s)}.`);
  }
  if ("every" in s) {
    positiveInt("subtasks.every", s.every);
    if (s.offset !== undefined && !(Number.isInteger(s.offset) && s.offset >= 0)) {
      throw new VsdError("INVALID_ARGUMENT", `Probe option subtasks.offset must be a non-negative integer, got ${s.offset}.`);
    }
  } else if ("max" in s) {
    positiveInt("subtasks.max", s.max);
  } else if ("groups" in s) {
    if (!Array.isArray(s.groups) || s.groups.length === 0) {
      throw new VsdError("INVALID_ARGUMENT", "Probe option subtasks.groups must list at least one group.");
    }
  } else if ("keys" in s) {
    if (!Array.isArray(s.keys) || s.keys.length === 0) {
      throw new VsdError("INVALID_ARGUMENT", "Probe option subtasks.keys must list at least one key.");
    }
  } else {
    throw new VsdError("INVALID_ARGUMENT", "Probe option subtasks must be \"all\", {every}, {groups}, {keys} or {max}.");
  }
}

/** The chosen subtasks (in the decomposition's order) and a note when some were left out. */
export function selectSubtasks(
  all: readonly Subtask[],
  selection: SubtaskSelection,
  rng: Rng,
): { subtasks: Subtask[]; note?: string } {
  if (all.length === 0) {
    throw new VsdError("INVALID_ARGUMENT", "The decomposition has no subtasks to probe.");
  }
  let chosen: Subtask[];
  let how: string;
  if (selection === "all") {
    chosen = [...all];
    how = "all";
  } else if ("every" in selection) {
    const off = selection.offset ?? 0;
    chosen = all.filter((_, i) => i >= off && (i - off) % selection.every === 0);
    how = `every ${ordinal(selection.every)} from position ${off}`;
  } else if ("groups" in selection) {
    const want = new Set(selection.groups);
    chosen = all.filter((s) => s.group !== undefined && want.has(s.group));
    how = `groups ${selection.groups.join(", ")}`;
  } else if ("keys" in selection) {
    const byKey = new Map(all.map((s) => [s.key, s]));
    chosen = selection.keys.map((k) => {
      const s = byKey.get(k);
      if (!s) throw new VsdError("INVALID_ARGUMENT", `No subtask has key "${k}".`);
      return s;
    });
    how = "listed keys";
  } else {
    if (all.length <= selection.max) {
      chosen = [...all];
      how = "all";
    } else {
      const idx = Array.from(rng.sample(all.length, selection.max)).sort((a, b) => a - b);
      chosen = idx.map((i) => all[i]!);
      how = `a seeded random subset (max ${selection.max})`;
    }
  }
  if (chosen.length < 2) {
    throw new VsdError(
      "INVALID_ARGUMENT",
      `The subtask selection leaves ${chosen.length} subtask(s); the probe compares subtasks and needs at least 2.`,
    );
  }
  const keys = new Set(chosen.map((s) => s.key));
  if (keys.size !== chosen.length) {
    throw new VsdError("CONTRACT_VIOLATION", "The decomposition returned duplicate subtask keys.");
  }
  if (chosen.length === all.length) return { subtasks: chosen };
  return { subtasks: chosen, note: `sub-sampled ${chosen.length} of ${all.length} subtasks: ${how}` };
}

function ordinal(k: number): string {
  if (k % 10 === 1 && k % 100 !== 11) return `${k}st`;
  if (k % 10 === 2 && k % 100 !== 12) return `${k}nd`;
  if (k % 10 === 3 && k % 100 !== 13) return `${k}rd`;
  return `${k}th`;
}
