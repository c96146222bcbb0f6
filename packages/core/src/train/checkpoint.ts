import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { GenerativeModel } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { writeJsonAtomic } from "../io.js";

/** File inside each `step-N/` directory with the loop's own state. */
export const TRAIN_STATE_FILE = "train-state.json";
/** Pointer to the newest complete checkpoint, in the checkpoint directory. */
export const LATEST_FILE = "latest.json";
const FORMAT = "vsd-train-state";
const VERSION = 1;

/** What the loop needs, besides the model, to continue exactly where it stopped. */
export interface TrainState {
  readonly format: typeof FORMAT;
  readonly version: number;
  /** Steps completed. */
  readonly step: number;
  /**
   * The run's randomness. Batch rows and each step's Rng are derived from
   * (seed, step) (`BatchOrder`, `stepRng`), so the seed is the whole Rng state.
   */
  readonly rng: { readonly seed: number; readonly scheme: "derive-by-step" };
  readonly batchSize: number;
  readonly dataset: { readonly name: string; readonly n: number };
  readonly modelId: string;
  /** Loss of every completed step. */
  readonly losses: number[];
  /** Per-subtask loss of every completed step; null where a step did not report that key. */
  readonly subtaskLosses?: Record<string, (number | null)[]>;
  readonly evals: { step: number; bitsPerDim: number; bound: "exact" | "elbo" }[];
  /** Training seconds so far, over every resumed segment. */
  readonly seconds: number;
}

export interface LatestPointer {
  readonly step: number;
  readonly dir: string;
}

export function checkpointName(step: number): string {
  return `step-${step}`;
}

/**
 * Writes `step-N/` atomically: the model and the state go into a temp
 * directory that is renamed into place, then `latest.json` is replaced
 * (itself atomically) to point at it. A crash at any point leaves `latest.json`
 * naming a complete checkpoint. Older `step-*` directories beyond `keep` are
 * removed afterwards.
 */
export async function writeCheckpoint(dir: string, model: GenerativeModel, state: TrainState, keep: number): Promise<string> {
  const name = checkpointName(state.step);
  const final = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    rmSync(tmp, { recursive: true, force: true });
    await model.save(tmp);
    writeJsonAtomic(join(tmp, TRAIN_STATE_FILE), state);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (VsdError.isInstance(error)) throw error;
    throw new VsdError("IO_ERROR", `Could not write checkpoint ${final}: ${(error as Error).message}`, { cause: error });
  }
  writeJsonAtomic(join(dir, LATEST_FILE), { step: state.step, dir: name } satisfies LatestPointer);
  pruneCheckpoints(dir, keep, name);
  return final;
}

/** The newest checkpoint's directory and state, or undefined when `dir` has none. */
export function readLatestCheckpoint(dir: string): { path: string; state: TrainState } | undefined {
  const pointerPath = join(dir, LATEST_FILE);
  if (!existsSync(pointerPath)) return undefined;
  const pointer = readJson(pointerPath) as Partial<LatestPointer>;
  if (typeof pointer.dir !== "string" || !/^step-\d+$/.test(pointer.dir)) {
    throw new VsdError("CORRUPT_FILE", `${pointerPath} does not name a step-N checkpoint directory.`);
  }
  const path = join(dir, pointer.dir);
  const state = readJson(join(path, TRAIN_STATE_FILE)) as TrainState;
  if (state.format !== FORMAT || state.version !== VERSION || !Number.isInteger(state.step) || !Array.isArray(state.losses)) {
    throw new VsdError("CORRUPT_FILE", `${join(path, TRAIN_STATE_FILE)} is not a ${FORMAT} v${VERSION} file.`);
  }
  if (state.losses.length !== state.step) {
    throw new VsdError("CORRUPT_FILE", `${join(path, TRAIN_STATE_FILE)} holds ${state.losses.length} losses for ${state.step} steps.`);
  }
  return { path, state };
}

/** Builds the state record; `format`/`version` filled in. */
export function trainState(fields: Omit<TrainState, "format" | "version">): TrainState {
  return { format: FORMAT, version: VERSION, ...fields };
}

function pruneCheckpoints(dir: string, keep: number, newest: string): void {
  if (!Number.isFinite(keep)) return;
  const steps = readdirSync(dir)
    .map((e) => /^step-(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], step: Number(m[1]) }))
    .sort((a, b) => b.step - a.step);
  let kept = 0;
  for (const c of steps) {
    if (c.name === newest || kept < keep) {
      kept++;
      continue;
    }
    rmSync(join(dir, c.name), { recursive: true, force: true });
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new VsdError("IO_ERROR", `Could not read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VsdError("CORRUPT_FILE", `${path} is not valid JSON.`, { cause: error });
  }
}
