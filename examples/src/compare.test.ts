import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VsdError } from "@vsd/core";
import { afterAll, describe, expect, it } from "vitest";
import { resolveCompareOptions, runCompare } from "./compare-run.js";

const out = mkdtempSync(join(tmpdir(), "vsd-compare-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("pnpm compare (tiny preset, end to end)", () => {
  it("trains, scores and probes every installed plugin and writes the whole report", async () => {
    const before = tf.memory().numTensors;
    const result = await runCompare(resolveCompareOptions({ preset: "tiny", outDir: out, seed: 1 }));
    // Every plugin the examples package installs is found, including the custom one.
    const ids = result.plugins.map((p) => p.id).sort();
    for (const id of ["bitplane", "depth", "noise", "patch"]) expect(ids).toContain(id);
    const failures = result.plugins.filter((p) => p.error).map((p) => `${p.id}: ${p.error}`);
    expect(failures).toEqual([]);

    const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(json.backend).toBeTruthy();
    expect(json.seed).toBe(1);
    const md = readFileSync(join(out, "report.md"), "utf8");
    for (const p of result.plugins) {
      const row = json.plugins.find((r: { id: string }) => r.id === p.id);
      // The numbers come from this run: the report's values are the run's values.
      expect(row.evaluation.nll.bitsPerDim).toBe(p.evaluation!.nll!.bitsPerDim);
      expect(Number.isFinite(p.evaluation!.nll!.bitsPerDim)).toBe(true);
      expect(["exact", "elbo"]).toContain(p.evaluation!.nll!.bound);
      expect(p.evaluation!.fid!.value).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(p.probe!.nonEquivariance)).toBe(true);
      expect(p.steps).toBeGreaterThan(0);
      expect(md).toContain(`## ${p.id}`);
      expect(md).toContain(p.evaluation!.nll!.bitsPerDim.toFixed(3));
      for (const f of [`samples-${p.id}.png`, `probe-${p.id}/report.md`, `probe-${p.id}/results.json`]) {
        expect(existsSync(join(out, f)), f).toBe(true);
      }
      // Equal compute: a model that reports FLOPs never exceeds the budget.
      if (p.trainFlops !== undefined) expect(p.trainFlops).toBeLessThanOrEqual(3e9 + 1);
      expect(p.trainSeconds!).toBeLessThan(15 + 10); // the wall-time cap (15 s) is honoured within one step
    }
    expect(existsSync(join(out, "loss-by-subtask.png"))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);

  it("rejects unknown presets, plugins and budgets with VsdError", async () => {
    expect(() => resolveCompareOptions({ preset: "huge" as never })).toThrow(VsdError);
    expect(() => resolveCompareOptions({ budgetGflops: -1 })).toThrow(VsdError);
    await expect(runCompare(resolveCompareOptions({ preset: "tiny", outDir: out, plugins: ["nope"] }))).rejects.toThrow(/nope/);
  });
});
