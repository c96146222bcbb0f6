/**
 * The class-conditional ELBO of a noise model whose denoiser is replaced by
 * its classifier-free-guided version ε̂_w = ε̂(z, ∅) + w·(ε̂(z, c) − ε̂(z, ∅)).
 *
 * The ancestral sampler with guidance scale w is the reverse process of this
 * guided denoiser, so the VDM continuous-time ELBO with ε̂_w plugged in
 * [VDM Eq. 17; Kingma et al. 2021] bounds −log p_w(x | c) of the model that the
 * guided sampler draws from (in the many-step limit). w = 0 is the
 * unconditional model, w = 1 the plain conditional model.
 *
 * It is core's `estimateVdmElbo` with `NoiseModel.elboDiffusionNats` guided, i.e.
 * exactly what `NoiseModel.nll` computes but for ε̂, so the random draws are the same and at
 * w = 0 and the same Rng state this returns the model's own (unconditional)
 * ELBO — the test checks it.
 */
import { type Batch, type Rng, VsdError, estimateVdmElbo } from "@vsd/core";
import type { NoiseModel } from "@vsd/decomp-noise";

/** Guided conditional ELBO in bits/dim on 8-bit `batch` (needs labels), mean over images. */
export function guidedElbo(model: NoiseModel, batch: Batch, guidanceScale: number, rng: Rng): number {
  const labels = batch.labels;
  if (!labels) throw new VsdError("INVALID_ARGUMENT", "guidedElbo: the batch needs labels.");
  if (!(guidanceScale >= 0)) throw new VsdError("INVALID_ARGUMENT", `guidedElbo: guidance scale must be ≥ 0, got ${guidanceScale}.`);
  const [l1, l0] = model.config.nllLogSnrRange;
  return estimateVdmElbo(batch.pixels, rng, {
    dims: model.shape.height * model.shape.width * model.shape.channels,
    logSnr0: l0,
    logSnr1: l1,
    samples: model.config.nllSamples,
    chunk: model.config.evalChunk,
    diffusionNats: (rows) => model.elboDiffusionNats(rows, { labels, scale: guidanceScale }),
  }).bitsPerDim;
}
