import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, makeBatch, train } from "@vsd/core";
import { NoiseModel } from "@vsd/decomp-noise";
import { afterAll, describe, expect, it } from "vitest";
import { mnistSubset } from "./example-kit.js";
import { guidedElbo } from "./q4-guided-elbo.js";
import { q4Findings, runQ4 } from "./q4-nll-vs-fid-run.js";

const dir = mkdtempSync(join(tmpdir(), "vsd-q4-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("q4-nll-vs-fid", () => {
  it("guidedElbo at w = 0 is the model's own unconditional ELBO (same draws), and w changes it", async () => {
    const data = mnistSubset(50, 6);
    const before = tf.memory().numTensors;
    const model = new NoiseModel({ shape: data, seed: 3, size: "XS", nllSamples: 2 });
    const batch = makeBatch(data, data.test, Int32Array.from([0, 1, 2, 3]));
    try {
      // A few steps so the (zero-initialised) label embedding moves ε̂(c) away from ε̂(∅).
      await train(model, data, { steps: 3, batchSize: 8, seed: 0, label: "q4 test" });
      const own = (await model.nll(batch, new Rng(7))).bitsPerDim;
      const w0 = guidedElbo(model, batch, 0, new Rng(7));
      expect(w0).toBeCloseTo(own, 4);
      const w1 = guidedElbo(model, batch, 1, new Rng(7));
      const w3 = guidedElbo(model, batch, 3, new Rng(7));
      for (const v of [w1, w3]) expect(Number.isFinite(v) && v > 0).toBe(true);
      expect(Math.abs(w3 - w1)).toBeGreaterThan(1e-6);
    } finally {
      batch.images.dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 30_000);

  it("runs the tiny preset and reports the ELBO and FID it measured per scale", async () => {
    const before = tf.memory().numTensors;
    const r = await runQ4({ preset: "tiny", seed: 0, outDir: dir });
    expect(tf.memory().numTensors).toBe(before);
    for (const f of ["results.json", "report.md", "fid-vs-scale.png", "elbo-vs-scale.png", "samples-w1.png", "samples-w3.png"]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(r.points.map((p) => p.scale)).toEqual([1, 3]);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    for (const [i, p] of r.points.entries()) {
      expect(Number.isFinite(p.fid) && p.fid > 0).toBe(true);
      expect(Number.isFinite(p.elboBitsPerDim) && p.elboBitsPerDim > 0).toBe(true);
      expect(results.points[i].fid).toBe(p.fid);
      expect(results.points[i].elboBitsPerDim).toBe(p.elboBitsPerDim);
    }
    const md = readFileSync(join(dir, "report.md"), "utf8");
    for (const f of r.findings) expect(md).toContain(f);
    for (const p of r.points) expect(md).toContain(p.fid.toFixed(2));
  }, 90_000);

  it("findings say whether the lowest-NLL scale is the lowest-FID scale", () => {
    const agree = q4Findings([{ scale: 1, elboBitsPerDim: 1.0, fid: 10, fidRankDeficient: false }, { scale: 3, elboBitsPerDim: 1.2, fid: 12, fidRankDeficient: false }], 1.01);
    expect(agree[0]).toContain("is also the lowest-FID one (w = 1");
    const disagree = q4Findings([{ scale: 1, elboBitsPerDim: 1.0, fid: 10, fidRankDeficient: false }, { scale: 3, elboBitsPerDim: 1.2, fid: 5, fidRankDeficient: false }], 1.01);
    expect(disagree[0]).toContain("**not** the lowest-FID one");
    expect(disagree[0]).toContain("FID is lowest at w = 3");
    expect(disagree[1]).toContain("rises monotonically");
  });
});
