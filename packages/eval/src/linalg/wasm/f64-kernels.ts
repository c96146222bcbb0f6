import { MAX_KERNEL_TASKS, resolveWasmThreads, VsdError, WasmKernelPool, wasmApi, type WasmModule } from "@vsd/core";
import { F64_KERNELS_WASM } from "./f64-kernels.generated.js";

/**
 * Float64 SIMD (`f64x2`) WebAssembly kernels behind the FID linear algebra.
 *
 * Plain JavaScript computes float64 products one at a time (~2 GFLOP/s per core
 * here); these kernels run two lanes at once and keep a 4×4 block of the output
 * in registers (~9–10 GFLOP/s per core measured on the development machine, close
 * to the 2-lane mul+add peak without FMA). The kernels are written in the
 * WebAssembly text format in ./f64-kernel-sources.ts (kernel semantics are
 * documented there) and compiled with wabt by scripts/build-wasm.ts into
 * ./f64-kernels.generated.ts, whose binary is decoded here at first use.
 *
 * Memory model: each computation creates its own shared memory sized for its
 * buffers (one bump allocator, no free) and disposes of it (and of any helper
 * threads: @vsd/core's WasmKernelPool) when done, so nothing is retained between calls.
 */

/** Tile size of {@link F64Kernels.gebp}: 4 output rows × 4 output columns. */
export const TILE = 4;

interface KernelExports {
  gebp(a: number, b: number, kc: number, c: number, ldc: number, ip0: number, ip1: number, nJP: number, shift: number, alpha: number): void;
  symvUpper(a: number, lda: number, n: number, i0: number, i1: number, x: number, y: number): void;
  dot(x: number, y: number, n: number): number;
  axpy(alpha: number, x: number, y: number, n: number): void;
  rot(p: number, q: number, c: number, s: number, n: number): void;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // wasm32: 4 GiB
/**
 * Multiply-adds below which a product is not split across threads. A hand-off
 * costs ~10–50 µs, but on a loaded machine a helper can be preempted mid-task
 * and the caller then waits for up to a scheduler time slice (~ms): only jobs
 * of many milliseconds are worth splitting. (The symmetric matrix–vector products
 * of the tridiagonalisation, ~2 ms each at n = 2048, are therefore not split.)
 */
const PARALLEL_MIN_MADDS = 1 << 25;
/** Tasks per thread a split product is cut into. */
const CHUNKS_PER_THREAD = 8;

let compiled: WasmModule | undefined;

function kernelModule(): WasmModule {
  if (compiled === undefined) {
    const bytes = Buffer.from(F64_KERNELS_WASM, "base64");
    try {
      compiled = new wasmApi.Module(bytes);
    } catch (cause) {
      throw new VsdError("NOT_SUPPORTED", "float64 kernels need WebAssembly SIMD and threads (Node ≥ 16.4).", { cause });
    }
  }
  return compiled;
}

/** A kernel instance over its own shared memory with a bump allocator (addresses in bytes). */
export interface F64Kernels {
  /** View of the whole memory; `f64[addr / 8]` is the double at byte address `addr`. */
  readonly f64: Float64Array;
  /** Threads the products may use (this one included). */
  readonly threads: number;
  /** Kernel calls completed by helper threads so far. */
  readonly helperTasks: number;
  /** Reserves `doubles` zeroed doubles, 16-byte aligned; returns the byte address. */
  alloc(doubles: number): number;
  /**
   * The packed product `gebp` of ./f64-kernel-sources.ts over tiles ip < nIP, split into
   * row ranges of equal work across the threads (each tile is computed by one
   * thread, identically, so results do not depend on the thread count).
   */
  gebp(a: number, b: number, kc: number, c: number, ldc: number, nIP: number, nJP: number, shift: number, alpha: number): void;
  /**
   * y += A·x for the symmetric n×n A given by its upper triangle (lda in bytes;
   * this thread): `symvUpper` of ./f64-kernel-sources.ts.
   */
  symvUpper(a: number, lda: number, n: number, x: number, y: number): void;
  dot(x: number, y: number, n: number): number;
  axpy(alpha: number, x: number, y: number, n: number): void;
  /** Plane rotation of two rows, `rot` of ./f64-kernel-sources.ts. */
  rot(p: number, q: number, c: number, s: number, n: number): void;
  /** Ends helper threads; the memory is garbage once unreferenced. */
  dispose(): void;
}

/** Options of {@link createF64Kernels}. */
export interface F64KernelOptions {
  /** Threads for the products (1 = this thread only). @default the VSD_WASM_THREADS environment variable, else every available CPU */
  readonly threads?: number;
}

/**
 * Instantiates the kernels over a fresh shared memory of at least `doubles`
 * doubles (sum of what the caller will `alloc`, plus 2 per allocation for
 * alignment). Helper threads start at the first product large enough to split;
 * call `dispose()` when done.
 *
 * @throws VsdError `NOT_SUPPORTED` when that exceeds the 4 GiB of wasm32 memory or
 *   the runtime lacks WebAssembly SIMD/threads; `INVALID_ARGUMENT` for a bad
 *   thread count.
 */
export function createF64Kernels(doubles: number, options: F64KernelOptions = {}): F64Kernels {
  const threads = resolveKernelThreads(options.threads);
  const bytes = doubles * 8 + 64;
  const pages = Math.ceil(bytes / PAGE);
  if (!(pages <= MAX_PAGES)) {
    throw new VsdError("NOT_SUPPORTED", `float64 kernels: ${(bytes / 2 ** 30).toFixed(2)} GiB exceeds the 4 GiB of WebAssembly memory.`);
  }
  const module = kernelModule();
  const memory = new wasmApi.Memory({ initial: pages, maximum: pages, shared: true });
  const exports = new wasmApi.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  const f64 = new Float64Array(memory.buffer);
  const pool = new WasmKernelPool(module, memory, ["gebp"], threads);
  let top = 16;
  return {
    f64,
    threads,
    get helperTasks() {
      return pool.helperTasks;
    },
    alloc(n: number): number {
      const addr = top;
      top += Math.ceil((n * 8) / 16) * 16;
      if (top > memory.buffer.byteLength) throw new Error(`F64Kernels.alloc: out of the ${memory.buffer.byteLength} reserved bytes`);
      return addr;
    },
    gebp(a, b, kc, c, ldc, nIP, nJP, shift, alpha) {
      const first = (ip: number): number => Math.max(0, Math.trunc((TILE * ip + shift) / TILE));
      let tiles = 0;
      for (let ip = 0; ip < nIP; ip++) tiles += Math.max(0, nJP - first(ip));
      if (threads === 1 || tiles * kc * TILE * TILE < PARALLEL_MIN_MADDS) {
        exports.gebp(a, b, kc, c, ldc, 0, nIP, nJP, shift, alpha);
        return;
      }
      // Row ranges of about equal work, several per thread so that a helper
      // that is slow to run leaves its share to the others.
      const parts = Math.min(nIP, CHUNKS_PER_THREAD * threads, MAX_KERNEL_TASKS);
      const tasks: number[][] = [];
      let done = 0;
      let start = 0;
      for (let ip = 0; ip < nIP; ip++) {
        done += Math.max(0, nJP - first(ip));
        if (done >= (tiles * (tasks.length + 1)) / parts || ip === nIP - 1) {
          tasks.push([0, a, b, kc, c, ldc, start, ip + 1, nJP, shift, alpha]);
          start = ip + 1;
        }
      }
      pool.run(tasks);
    },
    symvUpper: (a, lda, n, x, y) => exports.symvUpper(a, lda, n, 0, n, x, y),
    dot: exports.dot,
    axpy: exports.axpy,
    rot: exports.rot,
    dispose: () => pool.dispose(),
  };
}

/** Rounds up to a multiple of {@link TILE}. */
export function roundUpToTile(n: number): number {
  return Math.ceil(n / TILE) * TILE;
}

/**
 * Packs `count` vectors of length `kLen` from `src` into 4-wide panels at double
 * index `dst`: P[p][k][c] = src[base + (4p + c)·sIdx + k·sK] for 4p + c < count,
 * else 0. This is the operand layout of {@link F64Kernels.gebp}.
 */
export function packPanels(
  out: Float64Array,
  dst: number,
  src: ArrayLike<number>,
  base: number,
  sIdx: number,
  sK: number,
  count: number,
  kLen: number,
): void {
  const panels = Math.ceil(count / TILE);
  let o = dst;
  for (let p = 0; p < panels; p++) {
    const i0 = p * TILE;
    const full = i0 + TILE <= count;
    const b0 = base + i0 * sIdx;
    if (full) {
      for (let k = 0; k < kLen; k++) {
        const s = b0 + k * sK;
        out[o] = src[s]!;
        out[o + 1] = src[s + sIdx]!;
        out[o + 2] = src[s + 2 * sIdx]!;
        out[o + 3] = src[s + 3 * sIdx]!;
        o += 4;
      }
    } else {
      for (let k = 0; k < kLen; k++) {
        const s = b0 + k * sK;
        for (let c = 0; c < TILE; c++) out[o + c] = i0 + c < count ? src[s + c * sIdx]! : 0;
        o += 4;
      }
    }
  }
}

/**
 * Thread count for the float64 kernels: `requested` if given, else core's
 * `resolveWasmThreads()` (`VSD_WASM_THREADS` if set, else every CPU Node may use).
 *
 * @throws VsdError `INVALID_ARGUMENT` for a count that is not an integer 1…64.
 */
export function resolveKernelThreads(requested?: number): number {
  if (requested === undefined) return resolveWasmThreads();
  if (!Number.isInteger(requested) || requested < 1 || requested > 64) {
    throw new VsdError("INVALID_ARGUMENT", `threads must be an integer from 1 to 64; got ${String(requested)}.`);
  }
  return requested;
}
