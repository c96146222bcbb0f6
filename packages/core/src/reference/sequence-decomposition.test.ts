import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { makeBatch } from "../dataset.js";
import { VsdError } from "../errors.js";
import { createVsd } from "../plugin.js";
import { Rng } from "../rng.js";
import { describeDecompositionContract } from "../testing/decomposition-contract.js";
import { sequenceDataset } from "./sequence-dataset.js";
import { sequenceDecomposition, sequencePlugin } from "./sequence-decomposition.js";

describeDecompositionContract("reference sequence (context 1)", () => sequencePlugin({ length: 8, dim: 2 }), {
  dataset: () => sequenceDataset({ n: 32, nTest: 8, length: 8, dim: 2 }),
});

describeDecompositionContract("reference sequence (context 3)", () => sequencePlugin({ length: 6, dim: 3, context: 3 }), {
  dataset: () => sequenceDataset({ n: 16, nTest: 4, length: 6, dim: 3 }),
  subtaskSample: 3,
});

describe("sequenceDecomposition", () => {
  it("pairs the previous `context` positions (oldest first) with the next one", () => {
    const before = tf.memory().numTensors;
    const data = sequenceDataset({ n: 3, nTest: 1, length: 5, dim: 2, seed: 4 });
    const d = sequenceDecomposition({ length: 5, dim: 2, context: 2 });
    expect(d.subtasks().map((s) => s.key)).toEqual(["pos/2", "pos/3", "pos/4"]);
    expect(d.subtasks().map((s) => s.params.t)).toEqual([2, 3, 4]);
    const { images } = makeBatch(data, data.train, [0, 1, 2]);
    const { condition, target } = d.pairs(images, d.subtasks()[1]!, new Rng(0));
    const px = data.train.pixels;
    const at = (i: number, t: number, c: number) => px[(i * 5 + t) * 2 + c]! / 127.5 - 1;
    const wantCondition: number[] = [];
    const wantTarget: number[] = [];
    for (let i = 0; i < 3; i++) {
      wantCondition.push(at(i, 1, 0), at(i, 1, 1), at(i, 2, 0), at(i, 2, 1));
      wantTarget.push(at(i, 3, 0), at(i, 3, 1));
    }
    expect(condition.shape).toEqual([3, 4]);
    expect(target.shape).toEqual([3, 2]);
    expect(Array.from(condition.dataSync())).toEqual(Array.from(Float32Array.from(wantCondition)));
    expect(Array.from(target.dataSync())).toEqual(Array.from(Float32Array.from(wantTarget)));
    tf.dispose([images, condition, target]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("its data are stationary AR(1): lag-1 correlation ≈ 0.9 at every position", () => {
    const data = sequenceDataset({ n: 4000, nTest: 1, length: 6, dim: 1, seed: 2 });
    const px = data.train.pixels;
    for (let t = 1; t < 6; t++) {
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < 4000; i++) {
        const x = px[i * 6 + t - 1]! - 127.5;
        const y = px[i * 6 + t]! - 127.5;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
      }
      // Standard error of a correlation near 0.9 from 4000 pairs ≈ (1 − 0.81)/√4000 = 0.003.
      expect(Math.abs(sxy / Math.sqrt(sxx * syy) - 0.9)).toBeLessThan(0.015);
    }
  });

  it("registers as plugin id \"sequence\" and builds the tiny model for its shape only", () => {
    const vsd = createVsd({ plugins: [sequencePlugin({ length: 4, dim: 1 })] });
    const d = vsd.decomposition("sequence");
    const model = d.createModel({ shape: { height: 1, width: 4, channels: 1 }, seed: 1 });
    expect(model.id).toBe("tiny");
    model.dispose();
    expect(() => d.createModel({ shape: { height: 2, width: 4, channels: 1 }, seed: 1 })).toThrow(VsdError);
  });

  it("rejects options that leave no subtask", () => {
    for (const bad of [{ length: 1 }, { length: 4, context: 4 }, { dim: 0 }, { context: 1.5 }]) {
      expect(() => sequenceDecomposition(bad)).toThrow(VsdError);
    }
  });
});
