import { Worker } from "node:worker_threads";
import { wasmApi, type WasmMemory, type WasmModule } from "./wasm-api.js";

/**
 * Runs calls of a wasm module's exported functions on several threads over one
 * shared memory, synchronously: a job is a list of independent tasks (each a
 * function index and up to {@link TASK_ARGS} i32 arguments) that write
 * disjoint memory. Arguments travel as float64, so i32 and f64 parameters
 * both arrive exactly. The calling thread and the helper threads take tasks from
 * an atomic counter until none is left; the caller then blocks
 * (`Atomics.wait`, allowed on Node's main thread) until the helpers that took
 * a task are done. No event loop is involved, so a tfjs kernel built on it
 * stays synchronous.
 *
 * Taking tasks dynamically matters on a shared machine: a helper that is not
 * scheduled (or still starting) takes nothing and the caller does the work,
 * instead of waiting for a fixed share. Who runs a task never changes its
 * result.
 *
 * Helper state word: 0 idle, 1 job posted, 5 working, 2 done, 4 failed, 3 exit.
 * Job block: Int32 [0] next task, [1] task count; Float64 from slot 2 on, per
 * task the function index then its arguments.
 *
 * Used by the threaded wasm matMul here and by @vsd/eval's float64 kernels;
 * available to plugins with wasm kernels of their own.
 */

/** Most i32 arguments one task can pass. */
export const TASK_ARGS = 16;
const TASK_SLOTS = TASK_ARGS + 1;
/** First Float64 slot of the tasks (after the two Int32 counters). */
const TASKS_AT = 2;
/** Most tasks in one job. */
export const MAX_TASKS = 256;
const JOB_BYTES = 8 * (TASKS_AT + TASK_SLOTS * MAX_TASKS);
/** Polls of a state word before blocking on it (~10–50 µs). */
const SPIN = 20_000;

const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, names, state, job } = workerData;
const c = new Int32Array(state);
const J = new Int32Array(job);
const F = new Float64Array(job);
let fns;
try {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
  fns = names.map((n) => e[n]);
} catch (err) {
  Atomics.store(c, 0, 4);
  Atomics.notify(c, 0);
  throw err;
}
const args = new Array(${TASK_ARGS});
for (;;) {
  // Spin briefly before sleeping: jobs of one computation come in quick
  // succession, and waking from Atomics.wait costs tens of microseconds.
  for (let i = 0; i < ${SPIN} && Atomics.load(c, 0) === 0; i++);
  Atomics.wait(c, 0, 0);
  const s = Atomics.load(c, 0);
  if (s === 3) break;
  if (s !== 1 || Atomics.compareExchange(c, 0, 1, 5) !== 1) continue;
  let out = 2;
  try {
    const n = J[1];
    for (;;) {
      const t = Atomics.add(J, 0, 1);
      if (t >= n) break;
      const at = ${TASKS_AT} + ${TASK_SLOTS} * t;
      for (let i = 0; i < ${TASK_ARGS}; i++) args[i] = F[at + 1 + i];
      fns[F[at]].apply(null, args);
    }
  } catch (err) {
    out = 4;
  }
  Atomics.store(c, 0, out);
  Atomics.notify(c, 0);
}
`;

interface Helper {
  readonly worker: Worker;
  readonly state: Int32Array;
}

export class WasmKernelPool {
  private readonly helpers: Helper[] = [];
  private readonly jobBuffer = new SharedArrayBuffer(JOB_BYTES);
  private readonly job = new Int32Array(this.jobBuffer);
  private readonly jobArgs = new Float64Array(this.jobBuffer);
  private readonly fns: ((...args: number[]) => unknown)[];
  private broken = false;
  /** Tasks run by helper threads so far (tests and benchmarks). */
  helperTasks = 0;

  /**
   * @param names exported functions tasks may call, by index
   * @param threads threads to use, this one included
   */
  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    private readonly names: readonly string[],
    readonly threads: number,
  ) {
    const exports = new wasmApi.Instance(module, { env: { memory } }).exports;
    this.fns = names.map((n) => {
      const f = exports[n];
      if (typeof f !== "function") throw new Error(`wasm module has no export "${n}"`);
      return f as (...args: number[]) => unknown;
    });
  }

  /** Calls `fn(...args)` on this thread. */
  call(fn: number, args: readonly number[]): void {
    this.fns[fn]!(...args);
  }

  /**
   * Runs every task (`[fn, ...args]`) here and on the helpers; returns when
   * all are done. Tasks must write disjoint memory.
   */
  run(tasks: readonly (readonly number[])[]): void {
    if (tasks.length > MAX_TASKS) throw new Error(`WasmKernelPool: ${tasks.length} tasks > ${MAX_TASKS}`);
    const threads = Math.min(this.threads, WasmKernelPool.threadLimit);
    const helpers = this.broken ? 0 : Math.min(threads - 1, tasks.length - 1);
    if (helpers <= 0) {
      for (const t of tasks) this.call(t[0]!, t.slice(1));
      return;
    }
    const J = this.job;
    J[1] = tasks.length;
    tasks.forEach((t, i) => {
      if (t.length > TASK_SLOTS) throw new Error(`WasmKernelPool: a task has ${t.length - 1} arguments > ${TASK_ARGS}`);
      const at = TASKS_AT + TASK_SLOTS * i;
      for (let k = 0; k < TASK_SLOTS; k++) this.jobArgs[at + k] = t[k] ?? 0;
    });
    Atomics.store(J, 0, 0);
    const posted: Helper[] = [];
    for (let h = 0; h < helpers; h++) {
      const w = this.helper(h);
      if (!w) break;
      Atomics.store(w.state, 0, 1);
      Atomics.notify(w.state, 0);
      posted.push(w);
    }
    let own = 0;
    for (;;) {
      const t = Atomics.add(J, 0, 1);
      if (t >= tasks.length) break;
      const task = tasks[t]!;
      this.call(task[0]!, task.slice(1));
      own++;
    }
    let failed = false;
    for (const w of posted) {
      // A helper that has not woken yet finds nothing left: take the post back.
      if (Atomics.compareExchange(w.state, 0, 1, 0) === 1) continue;
      for (;;) {
        let s = Atomics.load(w.state, 0);
        for (let i = 0; i < SPIN && s === 5; i++) s = Atomics.load(w.state, 0);
        if (s === 5) Atomics.wait(w.state, 0, 5);
        else if (s === 2 || s === 4) {
          failed ||= s === 4;
          Atomics.store(w.state, 0, 0);
          break;
        } else break;
      }
    }
    if (failed) {
      this.broken = true;
      throw new Error("a wasm kernel helper thread failed");
    }
    this.helperTasks += tasks.length - own;
  }

  /**
   * At most this many threads (the caller's included) run any pool's jobs,
   * for benchmarks and tests that compare thread counts in one process
   * (`setWasmThreadsForBench`). @default no limit
   */
  static threadLimit = Number.POSITIVE_INFINITY;

  /** Ends the helper threads (they exit at their next wake-up). */
  dispose(): void {
    for (const w of this.helpers) {
      Atomics.store(w.state, 0, 3);
      Atomics.notify(w.state, 0);
    }
    this.helpers.length = 0;
  }

  private helper(i: number): Helper | undefined {
    while (this.helpers.length <= i) {
      const state = new SharedArrayBuffer(16);
      let worker: Worker;
      try {
        worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module: this.module, memory: this.memory, names: [...this.names], state, job: this.jobBuffer },
        });
      } catch {
        this.broken = true;
        return undefined;
      }
      // A helper only ever waits on shared memory; it must not keep Node alive.
      worker.unref();
      this.helpers.push({ worker, state: new Int32Array(state) });
    }
    return this.helpers[i];
  }
}
