import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBatch } from "../dataset.js";
import type { Decomposition, GenerativeModel, Subtask, SubtaskPairs } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { defineDecompositionPlugin } from "../plugin.js";
import type { Rng } from "../rng.js";
import { sequenceDataset } from "../reference/sequence-dataset.js";
import { sequenceDecomposition } from "../reference/sequence-decomposition.js";
import { createTinyModel } from "../reference/tiny-model.js";
import {
  checkModel,
  checkPairsDeterminism,
  checkPairsShapes,
  checkPrepareDeterminism,
  checkRegistration,
  checkRejectsBadImages,
  checkRejectsForeignSubtask,
  checkStableKeys,
  checkSubtasks,
  sampleSubtasks,
} from "./contract-checks.js";
import { contractDataset } from "./contract-dataset.js";
import { describeDecompositionContract } from "./decomposition-contract.js";

const data = sequenceDataset({ n: 16, nTest: 4, length: 6, dim: 2 });
const good = () => sequenceDecomposition({ length: 6, dim: 2 });

/** The reference decomposition with some members replaced. */
function broken(overrides: (base: Decomposition) => Partial<Decomposition>): Decomposition {
  const base = good();
  return { ...base, ...overrides(base) };
}

/** A decomposition with randomness: the reference pairs plus Rng noise on the condition. */
function noisy(): Decomposition {
  const base = good();
  return {
    ...base,
    id: "noisy",
    pairs(images, s, rng) {
      const p = base.pairs(images, s, rng);
      return tf.tidy(() => {
        const noise = rng.normalTensor(p.condition.shape, 0, 0.1);
        const out = { condition: tf.add(p.condition, noise) as tf.Tensor2D, target: tf.clone(p.target) };
        tf.dispose([p.condition, p.target]);
        return out;
      });
    },
  };
}

/** Passes the check: it must not throw. Fails it: it must throw an assertion error. */
const passes = (fn: () => void) => expect(fn).not.toThrow();
const fails = (fn: () => void, message?: RegExp) => (message ? expect(fn).toThrow(message) : expect(fn).toThrow());

describe("contract checks catch broken decompositions", () => {
  let images: tf.Tensor4D;
  let sample: Subtask[];
  let before: number;
  beforeAll(() => {
    before = tf.memory().numTensors;
    images = makeBatch(data, data.train, [0, 1, 2, 3]).images;
    sample = sampleSubtasks(good().subtasks(), 4);
  });
  afterAll(() => {
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("sampleSubtasks takes the first, the last and evenly spaced ones", () => {
    const list = Array.from({ length: 10 }, (_, i): Subtask => ({ index: i, key: `k${i}`, params: {} }));
    expect(sampleSubtasks(list, 4).map((s) => s.index)).toEqual([0, 3, 6, 9]);
    expect(sampleSubtasks(list.slice(0, 3), 4).map((s) => s.index)).toEqual([0, 1, 2]);
  });

  it("registration: wrong id or version", () => {
    const plugin = { name: "p", id: "sequence", register() {} };
    passes(() => checkRegistration(plugin, good()));
    fails(() => checkRegistration({ ...plugin, id: "other" }, good()));
    fails(() => checkRegistration(plugin, broken(() => ({ specificationVersion: "v2" as "v1" }))));
  });

  it("subtasks: empty, bad indices, duplicate keys, non-finite params", () => {
    passes(() => checkSubtasks(good()));
    fails(() => checkSubtasks(broken(() => ({ subtasks: () => [] }))), /number of subtasks/);
    fails(() => checkSubtasks(broken((b) => ({ subtasks: () => b.subtasks().map((s) => ({ ...s, index: s.index + 1 })) }))), /index/);
    fails(() => checkSubtasks(broken((b) => ({ subtasks: () => b.subtasks().map((s) => ({ ...s, key: "same" })) }))), /unique keys/);
    fails(() => checkSubtasks(broken((b) => ({ subtasks: () => b.subtasks().map((s) => ({ ...s, params: { t: Number.NaN } })) }))), /params\.t/);
  });

  it("stable keys: keys that change between calls or instances", () => {
    passes(() => checkStableKeys(good(), good()));
    let calls = 0;
    const drifting = broken((b) => ({ subtasks: () => b.subtasks().map((s) => ({ ...s, key: `${s.key}#${calls++}` })) }));
    fails(() => checkStableKeys(drifting, good()), /two calls/);
    fails(() => checkStableKeys(good(), sequenceDecomposition({ length: 7, dim: 2 })), /two instances/);
  });

  it("pair shapes: rank, widths that vary by subtask, mismatched rows, NaN, leaks, disposed input", () => {
    passes(() => checkPairsShapes(good(), images, sample));
    passes(() => checkPairsShapes(noisy(), images, sample));
    const withPairs = (f: (p: SubtaskPairs, s: Subtask, images: tf.Tensor4D) => SubtaskPairs) =>
      broken((b) => ({
        pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) => {
          const p = b.pairs(x, s, rng);
          const out = tf.tidy(() => ({ ...f(p, s, x) }));
          if (out.condition !== p.condition) p.condition.dispose();
          if (out.target !== p.target) p.target.dispose();
          return out;
        },
      }));
    fails(() => checkPairsShapes(withPairs((p) => ({ ...p, target: tf.reshape(p.target, [-1, 1, 2]) as unknown as tf.Tensor2D })), images, sample), /target rank/);
    fails(
      () => checkPairsShapes(withPairs((p, s) => ({ ...p, condition: tf.tile(p.condition, [1, s.index + 1]) })), images, sample),
      /\[dc, dt\]/,
    );
    fails(() => checkPairsShapes(withPairs((p) => ({ ...p, target: tf.slice(p.target, [0, 0], [2, -1]) })), images, sample), /rows/);
    fails(() => checkPairsShapes(withPairs((p) => ({ ...p, target: tf.div(p.target, 0) })), images, sample), /finite target/);
    fails(() => checkPairsShapes(withPairs((p) => ({ ...p, condition: tf.cast(p.condition, "int32") as tf.Tensor2D })), images, sample), /dtype/);
    const leakedTensors: tf.Tensor[] = [];
    const leaky = broken((b) => ({
      pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) => {
        leakedTensors.push(tf.scalar(1)); // never disposed by the decomposition
        return b.pairs(x, s, rng);
      },
    }));
    fails(() => checkPairsShapes(leaky, images, sample), /tensors left/);
    expect(leakedTensors.length).toBe(sample.length);
    tf.dispose(leakedTensors);
    const disposing = broken((b) => ({
      pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) => {
        const p = b.pairs(x, s, rng);
        x.dispose();
        return p;
      },
    }));
    const copy = tf.clone(images);
    fails(() => checkPairsShapes(disposing, copy, sample.slice(0, 1)), /disposed its input/);
  });

  it("determinism: Math.random, or an Rng that is drawn from but ignored", () => {
    passes(() => checkPairsDeterminism(good(), images, sample));
    passes(() => checkPairsDeterminism(noisy(), images, sample));
    const unseeded = broken((b) => ({
      pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) => {
        const p = b.pairs(x, s, rng);
        const out = tf.tidy(() => ({ condition: tf.add(p.condition, Math.random()) as tf.Tensor2D, target: tf.clone(p.target) }));
        tf.dispose([p.condition, p.target]);
        return out;
      },
    }));
    fails(() => checkPairsDeterminism(unseeded, images, sample), /under one seed/);
    const ignoresRng = broken((b) => ({
      pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) => {
        rng.uniform();
        return b.pairs(x, s, rng);
      },
    }));
    fails(() => checkPairsDeterminism(ignoresRng, images, sample), /none changed with the seed/);
  });

  it("bad images: accepted, or rejected with a plain Error", () => {
    passes(() => checkRejectsBadImages(good(), images, sample[0]!, false));
    const lenient = broken((b) => ({
      pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) =>
        x.rank === 4 ? tf.tidy(() => ({ ...b.pairs(tf.zeros([x.shape[0], 1, 6, 2]) as tf.Tensor4D, s, rng) })) : b.pairs(x, s, rng),
    }));
    fails(() => checkRejectsBadImages(lenient, images, sample[0]!, false), /should be rejected/);
    // The rank check alone it passes, as a shape-agnostic decomposition would.
    passes(() => checkRejectsBadImages(lenient, images, sample[0]!, true));
    const plainError = broken(() => ({
      pairs: () => {
        throw new Error("bad");
      },
    }));
    fails(() => checkRejectsBadImages(plainError, images, sample[0]!, false), /expected a VsdError/);
  });

  it("foreign subtasks: looked up by index only", () => {
    passes(() => checkRejectsForeignSubtask(good(), images));
    const byIndex = broken((b) => ({
      pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) => {
        const known = b.subtasks()[s.index];
        if (!known) throw new VsdError("INVALID_ARGUMENT", "no such subtask");
        return b.pairs(x, known, rng);
      },
    }));
    fails(() => checkRejectsForeignSubtask(byIndex, images), /not-ours/);
  });

  it("prepare determinism: instances that differ after the same prepare", () => {
    passes(() => checkPrepareDeterminism(good(), good(), images, sample));
    const shifted = broken((b) => ({
      pairs: (x: tf.Tensor4D, s: Subtask, rng: Rng) => {
        const p = b.pairs(x, s, rng);
        const out = tf.tidy(() => ({ condition: tf.add(p.condition, 0.5) as tf.Tensor2D, target: tf.clone(p.target) }));
        tf.dispose([p.condition, p.target]);
        return out;
      },
    }));
    fails(() => checkPrepareDeterminism(good(), shifted, images, sample), /after two prepares/);
  });

  it("model: missing methods, non-finite loss, tensors that grow per step or outlive dispose()", () => {
    passes(() => checkModel(good(), data, 4, { size: "XS" }));
    const withModel = (f: (m: GenerativeModel) => GenerativeModel) =>
      broken((b) => ({ createModel: (o) => f(b.createModel(o)) }));
    const wrap = (m: GenerativeModel, extra: Partial<GenerativeModel>): GenerativeModel =>
      Object.assign(Object.create(Object.getPrototypeOf(m) as object) as GenerativeModel, m, extra);
    fails(() => checkModel(withModel((m) => wrap(m, { sample: undefined as never })), data, 4, {}), /model\.sample/);
    fails(() => checkModel(withModel((m) => wrap(m, { trainStep: (batch, rng) => ({ loss: m.trainStep(batch, rng).loss * Number.NaN }) })), data, 4, {}), /loss NaN/);
    const kept: tf.Tensor[] = [];
    fails(
      () =>
        checkModel(
          withModel((m) => wrap(m, { trainStep: (batch, rng) => (kept.push(tf.keep(tf.scalar(0))), m.trainStep(batch, rng)) })),
          data,
          4,
          {},
        ),
      /second training step/,
    );
    tf.dispose(kept.splice(0));
    const lingering: tf.Tensor[] = [];
    fails(() => checkModel(withModel((m) => (lingering.push(tf.scalar(1)), m)), data, 4, {}), /model\.dispose/);
    tf.dispose(lingering);
  });
});

// The suite itself on a decomposition with randomness, over the default data set.
describeDecompositionContract(
  "noisy raster (default data set)",
  () =>
    defineDecompositionPlugin({
      name: "noisy-raster",
      id: "noisy-raster",
      create: () => {
        const shape = contractDataset();
        const base = sequenceDecomposition({ length: shape.height * shape.width, dim: shape.channels });
        const reshape = (x: tf.Tensor4D) => {
          const [n, h, w, c] = x.shape;
          if (x.rank !== 4 || h !== shape.height || w !== shape.width || c !== shape.channels) {
            throw new VsdError("INVALID_SHAPE", `expected [n, ${shape.height}, ${shape.width}, ${shape.channels}]`);
          }
          return tf.reshape(x, [n, 1, h * w, c]) as tf.Tensor4D;
        };
        return {
          ...base,
          id: "noisy-raster",
          pairs(images: tf.Tensor4D, s: Subtask, rng: Rng) {
            const flat = reshape(images);
            try {
              const p = base.pairs(flat, s, rng);
              return tf.tidy(() => {
                const out = { condition: tf.add(p.condition, rng.normalTensor(p.condition.shape, 0, 0.05)) as tf.Tensor2D, target: tf.clone(p.target) };
                tf.dispose([p.condition, p.target]);
                return out;
              });
            } finally {
              flat.dispose();
            }
          },
          createModel: (o) => createTinyModel(o),
        };
      },
    })(),
  { subtaskSample: 4 },
);
