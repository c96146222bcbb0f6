import * as tf from "@tensorflow/tfjs-core";
import { VsdError, fourierFeatures, logSnrEmbedding, mlp, type ParamStore } from "@vsd/core";

// The λ-embedding scale lives in core (shared with decomp-noise's denoisers); re-exported for this package's API.
export { LOG_SNR_EMBED_SCALE } from "@vsd/core";

export interface VdmDenoiserOptions {
  /** Data dimension D = h·w·c. */
  readonly dim: number;
  /** Hidden width. */
  readonly hidden: number;
  /** Hidden layers. */
  readonly depth: number;
  /** Width of the λ embedding. @default 32 */
  readonly embedDim?: number;
  /** Exponents n of Fourier features sin(2ⁿπz), cos(2ⁿπz) of the input [VDM App. C]. @default [] */
  readonly fourierExponents?: readonly number[];
}

/** ε-prediction network ε̂(z, λ) on flattened images. */
export interface VdmDenoiser {
  readonly dim: number;
  readonly variables: tf.Variable[];
  /**
   * `z` `[n, D]`, `logSnr` `[n]` tensor (a tensor so that gradients reach the
   * schedule that produced it) → ε̂ `[n, D]`.
   */
  apply(z: tf.Tensor2D, logSnr: tf.Tensor1D): tf.Tensor2D;
  /** Forward FLOPs on `rows` inputs. */
  flops(rows: number): number;
}

/**
 * An MLP ε̂([z, emb(λ), Fourier(z)]) with SiLU layers and a zero-initialised
 * output layer (the untrained model predicts ε̂ = 0). Same layout as
 * decomp-noise's MLP denoiser, built from the same core pieces (`mlp`,
 * `logSnrEmbedding`, `fourierFeatures`); its parameters are created in the
 * caller's store under "denoiser/…".
 */
export function createVdmDenoiser(store: ParamStore, options: VdmDenoiserOptions): VdmDenoiser {
  const { dim, hidden, depth } = options;
  const embedDim = options.embedDim ?? 32;
  const fourier = options.fourierExponents ?? [];
  if (!(Number.isInteger(dim) && dim > 0 && hidden > 0 && depth >= 1 && embedDim >= 2 && embedDim % 2 === 0)) {
    throw new VsdError("INVALID_ARGUMENT", `VDM denoiser: bad sizes dim=${dim}, hidden=${hidden}, depth=${depth}, embedDim=${embedDim}.`);
  }
  const before = store.variables.length;
  const inDim = dim * (1 + 2 * fourier.length) + embedDim;
  const net = mlp(store, "denoiser/mlp", [inDim, ...Array.from({ length: depth }, () => hidden), dim], { activation: "silu", finalInit: "zeros" });
  const variables = store.variables.slice(before);
  return {
    dim,
    variables,
    apply(z, logSnr) {
      if (z.shape[1] !== dim || logSnr.shape[0] !== z.shape[0]) {
        throw new VsdError("INVALID_SHAPE", `VDM denoiser expects z [n, ${dim}] and n log-SNRs, got [${z.shape.join(", ")}] and ${logSnr.shape[0]}.`);
      }
      return tf.tidy(() => {
        return net.apply(tf.concat([z, logSnrEmbedding(logSnr, embedDim), ...fourierFeatures(z, fourier)], 1) as tf.Tensor2D);
      });
    },
    flops: (rows) => net.flops(rows),
  };
}
