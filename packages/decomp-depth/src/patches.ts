import { VsdError } from "@vsd/core";

/** Geometry of a p×p patch grid over an h×w×c image. */
export interface PatchGrid {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly patch: number;
  readonly rows: number;
  readonly cols: number;
  /** p·p·c values per patch. */
  readonly patchDim: number;
}

export function patchGrid(height: number, width: number, channels: number, patch: number): PatchGrid {
  if (!Number.isInteger(patch) || patch <= 0 || height % patch !== 0 || width % patch !== 0) {
    throw new VsdError("INVALID_SHAPE", `Patch size ${patch} must divide the image size ${height}×${width}.`);
  }
  return { height, width, channels, patch, rows: height / patch, cols: width / patch, patchDim: patch * patch * channels };
}

/** `[n, h, w, c]` row-major → `[n·rows·cols, p·p·c]` (patches in raster order, each row-major p×p×c). */
export function patchify(images: Float32Array, n: number, g: PatchGrid): Float32Array {
  const { height: h, width: w, channels: c, patch: p, rows, cols, patchDim } = g;
  if (images.length !== n * h * w * c) throw new VsdError("INVALID_SHAPE", `patchify: ${images.length} values are not ${n} images of ${h}×${w}×${c}.`);
  const out = new Float32Array(images.length);
  let o = 0;
  for (let i = 0; i < n; i++)
    for (let r = 0; r < rows; r++)
      for (let q = 0; q < cols; q++) {
        for (let y = 0; y < p; y++) {
          const src = ((i * h + r * p + y) * w + q * p) * c;
          out.set(images.subarray(src, src + p * c), o);
          o += p * c;
        }
      }
  void patchDim;
  return out;
}

/** Inverse of {@link patchify}. */
export function unpatchify(patches: Float32Array, n: number, g: PatchGrid): Float32Array {
  const { height: h, width: w, channels: c, patch: p, rows, cols } = g;
  if (patches.length !== n * h * w * c) throw new VsdError("INVALID_SHAPE", `unpatchify: ${patches.length} values are not ${n} images of ${h}×${w}×${c}.`);
  const out = new Float32Array(patches.length);
  let o = 0;
  for (let i = 0; i < n; i++)
    for (let r = 0; r < rows; r++)
      for (let q = 0; q < cols; q++)
        for (let y = 0; y < p; y++) {
          const dst = ((i * h + r * p + y) * w + q * p) * c;
          out.set(patches.subarray(o, o + p * c), dst);
          o += p * c;
        }
  return out;
}
