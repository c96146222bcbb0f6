import type { ImageDataset } from "@vsd/core";
import { Rng } from "@vsd/core";
import { normalCdf } from "../math/normal.js";

/**
 * A 2-D Gaussian mixture quantised to 8 bits, as a 1×2×1 "image" data set, with
 * its exact discrete log-likelihood (bins integrated with Φ), so a model's ELBO
 * can be compared with the true NLL. Components at (±m, ±m), std s, equal weights.
 */
export function gaussianMixtureDataset(options: { n: number; nTest: number; seed: number; m?: number; s?: number }): {
  data: ImageDataset;
  /** Exact −log₂ P(pixels)/2 averaged over the test split, bits/dim. */
  trueBitsPerDim: number;
  logProb(k1: number, k2: number): number;
} {
  const m = options.m ?? 0.5;
  const s = options.s ?? 0.1;
  const rng = new Rng(options.seed);
  const centres = [
    [-m, -m],
    [-m, m],
    [m, -m],
    [m, m],
  ] as const;
  const draw = (n: number) => {
    const px = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) {
      const c = centres[rng.int(4)]!;
      for (let d = 0; d < 2; d++) {
        const y = c[d]! + s * rng.normal();
        px[2 * i + d] = Math.min(255, Math.max(0, Math.floor((y + 1) * 128)));
      }
    }
    return px;
  };
  // P(bin k) under N(μ, s²), with the edge bins taking the tails.
  const binProb = (k: number, mu: number) => {
    const lo = k === 0 ? -Infinity : -1 + (2 * k) / 256;
    const hi = k === 255 ? Infinity : -1 + (2 * (k + 1)) / 256;
    return normalCdf((hi - mu) / s) - normalCdf((lo - mu) / s);
  };
  const logProb = (k1: number, k2: number) => {
    let p = 0;
    for (const c of centres) p += 0.25 * binProb(k1, c[0]!) * binProb(k2, c[1]!);
    return Math.log(p);
  };
  const train = draw(options.n);
  const test = draw(options.nTest);
  let nats = 0;
  for (let i = 0; i < options.nTest; i++) nats -= logProb(test[2 * i]!, test[2 * i + 1]!);
  return {
    data: { name: "gmm2d", height: 1, width: 2, channels: 1, train: { n: options.n, pixels: train }, test: { n: options.nTest, pixels: test } },
    trueBitsPerDim: nats / options.nTest / 2 / Math.LN2,
    logProb,
  };
}
