import { basename, dirname } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";
import type { FeatureExtractor } from "./feature-extractor.js";
import { describePreprocessing, type InputRange } from "./image-preprocessing.js";

/** Options shared by the extractors that load a local TF.js model (graph or layers). */
export interface ModelExtractorOptions {
  /** Cache/report id. @default `<kind>:<directory name>` (kind "graph" or "layers") */
  readonly id?: string;
  /**
   * [height, width] the network takes; images are resized to it.
   * @default [299, 299] (Inception-v3 / FID); a layers model with a fixed input size uses that size
   */
  readonly inputSize?: readonly [number, number];
  /**
   * Range the network expects. Images arrive in [−1, 1]; "[-1,1]" passes them on
   * (pytorch-fid feeds 2x − 1 of [0, 1] RGB, i.e. [−1, 1]), "[0,1]" maps to x/2 + ½,
   * "[0,255]" to 127.5(x + 1) (see {@link prepareImages}).
   * @default "[-1,1]"
   */
  readonly inputRange?: InputRange;
}

/** The id and input range of a model extractor, defaults applied. */
export function resolveModelExtractorOptions(
  kind: "graph" | "layers",
  modelJsonPath: string,
  options: ModelExtractorOptions,
): { id: string; range: InputRange } {
  return { id: options.id ?? `${kind}:${basename(dirname(modelJsonPath))}`, range: options.inputRange ?? "[-1,1]" };
}

/** Checks an image size [h, w] the network is to take: two positive integers. */
export function checkInputSize(size: readonly [number, number], who: string): readonly [number, number] {
  const [h, w] = size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new VsdError("INVALID_ARGUMENT", `${who}: inputSize must be two positive integers, got [${h}, ${w}].`);
  }
  return size;
}

/**
 * The {@link FeatureExtractor} around `run` (preprocessing + network + flatten to
 * `[n, dim]`): `dim` is read off one zero image of `h`×`w`×3; `extract` frees
 * what `run` returns.
 */
export function modelFeatureExtractor<M>(
  run: (images: tf.Tensor4D) => tf.Tensor2D,
  o: { id: string; h: number; w: number; range: InputRange; model: M; dispose: () => void },
): FeatureExtractor & { model: M } {
  const probe = tf.zeros([1, o.h, o.w, 3]) as tf.Tensor4D;
  const dimTensor = run(probe);
  const dim = dimTensor.shape[1];
  probe.dispose();
  dimTensor.dispose();
  return {
    id: o.id,
    dim,
    inputShape: [o.h, o.w, 3],
    preprocessing: describePreprocessing(o.h, o.w, o.range),
    model: o.model,
    extract(images) {
      const f = run(images);
      try {
        return f.dataSync() as Float32Array;
      } finally {
        f.dispose();
      }
    },
    dispose: o.dispose,
  };
}
