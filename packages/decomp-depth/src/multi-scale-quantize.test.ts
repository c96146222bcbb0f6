import { VsdError } from "@vsd/core";
import { describe, expect, it } from "vitest";
import { areaDownsample, multiScaleResidualQuantize, nearestUpsample } from "./multi-scale-quantize.js";

const f32 = (...v: number[]) => Float32Array.from(v);

describe("VAR multi-scale residual quantization", () => {
  it("area-downsamples like adaptive average pooling and upsamples by nearest neighbour", () => {
    // 3×3 → 2×2: cells cover rows/cols {0,1} and {1,2}.
    const g = f32(1, 2, 3, 4, 5, 6, 7, 8, 9);
    expect(Array.from(areaDownsample(g, 3, 3, 1, 2, 2))).toEqual([3, 4, 6, 7]);
    expect(Array.from(areaDownsample(g, 3, 3, 1, 1, 1))).toEqual([5]);
    expect(Array.from(nearestUpsample(f32(1, 2, 3, 4), 2, 2, 1, 4, 4))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it("gives the exact codes, f̂ and residuals on a hand-made 2×2 grid with scales 1, 2", () => {
    const cb = f32(0, 1, -1, 2);
    const out = multiScaleResidualQuantize(f32(3, 1, 1, 3), 1, 2, 2, 1, [1, 2], [cb, cb]);
    // scale 1: mean 2 → code 3; h = 2 everywhere; r = (1, −1, −1, 1); scale 2: codes 1, 2, 2, 1; r = 0.
    expect(Array.from(out.codes)).toEqual([3, 1, 2, 2, 1]);
    expect(Array.from(out.scaleOffsets)).toEqual([0, 1]);
    expect(Array.from(out.quantized)).toEqual([3, 1, 1, 3]);
    expect(Array.from(out.residualNorms)).toEqual([20, 4, 0]);
  });

  it("lays out several images and per-scale codebooks; a scale can be a no-op", () => {
    const coarse = f32(0, 5);
    const fine = f32(0, 1);
    // image 0 has mean 0.5 → coarse code 0 (a no-op: residual unchanged); image 1 mean 5 → code 1.
    const out = multiScaleResidualQuantize(f32(0, 1, 1, 0, 5, 5, 5, 5), 2, 2, 2, 1, [1, 2], [coarse, fine]);
    expect(Array.from(out.codes)).toEqual([0, 0, 1, 1, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(out.residualNorms)).toEqual([2, 100, 2, 0, 0, 0]);
  });

  it("rejects bad input with VsdError", () => {
    const cb = f32(0, 1);
    for (const f of [
      () => multiScaleResidualQuantize(f32(1, 2, 3), 1, 2, 2, 1, [1, 2], [cb, cb]),
      () => multiScaleResidualQuantize(f32(1, 2, 3, 4), 1, 2, 2, 1, [2, 1], [cb, cb]),
      () => multiScaleResidualQuantize(f32(1, 2, 3, 4), 1, 2, 2, 1, [1], [cb]),
      () => multiScaleResidualQuantize(f32(1, 2, 3, 4), 1, 2, 2, 1, [1, 2], [cb]),
      () => multiScaleResidualQuantize(f32(1, 2, 3, 4), 1, 2, 2, 1, [], []),
      () => multiScaleResidualQuantize(f32(1, 2, 3, 4), 1, 2, 2, 2, [1, 2], [f32(1, 2, 3), cb]),
    ]) {
      expect(f).toThrow(VsdError);
    }
  });
});
