import * as tf from "@tensorflow/tfjs-core";
import { ParamStore, VsdError, fourierFeatures, logSnrEmbedding, mlp, type Embedding, type Rng } from "@vsd/core";
import type { Denoiser } from "./denoiser.js";

export interface MlpDenoiserOptions {
  /** Data dimension D (h·w·c). */
  readonly dim: number;
  /** Hidden width. @default 256 */
  readonly hidden?: number;
  /** Hidden layers. @default 3 */
  readonly depth?: number;
  /** Width of the λ embedding. @default 64 */
  readonly embedDim?: number;
  /** Number of classes for conditional models (0 = unconditional). @default 0 */
  readonly numClasses?: number;
  /**
   * Exponents n of extra input features sin(2ⁿπz), cos(2ⁿπz) [VDM App. C]: they
   * let the network resolve the 8-bit grid (bin width 2⁻⁷) at high SNR, which
   * the ELBO's high-λ end needs. @default []
   */
  readonly fourierExponents?: readonly number[];
}

/**
 * MLP denoiser: F([z, emb(λ), emb(label)]) with SiLU layers and a zero-initialised
 * output layer, so the untrained model predicts 0 (DiT-style zero init).
 */
export function createMlpDenoiser(rng: Rng, options: MlpDenoiserOptions): Denoiser {
  const { dim } = options;
  const hidden = options.hidden ?? 256;
  const depth = options.depth ?? 3;
  const embedDim = options.embedDim ?? 64;
  const numClasses = options.numClasses ?? 0;
  if (!(Number.isInteger(dim) && dim > 0 && hidden > 0 && depth >= 1 && embedDim >= 2 && embedDim % 2 === 0)) {
    throw new VsdError("INVALID_ARGUMENT", `MLP denoiser: bad sizes dim=${dim}, hidden=${hidden}, depth=${depth}, embedDim=${embedDim}.`);
  }
  const store = new ParamStore(rng);
  const labelEmb: Embedding | undefined = numClasses > 0 ? store.embedding("label", numClasses + 1, embedDim) : undefined;
  const fourier = options.fourierExponents ?? [];
  const inDim = dim * (1 + 2 * fourier.length) + embedDim + (labelEmb ? embedDim : 0);
  const dims = [inDim, ...Array.from({ length: depth }, () => hidden), dim];
  const net = mlp(store, "mlp", dims, { activation: "silu", finalInit: "zeros" });
  return {
    kind: "mlp",
    store,
    dim,
    apply(z, logSnr, labels, raw) {
      if (z.shape[1] !== dim || logSnr.length !== z.shape[0]) {
        throw new VsdError("INVALID_SHAPE", `MLP denoiser expects z [n, ${dim}] and n log-SNRs, got [${z.shape.join(", ")}] and ${logSnr.length}.`);
      }
      return tf.tidy(() => {
        const parts: tf.Tensor2D[] = [z, logSnrEmbedding(logSnr, embedDim), ...fourierFeatures(raw ?? z, fourier)];
        if (labelEmb) {
          const ids = labels ?? new Int32Array(z.shape[0]).fill(numClasses);
          parts.push(labelEmb.apply(ids));
        }
        return net.apply(tf.concat(parts, 1) as tf.Tensor2D);
      });
    },
    flops: (rows) => net.flops(rows) + (labelEmb ? 2 * rows * (numClasses + 1) * embedDim : 0),
  };
}
