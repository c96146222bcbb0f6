import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { VsdError } from "@vsd/core";
import { afterAll, describe, expect, it } from "vitest";
import { extractInBatches } from "./feature-extractor.js";
import { loadLayersModelExtractor } from "./layers-model-extractor.js";

/** Deterministic weights: w_k = sin(k·(i + 1))/2 for the i-th weight tensor. */
function setDeterministicWeights(model: tfl.LayersModel): void {
  const weights = model.getWeights().map((t, i) =>
    tf.tensor(Float32Array.from({ length: t.size }, (_, k) => Math.sin(k * (i + 1) + 0.3) / 2), t.shape),
  );
  model.setWeights(weights);
  for (const t of weights) t.dispose();
}

/**
 * Saves `model` the way tfjs-node's file:// handler does (model.json with the
 * layers topology and a weights manifest, weights in `shards` binary files),
 * through a custom IOHandler, and returns the model.json path.
 */
async function saveToDisk(model: tfl.LayersModel, dir: string, shards = 2): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await model.save({
    save: async (artifacts: tf.io.ModelArtifacts) => {
      const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
      const per = Math.ceil(data.byteLength / shards);
      const paths: string[] = [];
      for (let s = 0; s < shards; s++) {
        const name = `group1-shard${s + 1}of${shards}.bin`;
        writeFileSync(join(dir, name), data.subarray(s * per, Math.min(data.byteLength, (s + 1) * per)));
        paths.push(name);
      }
      const json = {
        modelTopology: artifacts.modelTopology,
        format: "layers-model",
        generatedBy: "vsd-eval-test",
        convertedBy: null,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, "model.json"), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(json as tf.io.ModelJSON) };
    },
  });
  return join(dir, "model.json");
}

/** 12×10 RGB → conv 3×3 (2 filters, ReLU) → global average pool → dense 4. */
function tinyCnn(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [12, 10, 3], filters: 2, kernelSize: 3, activation: "relu", name: "conv" }),
      tfl.layers.globalAveragePooling2d({ name: "pool" }),
      tfl.layers.dense({ units: 4, name: "head" }),
    ],
  });
  setDeterministicWeights(model);
  return model;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function expectVsdError(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (error) {
    expect(VsdError.isInstance(error) ? error.code : String(error)).toBe(code);
    return;
  }
  throw new Error(`expected VsdError ${code}`);
}

describe("loadLayersModelExtractor", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsd-layers-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads a saved layers model (two weight shards) and extracts exactly model.predict", async () => {
    const original = tinyCnn();
    const path = await saveToDisk(original, join(dir, "cnn"));
    const ex = await loadLayersModelExtractor(path, { inputRange: "[0,1]" });
    expect(ex.id).toBe("layers:cnn");
    expect(ex.dim).toBe(4);
    expect(ex.inputShape).toEqual([12, 10, 3]); // the model's own size is the default
    expect(ex.preprocessing).toContain("bilinear resize to 12×10");
    const before = tf.memory().numTensors;
    const vals = Float32Array.from({ length: 5 * 12 * 10 * 3 }, (_, i) => Math.sin(0.37 * i));
    const images = tf.tensor4d(vals, [5, 12, 10, 3]);
    const got = extractInBatches(ex, images, 2);
    const want = tf.tidy(() => (original.predict(tf.add(tf.mul(images, 0.5), 0.5)) as tf.Tensor).dataSync());
    images.dispose();
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.01); // not a vacuous comparison
    expect(tf.memory().numTensors).toBe(before);
    ex.dispose?.();
    original.dispose();
  });

  it("resizes other sizes bilinearly, repeats grey channels, and reads an inner layer", async () => {
    const original = tinyCnn();
    const path = await saveToDisk(original, join(dir, "cnn2"), 1);
    const ex = await loadLayersModelExtractor(path, { outputLayer: "pool" });
    expect(ex.dim).toBe(2);
    const before = tf.memory().numTensors;
    const grey = tf.tensor4d(Float32Array.from({ length: 2 * 7 * 9 }, (_, i) => Math.cos(0.21 * i)), [2, 7, 9, 1]);
    const got = ex.extract(grey);
    const pool = tfl.model({ inputs: original.inputs, outputs: original.getLayer("pool").output as tfl.SymbolicTensor });
    const want = tf.tidy(() => {
      const rgb = tf.image.resizeBilinear(tf.tile(grey, [1, 1, 1, 3]) as tf.Tensor4D, [12, 10], false, true);
      return (pool.predict(rgb) as tf.Tensor).dataSync();
    });
    grey.dispose();
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(before);
    ex.dispose?.();
    original.dispose();
  });

  it("defaults to 299×299 for a model without a fixed input size", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.globalAveragePooling2d({ inputShape: [null, null, 3] as unknown as number[] }), tfl.layers.dense({ units: 3 })],
    });
    setDeterministicWeights(model);
    const ex = await loadLayersModelExtractor(await saveToDisk(model, join(dir, "any-size")));
    expect(ex.inputShape).toEqual([299, 299, 3]);
    const img = tf.fill([1, 299, 299, 3], 0.5) as tf.Tensor4D;
    const got = ex.extract(img);
    const want = tf.tidy(() => (model.predict(img) as tf.Tensor).dataSync());
    img.dispose();
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    ex.dispose?.();
    model.dispose();
  });

  it("reports bad paths, files and shapes as VsdError", async () => {
    const original = tinyCnn();
    const path = await saveToDisk(original, join(dir, "bad"), 2);
    await expectVsdError(loadLayersModelExtractor(join(dir, "missing", "model.json")), "IO_ERROR");
    await expectVsdError(loadLayersModelExtractor(path, { inputSize: [299, 299] }), "INVALID_SHAPE");
    await expectVsdError(loadLayersModelExtractor(path, { outputLayer: "nope" }), "INVALID_ARGUMENT");
    // A truncated second shard.
    const shard = join(dir, "bad", "group1-shard2of2.bin");
    const bytes = readFileSync(shard);
    writeFileSync(shard, bytes.subarray(0, 8));
    await expectVsdError(loadLayersModelExtractor(path), "CORRUPT_FILE");
    rmSync(shard);
    await expectVsdError(loadLayersModelExtractor(path), "IO_ERROR");
    // Not JSON; a graph model's JSON; a model that takes vectors, not images.
    writeFileSync(join(dir, "bad", "model.json"), "{ not json");
    await expectVsdError(loadLayersModelExtractor(path), "CORRUPT_FILE");
    writeFileSync(join(dir, "bad", "model.json"), JSON.stringify({ format: "graph-model", modelTopology: { node: [] }, weightsManifest: [] }));
    await expectVsdError(loadLayersModelExtractor(path), "CORRUPT_FILE");
    const mlp = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [8], units: 2 })] });
    await expectVsdError(loadLayersModelExtractor(await saveToDisk(mlp, join(dir, "mlp"))), "INVALID_SHAPE");
    mlp.dispose();
    // Images with 2 channels.
    const ex = await loadLayersModelExtractor(await saveToDisk(original, join(dir, "ok")));
    const two = tf.zeros([1, 12, 10, 2]) as tf.Tensor4D;
    expect(() => ex.extract(two)).toThrow(VsdError);
    two.dispose();
    ex.dispose?.();
    original.dispose();
  });
});
