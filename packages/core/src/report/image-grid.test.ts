import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { imageGridPng, savePng } from "./image-grid.js";

const decode = (b: Uint8Array) => PNG.sync.read(Buffer.from(b));
const px = (png: PNG, x: number, y: number) => [...png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3)];

describe("imageGridPng", () => {
  it("lays out grey images row by row with scale and padding, exactly", () => {
    // Three 1×2 images: [10, 20], [30, 40], [50, 60]; 2 columns → 2 rows, the last cell empty.
    const png = decode(imageGridPng(Uint8Array.from([10, 20, 30, 40, 50, 60]), { height: 1, width: 2, channels: 1, cols: 2, scale: 2, padding: 1, padValue: 0 }));
    // Width: 2 cols × (2·2) + 3 pads = 11; height: 2 rows × (1·2) + 3 pads = 7.
    expect([png.width, png.height]).toEqual([11, 7]);
    expect(px(png, 0, 0)).toEqual([0, 0, 0]);
    expect(px(png, 1, 1)).toEqual([10, 10, 10]);
    expect(px(png, 2, 2)).toEqual([10, 10, 10]);
    expect(px(png, 3, 1)).toEqual([20, 20, 20]);
    expect(px(png, 4, 2)).toEqual([20, 20, 20]);
    expect(px(png, 5, 1)).toEqual([0, 0, 0]);
    expect(px(png, 6, 1)).toEqual([30, 30, 30]);
    expect(px(png, 9, 2)).toEqual([40, 40, 40]);
    expect(px(png, 1, 4)).toEqual([50, 50, 50]);
    expect(px(png, 3, 5)).toEqual([60, 60, 60]);
    expect(px(png, 7, 4)).toEqual([0, 0, 0]); // empty cell
  });

  it("takes [-1, 1] RGB tensors without leaking", () => {
    const before = tf.memory().numTensors;
    const t = tf.tensor4d([-1, 0, 1, 1, 1, 1], [2, 1, 1, 3]);
    const png = decode(imageGridPng(t, { padding: 0 }));
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect([png.width, png.height]).toEqual([2, 1]);
    expect(px(png, 0, 0)).toEqual([0, 128, 255]);
    expect(px(png, 1, 0)).toEqual([255, 255, 255]);
  });

  it("rejects bad shapes and options", () => {
    const bytes = new Uint8Array(8);
    expect(() => imageGridPng(bytes, { height: 2, width: 2, channels: 4 })).toThrow(expect.objectContaining({ code: "INVALID_SHAPE" }));
    expect(() => imageGridPng(bytes, { height: 3, width: 2, channels: 1 })).toThrow(expect.objectContaining({ code: "INVALID_SHAPE" }));
    expect(() => imageGridPng(bytes)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => imageGridPng(bytes, { height: 2, width: 2, channels: 1, scale: 1.5 })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("savePng", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsd-png-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes PNG bytes and refuses anything else", () => {
    const png = imageGridPng(new Uint8Array([1, 2, 3, 4]), { height: 2, width: 2, channels: 1 });
    const p = join(dir, "sub", "grid.png");
    savePng(p, png);
    expect(Buffer.compare(readFileSync(p), Buffer.from(png))).toBe(0);
    expect(() => savePng(join(dir, "x.png"), new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
