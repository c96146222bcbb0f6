import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { predictFromScales } from "./predict-from-scales.js";

describe("predictFromScales", () => {
  it("fits S/M/L and predicts XL (VSD Fig. 3 parameter sizes) with its error, and writes the plot", async () => {
    const law = (x: number) => 0.369 * Math.pow(x, -0.03);
    const sizes = { S: 32.28e6, M: 128.56e6, L: 454.98e6, XL: 671.32e6 };
    const dir = mkdtempSync(join(tmpdir(), "vsd-scale-"));
    try {
      const plotPath = join(dir, "scaling.png");
      const r = await predictFromScales(
        (["S", "M", "L"] as const).map((n) => ({ name: n, x: sizes[n], y: law(sizes[n]) })),
        [{ name: "XL", x: sizes.XL, y: law(sizes.XL) * 1.01 }],
        { bootstrap: 0, plotPath, xLabel: "parameters" },
      );
      const xl = r.predictions[0]!;
      expect(Math.abs(xl.predicted - law(sizes.XL))).toBeLessThan(1e-12);
      expect(xl.relativeError!).toBeCloseTo(0.01 / 1.01, 10);
      expect(existsSync(plotPath)).toBe(true);
      const png = readFileSync(plotPath);
      expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(png.length).toBeGreaterThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with an offset and noisy curves gives a bootstrap interval around the prediction", async () => {
    const law = (x: number) => 0.303 + 1.4e5 * Math.pow(x, -0.14);
    const xs = Array.from({ length: 20 }, (_, i) => 1e4 * Math.pow(1.25, i));
    const pts = xs.map((x, i) => ({ name: `it${i}`, x, y: law(x) * (1 + 0.002 * Math.sin(7 * i)) }));
    const target = 1e4 * Math.pow(1.25, 26);
    const r = await predictFromScales(pts, [{ name: "later", x: target, y: law(target) }], { offset: true, bootstrap: 100, seed: 1 });
    const p = r.predictions[0]!;
    expect(p.interval![0]).toBeLessThanOrEqual(p.predicted);
    expect(p.interval![1]).toBeGreaterThanOrEqual(p.predicted);
    expect(p.relativeError!).toBeLessThan(0.01);
  });
});
