import { VsdError } from "@vsd/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { residualQuantize } from "./residual-quantize.js";

const f32 = (...v: number[]) => Float32Array.from(v);

function expectVsdError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(VsdError.isInstance(e)).toBe(true);
    expect((e as VsdError).code).toBe(code);
    return;
  }
  throw new Error("expected a VsdError");
}

describe("residualQuantize", () => {
  it("gives the exact codes and residuals, and a no-op once the residual is zero (shared codebook with a zero vector)", () => {
    const cb = f32(0, 0, 4, 0, 0, 2, 1, 1);
    const r = residualQuantize(f32(5, 1), 2, [cb, cb, cb]);
    // depth 1: (4,0) at distance 2 → r=(1,1); depth 2: (1,1) → r=0; depth 3: zero codeword (no-op).
    expect(Array.from(r.codes)).toEqual([1, 3, 0]);
    expect(Array.from(r.residualNorms)).toEqual([26, 2, 0, 0]);
    expect(Array.from(r.quantized)).toEqual([5, 1]);
  });

  it("a deeper code can increase the error when the codebook has no zero vector", () => {
    const cb = f32(4, 0, 0, 4);
    const r = residualQuantize(f32(5, 0), 2, [cb, cb, cb]);
    // r: (5,0) → (1,0) → (−3,0) → (−3,−4): norms 25, 1, 9, 25.
    expect(Array.from(r.codes)).toEqual([0, 0, 1]);
    expect(Array.from(r.residualNorms)).toEqual([25, 1, 9, 25]);
    expect(Array.from(r.quantized)).toEqual([8, 4]);
  });

  it("per-depth codebooks (different K) differ from the shared one", () => {
    const coarse = f32(0, 0, 8, 8);
    const fine = f32(1, 0, 0, 1, -1, 0, 0, -1);
    const perDepth = residualQuantize(f32(9, 7.5), 2, [coarse, fine]);
    expect(Array.from(perDepth.codes)).toEqual([1, 0]);
    expect(Array.from(perDepth.residualNorms)).toEqual([137.25, 1.25, 0.25]);
    expect(Array.from(perDepth.quantized)).toEqual([9, 8]);
    const shared = residualQuantize(f32(9, 7.5), 2, [coarse, coarse]);
    expect(Array.from(shared.codes)).toEqual([1, 0]); // zero codeword: no gain at depth 2
    expect(Array.from(shared.residualNorms)).toEqual([137.25, 1.25, 1.25]);
  });

  it("lays out several vectors row-major ([n, D] codes, [D+1, n] norms)", () => {
    const cb = f32(0, 0, 4, 0, 0, 2, 1, 1);
    const r = residualQuantize(f32(5, 1, 0, 3), 2, [cb, cb]);
    // second vector (0,3): (0,2) → (0,1); then (0,0) d=1, (1,1) d=1 → tie → lowest index 0.
    expect(Array.from(r.codes)).toEqual([1, 3, 2, 0]);
    expect(Array.from(r.residualNorms)).toEqual([26, 9, 2, 1, 0, 1]);
    expect(Array.from(r.quantized)).toEqual([5, 1, 0, 2]);
  });

  it("breaks ties to the lowest index", () => {
    expect(Array.from(residualQuantize(f32(0, 0), 2, [f32(2, 0, 0, 2, -2, 0)]).codes)).toEqual([0]);
    const a = residualQuantize(f32(1, 1), 2, [f32(0, 2, 2, 0)]);
    const b = residualQuantize(f32(1, 1), 2, [f32(2, 0, 0, 2)]);
    expect(a.codes[0]).toBe(0);
    expect(Array.from(a.quantized)).toEqual([0, 2]);
    expect(b.codes[0]).toBe(0);
    expect(Array.from(b.quantized)).toEqual([2, 0]);
  });

  it("rejects bad input with VsdError codes", () => {
    const cb = f32(0, 0, 1, 1);
    expectVsdError(() => residualQuantize(f32(1, 2, 3), 2, [cb]), "INVALID_SHAPE");
    expectVsdError(() => residualQuantize(f32(1, 2), 2, [f32(1, 2, 3)]), "INVALID_SHAPE");
    expectVsdError(() => residualQuantize(f32(1, 2), 2, [f32()]), "INVALID_SHAPE");
    expectVsdError(() => residualQuantize(f32(1, 2), 2, []), "INVALID_ARGUMENT");
    expectVsdError(() => residualQuantize(f32(1, 2), 0, [cb]), "INVALID_ARGUMENT");
    expectVsdError(() => residualQuantize(f32(1, Number.NaN), 2, [cb]), "NON_FINITE");
  });

  it("matches a brute-force reference and keeps its invariants (property)", () => {
    const vec = (len: number) => fc.float32Array({ minLength: len, maxLength: len, min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
    const arb = fc
      .record({ dim: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 6 }), depth: fc.integer({ min: 1, max: 4 }), shared: fc.boolean(), withZero: fc.boolean() })
      .chain((p) =>
        fc.record({
          p: fc.constant(p),
          latents: vec(p.n * p.dim),
          books: fc.array(vec(p.k * p.dim), { minLength: p.depth, maxLength: p.depth }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ p, latents, books }) => {
        const cbs = books.map((b) => {
          const c = Float32Array.from(b);
          if (p.withZero) c.fill(0, 0, p.dim);
          return c;
        });
        const used = p.shared ? cbs.map(() => cbs[0]!) : cbs;
        const out = residualQuantize(latents, p.dim, used);
        for (let i = 0; i < p.n; i++) {
          const r = Array.from(latents.subarray(i * p.dim, (i + 1) * p.dim), Number);
          const q = new Array<number>(p.dim).fill(0);
          for (let d = 0; d < p.depth; d++) {
            const cb = used[d]!;
            let best = 0;
            let bestD = Infinity;
            for (let c = 0; c < p.k; c++) {
              let s = 0;
              for (let j = 0; j < p.dim; j++) s += (r[j]! - cb[c * p.dim + j]!) ** 2;
              if (s < bestD) [best, bestD] = [c, s];
            }
            expect(out.codes[i * p.depth + d]).toBe(best);
            for (let j = 0; j < p.dim; j++) {
              r[j] = r[j]! - cb[best * p.dim + j]!;
              q[j] = q[j]! + cb[best * p.dim + j]!;
            }
            expect(out.residualNorms[(d + 1) * p.n + i]).toBeCloseTo(bestD, 9);
            // With a zero codeword a depth can never make the residual larger.
            if (p.withZero) expect(out.residualNorms[(d + 1) * p.n + i]!).toBeLessThanOrEqual(out.residualNorms[d * p.n + i]!);
          }
          for (let j = 0; j < p.dim; j++) expect(out.quantized[i * p.dim + j]).toBeCloseTo(q[j]!, 4);
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
