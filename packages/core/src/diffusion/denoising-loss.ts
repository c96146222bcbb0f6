import * as tf from "@tensorflow/tfjs-core";
import { imageDims, type ImageShape } from "../dataset.js";
import type { Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";
import { alphaSigmaFromLogSnr } from "./log-snr.js";
import { subtaskLogSnr } from "./model-inputs.js";

/** ε̂(z, λ) `[n, D]` of a model at one λ for every row of z `[n, D]`. */
export type PredictEps = (z: tf.Tensor2D, logSnr: number) => tf.Tensor2D;

/**
 * ½·E‖ε − ε̂(z_λ, λ)‖² per dimension at the subtask's λ, one ε draw per image
 * (n·D normals from `rng`), z_λ = α(λ)x + σ(λ)ε (VP). This is the integrand of
 * the ELBO's diffusion term in nats per dim per unit λ [VDM Eq. 17 written in
 * λ; REFERENCES §1.15], whatever the model predicts internally: `predictEps`
 * converts its output to ε̂. Images must have the model's `shape`.
 */
export function subtaskDenoisingLoss(images: tf.Tensor4D, subtask: Subtask, rng: Rng, shape: ImageShape, predictEps: PredictEps): number {
  const lambda = subtaskLogSnr(subtask);
  if (images.rank !== 4 || images.shape[1] !== shape.height || images.shape[2] !== shape.width || images.shape[3] !== shape.channels) {
    throw new VsdError("INVALID_SHAPE", `subtaskLoss: images [${images.shape.join(", ")}] do not match the model's ${shape.height}×${shape.width}×${shape.channels}.`);
  }
  const n = images.shape[0];
  const D = imageDims(shape);
  const eps = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
  const { alpha, sigma } = alphaSigmaFromLogSnr(lambda);
  const v = tf.tidy(() => {
    const et = tf.tensor2d(eps, [n, D]);
    const z = tf.add(tf.mul(tf.reshape(images, [n, D]), alpha), tf.mul(et, sigma)) as tf.Tensor2D;
    return tf.mean(tf.square(tf.sub(predictEps(z, lambda), et)));
  });
  const r = 0.5 * v.dataSync()[0]!;
  v.dispose();
  return r;
}
