import { VsdError } from "@vsd/core";
import { assembleModule, type ValType, type WasmFunctionSource } from "./assemble.js";
import { KernelOp, KernelThreads, MAX_TASKS, resolveKernelThreads } from "./kernel-threads.js";
import { wasmApi, type WasmModule } from "./wasm-api.js";

/**
 * Float64 SIMD (`f64x2`) WebAssembly kernels behind the FID linear algebra.
 *
 * Plain JavaScript computes float64 products one at a time (~2 GFLOP/s per core
 * here); these kernels run two lanes at once and keep a 4×4 block of the output
 * in registers (~9–10 GFLOP/s per core measured on the development machine, close
 * to the 2-lane mul+add peak without FMA). Kernel sources are flat WebAssembly
 * text, assembled at first use by ./assemble.ts.
 *
 * Memory model: each computation creates its own shared memory sized for its
 * buffers (one bump allocator, no free) and disposes of it (and of any helper
 * threads, ./kernel-threads.ts) when done, so nothing is retained between calls.
 */

/** Tile size of {@link F64Kernels.gebp}: 4 output rows × 4 output columns. */
export const TILE = 4;

/**
 * gebp(a, b, kc, c, ldc, ip0, ip1, nJP, shift, alpha): for output tiles (ip, jp) with
 * ip0 ≤ ip < ip1, max(0, ⌊(4·ip + shift)/4⌋) ≤ jp < nJP:
 *   C[4ip + r][4jp + s] += alpha · Σ_k A_ip[k][r] · B_jp[k][s]
 * where A_ip (B_jp) is the ip-th (jp-th) packed panel: kc × 4 doubles, k-major,
 * panels contiguous (panel stride 32·kc bytes). C is row-major with row stride ldc
 * bytes. `shift` = 0 computes the upper triangle (tiles on and above the diagonal
 * of a square C); a very negative shift computes every tile.
 *
 * The micro-kernel is the Goto/van de Geijn register block (Goto & van de Geijn,
 * "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008):
 * per k, two v128 loads of B, four splatted loads of A, eight mul+add.
 */
function gebpSource(): WasmFunctionSource {
  const acc: [string, ValType][] = [];
  for (let r = 0; r < 4; r++) for (let v = 0; v < 2; v++) acc.push([`c${r}${v}`, "v128"]);
  let zero = "";
  for (const [n] of acc) zero += `f64.const 0 f64x2.splat local.set $${n}\n`;
  let inner = "local.get $pb v128.load local.set $b0\nlocal.get $pb v128.load offset=16 local.set $b1\n";
  for (let r = 0; r < 4; r++) {
    inner += `local.get $pa v128.load64_splat offset=${8 * r} local.set $s\n`;
    for (let v = 0; v < 2; v++) {
      inner += `local.get $c${r}${v} local.get $s local.get $b${v} f64x2.mul f64x2.add local.set $c${r}${v}\n`;
    }
  }
  let write = "local.get $alpha f64x2.splat local.set $s\n";
  write += "local.get $ip i32.const 4 i32.mul local.get $ldc i32.mul local.get $c i32.add local.get $jp i32.const 32 i32.mul i32.add local.set $row\n";
  for (let r = 0; r < 4; r++) {
    for (let v = 0; v < 2; v++) {
      write += `local.get $row local.get $row v128.load offset=${16 * v} local.get $c${r}${v} local.get $s f64x2.mul f64x2.add v128.store offset=${16 * v}\n`;
    }
    write += "local.get $row local.get $ldc i32.add local.set $row\n";
  }
  const body = `
    local.get $kc i32.const 1 i32.lt_s br_if 0
    local.get $ip0 local.set $ip
    block $idone
    loop $i
      local.get $ip local.get $ip1 i32.ge_s br_if $idone
      local.get $a local.get $ip local.get $kc i32.mul i32.const 32 i32.mul i32.add local.set $apanel
      local.get $ip i32.const 4 i32.mul local.get $shift i32.add i32.const 4 i32.div_s local.set $jp
      local.get $jp i32.const 0 i32.lt_s if i32.const 0 local.set $jp end
      block $jdone
      loop $j
        local.get $jp local.get $nJP i32.ge_s br_if $jdone
        ${zero}
        local.get $apanel local.set $pa
        local.get $b local.get $jp local.get $kc i32.mul i32.const 32 i32.mul i32.add local.set $pb
        local.get $pa local.get $kc i32.const 32 i32.mul i32.add local.set $end
        loop $k
          ${inner}
          local.get $pa i32.const 32 i32.add local.set $pa
          local.get $pb i32.const 32 i32.add local.set $pb
          local.get $pa local.get $end i32.lt_u br_if $k
        end
        ${write}
        local.get $jp i32.const 1 i32.add local.set $jp
        br $j
      end
      end
      local.get $ip i32.const 1 i32.add local.set $ip
      br $i
    end
    end`;
  return {
    name: "gebp",
    params: [
      ["a", "i32"], ["b", "i32"], ["kc", "i32"], ["c", "i32"], ["ldc", "i32"],
      ["ip0", "i32"], ["ip1", "i32"], ["nJP", "i32"], ["shift", "i32"], ["alpha", "f64"],
    ],
    locals: [
      ["ip", "i32"], ["jp", "i32"], ["apanel", "i32"], ["pa", "i32"], ["pb", "i32"], ["end", "i32"], ["row", "i32"],
      ["s", "v128"], ["b0", "v128"], ["b1", "v128"], ...acc,
    ],
    body,
  };
}

/**
 * symvUpper(a, lda, n, i0, i1, x, y): y += (rows i0 … i1−1 of the triangle)·x, for a
 * symmetric n×n A given by its upper triangle in row-major rows (a[i][j], j ≥ i;
 * row stride lda bytes); i0 = 0, i1 = n gives y += A·x. One pass over
 * the triangle: row i contributes its dot with x to y[i] and its axpy with x[i]
 * to y[i+1..] (the symmetric half), so each stored entry is read once. Two rows
 * and four columns per step, with four independent accumulators, so the loop is
 * not bound by the latency of one running sum.
 */
function symvUpperSource(): WasmFunctionSource {
  const body = `
    local.get $i0 local.set $i
    block $done
    loop $pairs
      local.get $i i32.const 1 i32.add local.get $i1 i32.ge_s
      if
        ;; one row left in the range: row i, columns i … n−1
        local.get $i local.get $i1 i32.lt_s
        if
          local.get $a local.get $i local.get $lda i32.mul i32.add local.get $i i32.const 8 i32.mul i32.add local.set $p0
          local.get $x local.get $i i32.const 8 i32.mul i32.add local.set $px
          local.get $px f64.load local.set $xi0
          local.get $xi0 f64x2.splat local.set $xv0
          local.get $p0 f64.load local.get $xi0 f64.mul local.set $s0
          f64.const 0 f64x2.splat local.set $v0a
          local.get $p0 i32.const 8 i32.add local.set $p0
          local.get $px i32.const 8 i32.add local.set $px
          local.get $y local.get $i i32.const 1 i32.add i32.const 8 i32.mul i32.add local.set $py
          local.get $n local.get $i i32.sub i32.const 1 i32.sub local.set $m
          local.get $p0 local.get $m i32.const -2 i32.and i32.const 8 i32.mul i32.add local.set $end
          local.get $p0 local.get $end i32.lt_u
          if
            loop $v1
              local.get $p0 v128.load align=8 local.set $a0
              local.get $v0a local.get $a0 local.get $px v128.load align=8 f64x2.mul f64x2.add local.set $v0a
              local.get $py local.get $py v128.load align=8 local.get $a0 local.get $xv0 f64x2.mul f64x2.add v128.store align=8
              local.get $p0 i32.const 16 i32.add local.set $p0
              local.get $px i32.const 16 i32.add local.set $px
              local.get $py i32.const 16 i32.add local.set $py
              local.get $p0 local.get $end i32.lt_u br_if $v1
            end
          end
          local.get $m i32.const 1 i32.and
          if
            local.get $p0 f64.load local.set $aj0
            local.get $s0 local.get $aj0 local.get $px f64.load f64.mul f64.add local.set $s0
            local.get $py local.get $py f64.load local.get $aj0 local.get $xi0 f64.mul f64.add f64.store
          end
          local.get $y local.get $i i32.const 8 i32.mul i32.add local.tee $py
          local.get $py f64.load local.get $s0 f64.add local.get $v0a f64x2.extract_lane 0 f64.add local.get $v0a f64x2.extract_lane 1 f64.add
          f64.store
        end
        br $done
      end
      local.get $a local.get $i local.get $lda i32.mul i32.add local.get $i i32.const 8 i32.mul i32.add local.set $p0
      local.get $p0 local.get $lda i32.add i32.const 8 i32.add local.set $p1
      local.get $x local.get $i i32.const 8 i32.mul i32.add local.set $px
      local.get $px f64.load local.set $xi0
      local.get $px f64.load offset=8 local.set $xi1
      local.get $p0 f64.load offset=8 local.set $a01
      ;; s0 = A[i][i]·x[i] + A[i][i+1]·x[i+1];  s1 = A[i+1][i+1]·x[i+1] + A[i][i+1]·x[i]
      local.get $p0 f64.load local.get $xi0 f64.mul local.get $a01 local.get $xi1 f64.mul f64.add local.set $s0
      local.get $p1 f64.load local.get $xi1 f64.mul local.get $a01 local.get $xi0 f64.mul f64.add local.set $s1
      local.get $xi0 f64x2.splat local.set $xv0
      local.get $xi1 f64x2.splat local.set $xv1
      f64.const 0 f64x2.splat local.tee $v0a local.tee $v0b local.tee $v1a local.set $v1b
      ;; columns j = i+2 … n−1, common to both rows
      local.get $p0 i32.const 16 i32.add local.set $p0
      local.get $p1 i32.const 8 i32.add local.set $p1
      local.get $px i32.const 16 i32.add local.set $px
      local.get $y local.get $i i32.const 2 i32.add i32.const 8 i32.mul i32.add local.set $py
      local.get $n local.get $i i32.sub i32.const 2 i32.sub local.set $m
      local.get $p0 local.get $m i32.const -4 i32.and i32.const 8 i32.mul i32.add local.set $end
      local.get $p0 local.get $end i32.lt_u
      if
        loop $v
          local.get $p0 v128.load align=8 local.set $a0
          local.get $p0 v128.load offset=16 align=8 local.set $a0b
          local.get $p1 v128.load align=8 local.set $a1
          local.get $p1 v128.load offset=16 align=8 local.set $a1b
          local.get $px v128.load align=8 local.set $xa
          local.get $px v128.load offset=16 align=8 local.set $xb
          local.get $v0a local.get $a0 local.get $xa f64x2.mul f64x2.add local.set $v0a
          local.get $v0b local.get $a0b local.get $xb f64x2.mul f64x2.add local.set $v0b
          local.get $v1a local.get $a1 local.get $xa f64x2.mul f64x2.add local.set $v1a
          local.get $v1b local.get $a1b local.get $xb f64x2.mul f64x2.add local.set $v1b
          local.get $py
          local.get $py v128.load align=8 local.get $a0 local.get $xv0 f64x2.mul f64x2.add local.get $a1 local.get $xv1 f64x2.mul f64x2.add
          v128.store align=8
          local.get $py
          local.get $py v128.load offset=16 align=8 local.get $a0b local.get $xv0 f64x2.mul f64x2.add local.get $a1b local.get $xv1 f64x2.mul f64x2.add
          v128.store offset=16 align=8
          local.get $p0 i32.const 32 i32.add local.set $p0
          local.get $p1 i32.const 32 i32.add local.set $p1
          local.get $px i32.const 32 i32.add local.set $px
          local.get $py i32.const 32 i32.add local.set $py
          local.get $p0 local.get $end i32.lt_u br_if $v
        end
      end
      ;; the last m mod 4 columns
      local.get $p0 local.get $m i32.const 3 i32.and i32.const 8 i32.mul i32.add local.set $end
      local.get $p0 local.get $end i32.lt_u
      if
        loop $t
          local.get $p0 f64.load local.set $aj0
          local.get $p1 f64.load local.set $aj1
          local.get $px f64.load local.set $xj
          local.get $s0 local.get $aj0 local.get $xj f64.mul f64.add local.set $s0
          local.get $s1 local.get $aj1 local.get $xj f64.mul f64.add local.set $s1
          local.get $py local.get $py f64.load local.get $aj0 local.get $xi0 f64.mul f64.add local.get $aj1 local.get $xi1 f64.mul f64.add f64.store
          local.get $p0 i32.const 8 i32.add local.set $p0
          local.get $p1 i32.const 8 i32.add local.set $p1
          local.get $px i32.const 8 i32.add local.set $px
          local.get $py i32.const 8 i32.add local.set $py
          local.get $p0 local.get $end i32.lt_u br_if $t
        end
      end
      local.get $v0a local.get $v0b f64x2.add local.set $v0a
      local.get $v1a local.get $v1b f64x2.add local.set $v1a
      local.get $y local.get $i i32.const 8 i32.mul i32.add local.tee $py
      local.get $py f64.load local.get $s0 f64.add local.get $v0a f64x2.extract_lane 0 f64.add local.get $v0a f64x2.extract_lane 1 f64.add
      f64.store
      local.get $py
      local.get $py f64.load offset=8 local.get $s1 f64.add local.get $v1a f64x2.extract_lane 0 f64.add local.get $v1a f64x2.extract_lane 1 f64.add
      f64.store offset=8
      local.get $i i32.const 2 i32.add local.set $i
      br $pairs
    end
    end`;
  return {
    name: "symvUpper",
    params: [["a", "i32"], ["lda", "i32"], ["n", "i32"], ["i0", "i32"], ["i1", "i32"], ["x", "i32"], ["y", "i32"]],
    locals: [
      ["i", "i32"], ["m", "i32"], ["p0", "i32"], ["p1", "i32"], ["px", "i32"], ["py", "i32"], ["end", "i32"],
      ["xi0", "f64"], ["xi1", "f64"], ["a01", "f64"], ["s0", "f64"], ["s1", "f64"], ["aj0", "f64"], ["aj1", "f64"], ["xj", "f64"],
      ["xv0", "v128"], ["xv1", "v128"], ["v0a", "v128"], ["v0b", "v128"], ["v1a", "v128"], ["v1b", "v128"],
      ["a0", "v128"], ["a0b", "v128"], ["a1", "v128"], ["a1b", "v128"], ["xa", "v128"], ["xb", "v128"],
    ],
    body,
  };
}

/** dot(x, y, n) = Σ x[k]·y[k] (two lanes, then a scalar tail). */
function dotSource(): WasmFunctionSource {
  const body = `
    f64.const 0 f64x2.splat local.set $sv
    local.get $x local.get $n i32.const -2 i32.and i32.const 8 i32.mul i32.add local.set $end
    local.get $x local.get $end i32.lt_u
    if
      loop $v
        local.get $sv local.get $x v128.load align=8 local.get $y v128.load align=8 f64x2.mul f64x2.add local.set $sv
        local.get $x i32.const 16 i32.add local.set $x
        local.get $y i32.const 16 i32.add local.set $y
        local.get $x local.get $end i32.lt_u br_if $v
      end
    end
    local.get $sv f64x2.extract_lane 0 local.get $sv f64x2.extract_lane 1 f64.add local.set $s
    local.get $n i32.const 1 i32.and
    if
      local.get $s local.get $x f64.load local.get $y f64.load f64.mul f64.add local.set $s
    end
    local.get $s`;
  return {
    name: "dot",
    params: [["x", "i32"], ["y", "i32"], ["n", "i32"]],
    results: ["f64"],
    locals: [["end", "i32"], ["s", "f64"], ["sv", "v128"]],
    body,
  };
}

/** axpy(alpha, x, y, n): y[k] += alpha·x[k]. */
function axpySource(): WasmFunctionSource {
  const body = `
    local.get $alpha f64x2.splat local.set $av
    local.get $x local.get $n i32.const -2 i32.and i32.const 8 i32.mul i32.add local.set $end
    local.get $x local.get $end i32.lt_u
    if
      loop $v
        local.get $y local.get $y v128.load align=8 local.get $x v128.load align=8 local.get $av f64x2.mul f64x2.add v128.store align=8
        local.get $x i32.const 16 i32.add local.set $x
        local.get $y i32.const 16 i32.add local.set $y
        local.get $x local.get $end i32.lt_u br_if $v
      end
    end
    local.get $n i32.const 1 i32.and
    if
      local.get $y local.get $y f64.load local.get $x f64.load local.get $alpha f64.mul f64.add f64.store
    end`;
  return {
    name: "axpy",
    params: [["alpha", "f64"], ["x", "i32"], ["y", "i32"], ["n", "i32"]],
    locals: [["end", "i32"], ["av", "v128"]],
    body,
  };
}

/** rot(p, q, c, s, n): (p[k], q[k]) ← (c·p[k] − s·q[k], s·p[k] + c·q[k]), a plane rotation of two rows (tql2's). */
function rotSource(): WasmFunctionSource {
  const body = `
    local.get $c f64x2.splat local.set $cv
    local.get $s f64x2.splat local.set $sv
    local.get $p local.get $n i32.const -2 i32.and i32.const 8 i32.mul i32.add local.set $end
    local.get $p local.get $end i32.lt_u
    if
      loop $v
        local.get $p v128.load align=8 local.set $a
        local.get $q v128.load align=8 local.set $b
        local.get $q local.get $sv local.get $a f64x2.mul local.get $cv local.get $b f64x2.mul f64x2.add v128.store align=8
        local.get $p local.get $cv local.get $a f64x2.mul local.get $sv local.get $b f64x2.mul f64x2.sub v128.store align=8
        local.get $p i32.const 16 i32.add local.set $p
        local.get $q i32.const 16 i32.add local.set $q
        local.get $p local.get $end i32.lt_u br_if $v
      end
    end
    local.get $n i32.const 1 i32.and
    if
      local.get $p f64.load local.set $x
      local.get $q f64.load local.set $y
      local.get $q local.get $s local.get $x f64.mul local.get $c local.get $y f64.mul f64.add f64.store
      local.get $p local.get $c local.get $x f64.mul local.get $s local.get $y f64.mul f64.sub f64.store
    end`;
  return {
    name: "rot",
    params: [["p", "i32"], ["q", "i32"], ["c", "f64"], ["s", "f64"], ["n", "i32"]],
    locals: [["end", "i32"], ["x", "f64"], ["y", "f64"], ["cv", "v128"], ["sv", "v128"], ["a", "v128"], ["b", "v128"]],
    body,
  };
}

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
    const bytes = assembleModule([gebpSource(), symvUpperSource(), dotSource(), axpySource(), rotSource()], {
      initialPages: 1,
      maximumPages: MAX_PAGES,
      shared: true,
    });
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
   * The packed product of {@link gebpSource} over tiles ip < nIP, split into
   * row ranges of equal work across the threads (each tile is computed by one
   * thread, identically, so results do not depend on the thread count).
   */
  gebp(a: number, b: number, kc: number, c: number, ldc: number, nIP: number, nJP: number, shift: number, alpha: number): void;
  /** y += A·x for the symmetric n×n A of {@link symvUpperSource} (lda in bytes; this thread). */
  symvUpper(a: number, lda: number, n: number, x: number, y: number): void;
  dot(x: number, y: number, n: number): number;
  axpy(alpha: number, x: number, y: number, n: number): void;
  /** Plane rotation of two rows, see {@link rotSource}. */
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
  const pool = new KernelThreads(module, memory, threads - 1);
  const gebpHere = (t: readonly number[], alpha: number): void =>
    exports.gebp(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!, t[6]!, t[7]!, t[8]!, alpha);
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
      const parts = Math.min(nIP, CHUNKS_PER_THREAD * threads, MAX_TASKS);
      const tasks: number[][] = [];
      let done = 0;
      let start = 0;
      for (let ip = 0; ip < nIP; ip++) {
        done += Math.max(0, nJP - first(ip));
        if (done >= (tiles * (tasks.length + 1)) / parts || ip === nIP - 1) {
          tasks.push([a, b, kc, c, ldc, start, ip + 1, nJP, shift]);
          start = ip + 1;
        }
      }
      pool.run(KernelOp.gebp, tasks, [alpha], (t) => gebpHere(t, alpha));
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
