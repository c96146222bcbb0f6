import type * as tf from "@tensorflow/tfjs-core";
import { setFlagsFromString } from "node:v8";
import { VsdError } from "./errors.js";
import { PLAIN_MEMORY_FMA_WASM, SHARED_MEMORY_FMA_WASM, SHARED_MEMORY_WASM } from "./generated/matmul-wasm.js";
import { tfjsHeapMemory, wasmApi, type TfjsWasmModuleLike } from "./wasm-api.js";
import { MAX_TASKS, WasmKernelPool } from "./wasm-kernel-pool.js";
import { resolveWasmThreads } from "./wasm-threads.js";

/**
 * A multithreaded float32 matMul for the tfjs wasm backend (issue 2).
 *
 * tfjs-backend-wasm runs every matMul through XNNPACK on one thread: its
 * BatchMatMul passes no thread pool to XNNPACK (`batch_mat_mul_impl.cc`:
 * `xnn_run_operator(op, nullptr /* thread pool *\/)`), so a threaded build
 * alone does not speed up a dense layer. This runs `wasm/matmul.wat` (packed
 * panels, 4×8 register blocks, f32x4) directly on the tfjs heap, with the
 * panels and tiles split across a {@link WasmKernelPool} of worker threads
 * sharing that memory. The transposes of a backward pass are resolved while
 * packing, so they cost nothing extra.
 *
 * Every element of C is one sequential float32 sum over k computed by one
 * thread, so the result does not depend on the thread count or on timing.
 *
 * Fused multiply-add: wasm SIMD has no FMA, so each step of the sum is a
 * multiply and an add (two instructions, two roundings), which halves what a
 * core can do. The relaxed SIMD proposal's `f32x4.relaxed_madd` compiles to
 * one FMA instruction where the CPU has one (x86 FMA3, Arm NEON). V8 ships it
 * from 11.4 (Node 22); Node 20's V8 11.3 has it behind
 * `--experimental-wasm-relaxed-simd`, which {@link wasmFmaAvailable} sets at
 * run time (wasm features are read when a module is compiled). With FMA the
 * products differ from XNNPACK's in the last bits (one rounding per step
 * instead of two; the error bound is the same), are still the same for any
 * thread count, and are the same on every run of one machine.
 * `VSD_WASM_FMA=0` keeps the plain build.
 */

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: TfjsWasmModuleLike;
}

// packB and gemm are internal: panelGemm runs both for its panels.
const FN = { packA: 0, panelGemm: 1 } as const;
const NAMES = ["packA", "panelGemm"];

/**
 * Multiply-adds below which the product stays on XNNPACK: below it the hand-off
 * to helper threads (~10–50 µs) and the packing cost more than they save.
 */
export const PARALLEL_MATMUL_MIN_MADDS = 1 << 21;

let fmaAvailable: boolean | undefined;

/**
 * Whether this runtime compiles `f32x4.relaxed_madd`, enabling V8's relaxed
 * SIMD flag first if it needs it (Node 20). Process-wide and checked once.
 */
export function wasmFmaAvailable(): boolean {
  if (fmaAvailable !== undefined) return fmaAvailable;
  const bin = Buffer.from(SHARED_MEMORY_FMA_WASM, "base64");
  fmaAvailable = wasmApi.validate(bin);
  if (!fmaAvailable) {
    try {
      setFlagsFromString("--experimental-wasm-relaxed-simd");
      fmaAvailable = wasmApi.validate(bin);
    } catch {
      fmaAvailable = false;
    }
  }
  return fmaAvailable;
}

/** `VSD_WASM_FMA`: "0" keeps the plain build, "1" or unset uses FMA where available. */
export function wasmFmaWanted(): boolean {
  const v = process.env["VSD_WASM_FMA"]?.trim();
  if (v === undefined || v === "" || v === "1") return true;
  if (v === "0") return false;
  throw new VsdError("INVALID_ARGUMENT", `VSD_WASM_FMA must be 0 (no fused multiply-add) or 1 (use it where available); got "${v}".`);
}

let useFma: boolean | undefined;
const pools = new WeakMap<object, Map<boolean, WasmKernelPool | null>>();

function poolFor(backend: HeapBackend): WasmKernelPool | null {
  useFma ??= wasmFmaWanted() && wasmFmaAvailable();
  let byKind = pools.get(backend.wasm);
  if (!byKind) pools.set(backend.wasm, (byKind = new Map()));
  const cached = byKind.get(useFma);
  if (cached !== undefined) return cached;
  let pool: WasmKernelPool | null = null;
  try {
    // Worker threads need the threaded build's shared heap. On one thread the
    // kernel only pays off with FMA (without, XNNPACK is as fast), so the
    // single-threaded build keeps XNNPACK unless FMA is on.
    const heap = tfjsHeapMemory(backend.wasm);
    const threads = heap?.shared ? resolveWasmThreads() : 1;
    if (heap && (threads > 1 || useFma)) {
      const bin = !heap.shared ? PLAIN_MEMORY_FMA_WASM : useFma ? SHARED_MEMORY_FMA_WASM : SHARED_MEMORY_WASM;
      pool = new WasmKernelPool(new wasmApi.Module(Buffer.from(bin, "base64")), heap.memory, NAMES, threads);
    }
  } catch {
    pool = null; // no wasm SIMD or threads here: XNNPACK on one thread
  }
  byKind.set(useFma, pool);
  return pool;
}

/**
 * Chooses the FMA build (true, where available) or the plain one (false) for
 * the threaded matMul, for benchmarks and tests; returns whether FMA is now used.
 */
export function setWasmMatMulFma(on: boolean): boolean {
  useFma = on && wasmFmaAvailable();
  return useFma;
}

/** Whether the threaded matMul of this backend uses fused multiply-adds (false when it is not used). */
export function wasmMatMulUsesFma(backend: object): boolean {
  return wasmMatMulThreads(backend) > 0 && useFma === true;
}

let enabled = true;
/** Switches the threaded matMul off (XNNPACK) or on, for benchmarks and tests. */
export function setWasmThreadedMatMulEnabled(on: boolean): void {
  enabled = on;
}

/** Threads the threaded matMul runs on for this backend (0 when it is not used). */
export function wasmMatMulThreads(backend: object): number {
  const pool = poolFor(backend as HeapBackend);
  return pool && enabled ? pool.threads : 0;
}

/** Tasks helper threads have run (tests: proves the work was shared). */
export function wasmMatMulHelperTasks(backend: object): number {
  let n = 0;
  for (const pool of pools.get((backend as HeapBackend).wasm)?.values() ?? []) n += pool?.helperTasks ?? 0;
  return n;
}

const align16 = (x: number) => (x + 15) & ~15;

/** What the kernel can fuse into the product, as `_FusedMatMul` does. */
export interface MatMulEpilogue {
  /** Added to every row: n floats (any shape of n elements). */
  readonly bias?: tf.TensorInfo;
  readonly activation?: "linear" | "relu";
}

/**
 * C = op(A)·op(B) [+ bias] [relu] for float32 operands with one matrix each
 * (any leading dims of size 1). Returns undefined (caller uses XNNPACK) when
 * the kernel does not apply: one thread without FMA, a small product, batches,
 * non-float32, or a bias that is not a vector of n.
 */
export function threadedMatMul(
  backendLike: unknown,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: MatMulEpilogue = {},
): tf.TensorInfo | undefined {
  if (!enabled || a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const { bias } = epilogue;
  const relu = (epilogue.activation ?? "linear") === "relu";
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  const batchOf = (s: readonly number[]) => s.slice(0, -2).reduce((p, d) => p * d, 1);
  if (batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1) return undefined;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb || m === 0 || n === 0 || k === 0 || m * n * k < PARALLEL_MATMUL_MIN_MADDS) return undefined;
  if (bias && (bias.dtype !== "float32" || bias.shape.reduce((p, d) => p * d, 1) !== n || bias.shape.at(-1) !== n)) return undefined;
  const backend = backendLike as HeapBackend;
  const pool = poolFor(backend);
  if (!pool) return undefined;

  const lead = (ra >= rb ? a.shape : b.shape).slice(0, -2);
  const out = backend.makeOutput([...lead, m, n], "float32");
  const nib = Math.ceil(m / 4);
  const njp = Math.ceil(n / 8);
  const chunks = Math.min(MAX_TASKS, pool.threads * 4);
  const scratchBytes = 128 * chunks;
  // One temporary heap buffer: packed A, packed B, per-task scratch (16-aligned each).
  const biasBytes = bias ? njp * 32 : 0;
  const bytes = 16 + nib * k * 16 + njp * k * 32 + scratchBytes + biasBytes;
  const tmp = backend.makeOutput([Math.ceil(bytes / 4)], "float32");
  try {
    // Offsets only after every allocation (an allocation can grow the memory).
    const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const ap = align16(ptr(tmp));
    const bp = ap + nib * k * 16;
    const scratch = bp + njp * k * 32;
    // The bias, zero-padded to whole panels, so edge tiles read no foreign memory.
    const biasAt = bias ? scratch + scratchBytes : 0;
    if (bias) {
      const heap = backend.typedArrayFromHeap(tmp);
      const from = (biasAt - ptr(tmp)) / 4;
      heap.fill(0, from, from + njp * 8);
      heap.set(backend.typedArrayFromHeap(bias), from);
    }
    const lda = (transposeA ? m : k) * 4;
    const ldb = (transposeB ? k : n) * 4;
    const split = (count: number, parts: number): [number, number][] => {
      const p = Math.max(1, Math.min(parts, count));
      return Array.from({ length: p }, (_, i) => [Math.floor((i * count) / p), Math.floor(((i + 1) * count) / p)] as [number, number]);
    };
    // A is packed here (a fast copy, every task reads all of it); then one job
    // in which each task packs its own B panels and computes their tiles.
    pool.call(FN.packA, [ptr(a), lda, k, m, ap, 0, nib, transposeA ? 1 : 0]);
    pool.run(
      split(njp, chunks).map(([j0, j1], t) => [
        FN.panelGemm, ptr(b), ldb, transposeB ? 1 : 0, ap, bp, k, ptr(out), n * 4, m, n, j0, j1, scratch + 128 * t, biasAt, relu ? 1 : 0,
      ]),
    );
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  } finally {
    backend.disposeData(tmp.dataId);
  }
  return out;
}
