import { basename, dirname } from "node:path";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";
import type { FeatureExtractor } from "./feature-extractor.js";
import { describePreprocessing, type InputRange, prepareImages } from "./image-preprocessing.js";
import { localModelFiles } from "./local-model-files.js";

/** Options of {@link loadGraphModelExtractor}. */
export interface GraphModelExtractorOptions {
  /** Cache/report id. @default `graph:<directory name>` */
  readonly id?: string;
  /** [height, width] the network takes. @default [299, 299] (Inception-v3 / FID) */
  readonly inputSize?: readonly [number, number];
  /**
   * Range the network expects. Images arrive in [−1, 1]; "[-1,1]" passes them on
   * (pytorch-fid feeds 2x − 1 of [0, 1] RGB, i.e. [−1, 1]), "[0,1]" maps to x/2 + ½,
   * "[0,255]" to 127.5(x + 1).
   * @default "[-1,1]"
   */
  readonly inputRange?: InputRange;
  /** Output node to read (e.g. the pool3 node). @default the model's first output */
  readonly outputNode?: string;
}

/**
 * A {@link FeatureExtractor} around a local TF.js graph model (e.g. an
 * Inception-v3 converted with tensorflowjs_converter), for users who have one.
 *
 * Preprocessing, in this order (REFERENCES §5.4, pytorch-fid `InceptionV3.forward`):
 * grey images are repeated to 3 channels; bilinear resize to `inputSize` with
 * half-pixel centres and no corner alignment (= PyTorch `align_corners=False`);
 * then the range mapping of `inputRange`. FID values depend on the resize mode
 * (Parmar et al. 2022), so the mode is recorded in `preprocessing` and reports.
 */
export async function loadGraphModelExtractor(
  modelJsonPath: string,
  options: GraphModelExtractorOptions = {},
): Promise<FeatureExtractor & { model: GraphModel }> {
  const [h, w] = options.inputSize ?? [299, 299];
  const range = options.inputRange ?? "[-1,1]";
  const id = options.id ?? `graph:${basename(dirname(modelJsonPath))}`;
  const model = await loadGraphModel(localModelFiles(modelJsonPath, "graph"));
  const outputNode = options.outputNode ?? model.outputNodes[0];
  if (outputNode === undefined) throw new VsdError("CORRUPT_FILE", `Graph model ${modelJsonPath} has no outputs.`);

  const run = (images: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const out = model.execute(prepareImages(images, h, w, range, "Graph extractor"), outputNode) as tf.Tensor;
      return tf.reshape(out, [images.shape[0], -1]);
    });
  const probe = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
  const dimTensor = run(probe);
  const dim = dimTensor.shape[1];
  probe.dispose();
  dimTensor.dispose();

  return {
    id,
    dim,
    inputShape: [h, w, 3],
    preprocessing: describePreprocessing(h, w, range),
    model,
    extract(images) {
      const f = run(images);
      try {
        return f.dataSync() as Float32Array;
      } finally {
        f.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}
