import * as tf from "@tensorflow/tfjs-core";
import { initBackend, Rng, AdamW } from "@vsd/core";
import { mixtureLogProbTensor } from "../src/index.js";
await initBackend({ log: false });
const rng = new Rng(1);
const n = 256;
const ys = Float32Array.from({ length: n }, () => { const u = rng.uniform(); return (u < 0.5 ? 0 : u < 0.75 ? 128 : 255) / 127.5 - 1; });
const y = tf.tensor3d(ys, [1, n, 1]);
const p = tf.variable(tf.tensor1d([0, 0, 0, -0.8, 0, 0.8, -2, -2, -2]));
const opt = new AdamW([p], { learningRate: Number(process.argv[2] ?? 0.03) });
for (let i = 0; i < 401; i++) {
  const l = opt.step(() => tf.neg(tf.mean(mixtureLogProbTensor(tf.tile(tf.reshape(p, [1, 1, 9]), [1, n, 1]) as tf.Tensor3D, y, 3, 1))) as tf.Scalar);
  if (i % 50 === 0) console.log(i, (l / Math.LN2).toFixed(3), Array.from(p.dataSync()).map((v) => v.toFixed(2)).join(" "));
}
