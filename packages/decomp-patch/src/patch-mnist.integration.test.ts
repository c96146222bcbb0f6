import { describe, expect, it } from "vitest";
import { loadMnist, probeEquivariance } from "@vsd/core";
import { PatchDecomposition } from "./patch-decomposition.js";

/**
 * MNIST, 4×4 patches: the probe's nonEquivariance for raster, snake and
 * hilbert order. MNIST's border cells are constant (zero residual variance),
 * so the probe is run in the standardized space with the 8-bit floor
 * (DESIGN.md calibration). Only robust facts are asserted; the numbers are
 * printed for the report.
 */
describe.skipIf(!process.env.VSD_SLOW)("patch orders on MNIST (slow)", () => {
  it("reports nonEquivariance for raster, snake and hilbert", async () => {
    const data = loadMnist({ limit: 3000 });
    const out: Record<string, { value: number; low: number; high: number; rowStart: number; interior: number }> = {};
    for (const order of ["raster", "snake", "hilbert"] as const) {
      const d = new PatchDecomposition({ order });
      await d.prepare(data, {} as never);
      const r = await probeEquivariance(d, data, { subtasks: "all", pairsPerSubtask: 2000, space: "standardized", seed: 1, bootstrapSamples: 200 });
      const g = (name: string) => r.groups.find((x) => x.group === name)?.values[r.nonEquivariance.statistic]?.value ?? NaN;
      out[order] = { value: r.nonEquivariance.value, low: r.nonEquivariance.low, high: r.nonEquivariance.high, rowStart: g("row-start"), interior: g("interior") };
      expect(Number.isFinite(r.nonEquivariance.value)).toBe(true);
      expect(r.nonEquivariance.value).toBeGreaterThan(0);
    }
    console.log("MNIST nonEquivariance by order:", JSON.stringify(out, null, 1));
  });
});
