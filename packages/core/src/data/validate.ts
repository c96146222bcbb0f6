import { imageDims, type ImageDataset, type ImageSplit } from "../dataset.js";
import { VsdError } from "../errors.js";

/**
 * Checks that a data set is usable and throws a `VsdError` that says what was
 * expected otherwise:
 * - `INVALID_SHAPE`: height/width/channels not positive integers, `n` not a
 *   non-negative integer, `pixels` not a `Uint8Array` of `n·h·w·c` bytes,
 *   `labels` not an `Int32Array` of length `n`, or labels without `numClasses`;
 * - `EMPTY_DATASET`: a split with no rows;
 * - `INVALID_RANGE`: `numClasses` not a positive integer, or a label outside
 *   `[0, numClasses)`.
 * Returns the data set, so it can wrap a loader's result.
 */
export function validateDataset<T extends ImageDataset>(ds: T): T {
  const name = typeof ds?.name === "string" ? ds.name : "<unnamed>";
  for (const key of ["height", "width", "channels"] as const) {
    const v = ds[key];
    if (!(Number.isInteger(v) && v > 0)) {
      throw new VsdError("INVALID_SHAPE", `Dataset "${name}": ${key} must be a positive integer, got ${v}.`);
    }
  }
  if (ds.numClasses !== undefined && !(Number.isInteger(ds.numClasses) && ds.numClasses > 0)) {
    throw new VsdError(
      "INVALID_RANGE",
      `Dataset "${name}": numClasses must be a positive integer, got ${ds.numClasses}.`,
    );
  }
  validateSplit(ds, "train", ds.train);
  validateSplit(ds, "test", ds.test);
  return ds;
}

function validateSplit(ds: ImageDataset, which: string, split: ImageSplit | undefined): void {
  const where = `Dataset "${ds.name}", ${which} split`;
  if (!split) throw new VsdError("EMPTY_DATASET", `${where} is missing.`);
  const { n, pixels, labels } = split;
  if (!(Number.isInteger(n) && n >= 0)) {
    throw new VsdError("INVALID_SHAPE", `${where}: n must be a non-negative integer, got ${n}.`);
  }
  if (n === 0) throw new VsdError("EMPTY_DATASET", `${where} has no images; expected at least one.`);
  if (!(pixels instanceof Uint8Array)) {
    throw new VsdError("INVALID_SHAPE", `${where}: pixels must be a Uint8Array of 8-bit values.`);
  }
  const d = imageDims(ds);
  if (pixels.length !== n * d) {
    throw new VsdError(
      "INVALID_SHAPE",
      `${where}: expected ${n}×${ds.height}×${ds.width}×${ds.channels} = ${n * d} bytes, got ${pixels.length}.`,
    );
  }
  if (labels === undefined) return;
  if (!(labels instanceof Int32Array) || labels.length !== n) {
    throw new VsdError(
      "INVALID_SHAPE",
      `${where}: labels must be an Int32Array of length ${n}, got ${labels instanceof Int32Array ? `length ${labels.length}` : typeof labels}.`,
    );
  }
  if (ds.numClasses === undefined) {
    throw new VsdError("INVALID_SHAPE", `${where} has labels but the dataset has no numClasses.`);
  }
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (c < 0 || c >= ds.numClasses) {
      throw new VsdError(
        "INVALID_RANGE",
        `${where}: label ${c} at row ${i} is outside [0, ${ds.numClasses}).`,
      );
    }
  }
}
