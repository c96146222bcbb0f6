import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { gatherPixels, type ImageShape, type ImageSplit } from "../dataset.js";

/** Indices of the rows that go to each split. */
export interface SplitIndices {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** Options of {@link stratifiedSplit}. */
export interface StratifiedSplitOptions {
  /** Fraction of the kept rows that go to the test split. */
  readonly testFraction: number;
  /** Seed of the per-class permutations and of the final row order. */
  readonly seed: number;
  /** Keep only this many rows in total (train + test), still balanced per class. */
  readonly limit?: number;
}

/**
 * Integer quotas proportional to `weights` that sum to exactly `total`
 * (Hamilton / largest-remainder apportionment; ties go to the lower index, so
 * the result is a pure function of its inputs).
 */
export function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => ({ i, r: e - Math.floor(e) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0 && k < order.length; k++, left--) out[order[k]!.i]! += 1;
  return out;
}

/**
 * A deterministic train/test split that keeps class proportions: within each
 * class the rows are permuted with `Rng(seed).derive("class/<c>")`, the first
 * `limit`-share of them is kept, and of those the first test-share goes to
 * test. Per-class quotas come from {@link apportion}, so the totals are exact:
 * `test.length = round(kept * testFraction)`. Each split is then shuffled
 * (`derive("train")`, `derive("test")`) so classes are interleaved and any
 * prefix of a split is itself roughly balanced.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  numClasses: number,
  options: StratifiedSplitOptions,
): SplitIndices {
  const { testFraction, seed } = options;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new VsdError("INVALID_RANGE", `testFraction must be in (0, 1), got ${testFraction}.`);
  }
  const n = labels.length;
  const limit = options.limit ?? n;
  if (!Number.isInteger(limit) || limit < 2) {
    throw new VsdError("INVALID_RANGE", `limit must be an integer >= 2, got ${options.limit}.`);
  }
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) {
      throw new VsdError("INVALID_RANGE", `Label ${c} at row ${i} is outside [0, ${numClasses}).`);
    }
    byClass[c]!.push(i);
  }
  const kept = Math.min(limit, n);
  const testTotal = Math.round(kept * testFraction);
  if (testTotal === 0 || testTotal === kept) {
    throw new VsdError(
      "EMPTY_DATASET",
      `Splitting ${kept} rows with testFraction ${testFraction} leaves an empty ${testTotal === 0 ? "test" : "train"} split.`,
    );
  }
  const keepQuota = apportion(byClass.map((r) => r.length), kept);
  const testQuota = apportion(keepQuota, testTotal);
  const rng = new Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const rows = byClass[c]!;
    const perm = rng.derive(`class/${c}`).permutation(rows.length);
    for (let k = 0; k < keepQuota[c]!; k++) (k < testQuota[c]! ? test : train).push(rows[perm[k]!]!);
  }
  return { train: shuffled(train, rng.derive("train")), test: shuffled(test, rng.derive("test")) };
}

function shuffled(rows: number[], rng: Rng): Int32Array {
  const perm = rng.permutation(rows.length);
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[perm[i]!]!;
  return out;
}

/** The rows `indices` of `split` as a new split (pixels copied, labels kept if present). */
export function subsetSplit(split: ImageSplit, shape: ImageShape, indices: Int32Array): ImageSplit {
  const pixels = gatherPixels(split, shape, indices);
  if (!split.labels) return { n: indices.length, pixels };
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = split.labels[indices[i]!]!;
  return { n: indices.length, pixels, labels };
}
