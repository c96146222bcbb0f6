import * as tf from "@tensorflow/tfjs-core";
import { ParamStore, VsdError, logSnrEmbedding, transformerBlock, type Embedding, type Rng, type ImageShape } from "@vsd/core";
import type { Denoiser } from "./denoiser.js";

export interface DitDenoiserOptions {
  readonly shape: ImageShape;
  /** Patch side p (must divide height and width). @default 4 */
  readonly patch?: number;
  /** Token width. @default 64 */
  readonly width?: number;
  /** Transformer blocks. @default 2 */
  readonly depth?: number;
  /** Attention heads. @default 4 */
  readonly heads?: number;
  /** Number of classes for conditional models (0 = unconditional). @default 0 */
  readonly numClasses?: number;
}

/**
 * A small patch transformer (DiT-style [Peebles & Xie 2023], no convolutions):
 * p×p patches → linear tokens + learned positions; λ and label enter as one
 * extra token ("in-context conditioning", DiT §3.2); pre-LN blocks; a
 * zero-initialised linear head back to patches.
 */
export function createDitDenoiser(rng: Rng, options: DitDenoiserOptions): Denoiser {
  const { height: h, width: w, channels: c } = options.shape;
  const p = options.patch ?? 4;
  const width = options.width ?? 64;
  const depth = options.depth ?? 2;
  const heads = options.heads ?? 4;
  const numClasses = options.numClasses ?? 0;
  if (h % p !== 0 || w % p !== 0) {
    throw new VsdError("INVALID_ARGUMENT", `DiT denoiser: patch ${p} must divide the image size ${h}×${w}.`);
  }
  const gh = h / p;
  const gw = w / p;
  const tokens = gh * gw;
  const patchDim = p * p * c;
  const dim = h * w * c;
  const store = new ParamStore(rng);
  const embed = store.dense("patch-embed", patchDim, width);
  const pos = store.variable("pos", [1, tokens + 1, width], { normal: 0.02 });
  const cond = store.dense("cond", width, width);
  const labelEmb: Embedding | undefined = numClasses > 0 ? store.embedding("label", numClasses + 1, width) : undefined;
  const blocks = Array.from({ length: depth }, (_, i) => transformerBlock(store, `block${i}`, { dim: width, heads, causal: false, activation: "gelu" }));
  const norm = store.layerNorm("final-ln", width);
  const head = store.dense("head", width, patchDim, { init: "zeros" });

  const patchify = (z: tf.Tensor2D) => patchifyFlat(z, options.shape, p);
  const unpatchify = (t: tf.Tensor3D) => unpatchifyFlat(t, options.shape, p);

  return {
    kind: "dit",
    store,
    dim,
    apply(z, logSnr, labels) {
      if (z.shape[1] !== dim || logSnr.length !== z.shape[0]) {
        throw new VsdError("INVALID_SHAPE", `DiT denoiser expects z [n, ${dim}] and n log-SNRs, got [${z.shape.join(", ")}] and ${logSnr.length}.`);
      }
      return tf.tidy(() => {
        const n = z.shape[0];
        let c0 = cond.apply(logSnrEmbedding(logSnr, width));
        if (labelEmb) c0 = tf.add(c0, labelEmb.apply(labels ?? new Int32Array(n).fill(numClasses)));
        let x = tf.concat([tf.reshape(c0, [n, 1, width]), embed.apply(patchify(z))], 1) as tf.Tensor3D;
        x = tf.add(x, pos);
        for (const b of blocks) x = b.apply(x);
        const out = head.apply(norm.apply(tf.slice(x, [0, 1, 0], [n, tokens, width])));
        return unpatchify(out);
      });
    },
    flops(rows) {
      const t = tokens + 1;
      return embed.flops(rows * tokens) + cond.flops(rows) + blocks.reduce((s, b) => s + b.flops(rows, t), 0) + head.flops(rows * tokens);
    },
  };
}

/**
 * Flattened images `[n, h·w·c]` (row-major h, w, c) → patch tokens
 * `[n, (h/p)·(w/p), p·p·c]`, tokens in raster order of patches.
 */
export function patchifyFlat(z: tf.Tensor2D, shape: ImageShape, p: number): tf.Tensor3D {
  const { height: h, width: w, channels: c } = shape;
  return tf.tidy(() => {
    const n = z.shape[0];
    const x = tf.reshape(z, [n, h / p, p, w / p, p, c]);
    return tf.reshape(tf.transpose(x, [0, 1, 3, 2, 4, 5]), [n, (h / p) * (w / p), p * p * c]);
  });
}

/** Inverse of `patchifyFlat`. */
export function unpatchifyFlat(t: tf.Tensor3D, shape: ImageShape, p: number): tf.Tensor2D {
  const { height: h, width: w, channels: c } = shape;
  return tf.tidy(() => {
    const n = t.shape[0];
    const x = tf.reshape(t, [n, h / p, w / p, p, p, c]);
    return tf.reshape(tf.transpose(x, [0, 1, 3, 2, 4, 5]), [n, h * w * c]);
  });
}
