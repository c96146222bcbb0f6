import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VsdError } from "@vsd/core";
import { cosineGammaSchedule, linearGammaSchedule } from "../schedule/fixed-schedules.js";
import { normalizedGamma } from "../schedule/monotone-net-math.js";
import { elboCurvePng, learnedSchedulePng, logSnrDensityPng } from "./learned-schedule-png.js";
import { scheduleCurves } from "./schedule-curves.js";
import { writeScheduleReport } from "./write-schedule-report.js";

const PNG = [0x89, 0x50, 0x4e, 0x47];

describe("schedule reports", () => {
  it("scheduleCurves: p(λ) = 1/γ′ integrates to ~1 over λ, and is sech(λ/2)/2π for the untruncated cosine", () => {
    const [lin, cos] = scheduleCurves(
      [
        { name: "linear", at: linearGammaSchedule(-10, 6).at },
        { name: "cosine", at: cosineGammaSchedule(-40, 40).at },
      ],
      2001,
    );
    // Uniform on [−6, 10]: density 1/16 everywhere.
    for (const p of lin!.density) expect(p).toBeCloseTo(1 / 16, 12);
    let integral = 0;
    for (let i = 1; i < cos!.t.length; i++) integral += Math.abs(cos!.logSnr[i]! - cos!.logSnr[i - 1]!) * 0.5 * (cos!.density[i]! + cos!.density[i - 1]!);
    expect(integral).toBeGreaterThan(0.99);
    expect(integral).toBeLessThan(1.0001);
    const mid = 1000;
    expect(cos!.density[mid]).toBeCloseTo(1 / (2 * Math.PI * Math.cosh(cos!.logSnr[mid]! / 2)), 6);
    expect(() => scheduleCurves([{ name: "bad", at: () => ({ gamma: 0, dgamma: -1 }) }])).toThrow(VsdError);
  });

  it("writes schedule, density and ELBO PNGs and a report folder", async () => {
    const w = { w1: 1, w2: [1, 3], b2: [0, -2], w3: [2, 5] };
    const state = {
      weights: w,
      gamma0: -13.3,
      gamma1: 5,
      raw: {},
      history: Array.from({ length: 30 }, (_, i) => ({ step: i + 1, bitsPerDim: 9 - i / 10 })),
    };
    const opts = { learned: (t: number) => normalizedGamma(w, -13.3, 5, t), endpoints: [-13.3, 5] as const };
    for (const png of [await learnedSchedulePng(opts), await logSnrDensityPng(opts), await elboCurvePng(state.history)]) {
      expect([...png.subarray(0, 4)]).toEqual(PNG);
    }
    const dir = await mkdtemp(join(tmpdir(), "sched-report-"));
    try {
      const r = await writeScheduleReport(dir, state, 3);
      expect(r.files.some((f) => f.endsWith("schedule.png"))).toBe(true);
      const results = JSON.parse(await readFile(join(dir, "results.json"), "utf8"));
      expect(results.logSnrAtDeciles[0]).toBeCloseTo(13.3, 10);
      expect(results.logSnrAtDeciles[10]).toBeCloseTo(-5, 10);
      expect(await readFile(join(dir, "report.md"), "utf8")).toContain("![density](density.png)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
