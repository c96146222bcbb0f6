import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { type Mlp, ParamStore, Rng, VsdError, loadModelState, mlp } from "@vsd/core";
import type { FeatureExtractor } from "./feature-extractor.js";

/** Layer widths of the shipped MNIST feature network: 784 → 256 → 128 → 10. */
export const MNIST_MLP_DIMS = [784, 256, 128, 10] as const;
/** Feature = the 128-d ReLU output of the penultimate layer. */
export const MNIST_FEATURE_DIM = 128;
export const MNIST_EXTRACTOR_ID = "mnist-mlp-784-256-128-v1";

/** An MLP classifier for 28×28×1 images in [−1, 1], built on core's ParamStore. */
export interface MnistMlp {
  readonly params: ParamStore;
  readonly net: Mlp;
  /** Penultimate-layer features `[n, 128]` (ReLU). */
  features(images: tf.Tensor4D): tf.Tensor2D;
  /** Class logits `[n, 10]`. */
  logits(images: tf.Tensor4D): tf.Tensor2D;
}

export function createMnistMlp(seed = 0): MnistMlp {
  const params = new ParamStore(new Rng(seed));
  const net = mlp(params, "mnist", MNIST_MLP_DIMS, { activation: "relu" });
  const flat = (images: tf.Tensor4D): tf.Tensor2D => {
    const [, h, w, c] = images.shape;
    if (h !== 28 || w !== 28 || c !== 1) {
      throw new VsdError("INVALID_SHAPE", `MNIST extractor expects [n, 28, 28, 1] images, got [${images.shape.join(", ")}].`);
    }
    return tf.reshape(images, [-1, 784]);
  };
  const hidden = (images: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      let h = flat(images);
      for (let i = 0; i < net.layers.length - 1; i++) h = tf.relu(net.layers[i]!.apply(h));
      return h;
    });
  return {
    params,
    net,
    features: hidden,
    logits: (images) => tf.tidy(() => net.layers[net.layers.length - 1]!.apply(hidden(images))),
  };
}

/** Directory of the committed weights (works from src/ and from the built dist/). */
export function mnistWeightsDir(): string {
  for (const rel of ["../../assets/mnist-mlp/", "../assets/mnist-mlp/"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new VsdError("IO_ERROR", "The MNIST extractor weights (assets/mnist-mlp/) are missing from @vsd/eval.");
}

/**
 * The shipped MNIST feature extractor: an MLP trained by
 * scripts/train-mnist-features.ts on core's `loadMnist()` train split; features
 * are its penultimate layer (128-d). Accuracy on the held-out split: see README.
 */
export async function mnistFeatureExtractor(dir = mnistWeightsDir()): Promise<FeatureExtractor & { model: MnistMlp }> {
  const model = createMnistMlp(0);
  await loadModelState(dir, { params: model.params });
  return {
    id: MNIST_EXTRACTOR_ID,
    dim: MNIST_FEATURE_DIM,
    inputShape: [28, 28, 1],
    preprocessing: "none: 28×28×1 in [−1, 1] (x/127.5 − 1), flattened",
    model,
    extract(images) {
      const f = model.features(images);
      try {
        return f.dataSync() as Float32Array;
      } finally {
        f.dispose();
      }
    },
    dispose: () => model.params.dispose(),
  };
}
