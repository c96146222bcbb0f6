import { makeBatch, type ImageDataset } from "../dataset.js";
import type { GenerativeModel, StepStats } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { createProgress, type Progress, type ProgressStream } from "../progress.js";
import { BatchOrder, stepRng } from "./batch-order.js";
import { readLatestCheckpoint, trainState, writeCheckpoint, type TrainState } from "./checkpoint.js";

/** What `onProgress` sees. Steps are counted from 1. */
export interface TrainProgress {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly subtaskLosses?: Readonly<Record<string, number>>;
  /** Training seconds so far (all segments of a resumed run). */
  readonly seconds: number;
  /** Steps per second in this segment. */
  readonly stepsPerSecond: number;
  readonly etaSeconds: number;
}

export interface TrainEval {
  readonly step: number;
  readonly bitsPerDim: number;
  readonly bound: "exact" | "elbo";
}

export interface TrainOptions {
  /** Total optimiser steps of the run (including steps done before a resume). */
  readonly steps: number;
  readonly batchSize: number;
  /** Seeds the batch order and every step's Rng. */
  readonly seed: number;
  /** Where checkpoints go (`step-N/` plus `latest.json`). @default none: no checkpoints */
  readonly checkpointDir?: string;
  /** Checkpoint every this many steps; the last step is always checkpointed. @default steps */
  readonly checkpointEvery?: number;
  /** How many `step-N/` directories to keep. @default 2 */
  readonly keepCheckpoints?: number;
  /** Continue from `checkpointDir/latest.json` when it exists. @default false */
  readonly resume?: boolean;
  /** Called every `logEvery` steps and after the last one. */
  readonly onProgress?: (progress: TrainProgress) => void;
  /** @default 1 */
  readonly logEvery?: number;
  /** Evaluate `model.nll` on the first `evalBatchSize` test images every this many steps. @default 0 (never) */
  readonly evalEvery?: number;
  /** @default batchSize */
  readonly evalBatchSize?: number;
  /** Stops after the current step (and checkpoints, if a directory is set). */
  readonly signal?: AbortSignal;
  /** Progress line: `false` for none, or a stream. Quiet (start/10 %/done lines) under CI. @default process.stderr */
  readonly progress?: false | ProgressStream;
  /** @default `train ${model.id}` */
  readonly label?: string;
}

export interface ResolvedTrainOptions {
  steps: number;
  batchSize: number;
  seed: number;
  checkpointDir: string | undefined;
  checkpointEvery: number;
  keepCheckpoints: number;
  resume: boolean;
  onProgress: ((progress: TrainProgress) => void) | undefined;
  logEvery: number;
  evalEvery: number;
  evalBatchSize: number;
  signal: AbortSignal | undefined;
  progress: false | ProgressStream;
  label: string | undefined;
}

export function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions {
  const r: ResolvedTrainOptions = {
    steps: o.steps,
    batchSize: o.batchSize,
    seed: o.seed,
    checkpointDir: o.checkpointDir,
    checkpointEvery: o.checkpointEvery ?? o.steps,
    keepCheckpoints: o.keepCheckpoints ?? 2,
    resume: o.resume ?? false,
    onProgress: o.onProgress,
    logEvery: o.logEvery ?? 1,
    evalEvery: o.evalEvery ?? 0,
    evalBatchSize: o.evalBatchSize ?? o.batchSize,
    signal: o.signal,
    progress: o.progress ?? process.stderr,
    label: o.label,
  };
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new VsdError("INVALID_ARGUMENT", `train: ${name} must be a positive integer, got ${v}.`);
  };
  positiveInt("steps", r.steps);
  positiveInt("batchSize", r.batchSize);
  positiveInt("checkpointEvery", r.checkpointEvery);
  positiveInt("keepCheckpoints", r.keepCheckpoints);
  positiveInt("logEvery", r.logEvery);
  positiveInt("evalBatchSize", r.evalBatchSize);
  if (!Number.isInteger(r.evalEvery) || r.evalEvery < 0) {
    throw new VsdError("INVALID_ARGUMENT", `train: evalEvery must be a non-negative integer, got ${r.evalEvery}.`);
  }
  if (!Number.isFinite(r.seed)) throw new VsdError("INVALID_ARGUMENT", `train: seed must be a finite number, got ${r.seed}.`);
  if (r.resume && r.checkpointDir === undefined) {
    throw new VsdError("INVALID_ARGUMENT", "train: resume needs a checkpointDir.");
  }
  return r;
}

export interface TrainResult {
  /** Loss of every completed step, in order (including steps before a resume). */
  readonly losses: Float64Array;
  /** Per-subtask loss per completed step, when the model reports them; NaN where a step did not report a key. */
  readonly subtaskLosses?: Readonly<Record<string, Float64Array>>;
  readonly evals: readonly TrainEval[];
  /** Steps completed. */
  readonly steps: number;
  /** Training seconds, over every segment of a resumed run. */
  readonly seconds: number;
  /** Σ model.flopsPerStep(batchSize) over completed steps, when the model counts FLOPs. */
  readonly flops?: number;
  /** The step a resumed run continued from, when it did. */
  readonly resumedFrom?: number;
  /** True when `signal` stopped the run early. */
  readonly aborted: boolean;
}

/**
 * Trains `model` on `dataset.train` for `steps` optimiser steps.
 *
 * Determinism: batch rows come from an epoch-wise permutation and each step's
 * Rng from (seed, step) (`BatchOrder`, `stepRng`), so a run resumed from a
 * checkpoint (`resume: true`) continues exactly as the uninterrupted run would:
 * same batches, same Rngs, and the model restores weights and optimiser state.
 *
 * A NaN/Inf loss stops the run with `VsdError("NON_FINITE")` naming the step.
 * Every batch tensor is disposed, so `tf.memory().numTensors` stays flat.
 */
export async function train(model: GenerativeModel, dataset: ImageDataset, options: TrainOptions): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  const { height, width, channels } = model.shape;
  if (height !== dataset.height || width !== dataset.width || channels !== dataset.channels) {
    throw new VsdError(
      "INVALID_SHAPE",
      `train: the model is for ${height}×${width}×${channels} images, "${dataset.name}" has ${dataset.height}×${dataset.width}×${dataset.channels}.`,
    );
  }
  const order = new BatchOrder(o.seed, dataset.train.n, o.batchSize);

  const losses = new Float64Array(o.steps);
  const subtaskLosses = new Map<string, Float64Array>();
  const evals: TrainEval[] = [];
  let start = 0;
  let priorSeconds = 0;
  let resumedFrom: number | undefined;

  if (o.resume) {
    const latest = readLatestCheckpoint(o.checkpointDir!);
    if (latest) {
      checkResumable(latest.state, o, dataset, model, latest.path);
      await model.load(latest.path);
      const s = latest.state;
      losses.set(s.losses);
      for (const [key, values] of Object.entries(s.subtaskLosses ?? {})) {
        const arr = new Float64Array(o.steps).fill(Number.NaN);
        values.forEach((v, i) => (arr[i] = v ?? Number.NaN));
        subtaskLosses.set(key, arr);
      }
      evals.push(...s.evals);
      start = s.step;
      priorSeconds = s.seconds;
      resumedFrom = s.step;
    }
  }

  const progress: Progress | undefined =
    o.progress === false
      ? undefined
      : createProgress({
          label: (o.label ?? `train ${model.id}`) + (resumedFrom !== undefined ? ` (resumed at step ${resumedFrom})` : ""),
          total: o.steps - start,
          stream: o.progress,
        });
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let step = start;
  let aborted = false;
  let checkpointed = start;

  const snapshot = (): TrainState =>
    trainState({
      step,
      rng: { seed: o.seed, scheme: "derive-by-step" },
      batchSize: o.batchSize,
      dataset: { name: dataset.name, n: dataset.train.n },
      modelId: model.id,
      losses: Array.from(losses.subarray(0, step)),
      ...(subtaskLosses.size > 0
        ? {
            subtaskLosses: Object.fromEntries(
              [...subtaskLosses].map(([k, v]) => [k, Array.from(v.subarray(0, step), (x) => (Number.isNaN(x) ? null : x))]),
            ),
          }
        : {}),
      evals: [...evals],
      seconds: priorSeconds + elapsed(),
    });

  // Training steps are synchronous, so a timer-driven signal (AbortSignal.timeout)
  // could never fire inside the loop; give the event loop's timers a turn every ~50 ms.
  let lastYield = performance.now();
  try {
    while (step < o.steps) {
      if (o.signal && !o.signal.aborted && performance.now() - lastYield > 50) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      if (o.signal?.aborted) {
        aborted = true;
        break;
      }
      const batch = makeBatch(dataset, dataset.train, order.indices(step));
      let stats: StepStats;
      try {
        stats = model.trainStep(batch, stepRng(o.seed, step));
      } catch (error) {
        if (VsdError.isInstance(error) && error.code === "NON_FINITE") {
          throw new VsdError("NON_FINITE", `train: non-finite loss at step ${step + 1} of ${o.steps}: ${error.message}`, { cause: error });
        }
        throw error;
      } finally {
        batch.images.dispose();
      }
      if (!Number.isFinite(stats.loss)) {
        throw new VsdError("NON_FINITE", `train: loss is ${stats.loss} at step ${step + 1} of ${o.steps}.`);
      }
      losses[step] = stats.loss;
      for (const [key, value] of Object.entries(stats.subtaskLosses ?? {})) {
        let arr = subtaskLosses.get(key);
        if (!arr) subtaskLosses.set(key, (arr = new Float64Array(o.steps).fill(Number.NaN)));
        arr[step] = value;
      }
      step++;

      if (o.evalEvery > 0 && (step % o.evalEvery === 0 || step === o.steps)) {
        const rows = Math.min(o.evalBatchSize, dataset.test.n);
        const evalBatch = makeBatch(dataset, dataset.test, Int32Array.from({ length: rows }, (_, i) => i));
        try {
          const r = await model.nll(evalBatch, new Rng(o.seed).derive(`train/eval/${step}`));
          evals.push({ step, bitsPerDim: r.bitsPerDim, bound: r.bound });
        } finally {
          evalBatch.images.dispose();
        }
      }

      const seconds = elapsed();
      const rate = (step - start) / Math.max(seconds, 1e-9);
      progress?.tick(1, `loss ${stats.loss.toFixed(4)}`);
      if (o.onProgress && (step % o.logEvery === 0 || step === o.steps)) {
        o.onProgress({
          step,
          steps: o.steps,
          loss: stats.loss,
          ...(stats.subtaskLosses ? { subtaskLosses: stats.subtaskLosses } : {}),
          seconds: priorSeconds + seconds,
          stepsPerSecond: rate,
          etaSeconds: (o.steps - step) / rate,
        });
      }
      if (o.checkpointDir !== undefined && (step % o.checkpointEvery === 0 || step === o.steps)) {
        await writeCheckpoint(o.checkpointDir, model, snapshot(), o.keepCheckpoints);
        checkpointed = step;
      }
    }
    // Never rewrite the checkpoint latest.json points at: a crash mid-rewrite would lose it.
    if (aborted && o.checkpointDir !== undefined && step > start && checkpointed !== step) {
      await writeCheckpoint(o.checkpointDir, model, snapshot(), o.keepCheckpoints);
    }
  } finally {
    progress?.done(aborted ? "aborted" : step > start ? `loss ${losses[step - 1]!.toFixed(4)}` : undefined);
  }

  const perStep = model.flopsPerStep?.(o.batchSize);
  return {
    losses: losses.slice(0, step),
    ...(subtaskLosses.size > 0
      ? { subtaskLosses: Object.fromEntries([...subtaskLosses].map(([k, v]) => [k, v.slice(0, step)])) }
      : {}),
    evals,
    steps: step,
    seconds: priorSeconds + elapsed(),
    ...(perStep !== undefined ? { flops: perStep * step } : {}),
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    aborted,
  };
}

function checkResumable(s: TrainState, o: ResolvedTrainOptions, dataset: ImageDataset, model: GenerativeModel, path: string): void {
  const problems: string[] = [];
  if (s.rng?.seed !== o.seed) problems.push(`seed ${s.rng?.seed} ≠ ${o.seed}`);
  if (s.batchSize !== o.batchSize) problems.push(`batchSize ${s.batchSize} ≠ ${o.batchSize}`);
  if (s.dataset?.name !== dataset.name || s.dataset?.n !== dataset.train.n) {
    problems.push(`dataset ${s.dataset?.name} (n = ${s.dataset?.n}) ≠ ${dataset.name} (n = ${dataset.train.n})`);
  }
  if (s.modelId !== model.id) problems.push(`model ${s.modelId} ≠ ${model.id}`);
  if (s.step > o.steps) problems.push(`it is at step ${s.step}, beyond steps = ${o.steps}`);
  if (problems.length > 0) {
    throw new VsdError("CHECKPOINT_MISMATCH", `train: cannot resume from ${path}: ${problems.join("; ")}.`);
  }
}
