import * as tf from "@tensorflow/tfjs-core";
import { loadMnist, Rng } from "@vsd/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeInvalidEncoding, findDominantStage } from "./analyze-invalid-encoding.js";
import { codebookUsage } from "./codebook-stats.js";
import { RqTokenizer } from "./rq-tokenizer.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

describe("findDominantStage", () => {
  it("finds the depth after which nothing improves by more than the threshold", () => {
    expect(findDominantStage([1, 0.5, 0.3, 0.299, 0.2995], 0.02)).toBe(2);
    expect(findDominantStage([1, 0.5, 0.3, 0.299, 0.2995], 0)).toBe(3);
    expect(findDominantStage([1, 0.5, 0.4, 0.3], 0.02)).toBe(3); // keeps improving: full depth
    expect(findDominantStage([1, 0.5, 0.6, 0.7], 0.02)).toBe(1); // deeper codes make it worse
    expect(() => findDominantStage([1], 0.02)).toThrow();
  });
});

describe("RQ tokenizer on MNIST (D = 8)", () => {
  const ds = loadMnist({ limit: 400, seed: 0 });
  let tok: RqTokenizer;
  let before = 0;
  beforeAll(() => {
    before = tf.memory().numTensors;
    tok = new RqTokenizer(ds, { depth: 8, hidden: 32, codebookSize: 32, latentDim: 8, seed: 0 });
    tok.fit(ds.train.pixels, { steps: 40, batchSize: 16, rng: new Rng(1) });
  });
  afterAll(() => {
    tok.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reduces reconstruction error at depths 1..k and the analysis reports the dominant stage", async () => {
    const t = tf.memory().numTensors;
    const report = await analyzeInvalidEncoding(tok, ds, { limit: 64, pictureExamples: 4 });
    expect(tf.memory().numTensors).toBe(t);
    const mse = report.depths.map((d) => d.mse);
    console.log("MNIST D=8 pixel MSE by depth:", mse.map((v) => v.toFixed(4)).join(" "), "dominant", report.dominantStage, report.verdict);
    console.log("usage:", report.depths.slice(1).map((d) => d.usage.toFixed(2)).join(" "), "ppl:", report.depths.slice(1).map((d) => d.perplexity.toFixed(2)).join(" "));
    console.log("noOp:", report.depths.slice(1).map((d) => d.noOpShare.toFixed(2)).join(" "), "harmful:", report.depths.slice(1).map((d) => d.harmfulShare.toFixed(2)).join(" "));
    // Depths 1..3 each lower the error (k = 3), and the first depth helps a lot vs the zero latent.
    expect(mse[1]!).toBeLessThan(0.5 * mse[0]!);
    expect(mse[2]!).toBeLessThan(mse[1]!);
    expect(mse[3]!).toBeLessThan(mse[2]!);
    expect(report.dominantStage).toBe(findDominantStage(mse, 0.02));
    expect(report.dominantStage).toBeGreaterThanOrEqual(3);
    expect(report.verdict.invalid).toBe(report.dominantStage < 8);
    expect(report.verdict.startsAtDepth).toBe(report.verdict.invalid ? report.dominantStage + 1 : null);
    // PSNR is 8-bit PSNR: 10·log10(2²/MSE).
    expect(report.depths[1]!.psnr).toBeCloseTo(10 * Math.log10(4 / mse[1]!), 10);
    for (const d of report.depths.slice(1)) {
      expect(d.usage).toBeGreaterThan(0);
      expect(d.usage).toBeLessThanOrEqual(1);
      expect(d.perplexity).toBeGreaterThanOrEqual(1);
      expect(d.noOpShare + d.latentHarmfulShare).toBeLessThanOrEqual(1);
    }
    // Latent residual after depth 1 is far below the encoder output's norm.
    expect(report.depths[1]!.latentResidual).toBeLessThan(0.5 * report.depths[0]!.latentResidual);
    expect(Array.from(report.pictures!.errorVsDepth.subarray(0, 4))).toEqual(PNG_SIGNATURE);
    expect(Array.from(report.pictures!.reconstructions.subarray(0, 4))).toEqual(PNG_SIGNATURE);
  });
});

describe("codebook usage on MNIST", () => {
  it("EMA + k-means + dead-code restart keep usage ≥ 50% where plain gradient training (no k-means, init std 3) collapses to ≤ 10%", () => {
    const ds = loadMnist({ limit: 300, seed: 0 });
    const before = tf.memory().numTensors;
    const px = ds.test.pixels.subarray(0, 50 * 784);
    const images = tf.tensor4d(Float32Array.from(px, (v) => v / 127.5 - 1), [50, 28, 28, 1]);
    const usage = (opts: object) => {
      const tok = new RqTokenizer(ds, { depth: 2, hidden: 32, codebookSize: 32, seed: 0, ...opts });
      tok.fit(ds.train.pixels, { steps: 25, batchSize: 16, rng: new Rng(1) });
      const codes = tok.encode(images).codes;
      tok.dispose();
      return [0, 1].map((d) => codebookUsage(codes, 2, d, 32));
    };
    const plain = usage({ codebookUpdate: "gradient", kmeansInit: false, deadCodeThreshold: 0, codebookInitStd: 3 });
    const ema = usage({ codebookUpdate: "ema", kmeansInit: true, deadCodeThreshold: 1 });
    images.dispose();
    console.log("usage plain", plain.map((u) => [u.usage, u.perplexity]), "ema+restart", ema.map((u) => [u.usage, u.perplexity]));
    for (const u of plain) {
      expect(u.usage).toBeLessThanOrEqual(0.1);
      expect(u.perplexity).toBeLessThan(1.5);
    }
    for (const u of ema) {
      expect(u.usage).toBeGreaterThanOrEqual(0.5);
      expect(u.perplexity).toBeGreaterThan(2);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
