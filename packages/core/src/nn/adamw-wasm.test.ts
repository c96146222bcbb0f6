import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileWat, expandMadd, generatedPath, generatedSource, WASM_MODULES } from "../../scripts/build-wasm.js";
import { Rng } from "../rng.js";
import { ADAMW_KERNEL, adamWSimdInUse, adamwUpdateArrays, registerAdamWKernels, setAdamWSimdEnabled, type AdamWUpdateAttrs } from "./adamw-kernel.js";

const H: AdamWUpdateAttrs = { lr: 3e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.05, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.99 ** 3 };

function runKernel(n: number, seed: number, simd: boolean): Float32Array[] {
  const rng = new Rng(seed);
  const mk = (std: number, abs = false) => {
    const a = rng.fillNormal(new Float32Array(n), 0, std);
    if (abs) a.forEach((x, i) => (a[i] = Math.abs(x)));
    return tf.tensor1d(a as Float32Array);
  };
  const ins = { param: mk(1), grad: mk(0.1), m: mk(0.01), v: mk(0.001, true), scale: tf.scalar(0.7) };
  setAdamWSimdEnabled(simd);
  try {
    const outs = tf.engine().runKernel(ADAMW_KERNEL, ins, H as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const data = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose([...outs, ...Object.values(ins)]);
    return data;
  } finally {
    setAdamWSimdEnabled(true);
  }
}

describe("wasm SIMD AdamW (wasm/adamw.wat)", () => {
  it("the committed binaries are the current compile of every wasm/*.wat", async () => {
    for (const name of Object.keys(WASM_MODULES)) {
      expect(readFileSync(generatedPath(name), "utf8")).toBe(generatedSource(name, await compileWat(name)));
    }
  });

  it("build-wasm expands each MADD form into a fused or a separate multiply-add, operands intact", () => {
    const src = "(local.set $c (MADD (local.get $a) (v128.load offset=16 (local.get $p)) (local.get $c))) ;; end";
    expect(expandMadd(src, false)).toBe("(local.set $c (f32x4.add (local.get $c) (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $p))))) ;; end");
    expect(expandMadd(src, true)).toBe("(local.set $c (f32x4.relaxed_madd (local.get $a) (v128.load offset=16 (local.get $p)) (local.get $c))) ;; end");
    expect(() => expandMadd("(MADD (a) (b))", true)).toThrow(/operand 3/);
    expect(() => expandMadd("(MADD (a) (b) (c) (d))", true)).toThrow(/exactly three operands/);
  });

  it.runIf(tf.getBackend() === "wasm")("is used on wasm and equals the float64 JS loop to float32 rounding, at lengths around the vector width", () => {
    registerAdamWKernels();
    expect(adamWSimdInUse()).toBe(true);
    const before = tf.memory().numTensors;
    for (const n of [1, 3, 4, 5, 7, 8, 1027, 4099]) {
      const simd = runKernel(n, n, true);
      const js = runKernel(n, n, false);
      // Reference on plain arrays (the JS loop computes in float64).
      const rng = new Rng(n);
      const f32 = (std: number) => rng.fillNormal(new Float32Array(n), 0, std) as Float32Array;
      const p = f32(1);
      const g = f32(0.1);
      const m = f32(0.01);
      const v = f32(0.001).map(Math.abs);
      const ref = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
      adamwUpdateArrays(p, g, m, v, Math.fround(0.7), H, ref[0], ref[1], ref[2]);
      const gs = (i: number) => Math.abs(g[i]! * 0.7);
      // Float32 rounding of each term, summed: the outputs are differences of terms that can cancel.
      const magnitude = [
        (i: number) => Math.abs(p[i]!) + H.lr / H.bc1,
        (i: number) => H.beta1 * Math.abs(m[i]!) + (1 - H.beta1) * gs(i),
        (i: number) => H.beta2 * v[i]! + (1 - H.beta2) * gs(i) ** 2,
      ];
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i < n; i++) {
          expect(js[k]![i]).toBe(ref[k]![i]);
          const tol = 8 * 2 ** -24 * magnitude[k]!(i);
          expect(Math.abs(simd[k]![i]! - ref[k]![i]!)).toBeLessThanOrEqual(tol);
        }
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
