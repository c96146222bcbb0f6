import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError, alphaSigmaFromLogSnr } from "@vsd/core";
import { SAMPLER_KINDS, guidanceActive, runSampler, type DenoiseFn } from "./samplers.js";

// Data x ~ N(μ, s²) per dim has the exact denoiser E[x | z] = μ + αs²(z − αμ)/(α²s² + σ²),
// so every sampler must return samples with mean μ and std s (up to discretisation).
const MU = 0.3;
const S = 0.5;
const exact: DenoiseFn = (z, lambda) => {
  const { alpha, sigma } = alphaSigmaFromLogSnr(lambda);
  const gain = (alpha * S * S) / (alpha * alpha * S * S + sigma * sigma);
  return tf.tidy(() => {
    const x = tf.add(tf.mul(tf.sub(z, alpha * MU), gain), MU) as tf.Tensor2D;
    const eps = tf.div(tf.sub(z, tf.mul(x, alpha)), sigma) as tf.Tensor2D;
    return { x, eps };
  });
};

// Ancestral/DDIM(η = 1) lose variance in proportion to the λ step; 250 steps keep it under 5%.
const STEPS = { ddpm: 250, ddim: 250, euler: 60, heun: 30, "flow-euler": 60 } as const;

describe("samplers with an exact Gaussian denoiser", () => {
  for (const kind of SAMPLER_KINDS) {
    it(`${kind} reproduces N(μ = 0.3, s = 0.5)`, () => {
      const before = tf.memory().numTensors;
      const out = runSampler(exact, 500, 8, new Rng(11), { kind, steps: STEPS[kind], logSnrMin: -10, logSnrMax: 10, eta: 1 });
      const v = out.dataSync();
      out.dispose();
      let m = 0;
      for (const x of v) m += x;
      m /= v.length;
      let q = 0;
      for (const x of v) q += (x - m) ** 2;
      const sd = Math.sqrt(q / (v.length - 1));
      expect(Math.abs(m - MU)).toBeLessThan(0.03);
      expect(Math.abs(sd / S - 1)).toBeLessThan(0.05);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("DDIM with η = 0 is deterministic in its start noise and maps the prior onto the data law", () => {
    const a = runSampler(exact, 4, 2, new Rng(3), { kind: "ddim", steps: 30, logSnrMin: -10, logSnrMax: 10, eta: 0 });
    const b = runSampler(exact, 4, 2, new Rng(3), { kind: "ddim", steps: 30, logSnrMin: -10, logSnrMax: 10, eta: 0 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
  });

  it("rejects bad settings", () => {
    expect(() => runSampler(exact, 2, 2, new Rng(1), { kind: "ddpm", steps: 0, logSnrMin: -5, logSnrMax: 5 })).toThrow(VsdError);
    expect(() => runSampler(exact, 2, 2, new Rng(1), { kind: "ddpm", steps: 5, logSnrMin: 5, logSnrMax: -5 })).toThrow(VsdError);
  });
});

describe("guidance interval", () => {
  it("is active only for σ = e^(−λ/2) in (lo, hi]", () => {
    expect(guidanceActive(0)).toBe(true);
    expect(guidanceActive(0, [0.5, 2])).toBe(true); // σ = 1
    expect(guidanceActive(-2 * Math.log(3), [0.5, 2])).toBe(false); // σ = 3
    expect(guidanceActive(-2 * Math.log(0.5), [0.5, 2])).toBe(false); // σ = 0.5, open at lo
    expect(guidanceActive(-2 * Math.log(2), [0.5, 2])).toBe(true); // σ = 2, closed at hi
  });
});
