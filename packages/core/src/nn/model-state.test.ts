import * as tf from "@tensorflow/tfjs-core";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../rng.js";
import { AdamW } from "./adamw.js";
import { mlp } from "./mlp.js";
import { loadModelState, MODEL_STATE_DATA, MODEL_STATE_MANIFEST, saveModelState } from "./model-state.js";
import { ParamStore } from "./param-store.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "vsd-nn-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function setup(seed: number, hidden = 8) {
  const store = new ParamStore(new Rng(seed));
  const net = mlp(store, "m", [4, hidden, 3], { activation: "silu" });
  const opt = new AdamW(store.variables, { learningRate: 1e-2 });
  return { store, net, opt };
}

describe("saveModelState / loadModelState", () => {
  it("round trip restores weights, moments, step and meta; training continues identically", async () => {
    const before = tf.memory().numTensors;
    const dir = await tempDir();
    const rng = new Rng(3);
    const x = rng.normalTensor([8, 4]) as tf.Tensor2D;
    const y = rng.normalTensor([8, 3]);
    const a = setup(1);
    const loss = (n: typeof a.net) => () => tf.losses.meanSquaredError(y, n.apply(x)) as tf.Scalar;
    for (let i = 0; i < 3; i++) a.opt.step(loss(a.net));
    await saveModelState(dir, { params: a.store, optimizer: a.opt, meta: { step: 3, note: "x" } });
    expect((await readdir(dir)).sort()).toEqual([MODEL_STATE_MANIFEST, MODEL_STATE_DATA].sort());
    const b = setup(2);
    const meta = await loadModelState(dir, { params: b.store, optimizer: b.opt });
    expect(meta).toEqual({ step: 3, note: "x" });
    expect(b.opt.stepCount).toBe(3);
    const wa = a.store.getWeights();
    const wb = b.store.getWeights();
    for (const k of Object.keys(wa)) expect(Array.from(wb[k]!.data)).toEqual(Array.from(wa[k]!.data));
    expect(b.opt.step(loss(b.net))).toBe(a.opt.step(loss(a.net)));
    for (const r of [a, b]) {
      r.opt.dispose();
      r.store.dispose();
    }
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("shape or name mismatch → CHECKPOINT_MISMATCH; truncated data → CORRUPT_FILE; missing → IO_ERROR", async () => {
    const before = tf.memory().numTensors;
    const dir = await tempDir();
    const a = setup(1);
    await saveModelState(dir, { params: a.store });
    const wide = setup(2, 9);
    await expect(loadModelState(dir, { params: wide.store })).rejects.toMatchObject({ code: "CHECKPOINT_MISMATCH" });
    const renamed = new ParamStore(new Rng(0));
    mlp(renamed, "other", [4, 8, 3], { activation: "silu" });
    await expect(loadModelState(dir, { params: renamed })).rejects.toMatchObject({ code: "CHECKPOINT_MISMATCH" });
    // Saved without optimizer state, loaded with an optimizer.
    await expect(loadModelState(dir, { params: a.store, optimizer: a.opt })).rejects.toMatchObject({ code: "CHECKPOINT_MISMATCH" });
    const bin = await readFile(join(dir, MODEL_STATE_DATA));
    await writeFile(join(dir, MODEL_STATE_DATA), bin.subarray(0, bin.length - 4));
    await expect(loadModelState(dir, { params: a.store })).rejects.toMatchObject({ code: "CORRUPT_FILE" });
    await expect(loadModelState(join(dir, "nope"), { params: a.store })).rejects.toMatchObject({ code: "IO_ERROR" });
    // A regular file where the directory should be.
    await expect(saveModelState(join(dir, MODEL_STATE_MANIFEST, "sub"), { params: a.store })).rejects.toMatchObject({ code: "IO_ERROR" });
    for (const r of [a, wide]) {
      r.opt.dispose();
      r.store.dispose();
    }
    renamed.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
