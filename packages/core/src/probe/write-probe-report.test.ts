import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { probeEquivariance } from "./equivariance-probe.js";
import { writeProbeReport } from "./write-probe-report.js";
import { blankDataset, linearGaussianDecomposition, type LinearGaussianSpec } from "./test-fixtures.js";

const spec: LinearGaussianSpec = { a: [0.5, -0.2], b: [0.1], inputMean: [0, 0], inputStd: [0.5, 0.5], noiseChol: [0.1] };

describe("writeProbeReport", () => {
  it("writes results.json, report.md and one PNG per matrix plus the per-subtask chart", async () => {
    const before = tf.memory().numTensors;
    const dec = linearGaussianDecomposition(
      [
        { ...spec, group: "a" },
        { ...spec, group: "a" },
        { ...spec, b: [0.4], group: "b" },
      ],
      2,
      1,
    );
    const report = await probeEquivariance(dec, blankDataset(600), { subtasks: "all", seed: 2 });
    const dir = mkdtempSync(join(tmpdir(), "vsd-probe-"));
    try {
      await writeProbeReport(report, dir);
      expect(readdirSync(dir).sort()).toEqual(["gap-diag.png", "gap-full.png", "per-subtask.png", "report.md", "results.json"]);
      const json = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
      expect(json.method).toBe("linear-gaussian");
      expect(json.nonEquivariance.value).toBeCloseTo(report.nonEquivariance.value, 12);
      expect(json.matrices[0].values).toEqual(report.matrices[0]!.values);
      expect(json.seed).toBe(2);
      expect(json.space).toBe("floored");
      const md = readFileSync(join(dir, "report.md"), "utf8");
      expect(md).toContain("**nonEquivariance**");
      expect(md).toContain("Space: floored");
      expect(md).toContain("(2/255)²/12");
      const png = readFileSync(join(dir, "gap-diag.png"));
      expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
