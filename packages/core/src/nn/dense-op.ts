import * as tf from "@tensorflow/tfjs-core";
import "./register-gradients.js";

/**
 * y = act(x·W + b) as one kernel call with a gradient that computes each input's
 * part only when the tape asks for it.
 *
 * `tf.fused.matMul` wraps the same `_FusedMatMul` kernel in `customGrad`, whose
 * gradient function returns dx, dW and db together, so the backward pass of a
 * network's first layer still computes dx = dy·Wᵀ for an input nobody
 * differentiates — one of the step's largest products, wasted (in the MLP step
 * of `pnpm bench matmul`, 128×512×785 of its nine products). Registered as a
 * kernel with a gradient config instead, the op is one tape node whose inputs
 * the tape prunes to those that lead to the variables, and it asks for each
 * remaining input's gradient separately (tfjs-core `tape.ts`
 * `getFilteredNodesXToY` and `backpropagateGradients`).
 *
 * The forward runs the backend's own `_FusedMatMul` kernel (any backend that has
 * one: wasm with VSD's overrides, cpu, webgl, tfjs-node), so it stays backend-agnostic.
 */
export const DENSE_KERNEL = "VsdDense";

/** Activations the op can fuse (those whose gradient needs only the output). */
export type DenseActivation = "linear" | "relu";

interface DenseAttrs {
  activation: DenseActivation;
}

let gradientRegistered = false;

function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: DENSE_KERNEL,
    inputsToSave: ["x", "w"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const { activation } = attrs as unknown as DenseAttrs;
      // relu'(z) from its output: z > 0 ⇔ y > 0 (tfjs's Relu gradient does the same).
      const g = (activation === "relu" ? tf.mul(dy as tf.Tensor3D, tf.step(y)) : dy) as tf.Tensor3D;
      return {
        x: () => tf.matMul(g, w, false, true),
        w: () => tf.matMul(x, g, true, false),
        bias: () => tf.sum(g, [0, 1]),
      };
    },
  });
}

/** Registers the op's kernel on `backendName` if that backend has `_FusedMatMul`; returns whether the op is usable there. */
function ensureKernel(backendName: string): boolean {
  if (tf.getKernel(DENSE_KERNEL, backendName)) return true;
  const fused = tf.getKernel("_FusedMatMul", backendName);
  if (!fused) return false;
  registerGradient();
  tf.registerKernel({
    kernelName: DENSE_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, w, bias } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
      const { activation } = attrs as unknown as DenseAttrs;
      // Looked up per call: the wasm overrides may be (re)registered after this kernel.
      const kernel = tf.getKernel("_FusedMatMul", backendName)!;
      return kernel.kernelFunc({
        inputs: { a: x, b: w, ...(bias ? { bias } : {}) },
        backend,
        attrs: { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 },
      });
    },
  });
  return true;
}

/**
 * act(x·W + b) for x `[n, in]`, W `[in, out]`, b `[out]` (optional), as one
 * kernel whose gradient skips inputs the tape does not need. Falls back to
 * `tf.fused.matMul` on a backend without `_FusedMatMul`.
 */
export function denseMatMul(x: tf.Tensor2D, w: tf.Tensor2D, bias?: tf.Tensor1D, activation: DenseActivation = "linear"): tf.Tensor2D {
  if (!ensureKernel(tf.getBackend())) {
    return tf.fused.matMul({ a: x, b: w, ...(bias ? { bias } : {}), activation }) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    // Rank 3 with a batch of one, as `tf.fused.matMul` passes them: some
    // backends' `_FusedMatMul` (wasm's) read the operands as rank 3.
    const [n, k] = x.shape;
    const m = w.shape[1];
    const inputs: Record<string, tf.Tensor> = { x: tf.reshape(x, [1, n, k]), w: tf.reshape(w, [1, k, m]) };
    if (bias) inputs["bias"] = bias;
    const y = tf.engine().runKernel(DENSE_KERNEL, inputs as tf.NamedTensorMap, { activation } as unknown as tf.NamedAttrMap) as tf.Tensor3D;
    return tf.reshape(y, [n, m]);
  });
}
