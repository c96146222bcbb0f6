import { readFileSync } from "node:fs";
import { VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { GENERATED_PATH, WAT_PATH, compileKernels, generatedSource, kernelWatFile } from "../../../scripts/build-wasm.js";
import { createF64Kernels, packPanels, roundUpToTile } from "./f64-kernels.js";

/** Deterministic values in (−1, 1) (a small LCG; no randomness in tests). */
function values(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

describe("kernel binary (scripts/build-wasm.ts)", () => {
  it("the committed binary and module text are the current wabt compile of f64-kernel-sources.ts", async () => {
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(generatedSource(await compileKernels()));
    expect(readFileSync(WAT_PATH, "utf8")).toBe(kernelWatFile());
  });
});

describe("gebp (packed 4×4 SIMD tiles) equals the naive product", () => {
  // m×n output, inner kc; sizes not divisible by the tile, and kc = 1.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 4, 1],
    [9, 6, 13],
    [17, 33, 64],
    [30, 30, 100],
  ];
  for (const [m, n, kc] of shapes) {
    it(`C(${m}×${n}) ± A·Bᵀ over k = ${kc}, full and upper-triangle`, () => {
      const a = values(m * kc, m * 7 + kc); // A row-major m×kc
      const b = values(n * kc, n * 13 + kc); // B row-major n×kc
      const mp = roundUpToTile(m);
      const np = roundUpToTile(n);
      const k = createF64Kernels(mp * kc + np * kc + mp * np * 2 + 16);
      const pa = k.alloc(mp * kc);
      const pb = k.alloc(np * kc);
      const c = k.alloc(mp * np);
      const c2 = k.alloc(mp * np);
      packPanels(k.f64, pa / 8, a, 0, kc, 1, m, kc);
      packPanels(k.f64, pb / 8, b, 0, kc, 1, n, kc);
      const c0 = values(mp * np, 99);
      k.f64.set(c0, c / 8);
      k.f64.set(c0, c2 / 8);
      k.gebp(pa, pb, kc, c, np * 8, mp / 4, np / 4, -(1 << 30), -0.5);
      k.gebp(pa, pb, kc, c2, np * 8, mp / 4, np / 4, 0, 2);
      let maxErr = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < kc; q++) s += a[i * kc + q]! * b[j * kc + q]!;
          maxErr = Math.max(maxErr, Math.abs(k.f64[c / 8 + i * np + j]! - (c0[i * np + j]! - 0.5 * s)));
          // Upper: tiles with jp ≥ ip are updated, the others untouched.
          const updated = Math.floor(j / 4) >= Math.floor(i / 4);
          const want = updated ? c0[i * np + j]! + 2 * s : c0[i * np + j]!;
          maxErr = Math.max(maxErr, Math.abs(k.f64[c2 / 8 + i * np + j]! - want));
        }
      }
      expect(maxErr).toBeLessThan(1e-12 * Math.max(1, kc));
    });
  }
});

describe("symvUpper, dot, axpy", () => {
  for (const n of [1, 2, 3, 8, 31, 100]) {
    it(`n = ${n}`, () => {
      const full = values(n * n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) full[i * n + j] = full[j * n + i]!;
      const upper = Float64Array.from(full);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) upper[i * n + j] = Number.NaN; // must not be read
      const x = values(n, 3 * n + 1);
      const y0 = values(n, 5 * n + 2);
      const k = createF64Kernels(n * n + 3 * n + 16, { threads: 1 });
      const a = k.alloc(n * n);
      const px = k.alloc(n);
      const py = k.alloc(n);
      k.f64.set(upper, a / 8);
      k.f64.set(x, px / 8);
      k.f64.set(y0, py / 8);
      k.symvUpper(a, n * 8, n, px, py);
      let maxErr = 0;
      for (let i = 0; i < n; i++) {
        let s = y0[i]!;
        for (let j = 0; j < n; j++) s += full[i * n + j]! * x[j]!;
        maxErr = Math.max(maxErr, Math.abs(k.f64[py / 8 + i]! - s));
      }
      expect(maxErr).toBeLessThan(1e-12 * n);

      // dot and axpy on odd offsets (unaligned starts) and odd lengths.
      const m = n;
      let dot = 0;
      for (let i = 0; i < m; i++) dot += x[i]! * y0[i]!;
      k.f64.set(y0, py / 8);
      expect(Math.abs(k.dot(px, py, m) - dot)).toBeLessThan(1e-13 * m);
      if (n > 2) {
        let dot1 = 0;
        for (let i = 1; i < m; i++) dot1 += x[i]! * y0[i]!;
        expect(Math.abs(k.dot(px + 8, py + 8, m - 1) - dot1)).toBeLessThan(1e-13 * m);
      }
      k.axpy(-1.5, px + 8, py + 8, m - 1);
      let axErr = Math.abs(k.f64[py / 8]! - y0[0]!);
      for (let i = 1; i < m; i++) axErr = Math.max(axErr, Math.abs(k.f64[py / 8 + i]! - (y0[i]! - 1.5 * x[i]!)));
      expect(axErr).toBe(0);

      // rot: (x, y) ← (c x − s y, s x + c y), odd lengths and an unaligned start.
      const c = Math.cos(0.7);
      const sn = Math.sin(0.7);
      k.f64.set(x, px / 8);
      k.f64.set(y0, py / 8);
      k.rot(px + 8, py + 8, c, sn, m - 1);
      let rotErr = Math.abs(k.f64[px / 8]! - x[0]!) + Math.abs(k.f64[py / 8]! - y0[0]!);
      for (let i = 1; i < m; i++) {
        rotErr = Math.max(rotErr, Math.abs(k.f64[px / 8 + i]! - (c * x[i]! - sn * y0[i]!)));
        rotErr = Math.max(rotErr, Math.abs(k.f64[py / 8 + i]! - (sn * x[i]! + c * y0[i]!)));
      }
      expect(rotErr).toBe(0);
    });
  }
});

describe("helper threads", () => {
  it("split products equal the one-thread results bit for bit", () => {
    const m = 403; // not a multiple of the tile; upper triangle × 512 ≈ 42M multiply-adds (split)
    const kc = 512;
    const mp = roundUpToTile(m);
    const a = values(m * kc, 1);
    const setup = (threads: number) => {
      const k = createF64Kernels(mp * kc + mp * mp + 64, { threads });
      const pa = k.alloc(mp * kc);
      const c = k.alloc(mp * mp);
      packPanels(k.f64, pa / 8, a, 0, kc, 1, m, kc);
      const run = () => {
        k.f64.fill(0, c / 8, c / 8 + mp * mp);
        k.gebp(pa, pa, kc, c, mp * 8, mp / 4, mp / 4, 0, 1); // upper triangle: rows of unequal work
        return { c: Float64Array.from(k.f64.subarray(c / 8, c / 8 + mp * mp)) };
      };
      return { k, run };
    };
    const one = setup(1);
    const want = one.run();
    one.k.dispose();
    expect(one.k.helperTasks).toBe(0);
    // The helper starts asynchronously and takes tasks only once it runs: repeat
    // (bounded) until it has done some, checking every result on the way.
    const two = setup(2);
    const started = Date.now();
    let rounds = 0;
    try {
      while (rounds < 3 || (two.k.helperTasks === 0 && Date.now() - started < 20_000)) {
        expect(two.run().c).toEqual(want.c);
        rounds++;
      }
      expect(two.k.helperTasks).toBeGreaterThan(0);
    } finally {
      two.k.dispose();
    }
    // …and the product is right: C[i][j] = Σ_k A[i][k]·A[j][k] on and above the diagonal tiles.
    let maxErr = 0;
    for (let i = 0; i < m; i += 17) {
      for (let j = i; j < m; j += 13) {
        let s = 0;
        for (let q = 0; q < kc; q++) s += a[i * kc + q]! * a[j * kc + q]!;
        maxErr = Math.max(maxErr, Math.abs(want.c[i * mp + j]! - s));
      }
    }
    expect(maxErr).toBeLessThan(1e-12 * kc);
  });

  it("rejects bad thread counts", () => {
    expect(() => createF64Kernels(8, { threads: 0 })).toThrow(/threads must be an integer/);
    expect(() => createF64Kernels(8, { threads: 1.5 })).toThrow(VsdError);
  });
});

describe("createF64Kernels", () => {
  it("refuses more than 4 GiB and overflowing allocations", () => {
    expect(() => createF64Kernels(2 ** 30)).toThrow(/4 GiB/);
    const k = createF64Kernels(8); // one 64 KiB page
    k.alloc(8000);
    expect(() => k.alloc(1000)).toThrow(/out of/);
  });
});
