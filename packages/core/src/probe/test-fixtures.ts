/**
 * Small decompositions and data sets with known answers, for the probe's own
 * tests and benchmark. Not part of the public surface (index.ts does not
 * export them).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImageDataset } from "../dataset.js";
import type { Decomposition, GenerativeModel, Subtask, SubtaskPairs } from "../decomposition.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";

function noModel(): GenerativeModel {
  throw new VsdError("NOT_SUPPORTED", "Test decompositions have no generative model.");
}

/** A data set of `n` blank 1×1 images, for decompositions that draw their own pairs. */
export function blankDataset(n: number): ImageDataset {
  return {
    name: `blank-${n}`,
    height: 1,
    width: 1,
    channels: 1,
    train: { n, pixels: new Uint8Array(n) },
    test: { n: 1, pixels: new Uint8Array(1) },
  };
}

/** y = A x + b + ε, x ~ N(m, diag(s²)), ε ~ N(0, L Lᵀ): one linear-Gaussian subtask. */
export interface LinearGaussianSpec {
  /** dt × dc, row-major. */
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly inputMean: readonly number[];
  readonly inputStd: readonly number[];
  /** Lower Cholesky factor of the noise covariance, dt × dt row-major. */
  readonly noiseChol: readonly number[];
  readonly group?: string;
}

/**
 * Subtask i draws its pairs from `specs[i]` with the given Rng (one pair per
 * image; image content is ignored).
 */
export function linearGaussianDecomposition(specs: readonly LinearGaussianSpec[], dc: number, dt: number): Decomposition {
  const subtasks: Subtask[] = specs.map((s, i) => ({
    index: i,
    key: `lg/${i}`,
    params: { i },
    ...(s.group !== undefined ? { group: s.group } : {}),
  }));
  return {
    specificationVersion: "v1",
    id: "test-linear-gaussian",
    subtasks: () => subtasks,
    pairs(images: tf.Tensor4D, subtask: Subtask, rng: Rng): SubtaskPairs {
      const s = specs[subtask.index]!;
      const n = images.shape[0];
      const x = new Float32Array(n * dc);
      const y = new Float32Array(n * dt);
      const e = new Float64Array(dt);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < dc; j++) x[i * dc + j] = s.inputMean[j]! + s.inputStd[j]! * rng.normal();
        for (let j = 0; j < dt; j++) e[j] = rng.normal();
        for (let r = 0; r < dt; r++) {
          let v = s.b[r]!;
          for (let j = 0; j < dc; j++) v += s.a[r * dc + j]! * x[i * dc + j]!;
          for (let j = 0; j <= r; j++) v += s.noiseChol[r * dt + j]! * e[j]!;
          y[i * dt + r] = v;
        }
      }
      return { condition: tf.tensor2d(x, [n, dc]), target: tf.tensor2d(y, [n, dt]) };
    },
    createModel: noModel,
  };
}

/**
 * Square patches in raster or snake order; subtask t's condition is patch
 * t−1 in that order (zeros for the first), its target is patch t. Groups:
 * "first", "row-start" (first patch of a row in the order), "interior".
 * (A minimal stand-in for `@vsd/decomp-patch`, which core must not import.)
 */
export function patchOrderDecomposition(size: number, patch: number, order: "raster" | "snake"): Decomposition {
  const g = size / patch;
  const cells: { row: number; col: number }[] = [];
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) cells.push({ row: r, col: order === "snake" && r % 2 === 1 ? g - 1 - c : c });
  }
  const subtasks: Subtask[] = cells.map((cell, i) => ({
    index: i,
    key: `pos/${cell.row},${cell.col}`,
    params: { row: cell.row, col: cell.col },
    group: i === 0 ? "first" : i % g === 0 ? "row-start" : "interior",
  }));
  const d = patch * patch;
  const cut = (images: tf.Tensor4D, cell: { row: number; col: number }): tf.Tensor2D =>
    tf.reshape(tf.slice(images, [0, cell.row * patch, cell.col * patch, 0], [-1, patch, patch, -1]), [
      images.shape[0],
      d,
    ]);
  return {
    specificationVersion: "v1",
    id: `test-patch-${order}`,
    subtasks: () => subtasks,
    pairs(images: tf.Tensor4D, subtask: Subtask): SubtaskPairs {
      const i = subtask.index;
      return tf.tidy(() => ({
        condition: i === 0 ? tf.zeros<tf.Rank.R2>([images.shape[0], d]) : cut(images, cells[i - 1]!),
        target: cut(images, cells[i]!),
      }));
    },
    createModel: noModel,
  };
}
