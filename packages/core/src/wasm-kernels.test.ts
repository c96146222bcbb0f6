import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "./rng.js";
import { setWasmMatMulOverrideEnabled, transposeBlocked, WASM_KERNEL_OVERRIDES } from "./wasm-kernels.js";
import { wasmMatMulUsesFma } from "./wasm-matmul.js";

const onWasm = tf.getBackend() === "wasm";

/** Runs `fn` on the named backend and returns its result as plain arrays. */
async function on<T>(backend: string, fn: () => T): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return fn();
  } finally {
    await tf.setBackend(previous);
  }
}

/** ‖x − ref‖₂ / ‖ref‖₂. */
function relError(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(x.length).toBe(ref.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (x[i]! - ref[i]!) ** 2;
    den += ref[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

interface MatMulCase {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

// Shapes as stored (i.e. already transposed where the flag is set). Covers
// odd sizes, batched 3-D, broadcast batch, both branches of the cost choice
// (small m: swapped form; large m: direct form) and rank-4.
const CASES: MatMulCase[] = [
  { a: [7, 5], b: [5, 3], ta: false, tb: false },
  { a: [5, 7], b: [5, 3], ta: true, tb: false },
  { a: [7, 5], b: [3, 5], ta: false, tb: true },
  { a: [5, 7], b: [3, 5], ta: true, tb: true },
  { a: [33, 129], b: [65, 129], ta: false, tb: true }, // dy·Wᵀ-like, swapped form
  { a: [257, 31], b: [17, 31], ta: false, tb: true }, // large m, direct form
  { a: [64, 37], b: [64, 45], ta: true, tb: false }, // xᵀ·dy
  { a: [3, 9, 6], b: [3, 11, 9], ta: true, tb: true },
  { a: [4, 13, 8], b: [4, 13, 8], ta: false, tb: true }, // attention QKᵀ
  { a: [4, 13, 8], b: [4, 13, 5], ta: true, tb: false },
  { a: [1, 6, 4], b: [5, 7, 4], ta: false, tb: true }, // broadcast batch
  { a: [2, 3, 10, 4], b: [2, 3, 10, 6], ta: true, tb: false },
  // ≥ 2²¹ multiply-adds: VSD's own (FMA) matMul kernel, src/wasm-matmul.ts.
  { a: [131, 517], b: [517, 77], ta: false, tb: false },
  { a: [517, 131], b: [77, 517], ta: true, tb: true },
  { a: [128, 784], b: [512, 784], ta: false, tb: true },
];

describe.skipIf(!onWasm)("wasm kernel overrides equal the cpu backend", () => {
  afterEach(() => setWasmMatMulOverrideEnabled(true));

  it("the overrides are registered for wasm, and large products run on VSD's FMA matMul", () => {
    for (const name of WASM_KERNEL_OVERRIDES) expect(tf.getKernel(name, "wasm")).toBeDefined();
    // The suite runs with VSD_WASM_THREADS=1: the calling thread runs the FMA build.
    expect(wasmMatMulUsesFma(tf.backend())).toBe(true);
  });

  it.each(CASES)("BatchMatMul a=$a b=$b transposeA=$ta transposeB=$tb: relative error ≤ 1e-5", async ({ a, b, ta, tb }) => {
    const before = tf.memory().numTensors;
    const rng = new Rng(a.length * 1000 + a[0]! * 7 + b.at(-1)!);
    const da = rng.fillNormal(new Float32Array(a.reduce((p, d) => p * d, 1))) as Float32Array;
    const db = rng.fillNormal(new Float32Array(b.reduce((p, d) => p * d, 1))) as Float32Array;
    const run = () =>
      tf.tidy(() => {
        const y = tf.matMul(tf.tensor(da, a), tf.tensor(db, b), ta, tb);
        return { shape: y.shape, data: y.dataSync().slice() };
      });
    const ref = await on("cpu", run);
    const got = run();
    expect(got.shape).toEqual(ref.shape);
    expect(relError(got.data, ref.data)).toBeLessThanOrEqual(1e-5);
    setWasmMatMulOverrideEnabled(false);
    const stock = run();
    expect(relError(stock.data, ref.data)).toBeLessThanOrEqual(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("_FusedMatMul, batched, with/without bias, linear/relu/leakyrelu, every transpose combination: relative error ≤ 1e-5", async () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(11);
    const da = rng.fillNormal(new Float32Array(2 * 19 * 9)) as Float32Array;
    const db = rng.fillNormal(new Float32Array(2 * 12 * 19)) as Float32Array;
    const dbias = rng.fillNormal(new Float32Array(12)) as Float32Array;
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const)
    for (const activation of ["linear", "relu", "leakyrelu"] as const) {
      const run = (withBias: boolean) =>
        tf.tidy(() =>
          Array.from(
            tf.fused
              .matMul({
                a: tf.tensor3d(da, ta ? [2, 19, 9] : [2, 9, 19]),
                b: tf.tensor3d(db, tb ? [2, 12, 19] : [2, 19, 12]),
                transposeA: ta,
                transposeB: tb,
                activation,
                leakyreluAlpha: 0.1,
                ...(withBias ? { bias: tf.tensor1d(dbias) } : {}),
              })
              .dataSync(),
          ),
        );
      for (const withBias of [true, false]) {
        const ref = await on("cpu", () => run(withBias));
        expect(relError(run(withBias), ref)).toBeLessThanOrEqual(1e-5);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a dense layer's gradients (which use transposed matMuls) equal the cpu backend's", async () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(12);
    const dx = rng.fillNormal(new Float32Array(37 * 53)) as Float32Array;
    const dw = rng.fillNormal(new Float32Array(53 * 29)) as Float32Array;
    const run = () =>
      tf.tidy(() => {
        const [gx, gw] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D))))([
          tf.tensor2d(dx, [37, 53]),
          tf.tensor2d(dw, [53, 29]),
        ]);
        return [gx!.dataSync().slice(), gw!.dataSync().slice()];
      });
    const ref = await on("cpu", run);
    const got = run();
    expect(relError(got[0]!, ref[0]!)).toBeLessThanOrEqual(1e-5);
    expect(relError(got[1]!, ref[1]!)).toBeLessThanOrEqual(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("UnsortedSegmentSum (and so tf.gather's gradient) works on wasm and equals cpu", async () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(13);
    const x = rng.fillNormal(new Float32Array(9 * 4 * 3)) as Float32Array;
    const ids = new Int32Array([2, 0, 2, 5, 1, 0, 2, 4, 4]);
    const seg = () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor3d(x, [9, 4, 3]), tf.tensor1d(ids, "int32"), 6).dataSync().slice());
    const ref = await on("cpu", seg);
    expect(relError(seg(), ref)).toBeLessThanOrEqual(1e-6);
    // Segment 3 receives nothing: exact zeros.
    expect(Array.from(seg().slice(3 * 12, 4 * 12))).toEqual(new Array(12).fill(0));
    const ints = () =>
      tf.tidy(() => Array.from(tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32"), tf.tensor1d([1, 1, 0], "int32"), 2).dataSync()));
    expect(ints()).toEqual([5, 6, 4, 6]);
    const table = rng.fillNormal(new Float32Array(6 * 5)) as Float32Array;
    const gatherGrad = () =>
      tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, "int32")), tf.range(0, 45).reshape([9, 5]))))(
            tf.tensor2d(table, [6, 5]),
          )
          .dataSync()
          .slice(),
      );
    const gRef = await on("cpu", gatherGrad);
    expect(relError(gatherGrad(), gRef)).toBeLessThanOrEqual(1e-6);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("transposeBlocked", () => {
  it.each([
    [1, 1, 1],
    [1, 3, 5],
    [2, 33, 31],
    [3, 64, 7],
    [1, 130, 97],
  ])("batch %i, %i×%i equals the definition", (batch, rows, cols) => {
    const src = new Float32Array(batch * rows * cols).map((_, i) => i * 0.5 - 3);
    const dst = new Float32Array(src.length).fill(NaN);
    transposeBlocked(src, dst, batch, rows, cols);
    const expected = new Float32Array(src.length);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) expected[b * rows * cols + j * rows + i] = src[b * rows * cols + i * cols + j]!;
    expect(Array.from(dst)).toEqual(Array.from(expected));
  });
});
