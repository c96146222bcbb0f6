import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs-core";
import { ParamStore, Rng, VsdError } from "@vsd/core";
import { cosineGammaSchedule, linearGammaSchedule, linearVpGammaSchedule } from "./fixed-schedules.js";
import { LearnedSchedule } from "./learned-schedule.js";
import { monotoneNet, normalizedGamma, type MonotoneNetWeights } from "./monotone-net-math.js";

function randomWeights(rng: Rng, H: number): MonotoneNetWeights {
  const pos = () => Float64Array.from({ length: H }, () => Math.exp(rng.normal()));
  return { w1: Math.exp(rng.normal()), w2: pos(), b2: Float64Array.from({ length: H }, () => 2 * rng.normal()), w3: pos() };
}

describe("monotone schedule network", () => {
  it("hand-written dγ/dt matches central finite differences (random positive weights)", () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const w = randomWeights(rng, 16);
      for (const t of [0, 0.013, 0.25, 0.5, 0.77, 0.999, 1]) {
        const h = 1e-6;
        const fd = (monotoneNet(w, t + h).gamma - monotoneNet(w, t - h).gamma) / (2 * h);
        expect(Math.abs(monotoneNet(w, t).dgamma - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
        const n = normalizedGamma(w, -10, 4, t);
        const fdn = (normalizedGamma(w, -10, 4, t + h).gamma - normalizedGamma(w, -10, 4, t - h).gamma) / (2 * h);
        expect(Math.abs(n.dgamma - fdn)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fdn)));
      }
    }
  });

  it("renormalised γ hits the endpoints exactly and is strictly increasing (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, a, b) => {
        const w = randomWeights(new Rng(seed), 8);
        expect(normalizedGamma(w, -13.3, 5, 0).gamma).toBe(-13.3);
        expect(normalizedGamma(w, -13.3, 5, 1).gamma).toBe(5);
        // Strict in floating point once the times differ by more than the resolution of γ.
        if (Math.abs(a - b) > 1e-9) {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          expect(normalizedGamma(w, -13.3, 5, lo).gamma).toBeLessThan(normalizedGamma(w, -13.3, 5, hi).gamma);
        }
        expect(normalizedGamma(w, -13.3, 5, a).dgamma).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
    expect(() => normalizedGamma(randomWeights(new Rng(1), 2), 1, 1, 0.5)).toThrow(VsdError);
  });

  it("tf tensors agree with the float64 math and do not leak", () => {
    const before = tf.memory().numTensors;
    const store = new ParamStore(new Rng(3));
    const s = new LearnedSchedule(store, undefined, { hidden: 8, gammaMin: -12, gammaMax: 6 });
    const t = Float32Array.from({ length: 101 }, (_, i) => i / 100);
    const { gamma, dgamma } = s.tensors(t);
    const g = gamma.dataSync();
    const d = dgamma.dataSync();
    tf.dispose([gamma, dgamma]);
    const ref = s.evaluate(t);
    for (let i = 0; i < t.length; i++) {
      expect(Math.abs(g[i]! - ref.gamma[i]!)).toBeLessThan(1e-4 * 18);
      expect(Math.abs(d[i]! - ref.dgamma[i]!) / ref.dgamma[i]!).toBeLessThan(1e-4);
    }
    expect(g[0]).toBe(Math.fround(-12));
    expect(g[100]).toBe(Math.fround(6));
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new LearnedSchedule(new ParamStore(new Rng(1)), undefined, { endpoints: "learned" })).toThrow(VsdError);
  });
});

describe("fixed schedules (REFERENCES §1.3)", () => {
  it("cosine: endpoints, λ(½) at the centre of the tan map, derivative by finite differences", () => {
    const c = cosineGammaSchedule(-13.3, 5);
    expect(c.at(0).gamma).toBeCloseTo(-13.3, 10);
    expect(c.at(1).gamma).toBeCloseTo(5, 10);
    // Untruncated limit: λ(t) = −2 ln tan(πt/2) ⇒ γ(½) = 0.
    expect(cosineGammaSchedule(-60, 60).at(0.5).gamma).toBeCloseTo(0, 8);
    for (const t of [0.1, 0.5, 0.9]) {
      const fd = (c.at(t + 1e-6).gamma - c.at(t - 1e-6).gamma) / 2e-6;
      expect(c.at(t).dgamma).toBeCloseTo(fd, 4);
    }
    expect(() => cosineGammaSchedule(2, 1)).toThrow(VsdError);
  });

  it("linear VP: γ(t) = ln expm1(β_min s + ½β_d s²) and its derivative", () => {
    const v = linearVpGammaSchedule();
    // t = 1 ⇒ s = 1: u = 0.1 + 9.95 = 10.05.
    expect(v.at(1).gamma).toBeCloseTo(Math.log(Math.expm1(10.05)), 10);
    expect(v.gamma0).toBeCloseTo(Math.log(Math.expm1(0.1e-5 + 0.5 * 19.9e-10)), 6);
    for (const t of [0.2, 0.6]) {
      const fd = (v.at(t + 1e-6).gamma - v.at(t - 1e-6).gamma) / 2e-6;
      expect(v.at(t).dgamma).toBeCloseTo(fd, 3);
    }
    expect(linearGammaSchedule(-10, 2).at(0.25).gamma).toBe(-7);
  });
});
