/**
 * FLOP accounting for compute-matched comparisons. A multiply-add counts as
 * two FLOPs; only matrix products are counted (element-wise work is lower
 * order for the widths we use).
 */

/** Forward FLOPs of a dense layer on `rows` inputs: 2·rows·in·out. */
export function denseFlops(rows: number, inDim: number, outDim: number): number {
  return 2 * rows * inDim * outDim;
}

/**
 * Training FLOPs ≈ 3 × forward FLOPs: the backward pass costs about twice the
 * forward pass (gradients with respect to activations and to weights).
 * Kaplan et al. 2020, *Scaling Laws for Neural Language Models*, §2.1.
 */
export const TRAIN_FLOPS_FACTOR = 3;

/** Forward FLOPs of softmax attention's two products (QKᵀ and PV) over `tokens` tokens of width `dim`. */
export function attentionFlops(batch: number, tokens: number, dim: number): number {
  return 2 * 2 * batch * tokens * tokens * dim;
}
