import * as tf from "@tensorflow/tfjs-core";
import { VsdError, type ImageShape } from "@vsd/core";

/** The patch grid of an image shape: `rows × cols` patches of `p × p × channels` values. */
export interface PatchGrid {
  readonly patchSize: number;
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
  /** Number of patches, `rows · cols`. */
  readonly length: number;
  /** Values per patch, `p · p · channels`. */
  readonly patchDim: number;
}

/** The grid for `shape` and patch size `p`; throws `INVALID_SHAPE` when the sides are not multiples of `p`. */
export function patchGrid(shape: Pick<ImageShape, "height" | "width" | "channels">, p: number): PatchGrid {
  if (!Number.isInteger(p) || p < 1) {
    throw new VsdError("INVALID_ARGUMENT", `Patch size must be a positive integer, got ${p}.`);
  }
  const { height, width, channels } = shape;
  if (height % p !== 0 || width % p !== 0) {
    throw new VsdError(
      "INVALID_SHAPE",
      `Image size ${height}×${width} is not divisible by the patch size ${p}: both sides must be multiples of ${p} ` +
        `(crop or pad the images, or choose a patch size that divides ${height} and ${width}).`,
    );
  }
  const rows = height / p;
  const cols = width / p;
  return { patchSize: p, rows, cols, channels, length: rows * cols, patchDim: p * p * channels };
}

type Values = Uint8Array | Float32Array | Float64Array;

/**
 * Row-major images `[n, h, w, c]` to patches `[n, rows·cols, p·p·c]`, patches
 * in position order (`row * cols + col`), each patch row-major `[p, p, c]`.
 * Returns the same typed-array type as the input.
 */
export function patchify<T extends Values>(values: T, n: number, grid: PatchGrid): T {
  const { patchSize: p, rows, cols, channels: c } = grid;
  const h = rows * p;
  const w = cols * p;
  checkLength(values.length, n * h * w * c, "patchify");
  const out = new (values.constructor as new (len: number) => T)(values.length);
  const rowLen = p * c;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const base = i * h * w * c;
    for (let gr = 0; gr < rows; gr++) {
      for (let gc = 0; gc < cols; gc++) {
        for (let y = 0; y < p; y++) {
          const start = base + ((gr * p + y) * w + gc * p) * c;
          out.set(values.subarray(start, start + rowLen), o);
          o += rowLen;
        }
      }
    }
  }
  return out;
}

/** Inverse of `patchify`: `[n, rows·cols, p·p·c]` back to `[n, h, w, c]`. */
export function unpatchify<T extends Values>(patches: T, n: number, grid: PatchGrid): T {
  const { patchSize: p, rows, cols, channels: c } = grid;
  const h = rows * p;
  const w = cols * p;
  checkLength(patches.length, n * h * w * c, "unpatchify");
  const out = new (patches.constructor as new (len: number) => T)(patches.length);
  const rowLen = p * c;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const base = i * h * w * c;
    for (let gr = 0; gr < rows; gr++) {
      for (let gc = 0; gc < cols; gc++) {
        for (let y = 0; y < p; y++) {
          const start = base + ((gr * p + y) * w + gc * p) * c;
          out.set(patches.subarray(o, o + rowLen), start);
          o += rowLen;
        }
      }
    }
  }
  return out;
}

/** Tensor version of `patchify`: `[n, h, w, c]` → `[n, rows·cols, p·p·c]`. */
export function patchifyTensor(images: tf.Tensor4D, grid: PatchGrid): tf.Tensor3D {
  const [n, h, w, c] = images.shape;
  const { patchSize: p, rows, cols } = grid;
  if (h !== rows * p || w !== cols * p || c !== grid.channels) {
    throw new VsdError("INVALID_SHAPE", `patchifyTensor: images are ${h}×${w}×${c}, the grid expects ${rows * p}×${cols * p}×${grid.channels}.`);
  }
  return tf.tidy(() =>
    tf.reshape(tf.transpose(tf.reshape(images, [n * rows, p, cols, p * c]), [0, 2, 1, 3]), [n, rows * cols, grid.patchDim]),
  );
}

/** Tensor version of `unpatchify`: `[n, rows·cols, p·p·c]` → `[n, h, w, c]`. */
export function unpatchifyTensor(patches: tf.Tensor3D, grid: PatchGrid): tf.Tensor4D {
  const [n, len, d] = patches.shape;
  const { patchSize: p, rows, cols, channels: c } = grid;
  if (len !== grid.length || d !== grid.patchDim) {
    throw new VsdError("INVALID_SHAPE", `unpatchifyTensor: got [${n}, ${len}, ${d}], the grid expects [n, ${grid.length}, ${grid.patchDim}].`);
  }
  return tf.tidy(() =>
    tf.reshape(tf.transpose(tf.reshape(patches, [n * rows, cols, p, p * c]), [0, 2, 1, 3]), [n, rows * p, cols * p, c]),
  );
}

function checkLength(got: number, want: number, where: string): void {
  if (got !== want) {
    throw new VsdError("INVALID_SHAPE", `${where}: expected ${want} values for the given count and grid, got ${got}.`);
  }
}
