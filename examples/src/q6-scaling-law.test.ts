import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { fitPowerLaw } from "@vsd/eval";
import { afterAll, describe, expect, it } from "vitest";
import { q6Findings, runQ6, type Q6Point } from "./q6-scaling-law-run.js";

const dir = mkdtempSync(join(tmpdir(), "vsd-q6-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("q6-scaling-law", () => {
  it("fits S/M/L, predicts XL from the fit and compares with the XL it trained", async () => {
    const before = tf.memory().numTensors;
    const r = await runQ6({ preset: "tiny", seed: 0, outDir: dir });
    expect(tf.memory().numTensors).toBe(before);
    for (const f of ["results.json", "report.md", "scaling-law.png"]) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(r.points.map((p) => p.name)).toEqual(["S", "M", "L"]);
    expect(r.target.name).toBe("XL");
    const params = [...r.points, r.target].map((p) => p.params);
    for (let i = 1; i < params.length; i++) expect(params[i]!).toBeGreaterThan(params[i - 1]!);
    for (const p of [...r.points, r.target]) expect(Number.isFinite(p.importanceWeightedLoss) && p.importanceWeightedLoss > 0).toBe(true);
    // The reported law and prediction are the fit of the reported points.
    const fit = fitPowerLaw(r.points.map((p) => p.params), r.points.map((p) => p.importanceWeightedLoss), { bootstrap: 0 });
    expect(r.fit.a).toBeCloseTo(fit.a, 8);
    expect(r.fit.b).toBeCloseTo(fit.b, 8);
    expect(r.predicted).toBeCloseTo(fit.predict(r.target.params), 10);
    expect(r.relativeError).toBeCloseTo(Math.abs(r.predicted - r.target.importanceWeightedLoss) / r.target.importanceWeightedLoss, 10);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(results.predicted).toBe(r.predicted);
    expect(results.target.importanceWeightedLoss).toBe(r.target.importanceWeightedLoss);
    const md = readFileSync(join(dir, "report.md"), "utf8");
    for (const f of r.findings) expect(md).toContain(f);
  }, 90_000);

  it("findings judge the prediction by its relative error", () => {
    const pt = (name: string, params: number, y: number): Q6Point => ({ name, size: 1, params, importanceWeightedLoss: y, finalTrainLoss: 0, trainSeconds: 0, trainFlops: null });
    const pts = [pt("S", 1e3, 1), pt("M", 2e3, 0.9), pt("L", 4e3, 0.81)];
    const good = q6Findings(pts, pt("XL", 8e3, 0.73), { fit: { a: 2, b: 0.15 }, predicted: 0.729, interval: { low: 0.7, high: 0.75 }, relativeError: 0.001 });
    expect(good[0]).toContain("falls steadily");
    expect(good[2]).toContain("inside the bootstrap interval");
    expect(good[1]).toContain("our exponent is 0.150 (steeper");
    expect(good[3]).toContain("within 5 %");
    const bad = q6Findings(pts, pt("XL", 8e3, 0.9), { fit: { a: 2, b: 0.15 }, predicted: 0.729, interval: null, relativeError: 0.19 });
    expect(bad[3]).toContain("does not reproduce");
    expect(bad[3]).toContain("under-trained");
  });
});
