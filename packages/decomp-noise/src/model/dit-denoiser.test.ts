import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, VsdError } from "@vsd/core";
import { createDitDenoiser, patchifyFlat, unpatchifyFlat } from "./dit-denoiser.js";

describe("DiT denoiser", () => {
  it("patchify puts patch (r, c) in raster token r·(w/p) + c and unpatchify inverts it", () => {
    const shape = { height: 4, width: 6, channels: 2 };
    const before = tf.memory().numTensors;
    const v = Float32Array.from({ length: 2 * 48 }, (_, i) => i);
    const z = tf.tensor2d(v, [2, 48]);
    const t = patchifyFlat(z, shape, 2);
    expect(t.shape).toEqual([2, 6, 8]);
    const d = t.arraySync();
    // Image 1, patch row 1, patch col 2 → token 5; its first entry is pixel (2, 4), channel 0.
    expect(d[1]![5]![0]).toBe(48 + (2 * 6 + 4) * 2);
    // Second pixel of the patch's first row: pixel (2, 5), channel 1.
    expect(d[1]![5]![3]).toBe(48 + (2 * 6 + 5) * 2 + 1);
    const back = unpatchifyFlat(t, shape, 2);
    expect(Array.from(back.dataSync())).toEqual(Array.from(v));
    tf.dispose([z, t, back]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("fits a fixed batch (loss falls by half) and rejects a patch that does not divide the image", () => {
    expect(() => createDitDenoiser(new Rng(1), { shape: { height: 6, width: 6, channels: 1 }, patch: 4 })).toThrow(VsdError);
    const shape = { height: 4, width: 4, channels: 1 };
    const before = tf.memory().numTensors;
    const net = createDitDenoiser(new Rng(1), { shape, patch: 2, width: 32, depth: 1, heads: 2 });
    const rng = new Rng(2);
    const z = tf.tensor2d(rng.fillNormal(new Float32Array(8 * 16)) as Float32Array, [8, 16]);
    const y = tf.tensor2d(rng.fillNormal(new Float32Array(8 * 16)) as Float32Array, [8, 16]);
    const lam = new Float32Array(8).fill(1);
    const opt = tf.train.adam(1e-2);
    const loss = () => tf.mean(tf.square(tf.sub(net.apply(z, lam), y))) as tf.Scalar;
    const l0 = tf.tidy(() => loss().dataSync()[0]!);
    for (let i = 0; i < 60; i++) opt.minimize(loss, true, net.store.variables)?.dispose();
    const l1 = tf.tidy(() => loss().dataSync()[0]!);
    expect(l1).toBeLessThan(0.5 * l0);
    opt.dispose();
    tf.dispose([z, y]);
    net.store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
