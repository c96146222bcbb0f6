import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerativeModel } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { MODEL_STATE_DATA } from "../nn/model-state.js";
import { sequenceDataset } from "../reference/sequence-dataset.js";
import { createTinyModel } from "../reference/tiny-model.js";
import { BatchOrder, stepRng } from "./batch-order.js";
import { LATEST_FILE, TRAIN_STATE_FILE, readLatestCheckpoint } from "./checkpoint.js";
import { train, type TrainProgress } from "./train.js";

const data = sequenceDataset({ n: 40, nTest: 8, length: 6, dim: 2, seed: 3 });
const make = (seed = 1) => createTinyModel({ shape: data, seed, hidden: 16 });

async function errorOf(p: Promise<unknown>): Promise<VsdError> {
  try {
    await p;
  } catch (error) {
    if (VsdError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a VsdError");
}

/** Writes every line into an array, like a non-TTY stream. */
function sink(): { write(s: string): boolean; lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (s: string) => (lines.push(s), true) };
}

describe("BatchOrder", () => {
  it("visits every row once per epoch, in a different order each epoch, straddling epochs", () => {
    const order = new BatchOrder(7, 10, 4);
    const rows = [0, 1, 2, 3, 4].flatMap((s) => Array.from(order.indices(s)));
    expect([...rows.slice(0, 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...rows.slice(10, 20)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows.slice(0, 10)).not.toEqual(rows.slice(10, 20));
    // Random access equals sequential access (what resume relies on).
    expect(Array.from(new BatchOrder(7, 10, 4).indices(3))).toEqual(rows.slice(12, 16));
    expect(Array.from(new BatchOrder(8, 10, 4).indices(0))).not.toEqual(rows.slice(0, 4));
  });

  it("derives each step's Rng from (seed, step) only, and rejects bad sizes", () => {
    expect(stepRng(3, 5).uniform()).toBe(stepRng(3, 5).uniform());
    expect(stepRng(3, 5).uniform()).not.toBe(stepRng(3, 6).uniform());
    expect(() => new BatchOrder(1, 4, 5)).toThrow(VsdError);
    expect(() => new BatchOrder(1, 0, 1)).toThrow(VsdError);
  });
});

describe("train", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vsd-train-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains (loss falls), reports progress and FLOPs, keeps tf.memory().numTensors flat from step 1", async () => {
    const model = make();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const seen: TrainProgress[] = [];
    const stream = sink();
    const result = await train(model, data, {
      steps: 40,
      batchSize: 8,
      seed: 5,
      progress: stream,
      onProgress: (p) => {
        counts.push(tf.memory().numTensors);
        seen.push(p);
      },
      evalEvery: 20,
    });
    expect(result.steps).toBe(40);
    expect(result.losses).toHaveLength(40);
    expect(result.aborted).toBe(false);
    const head = (result.losses[0]! + result.losses[1]! + result.losses[2]!) / 3;
    const tail = (result.losses[37]! + result.losses[38]! + result.losses[39]!) / 3;
    expect(tail).toBeLessThan(head - 0.3);
    expect(counts).toHaveLength(40);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBe(before);
    expect(tf.memory().numTensors).toBe(before);
    expect(seen.map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(seen[39]!.etaSeconds).toBe(0);
    expect(seen.every((p) => p.stepsPerSecond > 0 && p.steps === 40)).toBe(true);
    expect(result.flops).toBe(40 * model.flopsPerStep!(8));
    expect(result.evals.map((e) => e.step)).toEqual([20, 40]);
    expect(result.evals[1]!.bound).toBe("exact");
    expect(result.evals[1]!.bitsPerDim).toBeLessThan(result.evals[0]!.bitsPerDim + 0.05);
    // The tiny model reports a loss per position; their mean is the step loss.
    const keys = Object.keys(result.subtaskLosses!);
    expect(keys).toEqual(["pos/0", "pos/1", "pos/2", "pos/3", "pos/4", "pos/5"]);
    const mean = keys.reduce((s, k) => s + result.subtaskLosses![k]![39]!, 0) / keys.length;
    expect(Math.abs(mean - result.losses[39]!)).toBeLessThan(1e-5);
    // Non-TTY progress: a start line, 10 % milestones, a done line with the rate.
    expect(stream.lines[0]).toMatch(/^train tiny: started \(40 total\)/);
    expect(stream.lines.at(-1)).toMatch(/^train tiny: done 40\/40 in .* it\/s\) loss \d/);
    model.dispose();
  });

  it("resumes exactly: 2N steps straight = N steps + resume N (bitwise losses and weights)", async () => {
    const before = tf.memory().numTensors;
    const N = 6;
    const straightDir = join(dir, "straight");
    const splitDir = join(dir, "split");
    const a = make(2);
    const straight = await train(a, data, { steps: 2 * N, batchSize: 8, seed: 9, checkpointDir: straightDir, checkpointEvery: N, progress: false });

    const b = make(2);
    const first = await train(b, data, { steps: N, batchSize: 8, seed: 9, checkpointDir: splitDir, checkpointEvery: N, progress: false });
    b.dispose();
    expect(Array.from(first.losses)).toEqual(Array.from(straight.losses.subarray(0, N)));
    // A new process would start from a fresh model: different initial weights even.
    const c = make(99);
    const resumed = await train(c, data, { steps: 2 * N, batchSize: 8, seed: 9, checkpointDir: splitDir, checkpointEvery: N, resume: true, progress: false });
    expect(resumed.resumedFrom).toBe(N);
    expect(resumed.steps).toBe(2 * N);
    expect(Array.from(resumed.losses)).toEqual(Array.from(straight.losses));
    for (const k of Object.keys(straight.subtaskLosses!)) {
      expect(Array.from(resumed.subtaskLosses![k]!)).toEqual(Array.from(straight.subtaskLosses![k]!));
    }
    // Weights and optimiser moments, byte for byte.
    const bytes = (d: string) => readFileSync(join(d, `step-${2 * N}`, MODEL_STATE_DATA));
    expect(Buffer.compare(bytes(straightDir), bytes(splitDir))).toBe(0);
    a.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("writes checkpoints as step-N/ with a latest pointer, keeps the newest ones, leaves no temp files", async () => {
    const before = tf.memory().numTensors;
    const ck = join(dir, "ck");
    const model = make(3);
    await train(model, data, { steps: 10, batchSize: 4, seed: 1, checkpointDir: ck, checkpointEvery: 3, keepCheckpoints: 2, progress: false });
    // Checkpoints at 3, 6, 9 and the last step 10; the two newest are kept.
    expect(readdirSync(ck).sort()).toEqual([LATEST_FILE, "step-10", "step-9"]);
    expect(JSON.parse(readFileSync(join(ck, LATEST_FILE), "utf8"))).toEqual({ step: 10, dir: "step-10" });
    const latest = readLatestCheckpoint(ck)!;
    expect(latest.state.step).toBe(10);
    expect(latest.state.losses).toHaveLength(10);
    expect(latest.state.rng).toEqual({ seed: 1, scheme: "derive-by-step" });
    expect(existsSync(join(ck, "step-10", TRAIN_STATE_FILE))).toBe(true);
    expect(readdirSync(join(ck, "step-10")).some((f) => f.includes("tmp"))).toBe(false);
    // Resuming a finished run does no work and returns the recorded losses.
    const again = await train(model, data, { steps: 10, batchSize: 4, seed: 1, checkpointDir: ck, resume: true, progress: false });
    expect(Array.from(again.losses)).toEqual(latest.state.losses);
    // A run with other settings must not silently continue this one.
    const mismatch = await errorOf(train(model, data, { steps: 12, batchSize: 4, seed: 2, checkpointDir: ck, resume: true, progress: false }));
    expect(mismatch.code).toBe("CHECKPOINT_MISMATCH");
    expect(mismatch.message).toContain("seed 1 ≠ 2");
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stops with NON_FINITE naming the step when the loss is NaN/Inf (returned or thrown by the optimiser)", async () => {
    const before = tf.memory().numTensors;
    const model = make(4);
    let calls = 0;
    const poisoned: GenerativeModel = Object.assign(Object.create(model) as GenerativeModel, {
      trainStep: (batch: Parameters<GenerativeModel["trainStep"]>[0], rng: Parameters<GenerativeModel["trainStep"]>[1]) => {
        const stats = model.trainStep(batch, rng);
        return ++calls === 3 ? { loss: Number.POSITIVE_INFINITY } : stats;
      },
    });
    const e = await errorOf(train(poisoned, data, { steps: 10, batchSize: 4, seed: 1, progress: false }));
    expect(e.code).toBe("NON_FINITE");
    expect(e.message).toContain("at step 3 of 10");
    const throwing: GenerativeModel = Object.assign(Object.create(model) as GenerativeModel, {
      trainStep: () => {
        throw new VsdError("NON_FINITE", "Loss is NaN at optimiser step 1; no update applied.");
      },
    });
    const t = await errorOf(train(throwing, data, { steps: 5, batchSize: 4, seed: 1, progress: false }));
    expect(t.code).toBe("NON_FINITE");
    expect(t.message).toMatch(/at step 1 of 5: Loss is NaN/);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a timer-driven AbortSignal.timeout stops a run of synchronous steps", async () => {
    const before = tf.memory().numTensors;
    const m = make(5);
    const t0 = performance.now();
    // 100,000 steps would take minutes; the 300 ms timeout must get a turn to fire.
    const r = await train(m, data, { steps: 100_000, batchSize: 4, seed: 3, progress: false, signal: AbortSignal.timeout(300) });
    expect(r.aborted).toBe(true);
    expect(r.steps).toBeLessThan(100_000);
    expect(performance.now() - t0).toBeLessThan(10_000);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("an abort signal stops after the current step and checkpoints, and the run resumes to the same result", async () => {
    const before = tf.memory().numTensors;
    const ck = join(dir, "abort");
    const controller = new AbortController();
    const a = make(5);
    const stopped = await train(a, data, {
      steps: 8,
      batchSize: 4,
      seed: 3,
      checkpointDir: ck,
      progress: false,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 3) controller.abort();
      },
    });
    expect(stopped.aborted).toBe(true);
    expect(stopped.steps).toBe(3);
    expect(readLatestCheckpoint(ck)!.state.step).toBe(3);
    expect(readdirSync(ck).sort()).toEqual([LATEST_FILE, "step-3"]);
    a.dispose();
    const b = make(5);
    const resumed = await train(b, data, { steps: 8, batchSize: 4, seed: 3, checkpointDir: ck, resume: true, progress: false });
    const c = make(5);
    const straight = await train(c, data, { steps: 8, batchSize: 4, seed: 3, progress: false });
    expect(Array.from(resumed.losses)).toEqual(Array.from(straight.losses));
    b.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad options and mismatched shapes with VsdError", async () => {
    const model = make();
    const codes = async (opts: Parameters<typeof train>[2], d = data) => (await errorOf(train(model, d, opts))).code;
    expect(await codes({ steps: 0, batchSize: 4, seed: 1 })).toBe("INVALID_ARGUMENT");
    expect(await codes({ steps: 5, batchSize: 2.5, seed: 1 })).toBe("INVALID_ARGUMENT");
    expect(await codes({ steps: 5, batchSize: 4, seed: 1, resume: true })).toBe("INVALID_ARGUMENT");
    expect(await codes({ steps: 5, batchSize: 41, seed: 1, progress: false })).toBe("INSUFFICIENT_DATA");
    const other = sequenceDataset({ n: 8, nTest: 2, length: 5, dim: 2 });
    expect(await codes({ steps: 5, batchSize: 4, seed: 1 }, other)).toBe("INVALID_SHAPE");
    model.dispose();
  });
});
