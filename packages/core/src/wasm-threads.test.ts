import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { VsdError } from "./errors.js";
import { wasmFmaWanted } from "./wasm-matmul.js";
import { resolveWasmThreads } from "./wasm-threads.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const child = fileURLToPath(new URL("./__fixtures__/wasm-threads-child.ts", import.meta.url));

function runChild(threads: string): { status: number | null; json: Record<string, unknown> | undefined; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@vsd/source", child], {
    cwd: root,
    env: { ...process.env, VSD_WASM_THREADS: threads, VSD_BACKEND: "wasm" },
    encoding: "utf8",
    // The child must exit on its own: a pool thread that kept Node alive would hit this.
    timeout: 90_000,
  });
  const line = r.stdout.trim().split("\n").at(-1);
  return { status: r.status, json: line ? (JSON.parse(line) as Record<string, unknown>) : undefined, stderr: r.stderr };
}

describe("multithreaded wasm backend", () => {
  it("runs XNNPACK and the threaded matMul on the requested threads, bit-identical to one thread, and lets Node exit", () => {
    const r = runChild("2");
    expect(r.status, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ backend: "wasm", threads: true, wasmThreads: 2, threadsUsed: 2, threadsCause: null, finite: true });
    // loss, 3 gradients, fused, batched, transposed-B products
    expect(r.json?.["sizes"]).toEqual([1, 257 * 190, 190 * 131, 190, 96 * 190, 96 * 190, 96 * 190]);
    // Threads split output tiles, never a sum: the numbers are the same bits
    // on 2 threads and on 1 (XNNPACK and VSD's pool both limited to one).
    expect(r.json?.["maxDiff"]).toBe(0);
    // The threaded matMul ran (helpers took tasks). Its plain build computes
    // each element as XNNPACK does (one sequential float32 sum over k, a
    // multiply and an add per step): identical at odd sizes, edge tiles and
    // every transpose combination, and in a training step.
    expect(r.json?.["matMulThreads"]).toBe(2);
    expect(r.json?.["helperTasks"]).toBeGreaterThan(0);
    expect(r.json?.["productsVsXnnpack"]).toBe(0);
    expect(r.json?.["stepVsXnnpack"]).toBe(0);
    // Node 20 and 22 on x86-64 and Arm all compile relaxed SIMD (Node 20 after
    // VSD sets V8's flag), so the default build fuses. One rounding per step
    // instead of two: equal to XNNPACK to float32 accuracy of sums of up to
    // 2003 terms (the tolerance, 1e-5 relative), but not bit-equal.
    expect(r.json?.["fma"]).toBe(true);
    expect(r.json?.["fmaProductsVsXnnpackRel"]).toBeGreaterThan(0);
    expect(r.json?.["fmaProductsVsXnnpackRel"]).toBeLessThan(1e-5);
    expect(r.json?.["fmaStepVsXnnpackRel"]).toBeLessThan(1e-5);
    expect(r.json?.["leaked"]).toBe(0);
  });

  it("VSD_WASM_THREADS=1 keeps tfjs's single-threaded build, with VSD's FMA matMul on the calling thread", () => {
    const r = runChild("1");
    expect(r.status, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ backend: "wasm", threads: false, wasmThreads: 1, threadsUsed: 1, maxDiff: 0, matMulThreads: 1, helperTasks: 0, fma: true });
    // The plain build is not used on one thread (XNNPACK instead): same bits.
    expect(r.json?.["productsVsXnnpack"]).toBe(0);
    expect(r.json?.["fmaProductsVsXnnpackRel"]).toBeGreaterThan(0);
    expect(r.json?.["fmaProductsVsXnnpackRel"]).toBeLessThan(1e-5);
  });

  it("VSD_WASM_FMA: 0 or 1, anything else a VsdError naming the variable", () => {
    const saved = process.env["VSD_WASM_FMA"];
    try {
      for (const [v, want] of [["0", false], ["1", true], ["", true]] as const) {
        process.env["VSD_WASM_FMA"] = v;
        expect(wasmFmaWanted()).toBe(want);
      }
      process.env["VSD_WASM_FMA"] = "yes";
      expect(() => wasmFmaWanted()).toThrow(/VSD_WASM_FMA must be 0 .* or 1 .*; got "yes"/);
    } finally {
      if (saved === undefined) delete process.env["VSD_WASM_FMA"];
      else process.env["VSD_WASM_FMA"] = saved;
    }
  });

  it("rejects a bad thread count with a VsdError naming the variable", () => {
    const saved = process.env["VSD_WASM_THREADS"];
    try {
      process.env["VSD_WASM_THREADS"] = "two";
      expect(() => resolveWasmThreads()).toThrow(VsdError);
      expect(() => resolveWasmThreads()).toThrow(/VSD_WASM_THREADS must be an integer from 1 to 64; got "two"/);
      delete process.env["VSD_WASM_THREADS"];
      expect(resolveWasmThreads(3)).toBe(3);
      expect(() => resolveWasmThreads(0)).toThrow(/wasmThreads must be an integer from 1 to 64; got 0/);
      expect(resolveWasmThreads()).toBeGreaterThanOrEqual(1);
    } finally {
      if (saved === undefined) delete process.env["VSD_WASM_THREADS"];
      else process.env["VSD_WASM_THREADS"] = saved;
    }
  });
});
