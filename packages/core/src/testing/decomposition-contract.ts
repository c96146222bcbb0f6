import type * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { makeBatch, type ImageDataset } from "../dataset.js";
import type { Decomposition, ModelOptions, Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import { createVsd, type DecompositionPlugin } from "../plugin.js";
import { Rng } from "../rng.js";
import { contractDataset } from "./contract-dataset.js";
import {
  CONTRACT_SEED,
  checkModel,
  checkPairsDeterminism,
  checkPairsShapes,
  checkPrepareDeterminism,
  checkRegistration,
  checkRejectsBadImages,
  checkRejectsForeignSubtask,
  checkStableKeys,
  checkSubtasks,
  range,
  sampleSubtasks,
} from "./contract-checks.js";

export interface DecompositionContractOptions {
  /**
   * The data the decomposition is prepared on and whose images `pairs()` sees.
   * @default an 8×8×1 stationary synthetic set (64 train / 16 test images)
   */
  readonly dataset?: () => ImageDataset | Promise<ImageDataset>;
  /**
   * How many subtasks `pairs()` is checked on: the first, the last and evenly
   * spaced ones between (all of them when there are fewer).
   * @default 6
   */
  readonly subtaskSample?: number;
  /** Images per `pairs()` call and per training batch. @default 4 */
  readonly batchSize?: number;
  /** Passed to `prepare()` as `steps`, to keep learned decompositions cheap here. @default 4 */
  readonly prepareSteps?: number;
  /** Extra options for `createModel` (size, plugin knobs). `shape` and `seed` are filled in. @default { size: "XS" } */
  readonly modelOptions?: Partial<ModelOptions>;
  /**
   * Set when `pairs()` legitimately accepts images of any height, width and
   * channel count; the wrong-rank check still applies.
   * @default false
   */
  readonly shapeAgnostic?: boolean;
}

interface ResolvedContractOptions {
  dataset: () => ImageDataset | Promise<ImageDataset>;
  subtaskSample: number;
  batchSize: number;
  prepareSteps: number;
  modelOptions: Partial<ModelOptions>;
  shapeAgnostic: boolean;
}

export function resolveDecompositionContractOptions(o: DecompositionContractOptions = {}): ResolvedContractOptions {
  const r: ResolvedContractOptions = {
    dataset: o.dataset ?? contractDataset,
    subtaskSample: o.subtaskSample ?? 6,
    batchSize: o.batchSize ?? 4,
    prepareSteps: o.prepareSteps ?? 4,
    modelOptions: o.modelOptions ?? { size: "XS" },
    shapeAgnostic: o.shapeAgnostic ?? false,
  };
  if (!Number.isInteger(r.subtaskSample) || r.subtaskSample < 2) {
    throw new VsdError("INVALID_ARGUMENT", `subtaskSample must be an integer ≥ 2, got ${r.subtaskSample}.`);
  }
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1) {
    throw new VsdError("INVALID_ARGUMENT", `batchSize must be a positive integer, got ${r.batchSize}.`);
  }
  return r;
}

/**
 * Registers vitest tests that every decomposition plugin must pass (the way
 * tfjs runs one kernel suite against every backend). Call it at the top level
 * of a test file:
 *
 * ```ts
 * import { describeDecompositionContract } from "@vsd/core/testing";
 * describeDecompositionContract("noise", () => noiseDecomposition({ steps: 8 }));
 * ```
 *
 * It checks: registration through `createVsd`; `subtasks()` non-empty, indexed
 * 0..n−1, with unique keys stable across calls and instances; `pairs()` returns
 * finite float32 2-D tensors of equal widths across subtasks, row counts that
 * agree, bitwise determinism for an Rng seed (and variation across seeds where
 * randomness is drawn), no tensor leaks, `VsdError` on bad input; `prepare()`
 * determinism; and a model whose training step gives a finite loss without
 * leaking tensors.
 */

/**
 * Registers vitest tests that every decomposition plugin must pass (the way
 * tfjs runs one kernel suite against every backend). Call it at the top level
 * of a test file:
 *
 * ```ts
 * import { describeDecompositionContract } from "@vsd/core/testing";
 * describeDecompositionContract("noise", () => noiseDecomposition({ steps: 8 }));
 * ```
 *
 * It checks: registration through `createVsd`; `subtasks()` non-empty, indexed
 * 0..n−1, with unique keys stable across calls and instances; `pairs()` returns
 * finite float32 2-D tensors of equal widths across subtasks, row counts that
 * agree, bitwise determinism for an Rng seed (and variation across seeds where
 * randomness is drawn), no tensor leaks, `VsdError` on bad input; `prepare()`
 * determinism; and a model whose training step gives a finite loss without
 * leaking tensors.
 */
export function describeDecompositionContract(
  name: string,
  makePlugin: () => DecompositionPlugin | Promise<DecompositionPlugin>,
  options: DecompositionContractOptions = {},
): void {
  const o = resolveDecompositionContractOptions(options);

  describe(`decomposition contract: ${name}`, () => {
    let data: ImageDataset;
    let plugin: DecompositionPlugin;
    let d: Decomposition;
    let images: tf.Tensor4D;
    let sample: Subtask[];

    /** A registered, resolved and (when it has `prepare`) prepared instance. */
    async function instance(): Promise<{ plugin: DecompositionPlugin; d: Decomposition }> {
      const p = await makePlugin();
      const vsd = createVsd({ plugins: [p] });
      const dec = vsd.decomposition(p.id);
      if (dec.prepare) await dec.prepare(data, { rng: new Rng(CONTRACT_SEED), steps: o.prepareSteps });
      return { plugin: p, d: dec };
    }

    let other: Promise<{ plugin: DecompositionPlugin; d: Decomposition }> | undefined;
    /** A second independent instance, built once (prepare() may be costly). */
    const second = () => (other ??= instance());

    beforeAll(async () => {
      data = await o.dataset();
      ({ plugin, d } = await instance());
      images = makeBatch(data, data.train, range(Math.min(o.batchSize, data.train.n))).images;
      sample = sampleSubtasks(d.subtasks(), o.subtaskSample);
    });

    afterAll(async () => {
      images?.dispose();
      if (other) disposeIfPossible((await other).d);
      if (d) disposeIfPossible(d);
    });

    it("registers through createVsd and resolves to a valid v1 decomposition", () => checkRegistration(plugin, d));
    it("has a non-empty list of subtasks indexed 0..n−1 with unique keys and finite params", () => checkSubtasks(d));
    it("gives the same subtask keys across calls and across instances", async () => checkStableKeys(d, (await second()).d));
    it("pairs() returns finite float32 [n, dc] / [n, dt] tensors, widths and rows equal across subtasks, without leaks", () =>
      checkPairsShapes(d, images, sample));
    it("pairs() is bitwise deterministic for an Rng seed, and varies with the seed where it draws randomness", () =>
      checkPairsDeterminism(d, images, sample));
    it("pairs() rejects images of the wrong rank or shape with VsdError", () =>
      checkRejectsBadImages(d, images, sample[0]!, o.shapeAgnostic));
    it("pairs() rejects a subtask that is not one of its own with VsdError", () => checkRejectsForeignSubtask(d, images));
    it("prepare(), when present, is deterministic for an Rng seed", async () => {
      if (d.prepare) checkPrepareDeterminism(d, (await second()).d, images, sample);
    });
    it("createModel() returns a GenerativeModel whose training steps give finite losses without leaking tensors", () =>
      checkModel(d, data, o.batchSize, o.modelOptions));
  });
}

/** Decompositions may hold tensors (a fitted codebook) and release them with an optional dispose(). */
function disposeIfPossible(d: Decomposition): void {
  const x = d as Partial<{ dispose: () => void }>;
  if (typeof x.dispose === "function") x.dispose();
}
