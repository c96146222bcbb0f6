import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";
import type { FeatureExtractor } from "./feature-extractor.js";
import { prepareImages } from "./image-preprocessing.js";
import { localModelFiles } from "./local-model-files.js";
import { checkInputSize, type ModelExtractorOptions, modelFeatureExtractor, resolveModelExtractorOptions } from "./model-extractor.js";

/** Options of {@link loadGraphModelExtractor} (id, inputSize, inputRange: see {@link ModelExtractorOptions}). */
export interface GraphModelExtractorOptions extends ModelExtractorOptions {
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
  const [h, w] = checkInputSize(options.inputSize ?? [299, 299], "Graph extractor");
  const { id, range } = resolveModelExtractorOptions("graph", modelJsonPath, options);
  const model = await loadGraphModel(localModelFiles(modelJsonPath, "graph"));
  const outputNode = options.outputNode ?? model.outputNodes[0];
  if (outputNode === undefined) throw new VsdError("CORRUPT_FILE", `Graph model ${modelJsonPath} has no outputs.`);

  const run = (images: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const out = model.execute(prepareImages(images, h, w, range, "Graph extractor"), outputNode) as tf.Tensor;
      return tf.reshape(out, [images.shape[0], -1]);
    });
  return modelFeatureExtractor(run, { id, h, w, range, model, dispose: () => model.dispose() });
}
