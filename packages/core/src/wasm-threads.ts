import * as tf from "@tensorflow/tfjs-core";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { VsdError } from "./errors.js";
import { wasmApi, type WasmInstance, type WasmModule } from "./wasm-api.js";
import { WasmKernelPool } from "./wasm-kernel-pool.js";

/**
 * Multithreaded tfjs wasm backend for Node (issue 2).
 *
 * tfjs-backend-wasm ships a pthread + SIMD build of XNNPACK, but never uses it
 * in Node: its feature flag answers "no threads" there (tensorflow/tfjs#3830),
 * because Emscripten's worker script comes as a Blob URL that Node's
 * worker_threads cannot load. Everything else works in Node 20, so we load
 * the threaded build ourselves:
 * - the Emscripten factory from `wasm-out/tfjs-backend-wasm-threaded-simd.js`;
 * - a worker script that is a file (`wasm/threads-worker.cjs` in this package);
 * - `new BackendWasm(module)`, exactly as tfjs's own factory does, registered
 *   under the name "wasm", so every wasm kernel (and our overrides) applies.
 *
 * Two details of the build need care:
 * - tfjs sizes XNNPACK's pool as min(requested, logical cores / 2), assuming
 *   two hyperthreads per core; on a 2-vCPU machine that is one thread. We
 *   answer Emscripten's core-count import with 2 × the requested count, so
 *   the request decides (`VSD_WASM_THREADS`, default: every available CPU).
 * - Emscripten keeps a running pthread's worker referenced, so a pool thread
 *   would keep Node alive forever; we unreference them once the pool exists
 *   (they only ever wait on the shared memory).
 */

/** The parts of the Emscripten module this file touches. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => unknown;
  PThread: { runningWorkers: Array<{ unref(): void }> };
  tfjs?: unknown;
}

type EmscriptenFactory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

interface WasmPackage {
  BackendWasm: new (module: unknown) => tf.KernelBackend;
  setThreadsCount(n: number): void;
}

const require = createRequire(import.meta.url);

/**
 * The wasm thread count to use: `VSD_WASM_THREADS` if set (≥ 1), else
 * `requested`, else every CPU Node may use (`os.availableParallelism()`).
 */
export function resolveWasmThreads(requested?: number): number {
  const env = process.env["VSD_WASM_THREADS"]?.trim();
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new VsdError("INVALID_ARGUMENT", `VSD_WASM_THREADS must be an integer from 1 to 64; got "${env}".`);
    }
    return n;
  }
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > 64) {
      throw new VsdError("INVALID_ARGUMENT", `wasmThreads must be an integer from 1 to 64; got ${requested}.`);
    }
    return requested;
  }
  return Math.max(1, Math.min(64, availableParallelism()));
}

function workerScriptPath(): string {
  // src/wasm-threads.ts and dist/<chunk>.js both sit one level below the package root.
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of ["../wasm/threads-worker.cjs", "../../wasm/threads-worker.cjs"]) {
    const p = join(here, rel);
    if (existsSync(p)) return p;
  }
  throw new Error("the worker script wasm/threads-worker.cjs is missing from @vsd/core");
}

/** Wall-clock cap on creating the module (its workers load asynchronously). */
const CREATE_TIMEOUT_MS = 30_000;

/**
 * Creates a wasm backend whose XNNPACK runs on `threads` threads and registers
 * it as "wasm" (replacing tfjs's single-threaded factory). Call it after
 * `@tensorflow/tfjs-backend-wasm` is imported and the kernel overrides are
 * registered, before `tf.setBackend("wasm")`. Throws (with the reason) if
 * this Node cannot run wasm threads; the stock factory then stays in place.
 */
export async function registerThreadedWasmBackend(threads: number): Promise<void> {
  if (typeof SharedArrayBuffer === "undefined") throw new Error("SharedArrayBuffer is not available");
  const wasmPkg = (await import("@tensorflow/tfjs-backend-wasm")) as unknown as WasmPackage;
  const outDir = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
  const script = join(outDir, "tfjs-backend-wasm-threaded-simd.js");
  const wasmFile = join(outDir, "tfjs-backend-wasm-threaded-simd.wasm");
  const worker = workerScriptPath();
  const factory = require(script) as EmscriptenFactory;
  if (typeof factory !== "function") throw new Error(`${script} did not export an Emscripten factory`);
  const bytes = readFileSync(wasmFile);

  const created = factory({
    locateFile: (p: string) => (p.endsWith(".worker.js") ? worker : join(outDir, p)),
    mainScriptUrlOrBlob: script,
    instantiateWasm(
      info: { env: Record<string, unknown> },
      receive: (instance: WasmInstance, module: WasmModule) => void,
    ) {
      const env = { ...info.env, emscripten_num_logical_cores: () => 2 * threads };
      const imports = { ...info, env, wasi_snapshot_preview1: env };
      void wasmApi.instantiate(bytes, imports).then((r) => receive(r.instance, r.module));
      return {};
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const module = await Promise.race([
    created,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the threaded wasm module did not start within ${CREATE_TIMEOUT_MS / 1000} s`)), CREATE_TIMEOUT_MS);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
  // The same bindings tfjs-backend-wasm's own init() creates.
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
  wasmPkg.setThreadsCount(threads);
  const backend = new wasmPkg.BackendWasm(module);
  for (const w of module.PThread.runningWorkers) w.unref();

  // Built before registering, so a failure above reaches the caller with its
  // cause (tfjs swallows a failing factory's error into a console warning).
  const stock = tf.findBackendFactory("wasm");
  tf.removeBackend("wasm");
  if (!tf.registerBackend("wasm", () => backend, 2)) {
    if (stock) tf.registerBackend("wasm", stock, 2);
    throw new Error("tf.registerBackend('wasm') refused the threaded backend");
  }
}

/** Threads XNNPACK actually runs on in the current wasm backend (1 when single-threaded). */
export function wasmThreadsInUse(): number {
  const b = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
  return b.wasm?.tfjs?.getThreadsCount?.() ?? 1;
}

/**
 * Re-sizes XNNPACK's thread pool of the current (threaded) wasm backend, for
 * benchmarks that compare thread counts in one process, and limits VSD's
 * kernel pools to as many threads. tfjs cannot free the
 * previous pool, so each call leaves its threads parked: not for loops.
 */
export function setWasmThreadsForBench(threads: number): number {
  const b = tf.backend() as unknown as {
    wasm?: { tfjs?: { initWithThreadsCount?: (n: number) => void; getThreadsCount?: () => number }; PThread?: ThreadedModule["PThread"] };
  };
  // VSD's own kernel pools (threaded matMul, eval's float64 kernels) follow too.
  WasmKernelPool.threadLimit = threads;
  const api = b.wasm?.tfjs;
  if (!api?.initWithThreadsCount || !b.wasm?.PThread) return wasmThreadsInUse();
  api.initWithThreadsCount(threads);
  for (const w of b.wasm.PThread.runningWorkers) w.unref();
  return wasmThreadsInUse();
}
