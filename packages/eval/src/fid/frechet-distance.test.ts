import { VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { hashFeatures } from "../../scripts/hash-features.js";
import { featureStatistics } from "../linalg/feature-statistics.js";
import fixtures from "./__fixtures__/pytorch-fid.json" with { type: "json" };
import { fid, fidDetailed, frechetDistance, frechetDistanceDetailed } from "./frechet-distance.js";
import { pivotedCholesky } from "../linalg/pivoted-cholesky.js";

function identity(d: number, s = 1): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = s;
  return m;
}

function expectVsdError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(VsdError.isInstance(error)).toBe(true);
    expect((error as VsdError).code).toBe(code);
    return;
  }
  throw new Error(`expected VsdError ${code}`);
}

describe("frechetDistance closed forms", () => {
  it("is 0 for identical Gaussians (a random dense covariance, d = 32)", () => {
    const d = 32;
    const x = hashFeatures(11, 200, d);
    const { mu, sigma } = featureStatistics(x, d);
    const det = frechetDistanceDetailed(mu, sigma, mu, sigma);
    expect(Math.abs(det.raw)).toBeLessThan(1e-9);
    expect(det.value).toBeGreaterThanOrEqual(0);
    expect(det.value).toBeLessThan(1e-9);
  });

  it("is ‖Δμ‖² when Σ₁ = Σ₂ = I (d = 50)", () => {
    const d = 50;
    const mu1 = new Float64Array(d);
    const mu2 = new Float64Array(d);
    let expected = 0;
    for (let i = 0; i < d; i++) {
      mu1[i] = Math.sin(i);
      mu2[i] = 0.3 * Math.cos(3 * i) - 1;
      expected += (mu1[i]! - mu2[i]!) ** 2;
    }
    expect(Math.abs(frechetDistance(mu1, identity(d), mu2, identity(d)) - expected)).toBeLessThan(1e-9);
  });

  it("matches a hand-derived non-commuting 2×2 case", () => {
    // Σ₁ = [[2,1],[1,2]], Σ₂ = diag(1,4): Σ₁Σ₂ = [[2,4],[1,8]] ≠ Σ₂Σ₁ = [[2,1],[4,8]].
    // For 2×2 PSD, tr√P = √(tr P + 2√det P) with tr(Σ₁Σ₂) = 10, det = 3·4 = 12,
    // so FID = ‖Δμ‖² + 4 + 5 − 2√(10 + 4√3), with Δμ = (1, −2): ‖Δμ‖² = 5.
    const expected = 5 + 9 - 2 * Math.sqrt(10 + 4 * Math.sqrt(3));
    const got = frechetDistance([1, 0], [2, 1, 1, 2], [0, 2], [1, 0, 0, 4]);
    expect(Math.abs(got - expected)).toBeLessThan(1e-9);
    // Symmetric in its arguments.
    expect(Math.abs(frechetDistance([0, 2], [1, 0, 0, 4], [1, 0], [2, 1, 1, 2]) - expected)).toBeLessThan(1e-9);
  });

  it("handles a singular Σ₁ (rank 1) exactly: tr√(Σ₁Σ₂) = √(vᵀΣ₂v) for Σ₁ = vvᵀ", () => {
    const v = [1, 2, -1];
    const s1 = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s1[i * 3 + j] = v[i]! * v[j]!;
    const s2 = [2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 3];
    let q = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) q += v[i]! * s2[i * 3 + j]! * v[j]!;
    const det = frechetDistanceDetailed([0, 0, 0], s1, [0, 0, 0], s2);
    expect(det.rankSigma1).toBe(1);
    expect(Math.abs(det.traceSqrtProduct - Math.sqrt(q))).toBeLessThan(1e-9);
    expect(Math.abs(det.value - (6 + 6 - 2 * Math.sqrt(q)))).toBeLessThan(1e-9);
  });

  it("clamps a negative rounding result to 0 but keeps the raw value", () => {
    // Identical statistics: raw is ±rounding; value never negative.
    const d = 16;
    const x = hashFeatures(3, 40, d);
    const { mu, sigma } = featureStatistics(x, d);
    const det = frechetDistanceDetailed(mu, sigma, mu, sigma);
    expect(det.value).toBe(Math.max(det.raw, 0));
    expect(Number.isFinite(det.raw)).toBe(true);
  });
});

describe("frechetDistance input checks", () => {
  it("rejects mismatched dimensions", () => {
    expectVsdError(() => frechetDistance([0, 0], identity(2), [0, 0, 0], identity(3)), "INVALID_SHAPE");
    expectVsdError(() => frechetDistance([0, 0], identity(3), [0, 0], identity(2)), "INVALID_SHAPE");
    expectVsdError(() => fid(new Float32Array(12), new Float32Array(12), 5), "INVALID_SHAPE");
  });
  it("rejects non-finite input", () => {
    expectVsdError(() => frechetDistance([0, Number.NaN], identity(2), [0, 0], identity(2)), "NON_FINITE");
    const cov = identity(2);
    cov[1] = Number.POSITIVE_INFINITY;
    expectVsdError(() => frechetDistance([0, 0], identity(2), [0, 0], cov), "NON_FINITE");
    const feats = hashFeatures(1, 10, 4);
    feats[7] = Number.NaN;
    expectVsdError(() => fid(feats, hashFeatures(2, 10, 4), 4), "NON_FINITE");
  });
  it("rejects N < 2", () => {
    expectVsdError(() => fid(new Float32Array(4), hashFeatures(2, 10, 4), 4), "INSUFFICIENT_DATA");
  });
});

describe('fid, method "eigh", agrees with pytorch-fid (scipy sqrtm) on hashed features', () => {
  const cases = fixtures.cases.filter((c) => c.dim <= 256);
  for (const c of cases) {
    it(`${c.name}: d = ${c.dim}, nA = ${c.nA}, nB = ${c.nB} (${c.route}) within 1e-6 relative`, () => {
      const xa = hashFeatures(c.seedA, c.nA, c.dim);
      const xb = hashFeatures(c.seedB, c.nB, c.dim, c.scaleB, c.shiftB);
      let sum = 0;
      for (const v of xa) sum += v;
      expect(sum).toBeCloseTo(c.checksumA, 6); // same features on both sides
      const det = fidDetailed(xa, xb, c.dim, { method: "eigh" });
      expect(Math.abs(det.value - c.expected) / c.expected).toBeLessThan(1e-6);
      expect(det.rankDeficient).toBe(c.nA <= c.dim || c.nB <= c.dim);
      expect(Number.isFinite(det.minEigenSigma1)).toBe(true);
    });
  }
});

describe('default method "cholesky" (pivoted Cholesky factor of Σ₁) agrees with "eigh" and pytorch-fid', () => {
  it("closed forms: identical → 0, Σ = I → ‖Δμ‖², the 2×2 case, rank-1 Σ₁", () => {
    const opts = { method: "cholesky" } as const;
    const d = 32;
    const { mu, sigma } = featureStatistics(hashFeatures(11, 200, d), d);
    expect(Math.abs(frechetDistanceDetailed(mu, sigma, mu, sigma, opts).raw)).toBeLessThan(1e-9);
    expect(Math.abs(frechetDistance([1, 2, 3], identity(3), [0, 0, 0], identity(3), opts) - 14)).toBeLessThan(1e-12);
    const expected = 5 + 9 - 2 * Math.sqrt(10 + 4 * Math.sqrt(3));
    expect(Math.abs(frechetDistance([1, 0], [2, 1, 1, 2], [0, 2], [1, 0, 0, 4], opts) - expected)).toBeLessThan(1e-9);
    const s1 = [1, 2, -1, 2, 4, -2, -1, -2, 1]; // v vᵀ, v = (1, 2, −1)
    const s2 = [2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 3];
    const det = frechetDistanceDetailed([0, 0, 0], s1, [0, 0, 0], s2, opts);
    expect(det.rankSigma1).toBe(1);
    expect(Math.abs(det.traceSqrtProduct - Math.sqrt(10.2))).toBeLessThan(1e-9); // Σ₂v = (3, 2.3, −2.6), vᵀΣ₂v = 10.2
  });

  for (const c of fixtures.cases.filter((x) => x.dim <= 256)) {
    it(`${c.name}: same value as pytorch-fid within 1e-6 relative`, () => {
      const xa = hashFeatures(c.seedA, c.nA, c.dim);
      const xb = hashFeatures(c.seedB, c.nB, c.dim, c.scaleB, c.shiftB);
      const det = fidDetailed(xa, xb, c.dim); // the default
      expect(Math.abs(det.value - c.expected) / c.expected).toBeLessThan(1e-6);
      expect(det.value).toBe(fid(xa, xb, c.dim, { method: "cholesky" }));
      expect(det.minEigenSigma1).toBeNaN();
    });
  }

  it("pivotedCholesky reproduces Σ = P L Lᵀ Pᵀ and finds the rank of N < d covariances", () => {
    const d = 24;
    const { sigma } = featureStatistics(hashFeatures(5, 10, d), d); // rank ≤ 9
    const ch = pivotedCholesky(sigma, d);
    expect(ch.rank).toBe(9);
    let maxErr = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < ch.rank; k++) s += ch.factorT[k * d + i]! * ch.factorT[k * d + j]!;
        maxErr = Math.max(maxErr, Math.abs(s - sigma[ch.perm[i]! * d + ch.perm[j]!]!));
      }
    }
    expect(maxErr).toBeLessThan(1e-12);
  });
});

describe("threads", () => {
  it("fid is bit-for-bit the same on 1 and 2 threads (d = 512: the products are split)", () => {
    const d = 512;
    const xa = hashFeatures(21, 700, d);
    const xb = hashFeatures(22, 650, d, 1.1, 0.05);
    const one = fidDetailed(xa, xb, d, { threads: 1 });
    for (let rep = 0; rep < 2; rep++) {
      const two = fidDetailed(xa, xb, d, { threads: 2 });
      expect(two.raw).toBe(one.raw);
      expect(two.traceSqrtProduct).toBe(one.traceSqrtProduct);
    }
    expect(one.value).toBeGreaterThan(0);
    expect(() => fid(xa, xb, d, { threads: 0 })).toThrow(VsdError);
  });
});
