import { describe, expect, it } from "vitest";
import { mirrorUpper, symmetrize } from "./row-dots.js";
import { lcgValues } from "./test-matrices.js";

describe("blocked symmetrize / mirrorUpper equal the plain loops", () => {
  // Sizes around the 32×32 tile.
  for (const n of [1, 2, 31, 32, 33, 70]) {
    it(`n = ${n}`, () => {
      const a = lcgValues(n * n, n);
      const s = symmetrize(a, n);
      const m = Float64Array.from(a);
      mirrorUpper(m, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(s[i * n + j]).toBe(0.5 * (a[i * n + j]! + a[j * n + i]!));
          expect(m[i * n + j]).toBe(j >= i ? a[i * n + j] : a[j * n + i]);
        }
      }
    });
  }
});
