import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { q2Findings, runQ2 } from "./q2-patch-orders-run.js";

const dir = mkdtempSync(join(tmpdir(), "vsd-q2-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("q2-patch-orders", () => {
  it("trains and probes each order and writes a report whose numbers come from the run", async () => {
    const before = tf.memory().numTensors;
    const r = await runQ2({ preset: "tiny", seed: 0, outDir: dir });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.orders.map((x) => x.order)).toEqual(["raster", "snake", "hilbert"]);
    for (const f of r.files) expect(existsSync(join(dir, f)), f).toBe(true);
    for (const o of ["raster", "snake", "hilbert"]) {
      for (const f of [`order-${o}.png`, `loss-${o}.png`, `probe-gap-${o}.png`, `probe-${o}-standardized/report.md`, `probe-${o}-floored/results.json`]) {
        expect(existsSync(join(dir, f)), f).toBe(true);
      }
    }
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    for (const [i, o] of r.orders.entries()) {
      // An 8-bit image model: exact bits/dim, below 8 after any training and well above 0.
      expect(o.bound).toBe("exact");
      expect(o.testBitsPerDim).toBeGreaterThan(0.5);
      expect(o.testBitsPerDim).toBeLessThan(8);
      expect(results.orders[i].testBitsPerDim).toBe(o.testBitsPerDim);
      expect(o.lossByPosition).toHaveLength(49);
      // Mean over positions of the per-position loss is the per-image NLL (equal-size patches).
      const mean = o.lossByPosition.reduce((a, b) => a + b, 0) / 49;
      expect(mean).toBeCloseTo(o.testBitsPerDim, 3);
      expect(o.probe.map((p) => p.space)).toEqual(["standardized", "floored"]);
      for (const p of o.probe) {
        expect(Number.isFinite(p.mean) && Number.isFinite(p.median)).toBe(true);
        expect(p.low).toBeLessThanOrEqual(p.high);
      }
    }
    // raster has row jumps, snake and hilbert none.
    expect(r.orders[0]!.orderBreaks).toBeGreaterThan(0);
    expect(r.orders[1]!.orderBreaks).toBe(0);
    expect(r.orders[2]!.orderBreaks).toBe(0);
    const md = readFileSync(join(dir, "report.md"), "utf8");
    for (const f of r.findings) expect(md).toContain(f);
    const best = [...r.orders].sort((a, b) => a.testBitsPerDim - b.testBitsPerDim)[0]!;
    expect(r.findings[0]).toContain(`**${best.order}**`);
  }, 120_000);

  it("states disagreement with the paper when the most equivariant order is not the best fit", () => {
    const probe = (median: number) => [
      { space: "standardized" as const, mean: median, low: 0, high: 1, median, unit: "bits/dim", byGroup: {} },
      { space: "floored" as const, mean: median, low: 0, high: 1, median, unit: "bits/dim", byGroup: {} },
    ];
    const f = q2Findings([
      { order: "raster", testBitsPerDim: 1.0, probe: probe(0.1) },
      { order: "snake", testBitsPerDim: 1.2, probe: probe(0.3) },
    ]);
    expect(f[0]).toContain("**raster**");
    expect(f.join(" ")).toContain("in line with the paper");
    const g = q2Findings([
      { order: "raster", testBitsPerDim: 1.0, probe: probe(0.5) },
      { order: "snake", testBitsPerDim: 1.2, probe: probe(0.3) },
    ]);
    expect(g.join(" ")).toContain("does not support the paper");
  });
});
