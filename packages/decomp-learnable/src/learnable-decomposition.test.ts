import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError, alphaSigmaFromLogSnr, createVsd, syntheticStationary } from "@vsd/core";
import { describeDecompositionContract } from "@vsd/core/testing";
import defaultFactory, { learnableDecomposition } from "./index.js";
import { LearnableDecomposition } from "./learnable-decomposition.js";
import type { VdmModel } from "./vdm/vdm-model.js";

describeDecompositionContract("learnable", () => learnableDecomposition({ bins: 8 }));

describe("LearnableDecomposition", () => {
  it("is exported by name and as default, and registers as id 'learnable'", () => {
    expect(defaultFactory).toBe(learnableDecomposition);
    const vsd = createVsd({ plugins: [learnableDecomposition({ bins: 4 })] });
    expect(vsd.decomposition("learnable").subtasks().length).toBe(4);
    expect(() => new LearnableDecomposition({ bins: 0 })).toThrow(VsdError);
    expect(() => new LearnableDecomposition({ model: { schedule: "cosine" } })).toThrow(VsdError);
  });

  it("before prepare: equal-probability bins of the linear-γ start (uniform λ), noisy → clean", () => {
    const d = new LearnableDecomposition({ bins: 4, model: { scheduleOptions: { gammaMin: -12, gammaMax: 4 } } });
    const s = d.subtasks();
    // γ(t) = −12 + 16t; bin k centre t = 1 − (k + ½)/4 ⇒ λ = 12 − 16t.
    expect(s.map((x) => x.params["logSnr"])).toEqual([-2, 2, 6, 10]);
    expect(s.map((x) => x.key)).toEqual(["quantile/0of4", "quantile/1of4", "quantile/2of4", "quantile/3of4"]);
    expect(s[0]!.params["logSnrLow"]).toBe(-4);
    expect(s[3]!.params["logSnrHigh"]).toBe(12);
  });

  it("prepare learns a schedule: bins are quantiles of the learned p(λ), pairs are [αx + σε, λ] → ε, models start from it", async () => {
    const data = syntheticStationary({ n: 128, nTest: 16, rows: 2, cols: 2, cell: 2, channels: 1, seed: 0 });
    const before = tf.memory().numTensors;
    const d = new LearnableDecomposition({ bins: 5, prepareBatchSize: 16 });
    let calls = 0;
    await d.prepare(data, { rng: new Rng(1), steps: 20, onProgress: () => calls++ });
    expect(calls).toBe(20);
    const st = d.learned!;
    expect(st.history.length).toBe(20);
    const s = d.subtasks();
    for (let k = 0; k < 5; k++) {
      // Bin edges are λ at t-quantiles: each bin holds probability 1/5 under p(λ).
      expect(s[k]!.params["logSnr"]).toBeCloseTo(-d.gammaAt(1 - (k + 0.5) / 5), 10);
      expect(s[k]!.params["logSnrLow"]!).toBeLessThan(s[k]!.params["logSnr"]!);
      expect(s[k]!.params["logSnrHigh"]!).toBeGreaterThan(s[k]!.params["logSnr"]!);
      if (k > 0) expect(s[k]!.params["logSnrLow"]).toBe(s[k - 1]!.params["logSnrHigh"]);
    }
    expect(s[0]!.params["logSnrLow"]).toBeCloseTo(-5, 5);
    expect(s[4]!.params["logSnrHigh"]).toBeCloseTo(13.3, 5);
    const images = tf.tensor4d(Float32Array.from({ length: 2 * 16 }, (_, i) => (i % 7) / 7 - 0.5), [2, 4, 4, 1]);
    const x = images.dataSync();
    const { condition, target } = d.pairs(images, s[2]!, new Rng(3));
    expect(condition.shape).toEqual([2, 17]);
    expect(target.shape).toEqual([2, 16]);
    const c = condition.dataSync();
    const e = target.dataSync();
    const lam = s[2]!.params["logSnr"]!;
    const { alpha, sigma } = alphaSigmaFromLogSnr(lam);
    for (let i = 0; i < 2; i++) {
      expect(c[i * 17 + 16]).toBeCloseTo(lam, 5);
      for (let j = 0; j < 16; j++) expect(c[i * 17 + j]).toBeCloseTo(alpha * x[i * 16 + j]! + sigma * e[i * 16 + j]!, 5);
    }
    tf.dispose([condition, target, images]);
    const m = d.createModel({ shape: { height: 4, width: 4, channels: 1 }, seed: 7, size: "XS" }) as VdmModel;
    for (const t of [0.1, 0.5, 0.9]) expect(m.schedule.evaluate([t]).gamma[0]).toBeCloseTo(d.gammaAt(t), 5);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
