import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { importanceWeightedLoss } from "@vsd/eval";
import { NoiseDecomposition } from "@vsd/decomp-noise";
import { afterAll, describe, expect, it } from "vitest";
import { Q5_STRATEGIES, q5Findings, runQ5 } from "./q5-snr-conflicts-run.js";

const dir = mkdtempSync(join(tmpdir(), "vsd-q5-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("q5-snr-conflicts", () => {
  it("trains every strategy at equal steps and reports losses and FIDs from the run", async () => {
    const before = tf.memory().numTensors;
    const r = await runQ5({ preset: "tiny", seed: 0, outDir: dir });
    expect(tf.memory().numTensors).toBe(before);
    for (const f of ["results.json", "report.md", "loss-by-logsnr.png", "iw-loss.png", "fid.png"]) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(r.rows.map((x) => x.strategy)).toEqual(Q5_STRATEGIES.map((x) => x.name));
    expect(r.bins).toHaveLength(5);
    const subtasks = new NoiseDecomposition({ bins: 5 }).subtasks();
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    for (const [i, row] of r.rows.entries()) {
      expect(row.lossByBin).toHaveLength(5);
      for (const v of row.lossByBin) expect(Number.isFinite(v) && v > 0).toBe(true);
      // The reported IW loss is @vsd/eval's Laplace-weighted combination of the reported per-bin losses.
      const losses = Object.fromEntries(subtasks.map((t, k) => [t.key, row.lossByBin[k]!]));
      expect(row.importanceWeightedLoss).toBeCloseTo(importanceWeightedLoss(losses, subtasks).value, 10);
      expect(row.equalWeightLoss).toBeCloseTo(row.lossByBin.reduce((a, b) => a + b, 0) / 5, 10);
      expect(Number.isFinite(row.fid) && row.fid > 0).toBe(true);
      expect(results.rows[i].fid).toBe(row.fid);
    }
    const md = readFileSync(join(dir, "report.md"), "utf8");
    for (const f of r.findings) expect(md).toContain(f);
  }, 90_000);

  it("findings name the best strategy by each score and whether they agree", () => {
    const row = (strategy: string, iw: number, fid: number, lossByBin: number[]) => ({
      strategy, importanceWeightedLoss: iw, equalWeightLoss: iw, fid, fidRankDeficient: false, lossByBin, finalTrainLoss: 0, trainSeconds: 0,
    });
    const bins = [{ logSnr: -5 }, { logSnr: 5 }];
    const f = q5Findings([row("uniform-eps", 0.3, 10, [1, 1]), row("edm", 0.2, 12, [1, 4])], bins);
    expect(f[0]).toContain("**edm**");
    expect(f[1]).toContain("**uniform-eps**");
    expect(f[2]).toContain("pick different strategies");
    expect(f[3]).toContain("edm");
    expect(f[4]).toContain("λ ≈ 5.0");
    expect(f[4]).toContain("4.00");
  });
});
