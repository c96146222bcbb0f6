import { describe, expect, it } from "vitest";
import { Rng, VsdError, priorKl, reconstructionNll } from "@vsd/core";
import { priorKlGrad, reconstructionNllWithGrad } from "./elbo-gradients.js";

describe("endpoint gradients of the VDM ELBO", () => {
  const rng = new Rng(4);
  const pixels = Uint8Array.from({ length: 64 }, () => rng.int(256));
  const noise = rng.fillNormal(new Float64Array(64));

  it("prior KL derivative in λ₁ matches finite differences of core's priorKl", () => {
    for (const l1 of [-8, -5, -1, 2]) {
      const fd = (priorKl(pixels, l1 + 1e-5) - priorKl(pixels, l1 - 1e-5)) / 2e-5;
      expect(priorKlGrad(pixels, l1)).toBeCloseTo(fd, 5);
    }
  });

  it("windowed reconstruction NLL equals core's full 256-way value; its λ₀ derivative matches finite differences", () => {
    for (const l0 of [4, 8, 10, 13.3]) {
      const { nll, grad } = reconstructionNllWithGrad(pixels, noise, l0);
      expect(nll).toBeCloseTo(reconstructionNll(pixels, noise, l0), 8);
      const h = 1e-5;
      const fd = (reconstructionNll(pixels, noise, l0 + h) - reconstructionNll(pixels, noise, l0 - h)) / (2 * h);
      expect(Math.abs(grad - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
    }
    expect(() => reconstructionNllWithGrad(pixels, noise.subarray(1), 5)).toThrow(VsdError);
  });
});
