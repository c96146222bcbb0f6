import { Rng, VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { depthLossWeights, optimalLatentCoefficients } from "./depth-loss-weights.js";

/**
 * The paper's linear analysis (VSD Q3, Eqs. 3–5) as an experiment: a linear
 * decoder A (m×n, full column rank), fixed deeper codes x_1…x_{D−1}, a target
 * image I, and gradient descent on the first latent x_0 of
 * Σ_d w_d ‖A(Σ_{j≤d} x_j) − I‖². Returns x_0 and the codes.
 */
function gradientDescent(weights: Float64Array, seed: number) {
  const rng = new Rng(seed);
  const m = 6;
  const n = 3;
  const D = weights.length;
  const A = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
  const I = Array.from({ length: m }, () => rng.normal());
  const x = Array.from({ length: D }, (_, d) => Array.from({ length: n }, () => (d === 0 ? 0 : rng.normal())));
  const lr = 0.02;
  for (let it = 0; it < 20000; it++) {
    const grad = new Array<number>(n).fill(0);
    const s = new Array<number>(n).fill(0);
    for (let d = 0; d < D; d++) {
      for (let j = 0; j < n; j++) s[j] = s[j]! + x[d]![j]!;
      for (let r = 0; r < m; r++) {
        let e = -I[r]!;
        for (let j = 0; j < n; j++) e += A[r]![j]! * s[j]!;
        // ∂/∂x_0 of w_d‖A S_d − I‖² = 2 w_d Aᵀ(A S_d − I) (x_0 is in every S_d).
        for (let j = 0; j < n; j++) grad[j] = grad[j]! + 2 * weights[d]! * A[r]![j]! * e;
      }
    }
    for (let j = 0; j < n; j++) x[0]![j] = x[0]![j]! - lr * grad[j]!;
  }
  // The ideal latent z* = argmin_z ‖A z − I‖² (normal equations, 3×3 solve).
  const AtA = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => A.reduce((t, row) => t + row[a]! * row[b]!, 0)));
  const AtI = Array.from({ length: n }, (_, a) => A.reduce((t, row, r) => t + row[a]! * I[r]!, 0));
  const zStar = solve(AtA, AtI);
  return { x, zStar };
}

function solve(M: number[][], b: number[]): number[] {
  const n = b.length;
  const a = M.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k] = a[r]![k]! - f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

const combine = (x: number[][], c: ArrayLike<number>) => x[0]!.map((_, j) => x.reduce((t, xd, d) => t + c[d]! * xd[j]!, 0));
const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((t, v, j) => t + (v - b[j]!) ** 2, 0));

describe("depthLossWeights", () => {
  it("normalises equal, final, geometric and user weights", () => {
    expect(Array.from(depthLossWeights("equal", 4))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(depthLossWeights("final", 3))).toEqual([0, 0, 1]);
    expect(Array.from(depthLossWeights("geometric", 3))).toEqual([1 / 7, 2 / 7, 4 / 7]);
    expect(Array.from(depthLossWeights([1, 3], 2))).toEqual([0.25, 0.75]);
  });

  it("rejects D = 0, wrong lengths and bad weights", () => {
    for (const f of [
      () => depthLossWeights("equal", 0),
      () => depthLossWeights([1, 2], 3),
      () => depthLossWeights([1, -1], 2),
      () => depthLossWeights([0, 0], 2),
      () => optimalLatentCoefficients([]),
      () => optimalLatentCoefficients([Number.NaN]),
    ]) {
      expect(f).toThrow(VsdError);
    }
  });
});

describe("optimalLatentCoefficients (VSD Q3, Eqs. 4–5)", () => {
  it("gives (1, ¾, ½, ¼) for equal weights at D = 4 and the full sum for final weighting", () => {
    expect(Array.from(optimalLatentCoefficients(depthLossWeights("equal", 4)))).toEqual([1, 0.75, 0.5, 0.25]);
    expect(Array.from(optimalLatentCoefficients(depthLossWeights("final", 4)))).toEqual([1, 1, 1, 1]);
    expect(Array.from(optimalLatentCoefficients([1, 2, 4]))).toEqual([1, 6 / 7, 4 / 7]);
  });

  it("equal weights: gradient descent on the latent makes x0 + ¾x1 + ½x2 + ¼x3 the ideal latent, not the full sum", () => {
    const { x, zStar } = gradientDescent(depthLossWeights("equal", 4), 11);
    const effective = combine(x, [1, 0.75, 0.5, 0.25]);
    expect(dist(effective, zStar)).toBeLessThan(1e-8);
    // The full sum misses the optimum by ¼x1 + ½x2 + ¾x3, far from 0 for random codes.
    expect(dist(combine(x, [1, 1, 1, 1]), zStar)).toBeGreaterThan(0.3);
  });

  it("final weighting: gradient descent makes the full sum the ideal latent", () => {
    const { x, zStar } = gradientDescent(depthLossWeights("final", 4), 11);
    expect(dist(combine(x, [1, 1, 1, 1]), zStar)).toBeLessThan(1e-8);
    expect(dist(combine(x, [1, 0.75, 0.5, 0.25]), zStar)).toBeGreaterThan(0.3);
  });

  it("geometric and user weights: gradient descent agrees with the closed form", () => {
    for (const [kind, seed] of [["geometric", 3], [[0.1, 0.5, 0.2, 0.2, 1], 5]] as const) {
      const w = depthLossWeights(kind, kind === "geometric" ? 3 : 5);
      const { x, zStar } = gradientDescent(w, seed);
      expect(dist(combine(x, optimalLatentCoefficients(w)), zStar)).toBeLessThan(1e-8);
    }
  });
});
