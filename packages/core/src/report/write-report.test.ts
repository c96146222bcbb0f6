import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { backendInfo } from "../backend.js";
import { imageGridPng } from "./image-grid.js";
import { writeReport } from "./write-report.js";

const root = mkdtempSync(join(tmpdir(), "vsd-report-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("writeReport", () => {
  it("writes results.json with metadata, report.md and images", async () => {
    const dir = join(root, "run1");
    const grid = imageGridPng(new Uint8Array([0, 255, 255, 0]), { height: 2, width: 2, channels: 1 });
    const out = await writeReport(dir, {
      results: { bitsPerDim: 1.25, perSubtask: [1, 2] },
      markdown: "# Run\n\nok",
      images: { "samples.png": grid },
      config: { steps: 10 },
      seed: 42,
      versions: { "@vsd/decomp-noise": "0.1.0" },
    });
    expect(readdirSync(dir).sort()).toEqual(["report.md", "results.json", "samples.png"]);
    expect(out.files.map((f) => f.slice(dir.length + 1))).toEqual(["results.json", "report.md", "samples.png"]);
    const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    const info = await backendInfo();
    expect(r).toMatchObject({
      bitsPerDim: 1.25,
      perSubtask: [1, 2],
      seed: 42,
      config: { steps: 10 },
      backend: { name: info!.name, package: info!.package },
      versions: {
        node: process.versions.node,
        "@tensorflow/tfjs-core": tf.version_core,
        "@vsd/core": "0.1.0",
        "@vsd/decomp-noise": "0.1.0",
        [info!.package]: "4.22.0",
      },
    });
    expect(Math.abs(Date.parse(r.createdAt) - Date.now())).toBeLessThan(60_000);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toBe("# Run\n\nok\n");
    expect(Buffer.compare(readFileSync(join(dir, "samples.png")), Buffer.from(grid))).toBe(0);
  });

  it("rejects image names that are paths, before writing anything", async () => {
    const dir = join(root, "run2");
    await expect(writeReport(dir, { results: {}, markdown: "", images: { "../x.png": new Uint8Array() } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(writeReport(dir, { results: {}, markdown: "", images: { "a.jpg": new Uint8Array() } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(() => readdirSync(dir)).toThrow();
  });
});
