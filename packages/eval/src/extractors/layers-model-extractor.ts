import * as tf from "@tensorflow/tfjs-core";
import { type LayersModel, loadLayersModel, model as functionalModel, type SymbolicTensor } from "@tensorflow/tfjs-layers";
import { VsdError } from "@vsd/core";
import type { FeatureExtractor } from "./feature-extractor.js";
import { prepareImages } from "./image-preprocessing.js";
import { localModelFiles } from "./local-model-files.js";
import { checkInputSize, type ModelExtractorOptions, modelFeatureExtractor, resolveModelExtractorOptions } from "./model-extractor.js";

/**
 * Options of {@link loadLayersModelExtractor} (id, inputRange: see {@link ModelExtractorOptions});
 * `inputSize` defaults to the model's own input size when it declares one, else [299, 299].
 */
export interface LayersModelExtractorOptions extends ModelExtractorOptions {
  /**
   * Name of the layer whose output is the feature vector (e.g. "avg_pool" of a
   * Keras InceptionV3 for the 2048-d pool features). @default the model's first output
   */
  readonly outputLayer?: string;
}

/**
 * A {@link FeatureExtractor} around a local TF.js layers model (model.json with
 * `"format": "layers-model"` and its weight shards, e.g. a Keras Inception-v3
 * converted with `tensorflowjs_converter --input_format keras`), for users who
 * have one. Same preprocessing as {@link loadGraphModelExtractor}: grey → RGB,
 * bilinear resize with half-pixel centres (PyTorch `align_corners=False`), then
 * the input range; features are the chosen output flattened per image.
 *
 * @throws VsdError `IO_ERROR` (model.json or a shard unreadable), `CORRUPT_FILE`
 *   (not a layers model, truncated weights), `INVALID_SHAPE` (the model does not
 *   take one `[n, h, w, 3]` image input, or `inputSize` contradicts its fixed
 *   size), `INVALID_ARGUMENT` (bad `inputSize`, unknown `outputLayer`).
 */
export async function loadLayersModelExtractor(
  modelJsonPath: string,
  options: LayersModelExtractorOptions = {},
): Promise<FeatureExtractor & { model: LayersModel }> {
  const { id, range } = resolveModelExtractorOptions("layers", modelJsonPath, options);
  let model: LayersModel;
  try {
    model = await loadLayersModel(localModelFiles(modelJsonPath, "layers"));
  } catch (e) {
    if (VsdError.isInstance(e)) throw e;
    throw new VsdError("CORRUPT_FILE", `${modelJsonPath} is not a loadable TF.js layers model: ${(e as Error).message}`, { cause: e });
  }
  try {
    const { h, w, features } = resolveLayersModel(model, modelJsonPath, options);
    const run = (images: tf.Tensor4D): tf.Tensor2D =>
      tf.tidy(() => {
        const out = features.predict(prepareImages(images, h, w, range, "Layers extractor"));
        const first = Array.isArray(out) ? out[0]! : out;
        return tf.reshape(first, [images.shape[0], -1]);
      });
    return modelFeatureExtractor(run, { id, h, w, range, model, dispose: () => model.dispose() });
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Checks the input, settles the image size and picks the feature output. */
function resolveLayersModel(
  model: LayersModel,
  path: string,
  options: LayersModelExtractorOptions,
): { h: number; w: number; features: LayersModel } {
  const input = model.inputs.length === 1 ? model.inputs[0]!.shape : undefined;
  if (!input || input.length !== 4 || (input[3] !== 3 && input[3] !== null)) {
    const shapes = model.inputs.map((t) => `[${t.shape.map((s) => s ?? "?").join(", ")}]`).join(", ");
    throw new VsdError("INVALID_SHAPE", `Layers model ${path} must take one [n, h, w, 3] image input; it takes ${shapes}.`);
  }
  const fixed = input[1] != null && input[2] != null ? ([input[1], input[2]] as const) : undefined;
  const [h, w] = checkInputSize(options.inputSize ?? fixed ?? [299, 299], "Layers extractor");
  if (fixed && (fixed[0] !== h || fixed[1] !== w)) {
    throw new VsdError("INVALID_SHAPE", `Layers model ${path} takes ${fixed[0]}×${fixed[1]} images; inputSize asks for ${h}×${w}.`);
  }
  if (options.outputLayer === undefined) return { h, w, features: model };
  let output: SymbolicTensor | SymbolicTensor[];
  try {
    output = model.getLayer(options.outputLayer).output;
  } catch (e) {
    const names = model.layers.map((l) => l.name).join(", ");
    throw new VsdError("INVALID_ARGUMENT", `Layers model ${path} has no usable layer "${options.outputLayer}" (layers: ${names}).`, { cause: e });
  }
  return { h, w, features: functionalModel({ inputs: model.inputs, outputs: output }) };
}
