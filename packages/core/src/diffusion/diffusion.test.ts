import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import {
  alphaSigmaFromLogSnr,
  logSnrFromAlphaSigma,
  logSigmoid,
  sigmoid,
  softplus,
  logit,
  logAddExp,
  sigmaVeFromLogSnr,
  logSnrFromSigmaVe,
} from "./log-snr.js";
import { diffuse } from "./forward-process.js";
import { antitheticTimes } from "./antithetic.js";
import {
  diffusionLoss,
  discreteDiffusionLoss,
  encodePixel,
  natsToBitsPerDim,
  priorKl,
  reconstructionNll,
  reconstructionProbs,
} from "./elbo.js";

describe("log-SNR conversions", () => {
  it("α² + σ² = 1 and λ round-trips for finite λ", () => {
    fc.assert(
      fc.property(fc.double({ min: -60, max: 60, noNaN: true }), (lambda) => {
        const { alpha, sigma } = alphaSigmaFromLogSnr(lambda);
        expect(alpha * alpha + sigma * sigma).toBeCloseTo(1, 12);
        expect(logSnrFromAlphaSigma(alpha, sigma)).toBeCloseTo(lambda, 8);
        expect(logSnrFromSigmaVe(sigmaVeFromLogSnr(lambda))).toBeCloseTo(lambda, 10);
      }),
    );
  });

  it("is finite at λ = ±∞ (zero and infinite SNR)", () => {
    expect(alphaSigmaFromLogSnr(-Infinity)).toEqual({ alpha: 0, sigma: 1 });
    expect(alphaSigmaFromLogSnr(Infinity)).toEqual({ alpha: 1, sigma: 0 });
    expect(sigmoid(-800)).toBe(0);
    expect(logSigmoid(-800)).toBeCloseTo(-800, 10);
    expect(softplus(800)).toBeCloseTo(800, 10);
    expect(logit(sigmoid(3.25))).toBeCloseTo(3.25, 12);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 10);
  });

  it("diffuse gives z = αx + σε per row", () => {
    const z = diffuse([1, 2, 3, 4], [0.5, -0.5, 1, 0], [0, Math.log(3)]);
    const a0 = Math.SQRT1_2;
    expect(z[0]).toBeCloseTo(a0 * 1 + a0 * 0.5, 12);
    expect(z[2]).toBeCloseTo(Math.sqrt(0.75) * 3 + 0.5 * 1, 12);
    expect(() => diffuse([1, 2, 3], [1, 2, 3], [0, 1])).toThrow(VsdError);
  });
});

describe("antitheticTimes", () => {
  it("spaces n times 1/n apart, each in [0,1)", () => {
    const t = antitheticTimes(4, 0.9);
    expect([...t].map((v) => +v.toFixed(12))).toEqual([0.9, 0.15, 0.4, 0.65]);
    const sorted = [...antitheticTimes(10, 0.37)].sort((a, b) => a - b);
    for (let i = 1; i < 10; i++) expect(sorted[i]! - sorted[i - 1]!).toBeCloseTo(0.1, 12);
    expect(() => antitheticTimes(0, 0.1)).toThrow(VsdError);
    expect(() => antitheticTimes(3, 1)).toThrow(VsdError);
  });
});

describe("VDM ELBO terms", () => {
  it("prior KL equals the Gaussian KL ½(μ² + s² − ln s² − 1) per dim", () => {
    const pixels = [0, 17, 128, 255];
    for (const l1 of [-13.3, -5, 0, 2]) {
      const a = Math.sqrt(sigmoid(l1));
      const s2 = sigmoid(-l1);
      let ref = 0;
      for (const k of pixels) {
        const mu = a * encodePixel(k);
        ref += 0.5 * (mu * mu + s2 - Math.log(s2) - 1);
      }
      expect(priorKl(pixels, l1)).toBeCloseTo(ref, 12);
    }
    // At VDM's γ_max = 5 (λ₁ = −5) the prior costs ~e^λ₁/2 per dim at most.
    expect(priorKl([255], -5)).toBeLessThan(0.5 * Math.exp(-5));
    expect(priorKl([255], -5)).toBeGreaterThan(0);
  });

  it("decoder probabilities sum to 1 and peak at the nearest bin", () => {
    for (const l0 of [13.3, 8, 2]) {
      const p = reconstructionProbs(encodePixel(100) + 0.001, l0);
      let sum = 0;
      let arg = 0;
      for (let k = 0; k < 256; k++) {
        sum += p[k]!;
        if (p[k]! > p[arg]!) arg = k;
      }
      expect(sum).toBeCloseTo(1, 12);
      expect(arg).toBe(100);
    }
  });

  it("reconstruction costs ~0 nats at λ₀ = 13.3 and ~ln 256 when λ₀ ≪ 0 for mid pixels", () => {
    const rng = new Rng(1);
    const n = 2000;
    const pixels = new Uint8Array(n).map(() => 1 + rng.int(254));
    const noise = rng.fillNormal(new Float64Array(n));
    // σ₀/α₀ = e^(−6.65) ≈ 0.0013 vs a half bin of 1/256: ~0.01 nats per dim.
    const sharp = reconstructionNll(pixels, noise, 13.3) / n;
    expect(sharp).toBeGreaterThan(0);
    expect(sharp).toBeLessThan(0.02);
    // Very noisy: the decoder is almost flat over the 256 values.
    const flat = reconstructionNll(pixels, noise, -20) / n;
    expect(flat).toBeGreaterThan(Math.log(256) - 0.2);
    expect(flat).toBeLessThan(Math.log(256) + 0.2);
  });

  it("diffusion term: schedule-independent and equal to ½∫ mse dλ on a toy Gaussian", () => {
    // x ~ N(0, s²), optimal ε̂ = E[ε|z]; its MSE is sigmoid(λ + ln s²), so
    // ½∫_{λ₁}^{λ₀} mse dλ = ½[softplus(λ₀ + ln s²) − softplus(λ₁ + ln s²)] (derived).
    const s2 = 0.3;
    const l0 = 10;
    const l1 = -8;
    const mse = (l: number) => sigmoid(l + Math.log(s2));
    const exact = 0.5 * (softplus(l0 + Math.log(s2)) - softplus(l1 + Math.log(s2)));
    // Two schedules with the same endpoints: linear in t and cosine-like.
    const linear = { lam: (t: number) => l0 + (l1 - l0) * t, dlam: () => l1 - l0 };
    const a = Math.atan(Math.exp(-l0 / 2));
    const b = Math.atan(Math.exp(-l1 / 2));
    const cosine = {
      lam: (t: number) => -2 * Math.log(Math.tan(a + t * (b - a))),
      dlam: (t: number) => (-4 * (b - a)) / Math.sin(2 * (a + t * (b - a))),
    };
    for (const s of [linear, cosine]) {
      const n = 4096;
      const ts = antitheticTimes(n, 0.5 / n); // midpoint rule
      let sum = 0;
      for (const t of ts) sum += diffusionLoss(mse(s.lam(t)), s.dlam(t));
      expect(Math.abs(sum / n - exact) / exact).toBeLessThan(1e-4);
    }
    expect(() => diffusionLoss(1, 0.5)).toThrow(VsdError);
  });

  it("discrete diffusion loss tends to the continuous one as T grows (L_2T ≤ L_T)", () => {
    const l0 = 6;
    const l1 = -6;
    const mse = (l: number) => sigmoid(l - 1);
    const lossT = (T: number) => {
      let s = 0;
      for (let i = 1; i <= T; i++) {
        const t = i / T;
        const lt = l0 + (l1 - l0) * t;
        const ls = l0 + (l1 - l0) * (t - 1 / T);
        s += discreteDiffusionLoss(mse(lt), lt, ls, T);
      }
      return s / T;
    };
    const cont = 0.5 * (softplus(l0 - 1) - softplus(l1 - 1));
    expect(Math.abs(lossT(20000) - cont) / cont).toBeLessThan(1e-3);
    expect(lossT(20)).toBeGreaterThan(lossT(40));
    expect(lossT(40)).toBeGreaterThan(cont);
  });

  it("converts nats to bits per dim", () => {
    expect(natsToBitsPerDim(784 * Math.LN2 * 8, 784)).toBeCloseTo(8, 12);
  });
});
