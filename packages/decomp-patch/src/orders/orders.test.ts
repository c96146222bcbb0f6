import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VsdError } from "@vsd/core";
import { areNeighbours, ORDER_NAMES, orderSteps, validateOrder } from "./grid-order.js";
import { hilbertOrder } from "./hilbert-order.js";
import { makeOrder } from "./resolve-order.js";
import { snakeOrder } from "./basic-orders.js";
import { spiralOrder } from "./spiral-order.js";

const gridArb = fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }));

function isPermutation(order: Int32Array, n: number): boolean {
  if (order.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const v of order) {
    if (v < 0 || v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

/** Counts steps by kind: 4-adjacent, diagonal (Chebyshev 1, not adjacent), and longer jumps. */
function stepKinds(order: Int32Array, cols: number): { adjacent: number; diagonal: number; jump: number } {
  let adjacent = 0;
  let diagonal = 0;
  let jump = 0;
  for (let i = 1; i < order.length; i++) {
    const a = order[i - 1]!;
    const b = order[i]!;
    const dr = Math.abs(Math.floor(a / cols) - Math.floor(b / cols));
    const dc = Math.abs((a % cols) - (b % cols));
    if (dr + dc === 1) adjacent++;
    else if (dr === 1 && dc === 1) diagonal++;
    else jump++;
  }
  return { adjacent, diagonal, jump };
}

describe("patch orders", () => {
  it("every built-in order is a permutation of all positions for grids 1..20 × 1..20", () => {
    for (let rows = 1; rows <= 20; rows++) {
      for (let cols = 1; cols <= 20; cols++) {
        for (const name of ORDER_NAMES) {
          const o = makeOrder(name, rows, cols, 7);
          expect(isPermutation(o, rows * cols), `${name} ${rows}×${cols}`).toBe(true);
        }
      }
    }
  });

  it("hilbert starts at (0,0) and its steps are 4-adjacent except at most one diagonal (all grids 1..20²)", () => {
    let gridsWithDiagonal = 0;
    for (let rows = 1; rows <= 20; rows++) {
      for (let cols = 1; cols <= 20; cols++) {
        const o = hilbertOrder(rows, cols);
        expect(o[0]).toBe(0);
        const k = stepKinds(o, cols);
        expect(k.jump, `${rows}×${cols}`).toBe(0);
        expect(k.diagonal, `${rows}×${cols}`).toBeLessThanOrEqual(1);
        if (k.diagonal === 1) {
          gridsWithDiagonal++;
          // gilbert's README: the diagonal only occurs when the major side is odd and the minor even.
          const major = Math.max(rows, cols);
          const minor = Math.min(rows, cols);
          expect(major % 2 === 1 && minor % 2 === 0, `${rows}×${cols}`).toBe(true);
        }
      }
    }
    // It does happen (so the bound above is exercised), but only on some odd×even grids.
    expect(gridsWithDiagonal).toBeGreaterThan(0);
  });

  it("hilbert on a power-of-two square is Hilbert's curve (4×4 known answer)", () => {
    // The classic 4×4 Hilbert curve starting at (0,0) and ending at (0,3) in (row, col) = (0, 3).
    const o = Array.from(hilbertOrder(4, 4)).map((p) => [Math.floor(p / 4), p % 4]);
    expect(o).toEqual([
      [0, 0], [1, 0], [1, 1], [0, 1], [0, 2], [0, 3], [1, 3], [1, 2],
      [2, 2], [2, 3], [3, 3], [3, 2], [3, 1], [2, 1], [2, 0], [3, 0],
    ].map(([x, y]) => [y, x]));
  });

  it("snake steps are all 4-adjacent; spiral on a square grid too, starting at the centre", () => {
    fc.assert(
      fc.property(gridArb, ([rows, cols]) => {
        expect(stepKinds(snakeOrder(rows, cols), cols).adjacent).toBe(rows * cols - 1);
      }),
    );
    for (let s = 1; s <= 20; s++) {
      const o = spiralOrder(s, s);
      const c = Math.floor((s - 1) / 2);
      expect(o[0]).toBe(c * s + c);
      expect(stepKinds(o, s).adjacent).toBe(s * s - 1);
    }
  });

  it("raster is the identity and column is its transpose", () => {
    expect(Array.from(makeOrder("raster", 2, 3))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(makeOrder("column", 2, 3))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(makeOrder("snake", 2, 3))).toEqual([0, 1, 2, 5, 4, 3]);
  });

  it("random is fixed by its seed and differs across seeds", () => {
    const a = makeOrder("random", 7, 7, 1);
    expect(Array.from(makeOrder({ name: "random", seed: 1 }, 7, 7))).toEqual(Array.from(a));
    expect(Array.from(makeOrder("random", 7, 7, 2))).not.toEqual(Array.from(a));
  });

  it("user permutations are accepted as data; non-permutations are rejected with VsdError", () => {
    const custom = [3, 2, 1, 0];
    expect(Array.from(makeOrder(custom, 2, 2))).toEqual(custom);
    const bad: number[][] = [[0, 1, 2], [0, 1, 1, 2], [0, 1, 2, 4], [0, 1, 2, 2.5], [-1, 0, 1, 2]];
    for (const b of bad) {
      let err: unknown;
      try {
        validateOrder(b, 2, 2);
      } catch (e) {
        err = e;
      }
      expect(VsdError.isInstance(err), JSON.stringify(b)).toBe(true);
      expect((err as VsdError).code).toBe("INVALID_ARGUMENT");
    }
    expect(() => makeOrder("zigzag" as never, 2, 2)).toThrow(/Unknown patch order/);
  });

  it("orderSteps inverts the order and areNeighbours is 4-adjacency", () => {
    fc.assert(
      fc.property(gridArb, fc.integer(), ([rows, cols], seed) => {
        const o = makeOrder("random", rows, cols, seed);
        const s = orderSteps(o);
        for (let i = 0; i < o.length; i++) expect(s[o[i]!]).toBe(i);
      }),
      { numRuns: 50 },
    );
    expect(areNeighbours(0, 1, 3)).toBe(true);
    expect(areNeighbours(2, 3, 3)).toBe(false); // end of row 0 → start of row 1
    expect(areNeighbours(1, 4, 3)).toBe(true);
    expect(areNeighbours(0, 4, 3)).toBe(false);
  });
});
