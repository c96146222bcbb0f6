import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "@vsd/core";
import { afterAll, describe, expect, it } from "vitest";
import { extractInBatches } from "./feature-extractor.js";
import { loadGraphModelExtractor } from "./graph-model-extractor.js";

/**
 * A hand-written TF.js graph model: features = mean over H, W of the image, times W (3×4).
 * The format is what tensorflowjs_converter emits: a GraphDef as JSON whose Const
 * nodes take their values from the weights manifest.
 */
const W = [1, 0, 2, -1, 0, 1, 1, 0.5, -1, 0, 3, 2];
function writeTinyGraphModel(dir: string): string {
  const dim = (n: number) => ({ size: String(n) });
  const model = {
    format: "graph-model",
    generatedBy: "vsd-eval-test",
    convertedBy: "hand",
    modelTopology: {
      node: [
        {
          name: "images",
          op: "Placeholder",
          attr: { dtype: { type: "DT_FLOAT" }, shape: { shape: { dim: [dim(-1), dim(16), dim(16), dim(3)] } } },
        },
        {
          name: "axes",
          op: "Const",
          attr: { value: { tensor: { dtype: "DT_INT32", tensorShape: { dim: [dim(2)] } } }, dtype: { type: "DT_INT32" } },
        },
        {
          name: "w",
          op: "Const",
          attr: { value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: [dim(3), dim(4)] } } }, dtype: { type: "DT_FLOAT" } },
        },
        { name: "pool", op: "Mean", input: ["images", "axes"], attr: { keep_dims: { b: false }, T: { type: "DT_FLOAT" }, Tidx: { type: "DT_INT32" } } },
        { name: "features", op: "MatMul", input: ["pool", "w"], attr: { transpose_a: { b: false }, transpose_b: { b: false }, T: { type: "DT_FLOAT" } } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ["group1-shard1of1.bin"],
        weights: [
          { name: "axes", shape: [2], dtype: "int32" },
          { name: "w", shape: [3, 4], dtype: "float32" },
        ],
      },
    ],
  };
  const bin = Buffer.concat([Buffer.from(new Int32Array([1, 2]).buffer), Buffer.from(new Float32Array(W).buffer)]);
  writeFileSync(join(dir, "group1-shard1of1.bin"), bin);
  const path = join(dir, "model.json");
  writeFileSync(path, JSON.stringify(model));
  return path;
}

describe("loadGraphModelExtractor", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsd-graph-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads a graph model from disk, resizes, maps the range and extracts", async () => {
    const path = writeTinyGraphModel(dir);
    const ex = await loadGraphModelExtractor(path, { inputSize: [16, 16], inputRange: "[0,1]" });
    const before = tf.memory().numTensors;
    expect(ex.dim).toBe(4);
    expect(ex.inputShape).toEqual([16, 16, 3]);
    expect(ex.preprocessing).toContain("bilinear");
    // Two 8×8 RGB images of constant colours (resizing keeps constants exactly).
    const colours = [
      [0.5, -1, 0],
      [1, 0.2, -0.6],
    ];
    const data = new Float32Array(2 * 8 * 8 * 3);
    for (let b = 0; b < 2; b++) for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) data[(b * 64 + p) * 3 + c] = colours[b]![c]!;
    const images = tf.tensor4d(data, [2, 8, 8, 3]);
    const f = extractInBatches(ex, images, 1);
    images.dispose();
    for (let b = 0; b < 2; b++) {
      const m = colours[b]!.map((v) => v / 2 + 0.5); // "[0,1]" mapping
      for (let j = 0; j < 4; j++) {
        const expected = m[0]! * W[j]! + m[1]! * W[4 + j]! + m[2]! * W[8 + j]!;
        expect(f[b * 4 + j]!).toBeCloseTo(expected, 5);
      }
    }
    // A grey 28×28 image is repeated to 3 channels and resized to 16×16.
    const grey = tf.fill([1, 28, 28, 1], 0.25) as tf.Tensor4D;
    const g = ex.extract(grey);
    grey.dispose();
    const m = 0.25 / 2 + 0.5;
    for (let j = 0; j < 4; j++) expect(g[j]!).toBeCloseTo(m * (W[j]! + W[4 + j]! + W[8 + j]!), 5);
    expect(tf.memory().numTensors).toBe(before);
    ex.dispose?.();
  });

  it("resizes non-constant images bilinearly (half-pixel centres) before the graph", async () => {
    const path = writeTinyGraphModel(dir);
    const ex = await loadGraphModelExtractor(path, { inputSize: [16, 16] });
    const before = tf.memory().numTensors;
    const vals = Float32Array.from({ length: 4 * 4 * 3 }, (_, i) => Math.sin(i));
    const img = tf.tensor4d(vals, [1, 4, 4, 3]);
    const f = ex.extract(img);
    const expected = tf.tidy(() =>
      tf.matMul(tf.mean(tf.image.resizeBilinear(img, [16, 16], false, true), [1, 2]) as tf.Tensor2D, tf.tensor2d(W, [3, 4])).dataSync(),
    );
    img.dispose();
    for (let j = 0; j < 4; j++) expect(f[j]!).toBeCloseTo(expected[j]!, 5);
    expect(tf.memory().numTensors).toBe(before);
    ex.dispose?.();
  });

  it("rejects an inputSize that is not two positive integers before loading (VsdError INVALID_ARGUMENT)", async () => {
    const path = writeTinyGraphModel(dir);
    for (const inputSize of [[0, 16], [16, 2.5]] as const) {
      await expect(loadGraphModelExtractor(path, { inputSize })).rejects.toSatisfy((e: unknown) => VsdError.isInstance(e) && e.code === "INVALID_ARGUMENT");
    }
  });
});
