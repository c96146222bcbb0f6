/**
 * Child process for wasm-threads.test.ts: the backend is chosen once per
 * process, so the threaded backend is checked in a fresh one. Prints one JSON
 * line and must exit by itself (pool threads may not keep Node alive).
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../backend.js";
import { Rng } from "../rng.js";
import { setWasmThreadsForBench, wasmThreadsInUse } from "../wasm-threads.js";

const info = await initBackend({ log: false, prefer: "wasm", strict: true });
const rng = new Rng(7);

/** Forward + backward of a 2-layer ReLU MLP: plain, transposed and fused matMuls. */
function step(): Float32Array[] {
  const x = rng.derive("x").normalTensor([96, 257]);
  const w1 = rng.derive("w1").normalTensor([257, 190]);
  const b1 = rng.derive("b1").normalTensor([190]);
  const w2 = rng.derive("w2").normalTensor([190, 131]);
  const y = rng.derive("y").normalTensor([96, 131]);
  const out = tf.tidy(() => {
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.losses.meanSquaredError(y, tf.matMul(tf.relu(tf.add(tf.matMul(x, a), c)), b)) as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(f)([w1, w2, b1]);
    const fused = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: "relu" });
    const batched = tf.matMul(tf.reshape(x, [4, 24, 257]), tf.reshape(tf.tile(w1, [4, 1]), [4, 257, 190]), false, false);
    const bt = tf.matMul(y, w2, false, true);
    return [value, ...grads, fused, batched, bt];
  });
  const data = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, w1, b1, w2, y, ...out]);
  return data;
}

const threaded = step();
const threadsUsed = wasmThreadsInUse();
setWasmThreadsForBench(1);
const single = step();
let maxDiff = 0;
threaded.forEach((a, i) => a.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - single[i]![j]!)))));
const finite = threaded.every((a) => a.every(Number.isFinite));
process.stdout.write(
  `${JSON.stringify({ backend: info.name, threads: info.threads, wasmThreads: info.wasmThreads, threadsUsed, threadsCause: info.threadsCause ?? null, maxDiff, finite, sizes: threaded.map((a) => a.length) })}\n`,
);
