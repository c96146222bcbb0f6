import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../rng.js";
import { cholesky, invertLower, logDetFromCholesky, matMul } from "./linalg.js";
import {
  augmentedRows,
  fitLinearGaussian,
  nllQuadraticForm,
  quadraticForms,
  scoreLinearGaussian,
  secondMoment,
} from "./linear-gaussian.js";
import { makePairSet } from "./pair-set.js";
import { probeEquivariance } from "./equivariance-probe.js";
import { blankDataset, linearGaussianDecomposition, type LinearGaussianSpec } from "./test-fixtures.js";
import { QUANTIZATION_VARIANCE_8BIT } from "./probe-options.js";

const Q = QUANTIZATION_VARIANCE_8BIT;

/**
 * Closed form of what the linear-Gaussian gap estimates when the data really
 * are linear-Gaussian: E_{x,y ~ p_k}[−log N(y; A_t x + b_t, C_t)] − (same with
 * t = k), divided by dt·ln 2, where C = Σ + qI (full) or diag(Σ) + q (diag).
 * With E over x ~ N(m, S): E[(y − μ_t)(y − μ_t)ᵀ] = Σ_k + ΔA S ΔAᵀ + δ δᵀ,
 * ΔA = A_k − A_t, δ = ΔA m + b_k − b_t. This is the expected KL between the
 * two (floored) conditionals, in bits/dim.
 */
function expectedGap(t: LinearGaussianSpec, k: LinearGaussianSpec, dc: number, dt: number, diagOnly: boolean): number {
  const sigma = (s: LinearGaussianSpec): Float64Array => {
    const l = Float64Array.from(s.noiseChol);
    const lt = new Float64Array(dt * dt);
    for (let i = 0; i < dt; i++) for (let j = 0; j < dt; j++) lt[j * dt + i] = l[i * dt + j]!;
    return matMul(l, lt, dt, dt, dt);
  };
  const cov = (s: LinearGaussianSpec): Float64Array => {
    const c = sigma(s);
    for (let i = 0; i < dt; i++) {
      for (let j = 0; j < dt; j++) if (diagOnly && i !== j) c[i * dt + j] = 0;
      c[i * dt + i]! += Q;
    }
    return c;
  };
  const crossEntropy = (model: LinearGaussianSpec): number => {
    const m = new Float64Array(dt * dt);
    m.set(sigma(k));
    const dA = k.a.map((v, i) => v - model.a[i]!);
    const delta = new Float64Array(dt);
    for (let r = 0; r < dt; r++) {
      delta[r] = k.b[r]! - model.b[r]!;
      for (let j = 0; j < dc; j++) delta[r]! += dA[r * dc + j]! * k.inputMean[j]!;
    }
    for (let r = 0; r < dt; r++) {
      for (let c = 0; c < dt; c++) {
        let s = delta[r]! * delta[c]!;
        for (let j = 0; j < dc; j++) s += dA[r * dc + j]! * dA[c * dc + j]! * k.inputStd[j]! ** 2;
        m[r * dt + c]! += s;
      }
    }
    const l = cholesky(cov(model), dt);
    const li = invertLower(l, dt);
    // tr(C⁻¹ M) = tr(L⁻ᵀ L⁻¹ M) = Σ_ij (L⁻¹ M L⁻ᵀ)_ii
    const lm = matMul(li, m, dt, dt, dt);
    let tr = 0;
    for (let i = 0; i < dt; i++) for (let j = 0; j < dt; j++) tr += lm[i * dt + j]! * li[i * dt + j]!;
    return 0.5 * (dt * Math.log(2 * Math.PI) + logDetFromCholesky(l, dt) + tr);
  };
  return (crossEntropy(t) - crossEntropy(k)) / (dt * Math.LN2);
}

const DC = 3;
const DT = 2;
const specA: LinearGaussianSpec = {
  a: [0.8, -0.3, 0.1, 0.2, 0.5, -0.4],
  b: [0.1, -0.2],
  inputMean: [0.2, -0.1, 0.0],
  inputStd: [0.5, 0.4, 0.3],
  noiseChol: [0.2, 0, 0.1, 0.15],
};
const specB: LinearGaussianSpec = {
  a: [0.7, -0.2, 0.2, 0.2, 0.6, -0.3],
  b: [0.05, -0.15],
  inputMean: [0.1, 0.0, -0.2],
  inputStd: [0.4, 0.5, 0.3],
  noiseChol: [0.24, 0, 0.05, 0.12],
};

describe("fitLinearGaussian", () => {
  it("recovers known weights, bias and noise covariance from 20,000 pairs", () => {
    const rng = new Rng(3);
    const n = 20000;
    const x = new Float64Array(n * DC);
    const y = new Float64Array(n * DT);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < DC; j++) x[i * DC + j] = specA.inputMean[j]! + specA.inputStd[j]! * rng.normal();
      const e0 = rng.normal();
      const e1 = rng.normal();
      for (let r = 0; r < DT; r++) {
        let v = specA.b[r]!;
        for (let j = 0; j < DC; j++) v += specA.a[r * DC + j]! * x[i * DC + j]!;
        y[i * DT + r] = v + specA.noiseChol[r * DT]! * e0 + specA.noiseChol[r * DT + 1]! * e1;
      }
    }
    const fit = fitLinearGaussian(makePairSet(x, y, n, DC, DT), { ridge: 0, varianceFloor: new Float64Array(DT) });
    // weights are dc × dt: W[j][r] = A[r][j]
    for (let r = 0; r < DT; r++) {
      for (let j = 0; j < DC; j++) expect(fit.weights[j * DT + r]!).toBeCloseTo(specA.a[r * DC + j]!, 1);
      expect(Math.abs(fit.bias[r]! - specA.b[r]!)).toBeLessThan(0.01);
    }
    // Σ = L Lᵀ = [[0.04, 0.02], [0.02, 0.0325]]
    expect(fit.fullCovariance[0]!).toBeCloseTo(0.04, 2);
    expect(fit.fullCovariance[1]!).toBeCloseTo(0.02, 2);
    expect(fit.fullCovariance[3]!).toBeCloseTo(0.0325, 2);
    expect(Math.abs(fit.fullCovariance[0]! / 0.04 - 1)).toBeLessThan(0.03);
  });

  it("scores a pair with the Gaussian log density by hand", () => {
    // dc = 0: the fit is the mean and covariance of the targets.
    const y = Float64Array.from([1, 0, -1, 0, 0, 2, 0, -2]);
    const fit = fitLinearGaussian(makePairSet([], y, 4, 0, 2), { ridge: 0, varianceFloor: new Float64Array([0, 0]) });
    expect(Array.from(fit.diagVariance)).toEqual([0.5, 2]);
    const d = new Float64Array(1);
    const f = new Float64Array(1);
    scoreLinearGaussian(fit, makePairSet([], [1, 1], 1, 0, 2), d, f);
    // −log N((1,1); 0, diag(0.5, 2)) = ½(1/0.5 + 1/2) + ½ ln(2π·0.5) + ½ ln(2π·2)
    const expected = 0.5 * (2 + 0.5) + 0.5 * Math.log(2 * Math.PI * 0.5) + 0.5 * Math.log(2 * Math.PI * 2);
    expect(d[0]!).toBeCloseTo(expected, 12);
    expect(f[0]!).toBeCloseTo(expected, 12); // covariance is diagonal here
  });

  it("rejects too few pairs for the fit with INSUFFICIENT_DATA", () => {
    const p = makePairSet(new Float64Array(4 * 3), new Float64Array(4), 4, 3, 1);
    expect(() => fitLinearGaussian(p, { ridge: 0, varianceFloor: new Float64Array(1) })).toThrow(
      expect.objectContaining({ code: "INSUFFICIENT_DATA" }),
    );
  });
});

describe("linear-Gaussian probe, known answers", () => {
  it("two subtasks with identical pair distributions: gap ≈ 0 and the CI contains 0", async () => {
    const before = tf.memory().numTensors;
    const dec = linearGaussianDecomposition([specA, specA], DC, DT);
    const report = await probeEquivariance(dec, blankDataset(8000), {
      // Interval coverage of 0 measured over seeds 0–39 with these settings: 38/40 (95%).
      seed: 0,
      subtasks: "all",
      pairsPerSubtask: 8000,
      heldOutFraction: 0.1,
    });
    const ne = report.nonEquivariance;
    expect(Math.abs(ne.value)).toBeLessThan(0.01);
    expect(ne.low).toBeLessThanOrEqual(0);
    expect(ne.high).toBeGreaterThanOrEqual(0);
    const full = report.statistics["gap-full"]!;
    expect(full.low).toBeLessThanOrEqual(0);
    expect(full.high).toBeGreaterThanOrEqual(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("two Gaussian subtasks with known linear conditionals: gap = closed-form expected KL (bits/dim)", async () => {
    const before = tf.memory().numTensors;
    const dec = linearGaussianDecomposition([specA, specB], DC, DT);
    const report = await probeEquivariance(dec, blankDataset(60000), {
      seed: 5,
      subtasks: "all",
      pairsPerSubtask: 60000,
      heldOutFraction: 0.5,
      // Block bootstrap with refits: intervals include the fits' own noise.
      interval: "refit",
    });
    const diag = report.matrices.find((m) => m.name === "gap-diag")!.values;
    const full = report.matrices.find((m) => m.name === "gap-full")!.values;
    const exact = {
      diagAB: expectedGap(specA, specB, DC, DT, true),
      diagBA: expectedGap(specB, specA, DC, DT, true),
      fullAB: expectedGap(specA, specB, DC, DT, false),
      fullBA: expectedGap(specB, specA, DC, DT, false),
    };
    // Tolerance 0.016 bits/dim: four standard errors of a held-out mean over 30,000 pairs
    // (per-pair std of the log ratio ≈ 0.72 bits/dim, measured by Monte Carlo in numpy).
    const close = (got: number, want: number): void => expect(Math.abs(got - want)).toBeLessThan(0.016);
    close(diag[0]![1]!, exact.diagAB);
    close(diag[1]![0]!, exact.diagBA);
    close(full[0]![1]!, exact.fullAB);
    close(full[1]![0]!, exact.fullBA);
    expect(diag[0]![0]!).toBe(0);
    expect(report.nonEquivariance.value).toBeCloseTo((diag[0]![1]! + diag[1]![0]!) / 2, 12);
    expect(report.nonEquivariance.low).toBeGreaterThan(0.2);
    // The refit interval covers the exact mean off-diagonal gap (diag and full).
    const exactDiag = (exact.diagAB + exact.diagBA) / 2;
    const exactFull = (exact.fullAB + exact.fullBA) / 2;
    expect(report.nonEquivariance.low).toBeLessThan(exactDiag);
    expect(report.nonEquivariance.high).toBeGreaterThan(exactDiag);
    expect(report.statistics["gap-full"]!.low).toBeLessThan(exactFull);
    expect(report.statistics["gap-full"]!.high).toBeGreaterThan(exactFull);
    expect(report.notes.some((n) => n.startsWith("intervals: block bootstrap with refits"))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("nllQuadraticForm", () => {
  it("gives the same per-pair NLL as direct scoring, and mean NLL from second moments", () => {
    const rng = new Rng(8);
    const n = 300;
    const dc = 4;
    const dt = 3;
    const x = rng.fillNormal(new Float64Array(n * dc)) as Float64Array;
    const y = new Float64Array(n * dt);
    for (let i = 0; i < n * dt; i++) y[i] = 0.3 * x[(i * 7) % (n * dc)]! + 0.2 * rng.normal();
    const p = makePairSet(x, y, n, dc, dt);
    const fit = fitLinearGaussian(p, { ridge: 1e-3, varianceFloor: new Float64Array(dt).fill(Q) });
    const d = new Float64Array(n);
    const f = new Float64Array(n);
    scoreLinearGaussian(fit, p, d, f);
    const u = augmentedRows(p);
    const D = dt + dc + 1;
    const s = secondMoment(u, n, D);
    for (const [cov, direct] of [["diag", d], ["full", f]] as const) {
      const form = nllQuadraticForm(fit, cov);
      const q = new Float64Array(n);
      quadraticForms(form.m, u, n, D, q);
      let meanDirect = 0;
      for (let i = 0; i < n; i++) {
        expect(Math.abs(0.5 * (q[i]! + form.kappa) - direct[i]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(direct[i]!)));
        meanDirect += direct[i]! / n;
      }
      let ip = 0;
      for (let i = 0; i < s.length; i++) ip += form.m[i]! * s[i]!;
      expect(0.5 * (ip + form.kappa)).toBeCloseTo(meanDirect, 9);
    }
  });
});
