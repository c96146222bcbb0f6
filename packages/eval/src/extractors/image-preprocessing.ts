import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";

/** Input range a network expects; images arrive in [−1, 1]. */
export type InputRange = "[-1,1]" | "[0,1]" | "[0,255]";

/**
 * The preprocessing in front of a converted network, in this order (REFERENCES
 * §5.4, pytorch-fid `InceptionV3.forward`): grey images are repeated to 3
 * channels; bilinear resize to [h, w] with half-pixel centres and no corner
 * alignment (= PyTorch `align_corners=False`); then the range mapping: "[-1,1]"
 * passes images on (pytorch-fid feeds 2x − 1 of [0, 1] RGB), "[0,1]" maps to
 * x/2 + ½, "[0,255]" to 127.5(x + 1).
 *
 * @throws VsdError `INVALID_SHAPE` for images with other than 1 or 3 channels.
 */
export function prepareImages(images: tf.Tensor4D, h: number, w: number, range: InputRange, who: string): tf.Tensor4D {
  return tf.tidy(() => {
    let x = images;
    const c = x.shape[3];
    if (c === 1) x = tf.tile(x, [1, 1, 1, 3]);
    else if (c !== 3) throw new VsdError("INVALID_SHAPE", `${who} takes 1 or 3 channels, got ${c}.`);
    if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeBilinear(x, [h, w], false, true);
    if (range === "[0,1]") x = tf.add(tf.mul(x, 0.5), 0.5);
    else if (range === "[0,255]") x = tf.mul(tf.add(x, 1), 127.5);
    return x;
  });
}

/** The preprocessing written into reports (FID depends on the resize mode; Parmar et al. 2022). */
export function describePreprocessing(h: number, w: number, range: InputRange): string {
  return `grey→RGB repeat; bilinear resize to ${h}×${w} (half-pixel centres, align_corners=False); input range ${range}`;
}
