import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";

/**
 * A TF.js IOHandler that reads a converted model (model.json + weight shards)
 * from local disk, for graph and layers models alike: tfjs-node's `file://`
 * handler is not installed, and TF.js's own format is simple (the weights of
 * every manifest group, shard after shard, concatenated in manifest order).
 *
 * @throws VsdError `IO_ERROR` when model.json or a shard cannot be read,
 *   `CORRUPT_FILE` when model.json is not JSON, lacks a topology, or a shard is
 *   shorter than its manifest says.
 */
export function localModelFiles(modelJson: string, kind: "graph" | "layers"): tf.io.IOHandler {
  return {
    load: async () => {
      let text: string;
      try {
        text = await readFile(modelJson, "utf8");
      } catch (e) {
        throw new VsdError("IO_ERROR", `Could not read the ${kind} model ${modelJson}: ${(e as Error).message}`, { cause: e });
      }
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new VsdError("CORRUPT_FILE", `${modelJson} is not JSON: ${(e as Error).message}`, { cause: e });
      }
      if (typeof json !== "object" || json === null || typeof json.modelTopology !== "object" || json.modelTopology === null) {
        throw new VsdError("CORRUPT_FILE", `${modelJson} has no modelTopology: not a TF.js ${kind} model.`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const path = join(dirname(modelJson), p);
            let bytes: Buffer;
            try {
              bytes = await readFile(path);
            } catch (e) {
              throw new VsdError("IO_ERROR", `Could not read weight shard ${path}: ${(e as Error).message}`, { cause: e });
            }
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        const data = tf.io.concatenateArrayBuffers(buffers);
        const need = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * bytesPerElement(s.quantization?.dtype ?? s.dtype), 0);
        if (data.byteLength < need) {
          throw new VsdError("CORRUPT_FILE", `Weight shards of ${modelJson} hold ${data.byteLength} bytes; the manifest needs ${need}.`);
        }
        return [specs, data];
      });
    },
  };
}

/** Stored bytes per element (quantised weights count at their storage type; strings are variable: 0). */
function bytesPerElement(dtype: string): number {
  if (dtype === "string") return 0;
  return dtype === "bool" || dtype === "uint8" ? 1 : dtype === "float16" || dtype === "uint16" ? 2 : 4;
}
