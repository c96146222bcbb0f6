import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../rng.js";
import { denseMatMul } from "./dense-op.js";
import { mlp } from "./mlp.js";
import { ParamStore } from "./param-store.js";

const start = tf.getBackend();
afterAll(async () => {
  await tf.setBackend(start);
});

function maxRelErr(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  return err / Math.max(scale, 1e-30);
}

/** Products (BatchMatMul / _FusedMatMul / VsdDense kernels) run by `f`. */
async function productsRun(f: () => tf.TensorContainer): Promise<string[]> {
  const profile = await tf.profile(() => {
    tf.dispose(f());
  });
  return profile.kernels.filter((k) => /MatMul|VsdDense/.test(k.name)).map((k) => `${k.name} ${JSON.stringify(k.inputShapes)}`);
}

describe("denseMatMul (dense-op.ts)", () => {
  describe.each(["cpu", "wasm"])("on %s", (backend) => {
    it("equals act(x·W + b) and its gradients equal the unfused composition's (odd shapes, relu and linear, with and without bias)", async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const rng = new Rng(3);
      for (const [n, k, m] of [
        [7, 5, 3],
        [33, 70, 129],
        [128, 96, 64],
      ] as const) {
        const x = rng.normalTensor([n, k]) as tf.Tensor2D;
        const w = rng.normalTensor([k, m]) as tf.Tensor2D;
        const b = rng.normalTensor([m]) as tf.Tensor1D;
        const r = rng.normalTensor([n, m]) as tf.Tensor2D; // random cotangent
        for (const activation of ["linear", "relu"] as const) {
          for (const withBias of [true, false]) {
            type F = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.Tensor;
            const reference: F = (xx, ww, bb) => {
              const z = withBias ? tf.add(tf.matMul(xx, ww), bb) : tf.matMul(xx, ww);
              return activation === "relu" ? tf.relu(z) : z;
            };
            const ours: F = (xx, ww, bb) => denseMatMul(xx as tf.Tensor2D, ww as tf.Tensor2D, withBias ? (bb as tf.Tensor1D) : undefined, activation);
            const y0 = tf.tidy(() => reference(x, w, b).dataSync());
            const y1 = tf.tidy(() => ours(x, w, b).dataSync());
            expect(maxRelErr(y1, y0)).toBeLessThan(1e-5);
            // dx, dW and (with a bias) db.
            const grads = (f: F) =>
              tf.tidy(() =>
                (withBias
                  ? tf.grads((xx, ww, bb) => tf.sum(tf.mul(f(xx!, ww!, bb!), r)))([x, w, b])
                  : tf.grads((xx, ww) => tf.sum(tf.mul(f(xx!, ww!, b), r)))([x, w])
                ).map((t) => t.dataSync()),
              );
            const g0 = grads(reference);
            const g1 = grads(ours);
            expect(g1).toHaveLength(withBias ? 3 : 2);
            g0.forEach((g, i) => expect(maxRelErr(g1[i]!, g)).toBeLessThan(1e-5));
          }
        }
        tf.dispose([x, w, b, r]);
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    it("computes no dx for an input that is not differentiated: one product fewer in the backward pass", async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const store = new ParamStore(new Rng(1));
      const net = mlp(store, "m", [40, 32, 24], { activation: "relu" });
      const x = new Rng(2).normalTensor([16, 40]) as tf.Tensor2D;
      const loss = () => tf.sum(tf.square(net.apply(x))) as tf.Scalar;
      // Forward: 2 products. Backward: dW for both layers, dx only for the hidden one.
      const onlyWeights = await productsRun(() => tf.variableGrads(loss, store.variables));
      expect(onlyWeights.filter((p) => p.startsWith("VsdDense"))).toHaveLength(2);
      expect(onlyWeights.filter((p) => !p.startsWith("VsdDense") && !p.startsWith("_FusedMatMul"))).toHaveLength(3);
      // Differentiating x as well adds exactly its dx = dy·W₀ᵀ.
      const xv = tf.variable(x);
      const withInput = await productsRun(() => tf.variableGrads(() => tf.sum(tf.square(net.apply(xv))) as tf.Scalar, [...store.variables, xv]));
      expect(withInput.filter((p) => !p.startsWith("VsdDense") && !p.startsWith("_FusedMatMul"))).toHaveLength(4);
      tf.dispose([x, xv]);
      store.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
