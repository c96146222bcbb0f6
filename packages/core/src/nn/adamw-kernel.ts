import * as tf from "@tensorflow/tfjs-core";
import { tfjsHeapMemory, wasmApi, type TfjsWasmModuleLike } from "../wasm-api.js";
import { PLAIN_MEMORY_WASM, SHARED_MEMORY_WASM } from "../generated/adamw-wasm.js";

/**
 * A fused AdamW update as one kernel for the wasm and cpu backends: one pass
 * over (θ, g, m, v) instead of ~12 element-wise ops that each allocate a
 * full-size tensor. On wasm this takes the optimiser from about a third of an
 * MLP training step to a few percent. Other backends (tfjs-node) use the
 * equivalent tensor ops in `AdamW.step`.
 */
export const ADAMW_KERNEL = "VsdAdamWUpdate";

export interface AdamWUpdateAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** 1 − β₁ᵗ */
  bc1: number;
  /** 1 − β₂ᵗ */
  bc2: number;
}

/**
 * One AdamW step on plain arrays (PyTorch's `torch/optim/adamw.py` order):
 * g ← s·g; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ(1 − ηλ) − (η/bc₁)·m / (√v/√bc₂ + ε). Outputs may alias inputs.
 */
export function adamwUpdateArrays(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  scale: number,
  h: AdamWUpdateAttrs,
  outParam: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
): void {
  const { beta1, beta2, epsilon } = h;
  const decay = 1 - h.lr * h.weightDecay;
  const stepSize = h.lr / h.bc1;
  const invSqrtBc2 = 1 / Math.sqrt(h.bc2); // √v̂ = √v/√bc₂; multiply, not divide, in the loop
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    const g = grad[i]! * scale;
    const mi = beta1 * m[i]! + c1 * g;
    const vi = beta2 * v[i]! + c2 * g * g;
    outM[i] = mi;
    outV[i] = vi;
    outParam[i] = param[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + epsilon);
  }
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: TfjsWasmModuleLike;
}

type SimdAdamW = (
  p: number, g: number, m: number, v: number, op: number, om: number, ov: number, n: number,
  scale: number, beta1: number, beta2: number, c1: number, c2: number, decay: number, step: number, invSqrtBc2: number, eps: number,
) => void;

/**
 * The SIMD AdamW of wasm/adamw.wat, instantiated once per tfjs wasm module on
 * that module's own memory, so it updates tensors where they lie. `null` when
 * this runtime cannot (then the JS loop above runs).
 */
const simdKernels = new WeakMap<object, SimdAdamW | null>();
function simdAdamW(backend: HeapBackend): SimdAdamW | null {
  const cached = simdKernels.get(backend.wasm);
  if (cached !== undefined) return cached;
  let fn: SimdAdamW | null = null;
  try {
    const heap = tfjsHeapMemory(backend.wasm);
    if (heap) {
      const { memory, shared } = heap;
      const bytes = Buffer.from(shared ? SHARED_MEMORY_WASM : PLAIN_MEMORY_WASM, "base64");
      const instance = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory } });
      fn = instance.exports["adamw"] as SimdAdamW;
    }
  } catch {
    fn = null; // no wasm SIMD here: the JS loop is exact and only slower
  }
  simdKernels.set(backend.wasm, fn);
  return fn;
}

/** Whether the current wasm backend runs the SIMD AdamW (false on other backends). */
export function adamWSimdInUse(): boolean {
  if (tf.getBackend() !== "wasm" || !simdEnabled) return false;
  return simdAdamW(tf.backend() as unknown as HeapBackend) !== null;
}

let simdEnabled = true;
/** Switches the wasm SIMD AdamW off (JS loop) or on, for benchmarks and tests. */
export function setAdamWSimdEnabled(enabled: boolean): void {
  simdEnabled = enabled;
}
interface CpuBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

function wasmKernel(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const backend = args.backend as unknown as HeapBackend;
  const { param, grad, m, v, scale } = args.inputs as Record<string, tf.TensorInfo>;
  const outs = [param!, m!, v!].map((t) => backend.makeOutput([...t.shape], "float32"));
  const simd = simdEnabled ? simdAdamW(backend) : null;
  if (simd) {
    const h = args.attrs as unknown as AdamWUpdateAttrs;
    const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const n = tf.util.sizeFromShape(param!.shape);
    const s = backend.typedArrayFromHeap(scale!)[0]!;
    simd(
      ptr(param!), ptr(grad!), ptr(m!), ptr(v!), ptr(outs[0]!), ptr(outs[1]!), ptr(outs[2]!), n,
      s, h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, 1 - h.lr * h.weightDecay, h.lr / h.bc1, 1 / Math.sqrt(h.bc2), h.epsilon,
    );
    return outs;
  }
  // Views only after every allocation: makeOutput can grow and move the heap.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  adamwUpdateArrays(
    view(param!),
    view(grad!),
    view(m!),
    view(v!),
    view(scale!)[0]!,
    args.attrs as unknown as AdamWUpdateAttrs,
    view(outs[0]!),
    view(outs[1]!),
    view(outs[2]!),
  );
  return outs;
}

function cpuKernel(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const backend = args.backend as unknown as CpuBackend;
  const { param, grad, m, v, scale } = args.inputs as Record<string, tf.TensorInfo>;
  const read = (t: tf.TensorInfo) => backend.readSync(t.dataId) as Float32Array;
  const n = read(param!).length;
  const [op, om, ov] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  adamwUpdateArrays(read(param!), read(grad!), read(m!), read(v!), read(scale!)[0]!, args.attrs as unknown as AdamWUpdateAttrs, op, om, ov);
  return [
    backend.makeTensorInfo([...param!.shape], "float32", op),
    backend.makeTensorInfo([...m!.shape], "float32", om),
    backend.makeTensorInfo([...v!.shape], "float32", ov),
  ];
}

/** Registers the fused kernel for wasm and cpu (idempotent). */
export function registerAdamWKernels(): void {
  for (const [backendName, kernelFunc] of [
    ["wasm", wasmKernel],
    ["cpu", cpuKernel],
  ] as const) {
    if (!tf.getKernel(ADAMW_KERNEL, backendName)) {
      tf.registerKernel({ kernelName: ADAMW_KERNEL, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    }
  }
}

/** Whether the current backend has the fused kernel. */
export function hasFusedAdamW(): boolean {
  return tf.getKernel(ADAMW_KERNEL, tf.getBackend()) !== undefined;
}
