export { ParamStore, type VariableInit, type DenseOptions, type Dense, type LayerNorm, type Embedding, type WeightMap } from "./param-store.js";
export { type Activation, gelu, silu, activate } from "./activations.js";
export { mlp, type Mlp, type MlpOptions } from "./mlp.js";
export { denseMatMul, DENSE_KERNEL, type DenseActivation } from "./dense-op.js";
export { multiHeadAttention, causalMask, MASK_NEGATIVE, type MultiHeadAttention, type AttentionOptions } from "./attention.js";
export { transformerBlock, type TransformerBlock, type TransformerBlockOptions } from "./transformer.js";
export { sinusoidalEmbedding } from "./sinusoidal.js";
export { AdamW, resolveAdamWOptions, type AdamWOptions, type ResolvedAdamWOptions, type AdamWState } from "./adamw.js";
export {
  saveModelState,
  loadModelState,
  MODEL_STATE_MANIFEST,
  MODEL_STATE_DATA,
  type SaveModelStateOptions,
  type LoadModelStateOptions,
} from "./model-state.js";
export { denseFlops, attentionFlops, TRAIN_FLOPS_FACTOR } from "./flops.js";
