import fc from "fast-check";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { VsdError } from "@vsd/core";
import { patchGrid, patchify, patchifyTensor, unpatchify, unpatchifyTensor } from "./patchify.js";

describe("patchify", () => {
  it("round-trips exactly on random images (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (p, rows, cols, c, n, seed) => {
          const grid = patchGrid({ height: rows * p, width: cols * p, channels: c }, p);
          const len = n * rows * p * cols * p * c;
          const px = new Uint8Array(len);
          let s = seed >>> 0;
          for (let i = 0; i < len; i++) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            px[i] = s >>> 24;
          }
          const patches = patchify(px, n, grid);
          expect(patches).toBeInstanceOf(Uint8Array);
          expect(Array.from(unpatchify(patches, n, grid))).toEqual(Array.from(px));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("puts the right pixels in each patch (known answer, 4×4 image, p = 2)", () => {
    const px = new Float32Array(16).map((_, i) => i);
    const grid = patchGrid({ height: 4, width: 4, channels: 1 }, 2);
    expect(Array.from(patchify(px, 1, grid))).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
  });

  it("tensor versions agree with the array versions and round-trip without leaks", () => {
    const before = tf.memory().numTensors;
    const grid = patchGrid({ height: 6, width: 9, channels: 2 }, 3);
    const vals = new Float32Array(2 * 6 * 9 * 2).map((_, i) => (i * 37) % 101);
    const img = tf.tensor4d(vals, [2, 6, 9, 2]);
    const p = patchifyTensor(img, grid);
    expect(p.shape).toEqual([2, 6, 18]);
    expect(Array.from(p.dataSync())).toEqual(Array.from(patchify(vals, 2, grid)));
    const back = unpatchifyTensor(p, grid);
    expect(Array.from(back.dataSync())).toEqual(Array.from(vals));
    tf.dispose([img, p, back]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects image sizes not divisible by p with a VsdError that says so", () => {
    let err: unknown;
    try {
      patchGrid({ height: 28, width: 28, channels: 1 }, 5);
    } catch (e) {
      err = e;
    }
    expect(VsdError.isInstance(err)).toBe(true);
    expect((err as VsdError).code).toBe("INVALID_SHAPE");
    expect((err as VsdError).message).toMatch(/28×28 is not divisible by the patch size 5/);
    expect(() => patchGrid({ height: 4, width: 4, channels: 1 }, 0)).toThrow(VsdError);
  });
});
