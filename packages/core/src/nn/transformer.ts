import * as tf from "@tensorflow/tfjs-core";
import { type Activation } from "./activations.js";
import { multiHeadAttention, type MultiHeadAttention } from "./attention.js";
import { mlp, type Mlp } from "./mlp.js";
import type { LayerNorm, ParamStore } from "./param-store.js";

export interface TransformerBlockOptions {
  readonly dim: number;
  readonly heads: number;
  /** Hidden width of the MLP as a multiple of `dim`. @default 4 */
  readonly mlpRatio?: number;
  readonly causal: boolean;
  /** @default "gelu" */
  readonly activation?: Activation;
}

export interface TransformerBlock {
  readonly attention: MultiHeadAttention;
  readonly mlp: Mlp;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  /** `[b, t, dim]` → `[b, t, dim]`; `mask` as in `MultiHeadAttention.apply`. */
  apply(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D;
  /** Forward FLOPs for `batch` sequences of `tokens` tokens. */
  flops(batch: number, tokens: number): number;
}

/**
 * Pre-LN transformer block: x + Attn(LN(x)), then x + MLP(LN(x))
 * (Xiong et al. 2020, *On Layer Normalization in the Transformer
 * Architecture*, Fig. 1b).
 */
export function transformerBlock(store: ParamStore, name: string, options: TransformerBlockOptions): TransformerBlock {
  const { dim, heads, causal } = options;
  const ratio = options.mlpRatio ?? 4;
  const norm1 = store.layerNorm(`${name}/ln1`, dim);
  const attention = multiHeadAttention(store, `${name}/attn`, { dim, heads, causal });
  const norm2 = store.layerNorm(`${name}/ln2`, dim);
  const ff = mlp(store, `${name}/mlp`, [dim, Math.round(dim * ratio), dim], { activation: options.activation ?? "gelu" });
  return {
    attention,
    mlp: ff,
    norm1,
    norm2,
    apply(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D {
      return tf.tidy(() => {
        const h = tf.add(x, attention.apply(norm1.apply(x), mask)) as tf.Tensor3D;
        return tf.add(h, ff.apply(norm2.apply(h))) as tf.Tensor3D;
      });
    },
    flops: (batch: number, tokens: number) => attention.flops(batch, tokens) + ff.flops(batch * tokens),
  };
}
