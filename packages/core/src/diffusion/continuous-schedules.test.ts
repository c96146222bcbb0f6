import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { VsdError } from "../errors.js";
import { linearVpLogSnr, truncatedCosineLogSnr, type LogSnrCurve } from "./continuous-schedules.js";
import { sigmoid } from "./log-snr.js";

/** Central difference of λ(t), for checking λ′. */
function finiteDifference(c: LogSnrCurve, t: number, h = 1e-6): number {
  return (c.logSnr(t + h) - c.logSnr(t - h)) / (2 * h);
}

describe("truncatedCosineLogSnr", () => {
  const c = truncatedCosineLogSnr(-13.3, 9);

  it("matches reference values (mpmath, 30 digits) and hits the endpoints", () => {
    // λ(t) = −2 ln tan(a + t(b − a)), a = atan(e^(−9/2)), b = atan(e^(13.3/2)).
    expect(c.logSnr(0.3)).toBeCloseTo(1.3122171622609825, 12);
    expect(c.logSnrDerivative(0.3)).toBeCloseTo(-7.6241124146035487, 11);
    expect(c.logSnr(0.75)).toBeCloseTo(-1.7729854837894357, 12);
    expect(c.logSnrDerivative(0.75)).toBeCloseTo(-8.8476326821702215, 11);
    expect(c.logSnr(0)).toBeCloseTo(9, 12);
    expect(c.logSnr(1)).toBeCloseTo(-13.3, 11);
  });

  it("is strictly decreasing, inverts, and its derivative is the finite difference", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), (t, s) => {
        if (s - t > 1e-9) expect(c.logSnr(t)).toBeGreaterThan(c.logSnr(s));
        expect(c.tOfLogSnr(c.logSnr(t))).toBeCloseTo(t, 10);
        const fd = finiteDifference(c, t);
        expect(Math.abs(c.logSnrDerivative(t) - fd)).toBeLessThan(1e-6 * Math.abs(fd));
      }),
    );
  });

  it("density is 1/|λ′(t)| and integrates to 1 over [λ_min, λ_max]", () => {
    for (const t of [0.05, 0.4, 0.9]) expect(c.density(c.logSnr(t)) * Math.abs(c.logSnrDerivative(t))).toBeCloseTo(1, 10);
    const n = 20000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += c.density(-13.3 + (22.3 * (i + 0.5)) / n);
    expect((sum * 22.3) / n).toBeCloseTo(1, 6);
  });

  it("untruncated: λ(t) = −2 ln tan(πt/2), p(0) = 1/(2π), and rejects λ_min ≥ λ_max", () => {
    const u = truncatedCosineLogSnr(-Infinity, Infinity);
    expect(u.logSnr(0.5)).toBeCloseTo(0, 14);
    expect(u.logSnr(0.2)).toBeCloseTo(-2 * Math.log(Math.tan(0.1 * Math.PI)), 13);
    expect(u.density(0)).toBeCloseTo(1 / (2 * Math.PI), 14);
    expect(u.logSnr(0)).toBe(Infinity);
    expect(() => truncatedCosineLogSnr(3, 3)).toThrow(VsdError);
    expect(() => truncatedCosineLogSnr(3, -3)).toThrow(VsdError);
  });
});

describe("linearVpLogSnr", () => {
  const v = linearVpLogSnr();

  it("matches reference values (mpmath) for β_min = 0.1, β_d = 19.9", () => {
    expect(v.logSnr(0.05)).toBeCloseTo(3.4957585808560083, 11);
    expect(v.logSnrDerivative(0.05)).toBeCloseTo(-37.202945718471472, 9);
    expect(v.logSnr(0.5)).toBeCloseTo(-2.4551354688215745, 12);
    expect(v.logSnrDerivative(0.5)).toBeCloseTo(-10.912808222653159, 11);
    expect(v.logSnr(1)).toBeCloseTo(-10.049956813318408, 12);
    expect(v.logSnrDerivative(1)).toBeCloseTo(-20.000863752282996, 11);
    expect(v.logSnr(0)).toBe(Infinity);
  });

  it("is ᾱ(t) = exp(−β_min t − ½β_d t²), inverts, and λ′ is the finite difference", () => {
    const w = linearVpLogSnr({ betaMin: 0.3, betaD: 7 });
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), (t) => {
        const alphaBar = Math.exp(-(0.3 * t + 3.5 * t * t));
        expect(Math.abs(sigmoid(w.logSnr(t)) - alphaBar)).toBeLessThan(1e-13);
        expect(w.tOfLogSnr(w.logSnr(t))).toBeCloseTo(t, 11);
        const fd = finiteDifference(w, t);
        expect(Math.abs(w.logSnrDerivative(t) - fd)).toBeLessThan(1e-6 * Math.abs(fd));
      }),
    );
  });

  it("β_d = 0 is ᾱ = e^(−β t), and bad β throw", () => {
    const w = linearVpLogSnr({ betaMin: 2, betaD: 0 });
    expect(w.tOfLogSnr(w.logSnr(0.6))).toBeCloseTo(0.6, 12);
    expect(sigmoid(w.logSnr(0.6))).toBeCloseTo(Math.exp(-1.2), 13);
    expect(() => linearVpLogSnr({ betaMin: 0 })).toThrow(VsdError);
    expect(() => linearVpLogSnr({ betaD: -1 })).toThrow(VsdError);
  });
});
