import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "./errors.js";

/**
 * One split of an image data set. Pixels are the 8-bit originals, row-major
 * `[n, height, width, channels]`; NLL in bits/dim is always computed on them.
 */
export interface ImageSplit {
  readonly n: number;
  readonly pixels: Uint8Array;
  readonly labels?: Int32Array;
}

/** An image data set with train and test splits. */
export interface ImageDataset {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Number of classes when `labels` are present. */
  readonly numClasses?: number;
  readonly train: ImageSplit;
  readonly test: ImageSplit;
}

/** Image shape and label count: what a model needs to be built for a data set. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses?: number;
}

/** Sub-pixels per image: the D in bits/dim. */
export function imageDims(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

/**
 * 8-bit pixels to float32 in [-1, 1]: `x / 127.5 - 1`, so 0 → -1 and 255 → +1
 * (the PixelCNN++ convention). Decoders that need bin centres (VDM) convert
 * from the 8-bit originals themselves.
 */
export function pixelsToTensor(
  pixels: Uint8Array,
  shape: ImageShape,
  n = pixels.length / imageDims(shape),
): tf.Tensor4D {
  const d = imageDims(shape);
  if (!Number.isInteger(n) || n * d !== pixels.length) {
    throw new VsdError(
      "INVALID_SHAPE",
      `pixelsToTensor: ${pixels.length} bytes is not a whole number of ${shape.height}x${shape.width}x${shape.channels} images.`,
    );
  }
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 127.5 - 1;
  return tf.tensor4d(out, [n, shape.height, shape.width, shape.channels]);
}

/** Float images in [-1, 1] back to 8-bit (rounded, clipped). */
export function tensorToPixels(images: tf.Tensor): Uint8Array {
  const v = images.dataSync();
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = Math.round((v[i]! + 1) * 127.5);
    out[i] = x < 0 ? 0 : x > 255 ? 255 : x;
  }
  return out;
}

/** The 8-bit pixels of the listed rows of a split. */
export function gatherPixels(split: ImageSplit, shape: ImageShape, indices: ArrayLike<number>): Uint8Array {
  const d = imageDims(shape);
  const out = new Uint8Array(indices.length * d);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!(j >= 0 && j < split.n)) {
      throw new VsdError("INVALID_ARGUMENT", `Row ${j} is outside the split (n = ${split.n}).`);
    }
    out.set(split.pixels.subarray(j * d, (j + 1) * d), i * d);
  }
  return out;
}

/** A training or evaluation batch. */
export interface Batch {
  /** float32 `[n, h, w, c]` in [-1, 1]. */
  readonly images: tf.Tensor4D;
  /** The 8-bit originals of `images`, row-major. */
  readonly pixels: Uint8Array;
  readonly labels?: Int32Array;
}

/** Builds a batch (tensor + originals + labels) from rows of a split. The caller disposes `images`. */
export function makeBatch(dataset: ImageDataset, split: ImageSplit, indices: ArrayLike<number>): Batch {
  const pixels = gatherPixels(split, dataset, indices);
  const images = pixelsToTensor(pixels, dataset, indices.length);
  if (split.labels) {
    const labels = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) labels[i] = split.labels[indices[i]!]!;
    return { images, pixels, labels };
  }
  return { images, pixels };
}
