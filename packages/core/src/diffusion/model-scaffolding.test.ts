import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Batch } from "../dataset.js";
import type { Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { sinusoidalEmbedding } from "../nn/sinusoidal.js";
import { Rng } from "../rng.js";
import { fourierFeatures, LOG_SNR_EMBED_SCALE, logSnrEmbedding } from "./denoiser-inputs.js";
import { denoiserWidthDepth, MLP_DENOISER_SIZES } from "./denoiser-size.js";
import { subtaskDenoisingLoss } from "./denoising-loss.js";
import { alphaSigmaFromLogSnr } from "./log-snr.js";
import { checkImageBatch, subtaskLogSnr } from "./model-inputs.js";
import { checkPairsRequest, noisedPairs } from "./noised-pairs.js";

const shape = { height: 2, width: 3, channels: 1 };
const D = 6;
let before = 0;
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

function images(n: number, value?: number): tf.Tensor4D {
  const rng = new Rng(3);
  const v = Float32Array.from({ length: n * D }, () => value ?? 2 * rng.uniform() - 1);
  return tf.tensor4d(v, [n, shape.height, shape.width, shape.channels]);
}
const subtask = (logSnr: number, index = 0, key = `logsnr/${logSnr}`): Subtask => ({ index, key, params: { logSnr } });

describe("noisedPairs / checkPairsRequest", () => {
  it("gives condition [αx + σε, λ] and target ε, widths (D + 1, D), deterministic for a seed", () => {
    const x = images(5);
    const lambda = -1.25;
    const p = noisedPairs(x, lambda, new Rng(9));
    const q = noisedPairs(x, lambda, new Rng(9));
    expect(p.condition.shape).toEqual([5, D + 1]);
    expect(p.target.shape).toEqual([5, D]);
    const c = p.condition.arraySync();
    const e = p.target.arraySync();
    const xs = x.reshape([5, D]);
    const xv = xs.arraySync() as number[][];
    xs.dispose();
    const { alpha, sigma } = alphaSigmaFromLogSnr(lambda);
    const eps = new Rng(9).fillNormal(new Float32Array(5 * D));
    for (let i = 0; i < 5; i++) {
      expect(c[i]![D]).toBe(lambda);
      for (let j = 0; j < D; j++) {
        expect(e[i]![j]).toBe(eps[i * D + j]);
        expect(c[i]![j]).toBeCloseTo(alpha * xv[i]![j]! + sigma * e[i]![j]!, 6);
      }
    }
    expect(q.condition.arraySync()).toEqual(c);
    tf.dispose([x, p.condition, p.target, q.condition, q.target]);
  });

  it("rejects a foreign subtask, a wrong rank or shape, and a non-finite λ", () => {
    const x = images(2);
    const own = [subtask(-2, 0), subtask(3, 1)];
    const opts = { subtasks: own, shape, name: "noise" };
    expect(checkPairsRequest(x, { ...own[1]!, params: {} }, opts)).toBe(own[1]);
    expect(checkPairsRequest(x, own[0]!, { ...opts, shape: undefined })).toBe(own[0]);
    expect(() => checkPairsRequest(x, subtask(3, 1, "other"), opts)).toThrow(/not one of this noise decomposition's/);
    expect(() => checkPairsRequest(x, subtask(3, 2), opts)).toThrow(VsdError);
    const flat = x.reshape([2, D]);
    expect(() => checkPairsRequest(flat, own[0]!, opts)).toThrow(VsdError);
    const wide = tf.zeros([1, 3, 2, 1]);
    try {
      checkPairsRequest(wide, own[0]!, opts);
      expect.unreachable();
    } catch (err) {
      expect(VsdError.isInstance(err) && err.code).toBe("INVALID_SHAPE");
    }
    expect(() => noisedPairs(x, Infinity, new Rng(1))).toThrow(VsdError);
    expect(() => noisedPairs(flat as unknown as tf.Tensor4D, 0, new Rng(1))).toThrow(VsdError);
    tf.dispose([x, flat, wide]);
  });
});

describe("subtaskDenoisingLoss", () => {
  it("is ½·mean(ε²) for ε̂ = 0 (the same ε the rng gives) and ~0 for the exact ε̂ of a point mass", () => {
    const x = images(64, 0.3);
    const zero = subtaskDenoisingLoss(x, subtask(1.5), new Rng(4), shape, (z) => tf.zerosLike(z));
    const eps = new Rng(4).fillNormal(new Float64Array(64 * D));
    let ss = 0;
    for (const v of eps) ss += Math.fround(v) ** 2;
    expect(zero).toBeCloseTo((0.5 * ss) / eps.length, 5);
    expect(Math.abs(zero - 0.5)).toBeLessThan(0.05); // ½E[ε²] = ½; 384 draws
    // Point mass at 0.3: the Bayes-optimal ε̂ = (z − α·0.3)/σ recovers ε exactly (up to float32).
    const { alpha, sigma } = alphaSigmaFromLogSnr(1.5);
    const oracle = subtaskDenoisingLoss(x, subtask(1.5), new Rng(4), shape, (z, lambda) => {
      expect(lambda).toBe(1.5);
      return tf.div(tf.sub(z, alpha * 0.3), sigma) as tf.Tensor2D;
    });
    expect(oracle).toBeGreaterThanOrEqual(0);
    expect(oracle).toBeLessThan(1e-12);
    x.dispose();
  });

  it("rejects subtasks without a finite logSnr and images of another shape", () => {
    const x = images(2);
    const f = (z: tf.Tensor2D) => tf.zerosLike(z);
    expect(() => subtaskDenoisingLoss(x, { index: 0, key: "k", params: {} }, new Rng(1), shape, f)).toThrow(VsdError);
    expect(() => subtaskDenoisingLoss(x, subtask(NaN), new Rng(1), shape, f)).toThrow(VsdError);
    expect(() => subtaskDenoisingLoss(x, subtask(0), new Rng(1), { height: 3, width: 2, channels: 1 }, f)).toThrow(VsdError);
    expect(subtaskLogSnr(subtask(-4.5))).toBe(-4.5);
    x.dispose();
  });
});

describe("checkImageBatch", () => {
  it("accepts the model's shape and rejects other shapes or a pixel count that does not match", () => {
    const x = images(2);
    const ok: Batch = { images: x, pixels: new Uint8Array(2 * D) };
    expect(() => checkImageBatch(ok, shape)).not.toThrow();
    expect(() => checkImageBatch(ok, { height: 3, width: 2, channels: 1 })).toThrow(VsdError);
    expect(() => checkImageBatch({ images: x, pixels: new Uint8Array(D) }, shape)).toThrow(/pixels for 2 images of 6/);
    x.dispose();
  });
});

describe("denoiser inputs", () => {
  it("embeds 10·λ sinusoidally, from numbers or a tensor, with the gradient reaching λ", () => {
    // dim 4: frequencies 1 and 10000^(−1/2) = 0.01 → [cos 10λ, cos 0.1λ, sin 10λ, sin 0.1λ].
    const lam = Float32Array.from([0.3, -2]);
    const a = logSnrEmbedding(lam, 4);
    const lt = tf.tensor1d(lam);
    const b = logSnrEmbedding(lt, 4);
    const ref = tf.tidy(() => sinusoidalEmbedding(lt.mul(LOG_SNR_EMBED_SCALE) as tf.Tensor1D, 4));
    const av = a.arraySync();
    expect(av[0]![0]).toBeCloseTo(Math.cos(3), 5);
    expect(av[0]![1]).toBeCloseTo(Math.cos(0.03), 5);
    expect(av[1]![2]).toBeCloseTo(Math.sin(-20), 5);
    expect(av[1]![3]).toBeCloseTo(Math.sin(-0.2), 5);
    expect(b.arraySync()).toEqual(av);
    expect(ref.arraySync()).toEqual(av);
    // d/dλ Σ emb = Σ_f 10f(cos 10fλ − sin 10fλ).
    const g = tf.grad((l: tf.Tensor) => tf.sum(logSnrEmbedding(l as tf.Tensor1D, 4)))(lt);
    const gv = g.dataSync();
    const want = (l: number) => [1, 0.01].reduce((s, f) => s + 10 * f * (Math.cos(10 * f * l) - Math.sin(10 * f * l)), 0);
    expect(gv[0]).toBeCloseTo(want(0.3), 4);
    expect(gv[1]).toBeCloseTo(want(-2), 4);
    tf.dispose([a, b, lt, ref, g]);
  });

  it("Fourier features are sin, cos of 2ⁿπz per exponent, in order", () => {
    const z = tf.tensor2d([[0.25, -0.125]]);
    const parts = fourierFeatures(z, [0, 1]);
    expect(parts.length).toBe(4);
    const [s0, c0, s1, c1] = parts.map((p) => p.dataSync());
    expect(s0![0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(c0![1]).toBeCloseTo(Math.cos(-Math.PI / 8), 6);
    expect(s1![0]).toBeCloseTo(1, 6);
    expect(c1![0]).toBeCloseTo(0, 6);
    expect(s1![1]).toBeCloseTo(-Math.SQRT1_2, 6);
    expect(fourierFeatures(z, [])).toEqual([]);
    tf.dispose([z, ...parts]);
  });

  it("sizes: the shared MLP table, width multipliers and explicit overrides", () => {
    expect(denoiserWidthDepth("XS")).toEqual([64, 2]);
    expect(denoiserWidthDepth("XL")).toEqual([2048, 4]);
    expect(denoiserWidthDepth(0.5)).toEqual([128, 3]);
    expect(denoiserWidthDepth(0.01)).toEqual([8, 3]);
    expect(denoiserWidthDepth("M", MLP_DENOISER_SIZES, { depth: 7 })).toEqual([512, 7]);
    expect(denoiserWidthDepth(2, { XS: [1, 1], S: [10, 5], M: [1, 1], L: [1, 1], XL: [1, 1] }, { width: 33, depth: undefined })).toEqual([33, 5]);
    expect(denoiserWidthDepth("huge" as "S")).toEqual([256, 3]);
  });
});
