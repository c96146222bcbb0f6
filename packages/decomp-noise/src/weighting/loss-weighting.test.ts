import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Rng, VsdError } from "@vsd/core";
import ref from "../__fixtures__/reference.json" with { type: "json" };
import { cosineSchedule } from "../schedules/cosine.js";
import { laplaceSchedule } from "../schedules/laplace.js";
import { flowSchedule } from "../schedules/flow.js";
import { PREDICTIONS, logMseFactor } from "../prediction.js";
import {
  cosmapWeighting,
  edmWeighting,
  effectiveWeight,
  elboWeighting,
  importanceWeight,
  minSnrWeight,
  minSnrWeighting,
  mseWeighting,
  perSampleWeight,
  sigmoidWeighting,
  targetWeight,
  weightAt,
} from "./loss-weighting.js";

describe("minSnrWeight", () => {
  it("matches min(SNR, γ)/SNR, min(SNR, γ), min(SNR, γ)/(SNR + 1) within 1e-5", () => {
    const m = ref.minSnr;
    for (const p of ["epsilon", "x0", "v"] as const) {
      m.snr.forEach((snr, i) => {
        const e = m[p][i]!;
        expect(Math.abs(minSnrWeight(snr, m.gamma, p) - e) / e).toBeLessThan(1e-5);
      });
    }
  });

  it("is defined at SNR 0 (ε → 1, v → 0, x0 → 0) and at SNR ∞", () => {
    expect(minSnrWeight(0, 5, "epsilon")).toBe(1);
    expect(minSnrWeight(0, 5, "v")).toBe(0);
    expect(minSnrWeight(0, 5, "x0")).toBe(0);
    expect(minSnrWeight(Infinity, 5, "x0")).toBe(5);
    expect(minSnrWeight(Infinity, 5, "epsilon")).toBe(0);
    expect(minSnrWeight(Infinity, 5, "v")).toBe(0);
    expect(() => minSnrWeight(-1, 5, "v")).toThrow(VsdError);
    expect(() => minSnrWeight(1, 0, "v")).toThrow(VsdError);
  });

  it("the three targets are one objective: ω_target · factor = ω_ε", () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (l) => {
        const eps = minSnrWeight(Math.exp(l), 5, "epsilon");
        for (const p of ["x0", "v"] as const) {
          expect(minSnrWeight(Math.exp(l), 5, p) * Math.exp(logMseFactor(p, l))).toBeCloseTo(eps, 9);
        }
        expect(weightAt(minSnrWeighting(5), l)).toBeCloseTo(eps, 12);
      }),
    );
  });

  it("weights are finite everywhere, including zero terminal SNR (λ = −∞)", () => {
    const lam = fc.oneof(fc.constantFrom(-Infinity, Infinity, -745, 745), fc.double({ min: -700, max: 700, noNaN: true }));
    fc.assert(
      fc.property(lam, (l) => {
        for (const p of ["epsilon", "x0", "v"] as const) {
          expect(Number.isFinite(minSnrWeight(Math.exp(l), 5, p))).toBe(true);
          expect(Number.isFinite(targetWeight(minSnrWeighting(5), p, l))).toBe(true);
        }
        expect(Number.isFinite(weightAt(sigmoidWeighting(2), l))).toBe(true);
        expect(Number.isFinite(weightAt(elboWeighting(), l))).toBe(true);
      }),
    );
    // Weights with an SNR in the numerator are finite for every finite λ.
    fc.assert(
      fc.property(fc.double({ min: -300, max: 300, noNaN: true }), (l) => {
        for (const w of [edmWeighting(), cosmapWeighting(), ...PREDICTIONS.map(mseWeighting)]) {
          expect(Number.isFinite(weightAt(w, l))).toBe(true);
        }
      }),
    );
  });
});

describe("weightings in λ form", () => {
  it("EDM: ε-space weight equals λ(σ)·σ² with σ = e^(−λ/2)", () => {
    for (const l of [-6, -1, 0, 2.4, 8]) {
      const s = Math.exp(-l / 2);
      const sd = 0.5;
      const edmX = (s * s + sd * sd) / (s * sd) ** 2;
      expect(weightAt(edmWeighting(sd), l)).toBeCloseTo(edmX * s * s, 9);
    }
  });

  it("SD3 cosmap on RF velocity: 2/(π(1 − 2σ + 2σ²)) times the RF → ε factor", () => {
    const l = 0.7;
    const sig = 1 / (1 + Math.exp(l / 2));
    const expected = (2 / (Math.PI * (1 - 2 * sig + 2 * sig * sig))) / (1 - sig) ** 2;
    expect(weightAt(cosmapWeighting(), l)).toBeCloseTo(expected, 12);
  });

  it("VDM++ sigmoid and ELBO are effective weights: ω = w/p, w = ω·p", () => {
    const s = cosineSchedule();
    for (const l of [-10, -2, 0, 3, 12]) {
      expect(perSampleWeight(elboWeighting(), s, l) * s.density(l)).toBeCloseTo(1, 12);
      expect(effectiveWeight(sigmoidWeighting(1), s, l)).toBeCloseTo(1 / (1 + Math.exp(l - 1)), 12);
      expect(effectiveWeight(minSnrWeighting(5), s, l)).toBeCloseTo(Math.min(1, 5 * Math.exp(-l)) * s.density(l), 12);
    }
    expect(() => perSampleWeight(elboWeighting(), s, 40)).toThrow(VsdError);
  });

  it("RF v-MSE with uniform t is ½e^(−λ/2)-shaped: w ∝ e^(−λ/2) (REFERENCES §1.9)", () => {
    const s = flowSchedule();
    const w = (l: number) => effectiveWeight(mseWeighting("flow"), s, l);
    // w(λ) = (1 + e^(−λ/2))² · ¼ sech²(λ/4)... = ½ e^(−λ/2) exactly: check ratios.
    for (const l of [-4, 0, 3]) expect(w(l)).toBeCloseTo(0.5 * Math.exp(-l / 2), 12);
  });
});

describe("importance sampling vs weighting (VSD Eq. 6)", () => {
  it("swapping p(λ) and ω(λ) at equal w gives the same expected loss (Monte Carlo)", () => {
    // A known per-λ loss ℓ(λ) and weighting ω₁ = min-SNR-5 sampled from the cosine schedule.
    const ell = (l: number) => 1 / (1 + (l / 4) ** 2);
    const p1 = cosineSchedule();
    const p2 = laplaceSchedule({ mu: 1, b: 3 });
    const w1 = minSnrWeighting(5);
    // Exact: ∫ ω₁ p₁ ℓ dλ by the midpoint rule on the cosine support [−15, 15].
    let exact = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const l = -15 + (30 * (i + 0.5)) / n;
      exact += effectiveWeight(w1, p1, l) * ell(l) * (30 / n);
    }
    const rng = new Rng(7);
    const N = 100000;
    const est = (draw: (u: number) => number, omega: (l: number) => number) => {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < N; i++) {
        const l = draw(rng.uniform());
        const v = omega(l) * ell(l);
        s += v;
        s2 += v * v;
      }
      const mean = s / N;
      return { mean, se: Math.sqrt((s2 / N - mean * mean) / N) };
    };
    const a = est((u) => p1.quantile(u), (l) => perSampleWeight(w1, p1, l));
    const inSupport = (l: number) => (l > -15 && l < 15 ? 1 : 0);
    const b = est(
      (u) => p2.quantile(u),
      (l) => inSupport(l) * importanceWeight(perSampleWeight(w1, p1, l), p1.density(l), p2.density(l)),
    );
    expect(Math.abs(a.mean - exact)).toBeLessThan(4 * a.se);
    expect(Math.abs(b.mean - exact)).toBeLessThan(4 * b.se);
    expect(a.se).toBeLessThan(0.01 * exact);
    expect(b.se).toBeLessThan(0.02 * exact);
  });
});
