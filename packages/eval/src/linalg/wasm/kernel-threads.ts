import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { VsdError } from "@vsd/core";
import type { WasmMemory, WasmModule } from "./wasm-api.js";

/**
 * Worker threads that run kernel calls on the same shared WebAssembly memory,
 * synchronously: a job is a list of independent tasks (disjoint outputs) in a
 * shared block; the calling thread and the helpers take tasks from an atomic
 * counter until none is left, then the caller blocks (Atomics.wait, allowed on
 * Node's main thread) until the helpers that took one are done. No event loop is
 * involved, so the synchronous `fid()` API stays synchronous.
 *
 * Taking tasks dynamically matters on a shared machine: a helper that is not
 * scheduled (or still starting) simply takes nothing, and the caller does the
 * work, instead of waiting for a fixed share. Who runs a task does not change
 * its result, so results never depend on the thread count or on timing.
 *
 * Per helper, one state word: 0 idle, 1 job posted, 5 working, 2 done, 4 failed,
 * 3 exit. Job block (Int32 slots): [0] next task, [1] task count, [2] op; task t's
 * i32 arguments at 16 + 12t; f64 arguments at Float64 slot JOB_FLOATS.
 */

const JOB_BYTES = 4096;
const TASK_INTS = 12;
const TASKS_AT = 16;
/** Float64 slot of the job's f64 arguments (the last 64 bytes of the block). */
const JOB_FLOATS = JOB_BYTES / 8 - 8;
/** Most tasks one job can hold. */
export const MAX_TASKS = Math.floor((JOB_FLOATS * 2 - TASKS_AT) / TASK_INTS);

/** Kernel calls a helper thread can run. */
export const KernelOp = { gebp: 1 } as const;
export type KernelOp = (typeof KernelOp)[keyof typeof KernelOp];

const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, state, job } = workerData;
const c = new Int32Array(state);
const J = new Int32Array(job);
const F = new Float64Array(job);
let e;
try {
  e = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (err) {
  Atomics.store(c, 0, 4);
  Atomics.notify(c, 0);
  throw err;
}
for (;;) {
  Atomics.wait(c, 0, 0);
  const s = Atomics.load(c, 0);
  if (s === 3) break;
  if (s !== 1 || Atomics.compareExchange(c, 0, 1, 5) !== 1) continue;
  let out = 2;
  try {
    const n = J[1], op = J[2];
    for (;;) {
      const t = Atomics.add(J, 0, 1);
      if (t >= n) break;
      const a = ${TASKS_AT} + ${TASK_INTS} * t;
      if (op === ${KernelOp.gebp}) e.gebp(J[a], J[a + 1], J[a + 2], J[a + 3], J[a + 4], J[a + 5], J[a + 6], J[a + 7], J[a + 8], F[${JOB_FLOATS}]);
      else throw new Error("unknown op " + op);
    }
  } catch (err) {
    out = 4;
  }
  Atomics.store(c, 0, out);
  Atomics.notify(c, 0);
}
`;

interface PoolWorker {
  readonly worker: Worker;
  readonly c: Int32Array;
}

/**
 * Thread count for the float64 kernels: `requested` if given, else
 * `VSD_WASM_THREADS` if set (the variable core uses for its wasm backend), else
 * every CPU Node may use.
 *
 * @throws VsdError `INVALID_ARGUMENT` for a count that is not an integer 1…64.
 */
export function resolveKernelThreads(requested?: number): number {
  const env = process.env["VSD_WASM_THREADS"]?.trim();
  const check = (n: number, what: string): number => {
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new VsdError("INVALID_ARGUMENT", `${what} must be an integer from 1 to 64; got ${String(n)}.`);
    }
    return n;
  };
  if (requested !== undefined) return check(requested, "threads");
  if (env !== undefined && env !== "") return check(Number(env), "VSD_WASM_THREADS");
  return Math.max(1, Math.min(64, availableParallelism()));
}

/** Helper threads (the caller is the first thread) bound to one module and memory. */
export class KernelThreads {
  private readonly workers: PoolWorker[] = [];
  private readonly jobBuffer = new SharedArrayBuffer(JOB_BYTES);
  private readonly job = new Int32Array(this.jobBuffer);
  private readonly jobFloats = new Float64Array(this.jobBuffer);
  private broken = false;
  /** Tasks completed by helper threads (for tests and benchmarks). */
  helperTasks = 0;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    /** Helper threads to use (threads − 1). */
    readonly helpers: number,
  ) {}

  /**
   * Runs every task (i32 arguments per task, shared f64 arguments) of one op,
   * here and on the helpers; returns when all are done. Tasks must write
   * disjoint memory. `runHere(ints, floats)` calls the kernel on this thread.
   */
  run(op: KernelOp, tasks: readonly (readonly number[])[], floats: readonly number[], runHere: (ints: readonly number[]) => void): void {
    if (tasks.length > MAX_TASKS) throw new Error(`KernelThreads: ${tasks.length} tasks > ${MAX_TASKS}`);
    const helpers = this.broken ? 0 : Math.min(this.helpers, tasks.length - 1);
    if (helpers <= 0) {
      for (const t of tasks) runHere(t);
      return;
    }
    const J = this.job;
    J[1] = tasks.length;
    J[2] = op;
    tasks.forEach((ints, t) => ints.forEach((v, k) => (J[TASKS_AT + TASK_INTS * t + k] = v)));
    floats.forEach((v, k) => (this.jobFloats[JOB_FLOATS + k] = v));
    Atomics.store(J, 0, 0);
    const posted: PoolWorker[] = [];
    for (let h = 0; h < helpers; h++) {
      const w = this.worker(h);
      if (!w) break;
      Atomics.store(w.c, 0, 1);
      Atomics.notify(w.c, 0);
      posted.push(w);
    }
    let own = 0;
    for (;;) {
      const t = Atomics.add(J, 0, 1);
      if (t >= tasks.length) break;
      runHere(tasks[t]!);
      own++;
    }
    let failed = false;
    for (const w of posted) {
      // A helper that has not started yet finds no task left: take the post back.
      if (Atomics.compareExchange(w.c, 0, 1, 0) === 1) continue;
      for (;;) {
        const s = Atomics.load(w.c, 0);
        if (s === 5) Atomics.wait(w.c, 0, 5);
        else if (s === 2 || s === 4) {
          failed ||= s === 4;
          Atomics.store(w.c, 0, 0);
          break;
        } else break;
      }
    }
    if (failed) {
      this.broken = true;
      throw new Error("a float64 kernel helper thread failed");
    }
    this.helperTasks += tasks.length - own;
  }

  /** Ends the helper threads (they exit at their next wake-up). */
  dispose(): void {
    for (const w of this.workers) {
      Atomics.store(w.c, 0, 3);
      Atomics.notify(w.c, 0);
    }
    this.workers.length = 0;
  }

  private worker(i: number): PoolWorker | undefined {
    while (this.workers.length <= i) {
      const state = new SharedArrayBuffer(16);
      let worker: Worker;
      try {
        worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.module, memory: this.memory, state, job: this.jobBuffer } });
      } catch {
        this.broken = true;
        return undefined;
      }
      // A helper only ever waits on shared memory; it must not keep the process alive.
      worker.unref();
      this.workers.push({ worker, c: new Int32Array(state) });
    }
    return this.workers[i];
  }
}
