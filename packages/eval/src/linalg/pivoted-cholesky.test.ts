import { describe, expect, it } from "vitest";
import { pivotedCholesky } from "./pivoted-cholesky.js";
import { gramMatrix } from "./test-matrices.js";

/** max |(LLᵀ)[i][j] − Σ[perm i][perm j]| / max |Σ| from the factor Lᵀ (r×d). */
function reconstructionError(sigma: Float64Array, d: number, factorT: Float64Array, r: number, perm: Int32Array): number {
  let err = 0;
  let scale = 0;
  for (const v of sigma) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += factorT[k * d + i]! * factorT[k * d + j]!;
      err = Math.max(err, Math.abs(s - sigma[perm[i]! * d + perm[j]!]!));
    }
  }
  return err / scale;
}

describe("pivotedCholesky (blocked, SIMD trailing updates)", () => {
  // Full-rank and rank-deficient sizes around the 64-column block and the 4-wide tile.
  const cases: [d: number, samples: number][] = [
    [1, 3],
    [2, 5],
    [7, 20],
    [63, 200],
    [65, 200],
    [130, 400],
    [130, 50], // rank 50
    [97, 9], // rank 9
  ];
  for (const [d, samples] of cases) {
    it(`d = ${d} from ${samples} samples: Σ = P L Lᵀ Pᵀ, rank ${Math.min(d, samples)}, pivots non-increasing`, () => {
      const sigma = gramMatrix(d, samples, d * 31 + samples);
      const ch = pivotedCholesky(sigma, d);
      expect(ch.rank).toBe(Math.min(d, samples));
      expect(reconstructionError(sigma, d, ch.factorT, ch.rank, ch.perm)).toBeLessThan(1e-12);
      expect([...ch.perm].sort((a, b) => a - b)).toEqual(Array.from({ length: d }, (_, i) => i));
      for (let k = 0; k < ch.rank; k++) {
        for (let i = 0; i < k; i++) expect(ch.factorT[k * d + i]).toBe(0);
        if (k > 0) expect(ch.factorT[k * d + k]!).toBeLessThanOrEqual(ch.factorT[(k - 1) * d + k - 1]! * (1 + 1e-12));
      }
    });
  }

  it("reads only the upper triangle and leaves the input unchanged", () => {
    const d = 40;
    const sigma = gramMatrix(d, 100, 5);
    const copy = Float64Array.from(sigma);
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) copy[i * d + j] = Number.NaN;
    const frozen = Float64Array.from(copy);
    const ch = pivotedCholesky(copy, d);
    expect(ch.rank).toBe(d);
    expect(reconstructionError(sigma, d, ch.factorT, ch.rank, ch.perm)).toBeLessThan(1e-12);
    expect(Object.is(copy[1 * d]!, frozen[1 * d]!)).toBe(true);
    expect(copy.slice(0, d)).toEqual(frozen.slice(0, d));
  });
});
