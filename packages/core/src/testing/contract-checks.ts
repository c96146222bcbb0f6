import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";
import { makeBatch, type ImageDataset } from "../dataset.js";
import type { Decomposition, GenerativeModel, ModelOptions, Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { assertDecomposition, type DecompositionPlugin } from "../plugin.js";
import { Rng } from "../rng.js";

/**
 * The checks of the decomposition contract, one function each, so they can be
 * tested on broken decompositions (every one must be able to fail). Each throws
 * a vitest assertion error on a violation. `describeDecompositionContract`
 * registers them as tests.
 */

/** Seed of the contract's Rngs; any fixed value works. */
export const CONTRACT_SEED = 20240601;

export function checkRegistration(plugin: DecompositionPlugin, d: Decomposition): void {
  expect(() => assertDecomposition(d, plugin.name)).not.toThrow();
  expect(d.specificationVersion).toBe("v1");
  expect(d.id).toBe(plugin.id);
  expect(typeof plugin.name).toBe("string");
  expect(plugin.name.length).toBeGreaterThan(0);
}

export function checkSubtasks(d: Decomposition): void {
  const subtasks = d.subtasks();
  expect(subtasks.length, "number of subtasks").toBeGreaterThan(0);
  subtasks.forEach((s, i) => {
    expect(s.index, `index of subtask ${i}`).toBe(i);
    expect(typeof s.key).toBe("string");
    expect(s.key.length, `key of subtask ${i}`).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(s.params)) expect(Number.isFinite(v), `params.${k} of ${s.key}`).toBe(true);
    if (s.group !== undefined) expect(typeof s.group).toBe("string");
  });
  expect(new Set(subtasks.map((s) => s.key)).size, "unique keys").toBe(subtasks.length);
}

/** Keys equal across two calls on `d` and on an independent instance `other`. */
export function checkStableKeys(d: Decomposition, other: Decomposition): void {
  const keys = d.subtasks().map((s) => s.key);
  expect(d.subtasks().map((s) => s.key), "keys across two calls").toEqual(keys);
  expect(other.subtasks().map((s) => s.key), "keys across two instances").toEqual(keys);
}

export function checkPairsShapes(d: Decomposition, images: tf.Tensor4D, sample: readonly Subtask[]): void {
  const n = images.shape[0];
  const before = tf.memory().numTensors;
  let widths: [number, number] | undefined;
  let rows: number | undefined;
  for (const s of sample) {
    const { condition, target } = d.pairs(images, s, new Rng(CONTRACT_SEED).derive(s.key));
    try {
      expect(condition.rank, `condition rank on ${s.key}`).toBe(2);
      expect(target.rank, `target rank on ${s.key}`).toBe(2);
      expect(condition.dtype, `condition dtype on ${s.key}`).toBe("float32");
      expect(target.dtype, `target dtype on ${s.key}`).toBe("float32");
      expect(target.shape[1], `target width on ${s.key}`).toBeGreaterThan(0);
      expect(condition.shape[0], `condition and target rows on ${s.key}`).toBe(target.shape[0]);
      const r = target.shape[0];
      expect(r > 0 && r % n === 0, `rows ${r} on ${s.key} are not a positive multiple of ${n} images`).toBe(true);
      rows ??= r;
      expect(r, `rows on ${s.key}`).toBe(rows);
      widths ??= [condition.shape[1], target.shape[1]];
      expect([condition.shape[1], target.shape[1]], `[dc, dt] on ${s.key}`).toEqual(widths);
      expect(allFinite(condition.dataSync()), `finite condition on ${s.key}`).toBe(true);
      expect(allFinite(target.dataSync()), `finite target on ${s.key}`).toBe(true);
    } finally {
      condition.dispose();
      target.dispose();
    }
  }
  expect(images.isDisposed, "pairs() disposed its input images").toBe(false);
  expect(tf.memory().numTensors, "tensors left after disposing the pairs").toBe(before);
}

export function checkPairsDeterminism(d: Decomposition, images: tf.Tensor4D, sample: readonly Subtask[]): void {
  const before = tf.memory().numTensors;
  let random = 0;
  let varied = 0;
  for (const s of sample) {
    const a = pairsData(d, images, s, new Rng(CONTRACT_SEED));
    const b = pairsData(d, images, s, new Rng(CONTRACT_SEED));
    expect(sameBits(a.condition, b.condition), `condition of ${s.key} under one seed`).toBe(true);
    expect(sameBits(a.target, b.target), `target of ${s.key} under one seed`).toBe(true);
    if (a.drewRandomness) {
      random++;
      const c = pairsData(d, images, s, new Rng(CONTRACT_SEED + 1));
      if (!sameBits(a.condition, c.condition) || !sameBits(a.target, c.target)) varied++;
    }
  }
  if (random > 0) expect(varied, `${random} subtasks drew from the Rng but none changed with the seed`).toBeGreaterThan(0);
  expect(tf.memory().numTensors, "tensors left after disposing the pairs").toBe(before);
}

export function checkRejectsBadImages(d: Decomposition, images: tf.Tensor4D, subtask: Subtask, shapeAgnostic: boolean): void {
  const before = tf.memory().numTensors;
  const [n, h, w, c] = images.shape;
  const bad: tf.Tensor[] = [tf.zeros([n, h, w * c]), tf.zeros([h * w * c])];
  if (!shapeAgnostic) bad.push(tf.zeros([n, h + 1, w, c]), tf.zeros([n, h, w + 1, c]), tf.zeros([n, h, w, c + 1]));
  try {
    for (const x of bad) {
      expectVsdError(() => d.pairs(x as tf.Tensor4D, subtask, new Rng(CONTRACT_SEED)), `images of shape [${x.shape.join(", ")}]`);
    }
  } finally {
    tf.dispose(bad);
  }
  expect(tf.memory().numTensors, "tensors left after rejecting bad images").toBe(before);
}

export function checkRejectsForeignSubtask(d: Decomposition, images: tf.Tensor4D): void {
  const before = tf.memory().numTensors;
  const count = d.subtasks().length;
  const first = d.subtasks()[0]!;
  const foreign: Subtask[] = [
    { index: count + 7, key: "not-a-subtask/of-this-decomposition", params: {} },
    { index: -1, key: "not-a-subtask/negative", params: {} },
    // A valid index under a key that is not this decomposition's.
    { index: 0, key: `${first.key}/not-ours`, params: first.params },
  ];
  for (const s of foreign) expectVsdError(() => d.pairs(images, s, new Rng(CONTRACT_SEED)), `subtask ${s.key} (index ${s.index})`);
  expect(tf.memory().numTensors, "tensors left after rejecting foreign subtasks").toBe(before);
}

/** `d` and `other` were prepared with the same seed: same keys, bitwise equal pairs. */
export function checkPrepareDeterminism(d: Decomposition, other: Decomposition, images: tf.Tensor4D, sample: readonly Subtask[]): void {
  // Whatever prepare() fitted stays with the instance; pairs() itself must leave nothing.
  const held = tf.memory().numTensors;
  expect(other.subtasks().map((s) => s.key), "keys after two prepares").toEqual(d.subtasks().map((s) => s.key));
  for (const s of sample) {
    const a = pairsData(d, images, s, new Rng(CONTRACT_SEED));
    const b = pairsData(other, images, s, new Rng(CONTRACT_SEED));
    expect(sameBits(a.condition, b.condition), `condition of ${s.key} after two prepares`).toBe(true);
    expect(sameBits(a.target, b.target), `target of ${s.key} after two prepares`).toBe(true);
  }
  expect(tf.memory().numTensors, "tensors left after disposing the pairs").toBe(held);
}

export function checkModel(d: Decomposition, data: ImageDataset, batchSize: number, modelOptions: Partial<ModelOptions>): void {
  const before = tf.memory().numTensors;
  const model: GenerativeModel = d.createModel({ ...modelOptions, shape: data, seed: CONTRACT_SEED });
  try {
    for (const m of ["trainStep", "subtaskLoss", "nll", "sample", "save", "load", "numParams", "dispose"] as const) {
      expect(typeof model[m], `model.${m}`).toBe("function");
    }
    expect(typeof model.id).toBe("string");
    expect([model.shape.height, model.shape.width, model.shape.channels], "model shape").toEqual([data.height, data.width, data.channels]);
    const params = model.numParams();
    expect(Number.isInteger(params) && params > 0, `numParams() = ${params}`).toBe(true);
    const rng = new Rng(CONTRACT_SEED);
    const counts: number[] = [];
    for (let step = 0; step < 2; step++) {
      const batch = makeBatch(data, data.train, range(Math.min(batchSize, data.train.n)));
      try {
        const stats = model.trainStep(batch, rng.derive(step));
        expect(Number.isFinite(stats.loss), `loss ${stats.loss} at step ${step}`).toBe(true);
        for (const [k, v] of Object.entries(stats.subtaskLosses ?? {})) expect(Number.isFinite(v), `subtask loss ${k}`).toBe(true);
      } finally {
        batch.images.dispose();
      }
      counts.push(tf.memory().numTensors);
    }
    // Optimiser slots may be created on the first step; after that the count is flat.
    expect(counts[1], "tensors after the second training step vs the first").toBe(counts[0]);
  } finally {
    model.dispose();
  }
  expect(tf.memory().numTensors, "tensors left after model.dispose()").toBe(before);
}

/** First, last and evenly spaced subtasks between them. */
export function sampleSubtasks(subtasks: readonly Subtask[], k: number): Subtask[] {
  if (subtasks.length <= k) return [...subtasks];
  const picked = new Set<number>();
  for (let i = 0; i < k; i++) picked.add(Math.round((i * (subtasks.length - 1)) / (k - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => subtasks[i]!);
}

export function range(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

function pairsData(
  d: Decomposition,
  images: tf.Tensor4D,
  s: Subtask,
  rng: Rng,
): { condition: Float32Array; target: Float32Array; drewRandomness: boolean } {
  const state = JSON.stringify(rng.getState());
  const { condition, target } = d.pairs(images, s, rng);
  try {
    return {
      condition: new Float32Array(condition.dataSync() as Float32Array),
      target: new Float32Array(target.dataSync() as Float32Array),
      drewRandomness: JSON.stringify(rng.getState()) !== state,
    };
  } finally {
    condition.dispose();
    target.dispose();
  }
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

function expectVsdError(fn: () => unknown, what: string): void {
  let thrown: unknown;
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) {
    // Don't leak what a wrongly accepting decomposition returned.
    const r = result as { condition?: tf.Tensor; target?: tf.Tensor } | undefined;
    r?.condition?.dispose();
    r?.target?.dispose();
  }
  expect(thrown, `${what} should be rejected with a VsdError`).toBeDefined();
  expect(VsdError.isInstance(thrown), `${what}: expected a VsdError, got ${String(thrown)}`).toBe(true);
}
