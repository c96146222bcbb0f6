import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { Rng, VsdError, createVsd } from "@vsd/core";
import defaultFactory, { PatchDecomposition, patchDecomposition } from "./index.js";
import { patchGrid, patchify } from "./patchify.js";

function imagesOf(n: number, h: number, w: number, c: number, seed: number): { t: tf.Tensor4D; v: Float32Array } {
  const rng = new Rng(seed);
  const v = new Float32Array(n * h * w * c).map(() => rng.int(256) / 127.5 - 1);
  return { t: tf.tensor4d(v, [n, h, w, c]), v };
}

describe("PatchDecomposition", () => {
  it("has one subtask per position, keyed pos/<row>,<col>, with step and row/col params", () => {
    const d = new PatchDecomposition({ patchSize: 4, order: "snake" });
    const st = d.subtasks();
    expect(st).toHaveLength(49);
    expect(st[0]!.key).toBe("pos/0,0");
    expect(st[7]!.key).toBe("pos/1,6"); // snake turns at the end of row 0
    expect(st[7]!.params).toMatchObject({ row: 1, col: 6, step: 7 });
    expect(st.map((s) => s.index)).toEqual(Array.from({ length: 49 }, (_, i) => i));
    expect(new Set(st.map((s) => s.key)).size).toBe(49);
  });

  it("groups follow the order: raster row-starts are jumps, snake row-starts are steps down, hilbert has ≤ 1 order-break", () => {
    const raster = new PatchDecomposition({ order: "raster" }).subtasks();
    const rs = raster.filter((s) => s.group === "row-start").map((s) => s.key);
    expect(rs).toEqual([1, 2, 3, 4, 5, 6].map((r) => `pos/${r},0`));
    expect(raster.filter((s) => s.params.orderBreak === 1).map((s) => s.key)).toEqual(rs);
    expect(raster[0]!.group).toBe("start");
    expect(raster.filter((s) => s.group === "row-end")).toHaveLength(7);
    expect(raster.find((s) => s.key === "pos/3,3")!.group).toBe("center");
    expect(raster.find((s) => s.key === "pos/1,3")!.group).toBe("interior");

    const snake = new PatchDecomposition({ order: "snake" }).subtasks();
    expect(snake.filter((s) => s.params.orderBreak === 1)).toHaveLength(0);
    expect(snake.filter((s) => s.group === "row-start").map((s) => s.key)).toEqual(
      [1, 2, 3, 4, 5, 6].map((r) => `pos/${r},${r % 2 === 1 ? 6 : 0}`),
    );
    const hil = new PatchDecomposition({ order: "hilbert" }).subtasks();
    expect(hil.filter((s) => s.params.orderBreak === 1).length).toBeLessThanOrEqual(1);
    const col = new PatchDecomposition({ order: "column" }).subtasks();
    expect(col.filter((s) => s.params.orderBreak === 1)).toHaveLength(6);
  });

  it("pairs: previous k patches in the order (zero-padded) + coords → next patch, fixed widths, no leaks", () => {
    const before = tf.memory().numTensors;
    const d = new PatchDecomposition({ patchSize: 2, order: "raster", context: 2, height: 4, width: 6, channels: 1 });
    const { t, v } = imagesOf(3, 4, 6, 1, 1);
    const grid = patchGrid({ height: 4, width: 6, channels: 1 }, 2);
    const patches = patchify(v, 3, grid);
    const D = grid.patchDim;
    const st = d.subtasks();
    for (const s of [st[0]!, st[1]!, st[3]!, st[4]!]) {
      const { condition, target } = d.pairs(t, s, new Rng(0));
      expect(condition.shape).toEqual([3, 2 * D + 2]);
      expect(target.shape).toEqual([3, D]);
      expect(d.conditionDim).toBe(2 * D + 2);
      const cv = condition.arraySync();
      const tv = target.arraySync();
      for (let i = 0; i < 3; i++) {
        const pos = d.order[s.index]!;
        expect(tv[i]).toEqual(Array.from(patches.subarray((i * 6 + pos) * D, (i * 6 + pos + 1) * D)));
        for (let j = 1; j <= 2; j++) {
          const slot = cv[i]!.slice((j - 1) * D, j * D);
          const want = s.index - j >= 0 ? Array.from(patches.subarray((i * 6 + d.order[s.index - j]!) * D, (i * 6 + d.order[s.index - j]! + 1) * D)) : [0, 0, 0, 0];
          expect(slot).toEqual(want);
        }
        const r = s.params.row!;
        const c = s.params.col!;
        expect(cv[i]![2 * D]).toBeCloseTo(2 * r - 1, 6); // rows = 2 → −1, +1
        expect(cv[i]![2 * D + 1]).toBeCloseTo(c - 1, 6); // cols = 3 → −1, 0, +1
      }
      tf.dispose([condition, target]);
    }
    tf.dispose(t);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("prepare adopts the data's size; wrong sizes and foreign subtasks are rejected", async () => {
    const d = new PatchDecomposition({ patchSize: 4 });
    await d.prepare(
      { name: "x", height: 8, width: 12, channels: 3, train: { n: 0, pixels: new Uint8Array(0) }, test: { n: 0, pixels: new Uint8Array(0) } },
      { rng: new Rng(0) },
    );
    expect(d.subtasks()).toHaveLength(6);
    const { t } = imagesOf(1, 8, 8, 3, 2);
    expect(() => d.pairs(t, d.subtasks()[0]!, new Rng(0))).toThrow(VsdError);
    tf.dispose(t);
    expect(() => new PatchDecomposition({ patchSize: 5 })).toThrow(/not divisible by the patch size 5/);
    expect(() => new PatchDecomposition({ order: [0, 1, 2] })).toThrow(VsdError);
    expect(() => new PatchDecomposition({ context: 0 })).toThrow(VsdError);
  });

  it("is a plugin: named and default export register decomposition id 'patch'", () => {
    expect(defaultFactory).toBe(patchDecomposition);
    const vsd = createVsd({ plugins: [patchDecomposition({ order: "hilbert", patchSize: 7 })] });
    const d = vsd.decomposition("patch") as PatchDecomposition;
    expect(d.subtasks()).toHaveLength(16);
    expect(d.description).toMatch(/hilbert/);
  });
});
