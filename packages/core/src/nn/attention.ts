import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "../errors.js";
import { attentionFlops } from "./flops.js";
import type { Dense, ParamStore } from "./param-store.js";

export interface AttentionOptions {
  readonly dim: number;
  readonly heads: number;
  /** Token t attends only to tokens ≤ t. */
  readonly causal: boolean;
}

export interface MultiHeadAttention {
  readonly qkv: Dense;
  readonly out: Dense;
  /**
   * `[b, t, dim]` → `[b, t, dim]`. `mask`, if given, is an additive `[t, t]`
   * mask (0 = attend, large negative = blocked) used instead of the causal one,
   * e.g. for block-causal attention.
   */
  apply(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D;
  /** Forward FLOPs for `batch` sequences of `tokens` tokens. */
  flops(batch: number, tokens: number): number;
}

/** Added to blocked logits; finite so that masked rows never produce NaN. */
export const MASK_NEGATIVE = -1e9;

/** Additive causal mask `[t, t]`: 0 on and below the diagonal, `MASK_NEGATIVE` above. */
export function causalMask(tokens: number): tf.Tensor2D {
  const m = new Float32Array(tokens * tokens);
  for (let i = 0; i < tokens; i++) for (let j = i + 1; j < tokens; j++) m[i * tokens + j] = MASK_NEGATIVE;
  return tf.tensor2d(m, [tokens, tokens]);
}

/**
 * Multi-head scaled dot-product self-attention, softmax(QKᵀ/√d_head + M)V
 * (Vaswani et al. 2017, Eq. 1), built from reshape/transpose/matMul (wasm has
 * no Einsum kernel).
 */
export function multiHeadAttention(store: ParamStore, name: string, options: AttentionOptions): MultiHeadAttention {
  const { dim, heads, causal } = options;
  if (!Number.isInteger(heads) || heads <= 0 || dim % heads !== 0) {
    throw new VsdError("INVALID_ARGUMENT", `Attention "${name}": dim ${dim} must be divisible by heads ${heads}.`);
  }
  const headDim = dim / heads;
  const qkv = store.dense(`${name}/qkv`, dim, 3 * dim);
  const out = store.dense(`${name}/out`, dim, dim);
  const scale = 1 / Math.sqrt(headDim);
  return {
    qkv,
    out,
    apply(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D {
      const [b, t, d] = x.shape;
      if (d !== dim) throw new VsdError("INVALID_SHAPE", `Attention "${name}" expects [b, t, ${dim}], got [${x.shape.join(", ")}].`);
      if (mask && (mask.shape[0] !== t || mask.shape[1] !== t)) {
        throw new VsdError("INVALID_SHAPE", `Attention "${name}": mask must be [${t}, ${t}], got [${mask.shape.join(", ")}].`);
      }
      return tf.tidy(() => {
        const [q, k, v] = tf.split(qkv.apply(x), 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        // [b, t, d] → [b·h, t, d_head]
        const toHeads = (z: tf.Tensor3D) =>
          tf.reshape(tf.transpose(tf.reshape(z, [b, t, heads, headDim]), [0, 2, 1, 3]), [b * heads, t, headDim]) as tf.Tensor3D;
        const logits = tf.mul(tf.matMul(toHeads(q), toHeads(k), false, true), scale);
        const m = mask ?? (causal ? causalMask(t) : undefined);
        const probs = tf.softmax(m ? tf.add(logits, m) : logits);
        const ctx = tf.matMul(probs, toHeads(v));
        const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [b, heads, t, headDim]), [0, 2, 1, 3]), [b, t, dim]) as tf.Tensor3D;
        return out.apply(merged);
      });
    },
    flops: (batch: number, tokens: number) =>
      qkv.flops(batch * tokens) + out.flops(batch * tokens) + attentionFlops(batch, tokens, dim),
  };
}
