import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";

/**
 * Which training rows each step sees: the rows are visited epoch by epoch, each
 * epoch in its own random permutation, and step s (0-based) takes the next
 * `batchSize` rows of that stream (a batch may straddle two epochs). Epoch e's
 * permutation comes from `Rng(seed).derive("train/epoch/e")`, so the rows of any
 * step are a function of (seed, n, batchSize, step) alone: resuming at step s
 * needs no generator state to reproduce the uninterrupted run.
 */
export class BatchOrder {
  private readonly root: Rng;
  private epoch = -1;
  private perm: Int32Array = new Int32Array(0);

  constructor(
    readonly seed: number,
    readonly n: number,
    readonly batchSize: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new VsdError("EMPTY_DATASET", `BatchOrder: the split has ${n} rows.`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
      throw new VsdError("INSUFFICIENT_DATA", `BatchOrder: batchSize must be an integer in [1, ${n}], got ${batchSize}.`);
    }
    this.root = new Rng(seed);
  }

  /** Row indices of step `step` (0-based). */
  indices(step: number): Int32Array {
    if (!Number.isInteger(step) || step < 0) throw new VsdError("INVALID_ARGUMENT", `BatchOrder: step must be a non-negative integer, got ${step}.`);
    const out = new Int32Array(this.batchSize);
    for (let j = 0; j < this.batchSize; j++) {
      const k = step * this.batchSize + j;
      const e = Math.floor(k / this.n);
      if (e !== this.epoch) {
        this.epoch = e;
        this.perm = this.root.derive(`train/epoch/${e}`).permutation(this.n);
      }
      out[j] = this.perm[k - e * this.n]!;
    }
    return out;
  }
}

/** The Rng handed to `model.trainStep` at step `step` (0-based): a function of the seed and the step only. */
export function stepRng(seed: number, step: number): Rng {
  return new Rng(seed).derive(`train/step/${step}`);
}
