import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { q3Findings, runQ3, shareTable, type Q3Run } from "./q3-invalid-encoding-run.js";

const dir = mkdtempSync(join(tmpdir(), "vsd-q3-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("q3-invalid-encoding", () => {
  it("runs the tiny grid and reports shares that are k/N of its own runs", async () => {
    const before = tf.memory().numTensors;
    const r = await runQ3({ preset: "tiny", seed: 0, outDir: dir });
    expect(tf.memory().numTensors).toBe(before);
    for (const f of ["results.json", "report.md", "invalid-share.png"]) expect(existsSync(join(dir, f))).toBe(true);
    // Tiny grid: depths {2, 4} × weightings {equal, final} × 1 × 1 × 1.
    expect(r.runs).toHaveLength(4);
    for (const run of r.runs) {
      expect(run.mse).toHaveLength(run.depth + 1);
      for (const m of run.mse) expect(Number.isFinite(m) && m > 0).toBe(true);
      expect(run.invalid).toBe(run.dominantStage < run.depth);
    }
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(results.runs).toHaveLength(4);
    for (const s of results.shares) {
      const sel = r.runs.filter((x) => x.depth === s.depth && (s.weighting === "all" || x.weighting === s.weighting));
      expect(s.runs).toBe(sel.length);
      expect(s.invalid).toBe(sel.filter((x) => x.invalid).length);
      expect(s.share).toBeCloseTo(s.invalid / s.runs, 12);
    }
    const md = readFileSync(join(dir, "report.md"), "utf8");
    // The stated result is the one computed from the run.
    for (const f of r.findings) expect(md).toContain(f);
    const eq = r.shares.filter((x) => x.weighting === "equal").map((x) => x.share.toFixed(3)).join(" → ");
    expect(md).toContain(`is ${eq}`);
  }, 60_000);

  it("findings state growth with depth and the effect of final weighting from the shares", () => {
    const mk = (depth: number, weighting: "equal" | "final", invalid: boolean): Q3Run => ({
      depth, weighting, invalid, learningRate: 1e-3, codebookSize: 16, seed: 0, startsAtDepth: null, worsens: false,
      dominantStage: invalid ? 1 : depth, mse: [], finalLoss: 0,
    });
    const runs = [mk(2, "equal", false), mk(2, "equal", true), mk(4, "equal", true), mk(4, "equal", true), mk(2, "final", false), mk(2, "final", false), mk(4, "final", true), mk(4, "final", false)];
    const s = { depths: [2, 4], weightings: ["equal", "final"] as const };
    const shares = shareTable(runs, s);
    expect(shares.find((x) => x.depth === 4 && x.weighting === "all")).toMatchObject({ invalid: 3, runs: 4, share: 0.75 });
    const f = q3Findings(shares, s);
    expect(f[0]).toContain("0.500 → 1.000");
    expect(f[0]).toContain("grows with depth");
    expect(f.find((x) => x.startsWith("final"))).toContain("lowers");
  });
});
