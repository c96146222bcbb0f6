import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError, alphaSigmaFromLogSnr, createVsd } from "@vsd/core";
import { describeDecompositionContract } from "@vsd/core/testing";
import defaultFactory, { noiseDecomposition } from "./index.js";
import { NoiseDecomposition } from "./noise-decomposition.js";

describeDecompositionContract("noise", () => noiseDecomposition({ bins: 8 }));

describe("NoiseDecomposition", () => {
  it("is exported by name and as default, and registers as id 'noise'", () => {
    expect(defaultFactory).toBe(noiseDecomposition);
    const vsd = createVsd({ plugins: [noiseDecomposition({ bins: 4 })] });
    expect(vsd.decomposition("noise").subtasks().length).toBe(4);
  });

  it("has λ-bin subtasks ordered noisy → clean with centres and edges", () => {
    const d = new NoiseDecomposition({ bins: 4, logSnrRange: [-8, 8] });
    const s = d.subtasks();
    expect(s.map((x) => x.params["logSnr"])).toEqual([-6, -2, 2, 6]);
    expect(s.map((x) => x.key)).toEqual(["logsnr/-6", "logsnr/-2", "logsnr/2", "logsnr/6"]);
    expect(s[1]!.params).toEqual({ logSnr: -2, logSnrLow: -4, logSnrHigh: 0 });
    expect(() => new NoiseDecomposition({ bins: 0 })).toThrow(VsdError);
    expect(() => new NoiseDecomposition({ logSnrRange: [3, 1] })).toThrow(VsdError);
  });

  it("pairs: condition = [αx + σε, λ], target = ε, widths D + 1 and D for every subtask", () => {
    const d = new NoiseDecomposition({ bins: 3, logSnrRange: [-3, 3] });
    const images = tf.tensor4d(Float32Array.from({ length: 2 * 2 * 3 * 1 }, (_, i) => i / 12 - 0.5), [2, 2, 3, 1]);
    const before = tf.memory().numTensors;
    const x = images.dataSync();
    for (const s of d.subtasks()) {
      const { condition, target } = d.pairs(images, s, new Rng(1));
      expect(condition.shape).toEqual([2, 7]);
      expect(target.shape).toEqual([2, 6]);
      const c = condition.dataSync();
      const e = target.dataSync();
      const { alpha, sigma } = alphaSigmaFromLogSnr(s.params["logSnr"]!);
      for (let i = 0; i < 2; i++) {
        expect(c[i * 7 + 6]).toBeCloseTo(s.params["logSnr"]!, 6);
        for (let j = 0; j < 6; j++) expect(c[i * 7 + j]).toBeCloseTo(alpha * x[i * 6 + j]! + sigma * e[i * 6 + j]!, 5);
      }
      tf.dispose([condition, target]);
    }
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });

  it("training steps report per-bin losses keyed like the subtasks", () => {
    const d = new NoiseDecomposition({ bins: 4, logSnrRange: [-8, 8] });
    const shape = { height: 2, width: 2, channels: 1 };
    const before = tf.memory().numTensors;
    const m = d.createModel({ shape, seed: 1, size: "XS", schedule: { kind: "laplace", b: 4 } });
    const px = new Uint8Array(64 * 4).map((_, i) => (i * 37) % 256);
    const images = tf.tensor4d(Float32Array.from(px, (x) => x / 127.5 - 1), [64, 2, 2, 1]);
    const st = m.trainStep({ images, pixels: px }, new Rng(3));
    images.dispose();
    const keys = new Set(d.subtasks().map((s) => s.key));
    const got = Object.entries(st.subtaskLosses ?? {});
    expect(got.length).toBeGreaterThanOrEqual(3);
    for (const [k, v] of got) {
      expect(keys.has(k)).toBe(true);
      expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("createModel merges decomposition defaults with per-call knobs", () => {
    const d = new NoiseDecomposition({ model: { prediction: "v", schedule: { kind: "laplace" } } });
    const m = d.createModel({ shape: { height: 2, width: 2, channels: 1 }, seed: 1, size: "XS", weighting: { kind: "min-snr", gamma: 5 } });
    try {
      expect(m.id).toBe("noise");
      const cfg = (m as unknown as { config: { prediction: string; schedule: { kind: string }; weighting: { kind: string } } }).config;
      expect(cfg.prediction).toBe("v");
      expect(cfg.schedule.kind).toBe("laplace");
      expect(cfg.weighting.kind).toBe("min-snr");
    } finally {
      m.dispose();
    }
  });
});
