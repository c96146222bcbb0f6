import { describe, expect, it } from "vitest";
import { PNG } from "pngjs";
import { VsdError } from "@vsd/core";
import { makeOrder } from "../orders/resolve-order.js";
import { lossHeatmapPng, lossesByPosition } from "./loss-heatmap-png.js";
import { orderPathPng } from "./order-path-png.js";

/** Counts pixels close to a colour. */
function countColour(png: Uint8Array, [r, g, b]: [number, number, number], tol = 40): number {
  const img = PNG.sync.read(Buffer.from(png));
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (Math.abs(img.data[i]! - r) < tol && Math.abs(img.data[i + 1]! - g) < tol && Math.abs(img.data[i + 2]! - b) < tol) n++;
  }
  return n;
}

describe("pictures", () => {
  it("orderPathPng draws the path; raster shows red jumps, snake does not", async () => {
    const raster = await orderPathPng(makeOrder("raster", 7, 7), 7, 7, { title: "raster" });
    const snake = await orderPathPng(makeOrder("snake", 7, 7), 7, 7, { title: "snake" });
    for (const png of [raster, snake]) {
      const img = PNG.sync.read(Buffer.from(png));
      expect(img.width).toBeGreaterThan(7 * 28);
      expect(img.height).toBeGreaterThan(7 * 28);
    }
    // Red (#d62728) appears in both (the start ring) but far more in raster (six dashed jumps).
    const red = (png: Uint8Array) => countColour(png, [214, 39, 40]);
    expect(red(raster)).toBeGreaterThan(2 * red(snake));
    await expect(orderPathPng([0, 0, 1, 2], 2, 2)).rejects.toThrow(VsdError);
  });

  it("lossHeatmapPng renders a grid of losses; lossesByPosition re-indexes by the order", async () => {
    const order = makeOrder("snake", 2, 3);
    const byPos = lossesByPosition([0, 1, 2, 3, 4, 5].map((v) => v * Math.LN2), order);
    expect(Array.from(byPos)).toEqual([0, 1, 2, 5, 4, 3]);
    const png = await lossHeatmapPng(byPos, 2, 3);
    const img = PNG.sync.read(Buffer.from(png));
    expect(img.width).toBeGreaterThan(3 * 36);
    await expect(lossHeatmapPng([1, 2, 3], 2, 2)).rejects.toThrow(VsdError);
  });
});
