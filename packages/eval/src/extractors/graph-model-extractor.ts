import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";
import type { FeatureExtractor } from "./feature-extractor.js";

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
  readonly inputRange?: "[-1,1]" | "[0,1]" | "[0,255]";
  /** Output node to read (e.g. the pool3 node). @default the model's first output */
  readonly outputNode?: string;
}

/** A disk IOHandler for a TF.js graph model (model.json + weight shards), without tfjs-node. */
function fileHandler(modelJson: string) {
  return {
    load: async () => {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(modelJson, "utf8")) as tf.io.ModelJSON;
      } catch (e) {
        throw new VsdError("IO_ERROR", `Could not read the graph model ${modelJson}: ${(e as Error).message}`, { cause: e });
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = await readFile(join(dirname(modelJson), p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
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
  const model = await loadGraphModel(fileHandler(modelJsonPath));
  const outputNode = options.outputNode ?? model.outputNodes[0];
  if (outputNode === undefined) throw new VsdError("CORRUPT_FILE", `Graph model ${modelJsonPath} has no outputs.`);

  const prepare = (images: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      let x = images;
      const c = x.shape[3];
      if (c === 1) x = tf.tile(x, [1, 1, 1, 3]);
      else if (c !== 3) throw new VsdError("INVALID_SHAPE", `Graph extractor takes 1 or 3 channels, got ${c}.`);
      if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeBilinear(x, [h, w], false, true);
      if (range === "[0,1]") x = tf.add(tf.mul(x, 0.5), 0.5);
      else if (range === "[0,255]") x = tf.mul(tf.add(x, 1), 127.5);
      return x;
    });
  const run = (images: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const out = model.execute(prepare(images), outputNode) as tf.Tensor;
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
    preprocessing: `grey→RGB repeat; bilinear resize to ${h}×${w} (half-pixel centres, align_corners=False); input range ${range}`,
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
