import * as tf from "@tensorflow/tfjs-core";
import { PNG } from "pngjs";
import { tensorToPixels } from "../dataset.js";
import { VsdError } from "../errors.js";
import { writeFileAtomic } from "../io.js";

/** Options of {@link imageGridPng}. */
export interface ImageGridOptions {
  /** Grid rows. @default ceil(n / cols) */
  readonly rows?: number;
  /** Grid columns. @default ceil(sqrt(n)) */
  readonly cols?: number;
  /** Image height; required for a `Uint8Array`, taken from the shape of a tensor. */
  readonly height?: number;
  /** Image width; required for a `Uint8Array`, taken from the shape of a tensor. */
  readonly width?: number;
  /** 1 (grey) or 3 (RGB); required for a `Uint8Array`, taken from the shape of a tensor. */
  readonly channels?: number;
  /** Integer nearest-neighbour upscaling of every image. @default 1 */
  readonly scale?: number;
  /** Pixels between and around images (after scaling). @default 2 */
  readonly padding?: number;
  /** Grey level of the padding and of empty cells. @default 255 */
  readonly padValue?: number;
}

/**
 * A grid of images as PNG bytes (encoded by pngjs). `images` are 8-bit pixels
 * `[n, h, w, c]` row-major, or a float tensor `[n, h, w, c]` in [-1, 1]
 * (converted with `tensorToPixels`; the tensor is not disposed). The first
 * `rows·cols` images fill the grid row by row; missing ones stay empty.
 */
export function imageGridPng(images: Uint8Array | tf.Tensor4D, options: ImageGridOptions = {}): Uint8Array {
  let pixels: Uint8Array;
  let height: number;
  let width: number;
  let channels: number;
  if (images instanceof tf.Tensor) {
    if (images.rank !== 4) throw new VsdError("INVALID_SHAPE", `imageGridPng: expected a [n, h, w, c] tensor, got shape [${images.shape.join(", ")}].`);
    [, height, width, channels] = images.shape;
    pixels = tensorToPixels(images);
  } else {
    if (options.height === undefined || options.width === undefined || options.channels === undefined) {
      throw new VsdError("INVALID_ARGUMENT", "imageGridPng: height, width and channels are required for raw pixels.");
    }
    ({ height, width, channels } = options);
    pixels = images;
  }
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) {
    throw new VsdError("INVALID_SHAPE", `imageGridPng: image size ${height}×${width} must be positive integers.`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new VsdError("INVALID_SHAPE", `imageGridPng: ${channels} channels; expected 1 (grey) or 3 (RGB).`);
  }
  const d = height * width * channels;
  const n = pixels.length / d;
  if (!Number.isInteger(n) || n === 0) {
    throw new VsdError("INVALID_SHAPE", `imageGridPng: ${pixels.length} bytes is not a positive whole number of ${height}×${width}×${channels} images.`);
  }
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  const rows = options.rows ?? Math.ceil(n / cols);
  const scale = options.scale ?? 1;
  const pad = options.padding ?? 2;
  const padValue = options.padValue ?? 255;
  for (const [k, v] of [["rows", rows], ["cols", cols], ["scale", scale]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new VsdError("INVALID_ARGUMENT", `imageGridPng: ${k} must be a positive integer, got ${v}.`);
  }
  if (!(Number.isInteger(pad) && pad >= 0)) throw new VsdError("INVALID_ARGUMENT", `imageGridPng: padding must be a non-negative integer, got ${pad}.`);
  if (!(Number.isInteger(padValue) && padValue >= 0 && padValue <= 255)) {
    throw new VsdError("INVALID_RANGE", `imageGridPng: padValue must be an integer in [0, 255], got ${padValue}.`);
  }
  const h = height * scale;
  const w = width * scale;
  const W = cols * w + (cols + 1) * pad;
  const H = rows * h + (rows + 1) * pad;
  const png = new PNG({ width: W, height: H, colorType: channels === 1 ? 0 : 2, inputHasAlpha: true });
  const out = png.data; // RGBA input buffer
  out.fill(padValue);
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  const shown = Math.min(n, rows * cols);
  for (let k = 0; k < shown; k++) {
    const top = pad + Math.floor(k / cols) * (h + pad);
    const left = pad + (k % cols) * (w + pad);
    for (let y = 0; y < h; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < w; x++) {
        const src = k * d + (sy * width + Math.floor(x / scale)) * channels;
        const dst = ((top + y) * W + left + x) * 4;
        if (channels === 1) {
          const v = pixels[src]!;
          out[dst] = v;
          out[dst + 1] = v;
          out[dst + 2] = v;
        } else {
          out[dst] = pixels[src]!;
          out[dst + 1] = pixels[src + 1]!;
          out[dst + 2] = pixels[src + 2]!;
        }
      }
    }
  }
  return new Uint8Array(PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2 }));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Writes PNG bytes atomically; refuses bytes that do not start with the PNG signature. */
export function savePng(path: string, png: Uint8Array): void {
  if (png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new VsdError("INVALID_ARGUMENT", `savePng(${path}): the data is not a PNG (bad signature).`);
  }
  writeFileAtomic(path, png);
}
