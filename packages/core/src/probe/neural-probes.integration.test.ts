import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { syntheticStationary } from "../data/synthetic-field.js";
import { probeEquivariance } from "./equivariance-probe.js";
import { patchOrderDecomposition } from "./test-fixtures.js";

// Slow: every neural method on the raster-order calibration field (VSD_SLOW=1).
describe.skipIf(!process.env.VSD_SLOW)("neural probe methods on the raster-order stationary field", () => {
  const data = syntheticStationary({ n: 2000, nTest: 1, seed: 5 });
  const dec = patchOrderDecomposition(28, 4, "raster");
  // Every 3rd cell: positions 0 (first), 21 and 42 (row starts) and 14 interior cells.
  const base = { subtasks: { every: 3 }, budget: 100, seed: 5 } as const;
  const onto = (r: Awaited<ReturnType<typeof probeEquivariance>>, g: string) =>
    r.groups.find((x) => x.group === g)!.values[r.nonEquivariance.statistic]!;

  it("transfer: row-start gaps ≈ the linear probe's, far above interior gaps", async () => {
    const before = tf.memory().numTensors;
    const r = await probeEquivariance(dec, data, { ...base, method: "transfer" });
    const lin = await probeEquivariance(dec, data, { ...base });
    expect(onto(r, "row-start").value - onto(r, "interior").value).toBeGreaterThan(1);
    expect(Math.abs(onto(r, "row-start").value - onto(lin, "row-start").value)).toBeLessThan(0.2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("shared-vs-separate: row starts conflict, interior cells do not", async () => {
    const before = tf.memory().numTensors;
    const r = await probeEquivariance(dec, data, { ...base, method: "shared-vs-separate" });
    expect(onto(r, "row-start").low).toBeGreaterThan(onto(r, "interior").high);
    expect(onto(r, "row-start").value).toBeGreaterThan(0.03);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("gradient-conflict: row starts disagree more than interior cells", async () => {
    const before = tf.memory().numTensors;
    const r = await probeEquivariance(dec, data, { ...base, method: "gradient-conflict" });
    expect(onto(r, "row-start").value).toBeGreaterThan(onto(r, "interior").value);
    expect(tf.memory().numTensors).toBe(before);
  });
});
