/**
 * Child process for wasm-threads.test.ts: the backend is chosen once per
 * process, so the threaded backend is checked in a fresh one. Prints one JSON
 * line and must exit by itself (pool threads may not keep Node alive).
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../backend.js";
import { Rng } from "../rng.js";
import { setWasmMatMulFma, setWasmThreadedMatMulEnabled, wasmMatMulHelperTasks, wasmMatMulThreads, wasmMatMulUsesFma } from "../wasm-matmul.js";
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

/** Products (plain, + bias, + bias and relu) at odd sizes (edge tiles, k % 4 ≠ 0) in every transpose combination. */
function products(): Float32Array[] {
  const out: Float32Array[] = [];
  for (const [m, k, n] of [[131, 517, 77], [64, 256, 200], [5, 2003, 301]] as const) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = rng.derive(`a${m}${ta}`).normalTensor(ta ? [k, m] : [m, k]);
      const b = rng.derive(`b${n}${tb}`).normalTensor(tb ? [n, k] : [k, n]);
      const bias = rng.derive(`bias${n}`).normalTensor([n]);
      const c = tf.matMul(a, b, ta, tb);
      const withBias = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias });
      const withRelu = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: "relu" });
      out.push(c.dataSync() as Float32Array, withBias.dataSync() as Float32Array, withRelu.dataSync() as Float32Array);
      tf.dispose([a, b, bias, c, withBias, withRelu]);
    }
  }
  return out;
}
const maxDiffOf = (x: Float32Array[], y: Float32Array[]) => {
  let d = 0;
  x.forEach((a, i) => a.forEach((v, j) => (d = Math.max(d, Math.abs(v - y[i]![j]!)))));
  return d;
};
/** Largest |x − y| of each array relative to that array's largest |y|. */
const maxRelDiffOf = (x: Float32Array[], y: Float32Array[]) => {
  let d = 0;
  x.forEach((a, i) => {
    const scale = y[i]!.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-30);
    a.forEach((v, j) => (d = Math.max(d, Math.abs(v - y[i]![j]!) / scale)));
  });
  return d;
};

const before = tf.memory().numTensors;
// The default build: FMA where this Node and CPU have it.
const threaded = step();
const threadedProducts = products();
const matMulThreads = wasmMatMulThreads(tf.backend());
const helperTasks = wasmMatMulHelperTasks(tf.backend());
const fma = wasmMatMulUsesFma(tf.backend());
// The plain build, which rounds as XNNPACK does.
setWasmMatMulFma(false);
const plainProducts = products();
const plainStep = step();
setWasmMatMulFma(true);
setWasmThreadedMatMulEnabled(false);
const xnnpackProducts = products();
const xnnpackStep = step();
setWasmThreadedMatMulEnabled(true);
const threadsUsed = wasmThreadsInUse();
// One thread for XNNPACK and VSD's pool alike.
setWasmThreadsForBench(1);
const single = step();
const singleProducts = products();
const finite = threaded.every((a) => a.every(Number.isFinite)) && threadedProducts.every((a) => a.every(Number.isFinite));
process.stdout.write(
  `${JSON.stringify({
    backend: info.name,
    threads: info.threads,
    wasmThreads: info.wasmThreads,
    threadsUsed,
    threadsCause: info.threadsCause ?? null,
    maxDiff: Math.max(maxDiffOf(threaded, single), maxDiffOf(threadedProducts, singleProducts)),
    matMulThreads,
    helperTasks,
    fma,
    productsVsXnnpack: maxDiffOf(plainProducts, xnnpackProducts),
    stepVsXnnpack: maxDiffOf(plainStep, xnnpackStep),
    fmaProductsVsXnnpackRel: maxRelDiffOf(threadedProducts, xnnpackProducts),
    fmaStepVsXnnpackRel: maxRelDiffOf(threaded, xnnpackStep),
    leaked: tf.memory().numTensors - before,
    finite,
    sizes: threaded.map((a) => a.length),
  })}\n`,
);
