import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { barChartPng } from "./bar-chart.js";
import { heatmapPng } from "./heatmap.js";
import { linePlotPng } from "./line-plot.js";
import { scatterPng } from "./scatter.js";

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

function greyVariance(png: PNG): number {
  let s = 0, s2 = 0;
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const g = (png.data[4 * i]! + png.data[4 * i + 1]! + png.data[4 * i + 2]!) / 3;
    s += g;
    s2 += g * g;
  }
  return s2 / n - (s / n) ** 2;
}

/** Non-white pixels in rows [y0, y1). */
function inkInRows(png: PNG, y0: number, y1: number): number {
  let ink = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = 4 * (y * png.width + x);
      if (png.data[i]! < 200 || png.data[i + 1]! < 200 || png.data[i + 2]! < 200) ink++;
    }
  }
  return ink;
}

describe("linePlotPng", () => {
  it("renders a decodable, non-blank PNG at the requested density, with title text", async () => {
    const x = [1, 10, 100, 1000];
    const opts = {
      series: [
        { name: "raster", x, y: [3, 2, 1.5, 1.2] },
        { name: "snake", x, y: [2.5, 1.8, 1.2, 1.0] },
      ],
      title: "Loss",
      xLabel: "step",
      yLabel: "bits/dim",
      logX: true,
      width: 200,
      height: 120,
    };
    const one = decode(await linePlotPng({ ...opts, scale: 1 }));
    const two = decode(await linePlotPng({ ...opts, scale: 2 }));
    // Plot area plus axes, legend and 8 px padding: larger than the plot, and exactly doubled at scale 2.
    expect(one.width).toBeGreaterThan(200);
    expect(one.height).toBeGreaterThan(120);
    expect(Math.abs(two.width - 2 * one.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(two.height - 2 * one.height)).toBeLessThanOrEqual(1);
    expect(greyVariance(two)).toBeGreaterThan(100);
    // The title sits in the top ~25 px (8 px padding + 13 px font): glyphs are drawn with the bundled font.
    expect(inkInRows(one, 0, 25)).toBeGreaterThan(20);
  });

  it("rejects mismatched series and non-positive values on a log axis", async () => {
    await expect(linePlotPng({ series: [{ name: "a", x: [1, 2], y: [1] }], title: "", xLabel: "", yLabel: "" })).rejects.toMatchObject({ code: "INVALID_SHAPE" });
    await expect(linePlotPng({ series: [{ name: "a", x: [1, 2], y: [1, 0] }], title: "", xLabel: "", yLabel: "", logY: true })).rejects.toMatchObject({ code: "INVALID_RANGE" });
    await expect(linePlotPng({ series: [{ name: "a", x: [1, NaN], y: [1, 2] }], title: "", xLabel: "", yLabel: "" })).rejects.toMatchObject({ code: "INVALID_RANGE" });
  });
});

describe("heatmapPng", () => {
  it("colours cells in the order of their values (viridis: brighter = larger)", async () => {
    // 2×3 matrix with distinct values; cells are 30 px squares at scale 1, no printed values.
    const matrix = [
      [0.5, 3, 1],
      [2, 0, 4],
    ];
    const png = decode(
      await heatmapPng({ matrix, rowLabels: ["r0", "r1"], colLabels: ["a", "b", "c"], title: "gap", valueLabel: "bits/dim", showValues: false, cellSize: 30, scale: 1 }),
    );
    expect(greyVariance(png)).toBeGreaterThan(100);
    // Each cell is a solid block of one colour: find colours covering ≥ 600 px and their centroids.
    const blocks = new Map<string, { n: number; x: number; y: number; lum: number }>();
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const i = 4 * (y * png.width + x);
        const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
        const key = `${r},${g},${b}`;
        const e = blocks.get(key) ?? { n: 0, x: 0, y: 0, lum: 0.2126 * r + 0.7152 * g + 0.0722 * b };
        e.n++;
        e.x += x;
        e.y += y;
        blocks.set(key, e);
      }
    }
    const cells = [...blocks.entries()]
      .filter(([k, e]) => e.n >= 600 && e.n <= 1000 && k !== "255,255,255")
      .map(([, e]) => ({ cx: e.x / e.n, cy: e.y / e.n, lum: e.lum }));
    expect(cells.length).toBe(6);
    // Map centroids back to (row, col): rows top to bottom, columns left to right.
    const xs = [...new Set(cells.map((c) => Math.round(c.cx)))].sort((a, b) => a - b);
    const ys = [...new Set(cells.map((c) => Math.round(c.cy)))].sort((a, b) => a - b);
    expect(xs.length).toBe(3);
    expect(ys.length).toBe(2);
    const byValue = cells
      .map((c) => ({ v: matrix[ys.indexOf(Math.round(c.cy))]![xs.indexOf(Math.round(c.cx))]!, lum: c.lum }))
      .sort((a, b) => a.v - b.v);
    expect(byValue.map((c) => c.v)).toEqual([0, 0.5, 1, 2, 3, 4]);
    for (let i = 1; i < byValue.length; i++) expect(byValue[i]!.lum).toBeGreaterThan(byValue[i - 1]!.lum);
  });

  it("prints values in cells (text layer compiles and draws ink inside the cells)", async () => {
    const opts = { matrix: [[0, 1], [2, 3]], rowLabels: ["a", "b"], colLabels: ["x", "y"], title: "", valueLabel: "v", cellSize: 40, scale: 1 };
    const withText = decode(await heatmapPng(opts));
    const without = decode(await heatmapPng({ ...opts, showValues: false }));
    expect([withText.width, withText.height]).toEqual([without.width, without.height]);
    let differing = 0;
    for (let i = 0; i < withText.data.length; i += 4) if (withText.data[i] !== without.data[i]) differing++;
    expect(differing).toBeGreaterThan(50);
  });

  it("rejects ragged matrices and unknown schemes", async () => {
    await expect(heatmapPng({ matrix: [[1, 2], [3]], rowLabels: ["a", "b"], colLabels: ["x", "y"], title: "", valueLabel: "" })).rejects.toMatchObject({ code: "INVALID_SHAPE" });
    await expect(heatmapPng({ matrix: [[1]], rowLabels: ["a"], colLabels: ["x"], title: "", valueLabel: "", colorScheme: "nope" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("barChartPng and scatterPng", () => {
  it("render decodable, non-blank PNGs", async () => {
    const bars = decode(
      await barChartPng({
        bars: [
          { label: "patch", value: 1.2, group: "mnist", error: 0.1 },
          { label: "noise", value: 1.0, group: "mnist", error: 0.05 },
          { label: "patch", value: 3.1, group: "fashion" },
          { label: "noise", value: 2.9, group: "fashion" },
        ],
        title: "NLL",
        xLabel: "strategy",
        yLabel: "bits/dim",
        width: 160,
        height: 100,
        scale: 1,
      }),
    );
    expect(bars.width).toBeGreaterThan(160);
    expect(greyVariance(bars)).toBeGreaterThan(100);
    const sc = decode(
      await scatterPng({
        points: [1e3, 1e4, 1e5].map((c, i) => ({ x: c, y: 2 * c ** -0.1 + 0.01 * i, series: "noise" })),
        fit: { x: [1e3, 1e5], y: [2 * 1e3 ** -0.1, 2 * 1e5 ** -0.1], name: "L = 2·C^-0.1" },
        title: "Scaling",
        xLabel: "FLOPs",
        yLabel: "loss",
        logX: true,
        logY: true,
        width: 160,
        height: 100,
        scale: 1,
      }),
    );
    expect(sc.height).toBeGreaterThan(100);
    expect(greyVariance(sc)).toBeGreaterThan(100);
  });
});
