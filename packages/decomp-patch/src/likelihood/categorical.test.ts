import { describe, expect, it } from "vitest";
import { Rng, VsdError } from "@vsd/core";
import { categoricalLogProb, sampleCategorical } from "./categorical.js";

describe("256-way categorical", () => {
  it("probabilities sum to 1 and match softmax (known answer), also for huge logits", () => {
    const rng = new Rng(1);
    for (const scale of [1, 50, 1000]) {
      const logits = Array.from({ length: 256 }, () => rng.normal() * scale);
      let s = 0;
      for (let x = 0; x < 256; x++) s += Math.exp(categoricalLogProb(logits, x));
      expect(Math.abs(s - 1)).toBeLessThan(1e-12);
    }
    const uniform = new Array(256).fill(3);
    expect(categoricalLogProb(uniform, 17)).toBeCloseTo(-Math.log(256), 12);
  });

  it("sampling reproduces the probabilities; low temperature picks the mode", () => {
    const logits = new Array(256).fill(-Infinity);
    logits[10] = Math.log(0.2);
    logits[200] = Math.log(0.8);
    const rng = new Rng(2);
    let c200 = 0;
    for (let i = 0; i < 5000; i++) if (sampleCategorical(logits, rng) === 200) c200++;
    expect(Math.abs(c200 / 5000 - 0.8)).toBeLessThan(0.025);
    for (let i = 0; i < 200; i++) expect(sampleCategorical(logits, rng, 0.05)).toBe(200);
    expect(() => categoricalLogProb(new Array(10).fill(0), 1)).toThrow(VsdError);
    expect(() => sampleCategorical(logits, rng, 0)).toThrow(VsdError);
  });
});
