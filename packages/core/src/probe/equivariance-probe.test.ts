import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import type { Decomposition, Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { probeEquivariance } from "./equivariance-probe.js";
import {
  blankDataset,
  linearGaussianDecomposition,
  patchOrderDecomposition,
  positionDecomposition,
  separableFieldDataset,
  stationarySequenceDataset,
  type LinearGaussianSpec,
} from "./test-fixtures.js";

const spec: LinearGaussianSpec = {
  a: [0.5, -0.2],
  b: [0.1],
  inputMean: [0, 0],
  inputStd: [0.5, 0.5],
  noiseChol: [0.1],
};

async function expectVsdError(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(VsdError.isInstance(e)).toBe(true);
    expect((e as VsdError).code).toBe(code);
    return;
  }
  throw new Error(`expected a VsdError ${code}`);
}

describe("probe calibration (DESIGN.md): known equivariant and non-equivariant cases", () => {
  it("a stationary language-like sequence decomposed by position is equivariant: nonEquivariance < 0.02 bits/dim", async () => {
    const before = tf.memory().numTensors;
    const data = stationarySequenceDataset(3000, 24, 0.8, 1);
    const report = await probeEquivariance(positionDecomposition(24, 4), data, { seed: 1, pairsPerSubtask: 3000 });
    expect(report.subtasks.length).toBe(20);
    expect(Math.abs(report.nonEquivariance.value)).toBeLessThan(0.02);
    expect(Math.abs(report.statistics["gap-full"]!.value)).toBeLessThan(0.02);
    // Every single off-diagonal gap is small, not just their mean.
    const gaps = report.matrices[0]!.values.flat();
    expect(Math.max(...gaps.map(Math.abs))).toBeLessThan(0.1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a 2-D stationary field in raster order: row-start gaps exceed interior gaps by > 0.8 bits/dim", async () => {
    const before = tf.memory().numTensors;
    // DESIGN.md: separable AR(1)×AR(1), ρ = 0.9, 7×7 cells of 16 dims (28×28, 4×4 patches).
    const data = separableFieldDataset(2000, 28, 0.9, 2);
    const raster = await probeEquivariance(patchOrderDecomposition(28, 4, "raster"), data, { seed: 3 });
    const onto = (r: typeof raster, g: string): number => r.groups.find((x) => x.group === g)!.values["gap-diag"]!.value;
    const rowStart = onto(raster, "row-start");
    const interior = onto(raster, "interior");
    console.log("raster onto row-start / interior (bits/dim):", rowStart, interior);
    expect(rowStart - interior).toBeGreaterThan(0.8);
    expect(raster.groups.find((x) => x.group === "row-start")!.values["gap-diag"]!.low).toBeGreaterThan(
      raster.groups.find((x) => x.group === "interior")!.values["gap-diag"]!.high,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("probe options, determinism and misuse", () => {
  it("is deterministic under a seed and changes with it", async () => {
    const dec = linearGaussianDecomposition([spec, { ...spec, b: [0.3] }, spec], 2, 1);
    const a = await probeEquivariance(dec, blankDataset(500), { seed: 4, subtasks: "all" });
    const b = await probeEquivariance(dec, blankDataset(500), { seed: 4, subtasks: "all" });
    const c = await probeEquivariance(dec, blankDataset(500), { seed: 5, subtasks: "all" });
    const strip = (r: typeof a): unknown => ({ ...(r.toJSON() as object), elapsedMs: 0 });
    expect(strip(a)).toEqual(strip(b));
    expect(a.nonEquivariance.value).not.toBe(c.nonEquivariance.value);
    // toJSON round-trips through JSON.
    expect(JSON.parse(JSON.stringify(a))).toEqual(a.toJSON());
  });

  it("sub-samples large decompositions and says so in the notes", async () => {
    const specs = Array.from({ length: 12 }, (_, i) => ({ ...spec, b: [0.01 * i] }));
    const dec = linearGaussianDecomposition(specs, 2, 1);
    const every = await probeEquivariance(dec, blankDataset(200), { subtasks: { every: 4 } });
    expect(every.subtasks.map((s) => s.key)).toEqual(["lg/0", "lg/4", "lg/8"]);
    expect(every.notes[0]).toBe("sub-sampled 3 of 12 subtasks: every 4th from position 0");
    const max = await probeEquivariance(dec, blankDataset(200), { subtasks: { max: 5 }, seed: 9 });
    expect(max.subtasks.length).toBe(5);
    expect(max.totalSubtasks).toBe(12);
    expect(max.notes[0]).toMatch(/^sub-sampled 5 of 12 subtasks/);
    const idx = max.subtasks.map((s) => s.index);
    expect([...idx].sort((x, y) => x - y)).toEqual(idx);
  });

  it("reports per-group summaries that average the right columns", async () => {
    const dec = linearGaussianDecomposition(
      [
        { ...spec, group: "g1" },
        { ...spec, group: "g1" },
        { ...spec, b: [0.5], group: "g2" },
      ],
      2,
      1,
    );
    const r = await probeEquivariance(dec, blankDataset(1000), { subtasks: "all" });
    const gap = r.matrices[0]!.values;
    const g2 = r.groups.find((g) => g.group === "g2")!.values["gap-diag"]!.value;
    expect(g2).toBeCloseTo((gap[0]![2]! + gap[1]![2]!) / 2, 10);
    expect(r.perSubtask[2]!.values["gap-diag"]).toBeCloseTo(g2, 10);
    // The shifted subtask is far from the others: every gap onto it is large.
    expect(g2).toBeGreaterThan(1);
  });

  it("rejects bad options and faulty plugins with a VsdError", async () => {
    const before = tf.memory().numTensors;
    const ok = linearGaussianDecomposition([spec, spec], 2, 1);
    const ds = blankDataset(200);
    const empty: Decomposition = { ...ok, subtasks: () => [] };
    await expectVsdError(probeEquivariance(empty, ds), "INVALID_ARGUMENT");
    await expectVsdError(probeEquivariance(ok, ds, { subtasks: { keys: [] } }), "INVALID_ARGUMENT");
    await expectVsdError(probeEquivariance(ok, ds, { subtasks: { groups: ["nope"] } }), "INVALID_ARGUMENT");
    await expectVsdError(probeEquivariance(ok, ds, { heldOutFraction: 1.5 }), "INVALID_RANGE");
    await expectVsdError(probeEquivariance(ok, ds, { pairsPerSubtask: 0 }), "INVALID_ARGUMENT");
    await expectVsdError(probeEquivariance(ok, ds, { method: "magic" as never }), "INVALID_ARGUMENT");
    // A faulty plugin whose second subtask has a different target dim.
    const wide = linearGaussianDecomposition([{ ...spec, a: [0.5, -0.2, 0, 0], b: [0, 0], noiseChol: [0.1, 0, 0, 0.1] }], 2, 2);
    const mismatched: Decomposition = {
      ...ok,
      pairs: (images, s: Subtask, rng) => (s.index === 0 ? ok.pairs(images, s, rng) : wide.pairs(images, { ...s, index: 0 }, rng)),
    };
    await expectVsdError(probeEquivariance(mismatched, ds), "INVALID_SHAPE");
    // A faulty plugin whose condition and target row counts differ.
    const ragged: Decomposition = {
      ...ok,
      pairs: (images, s, rng) => {
        const p = ok.pairs(images, s, rng);
        const t = tf.slice(p.target, [1, 0], [-1, -1]);
        p.target.dispose();
        return { condition: p.condition, target: t };
      },
    };
    await expectVsdError(probeEquivariance(ragged, ds), "INVALID_SHAPE");
    // Too few pairs for a 16-dim condition: 10 images, 8 to fit.
    const field = separableFieldDataset(10, 28, 0.9, 1);
    await expectVsdError(probeEquivariance(patchOrderDecomposition(28, 4, "raster"), field), "INSUFFICIENT_DATA");
    expect(tf.memory().numTensors).toBe(before);
  });
});
