import { basename } from "node:path";
import type { ImageDataset, ImageSplit } from "../dataset.js";
import { VsdError } from "../errors.js";
import { readIdx } from "./idx.js";
import { stratifiedSplit, subsetSplit } from "./split.js";
import { validateDataset } from "./validate.js";

/** Options of {@link loadIdx}. */
export interface LoadIdxOptions {
  /** Dataset name. @default the images file name without `.gz` and the `-images-idx3-ubyte` part */
  readonly name?: string;
  /** Number of classes. @default largest label + 1 (only with labels) */
  readonly numClasses?: number;
  /** Test fraction of the deterministic, class-balanced split. @default 0.2 */
  readonly testFraction?: number;
  /** Seed of the split. @default 0 */
  readonly seed?: number;
  /** Keep only this many images in total (train + test), balanced per class. @default all */
  readonly limit?: number;
}

/** One split on disk: an IDX images file and optionally its IDX labels file. */
export interface IdxFiles {
  readonly images: string;
  readonly labels?: string;
}

/** Options of {@link loadIdxSplits}. */
export interface LoadIdxSplitsOptions {
  /** Dataset name. @default "idx" */
  readonly name?: string;
  /** Number of classes. @default largest label + 1 over both splits (only with labels) */
  readonly numClasses?: number;
  /** Keep only the first `trainLimit` train images. @default all */
  readonly trainLimit?: number;
  /** Keep only the first `testLimit` test images. @default all */
  readonly testLimit?: number;
}

interface RawSplit {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly split: ImageSplit;
}

/** Reads one images file (rank 3 `[n,h,w]` or rank 4 `[n,h,w,c]`) and its labels file. */
export function readIdxSplit(files: IdxFiles, limit?: number): RawSplit {
  const img = readIdx(files.images, [3, 4]);
  const [n, height, width, channels = 1] = img.dims as [number, number, number, number?];
  if (height === 0 || width === 0 || channels === 0) {
    throw new VsdError("CORRUPT_FILE", `${files.images}: image dimensions ${img.dims.join("×")} contain a zero; expected positive sizes.`);
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new VsdError("INVALID_RANGE", `limit must be a positive integer, got ${limit}.`);
  }
  const keep = Math.min(n, limit ?? n);
  const d = height * width * channels;
  const pixels = keep === n ? img.data : img.data.slice(0, keep * d);
  if (files.labels === undefined) return { height, width, channels, split: { n: keep, pixels } };
  const lab = readIdx(files.labels, 1);
  if (lab.dims[0] !== n) {
    throw new VsdError(
      "INVALID_SHAPE",
      `${files.labels} has ${lab.dims[0]} labels but ${files.images} has ${n} images; expected one label per image.`,
    );
  }
  const labels = Int32Array.from(lab.data.subarray(0, keep));
  return { height, width, channels, split: { n: keep, pixels, labels } };
}

/**
 * A dataset from one IDX images file (and optionally its labels), split
 * deterministically into train/test, balanced per class when there are labels
 * (same scheme as `loadMnist`). Files may be raw or gzipped. Missing files →
 * `IO_ERROR`; a bad header or a truncated/oversized payload → `CORRUPT_FILE`;
 * labels and images of different counts → `INVALID_SHAPE`.
 */
export function loadIdx(imagesPath: string, labelsPath?: string, options: LoadIdxOptions = {}): ImageDataset {
  const raw = readIdxSplit(labelsPath === undefined ? { images: imagesPath } : { images: imagesPath, labels: labelsPath });
  const { height, width, channels, split } = raw;
  const numClasses = split.labels ? (options.numClasses ?? maxLabel([split.labels]) + 1) : undefined;
  const shape = { height, width, channels };
  const labels = split.labels ?? new Int32Array(split.n);
  // Out-of-range labels are reported by validateDataset below; split them as class 0 meanwhile.
  const forSplit = numClasses === undefined ? labels : labels.map((c) => (c < numClasses ? c : 0));
  const idx = stratifiedSplit(forSplit, numClasses ?? 1, {
    testFraction: options.testFraction ?? 0.2,
    seed: options.seed ?? 0,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  });
  return validateDataset({
    name: options.name ?? idxName(imagesPath),
    ...shape,
    ...(numClasses !== undefined ? { numClasses } : {}),
    train: subsetSplit(split, shape, idx.train),
    test: subsetSplit(split, shape, idx.test),
  });
}

/**
 * A dataset whose train and test splits are separate IDX files (as MNIST and
 * Fashion-MNIST are distributed), kept in file order; `trainLimit`/`testLimit`
 * keep the first rows. Both splits must have the same image size.
 */
export function loadIdxSplits(
  files: { readonly train: IdxFiles; readonly test: IdxFiles },
  options: LoadIdxSplitsOptions = {},
): ImageDataset {
  const train = readIdxSplit(files.train, options.trainLimit);
  const test = readIdxSplit(files.test, options.testLimit);
  if (train.height !== test.height || train.width !== test.width || train.channels !== test.channels) {
    throw new VsdError(
      "INVALID_SHAPE",
      `Train images are ${train.height}×${train.width}×${train.channels} but test images are ${test.height}×${test.width}×${test.channels}; expected the same size.`,
    );
  }
  if (Boolean(train.split.labels) !== Boolean(test.split.labels)) {
    throw new VsdError("INVALID_SHAPE", "Either both splits or neither must have a labels file.");
  }
  const labelSets = [train.split.labels, test.split.labels].filter((l): l is Int32Array => l !== undefined);
  const numClasses = labelSets.length > 0 ? (options.numClasses ?? maxLabel(labelSets) + 1) : undefined;
  return validateDataset({
    name: options.name ?? "idx",
    height: train.height,
    width: train.width,
    channels: train.channels,
    ...(numClasses !== undefined ? { numClasses } : {}),
    train: train.split,
    test: test.split,
  });
}

function maxLabel(sets: Int32Array[]): number {
  let m = 0;
  for (const s of sets) for (const v of s) if (v > m) m = v;
  return m;
}

function idxName(path: string): string {
  return basename(path).replace(/\.gz$/, "").replace(/[-.]images[-.]idx\d-ubyte$/, "").replace(/[-.]idx\d-ubyte$/, "") || "idx";
}
