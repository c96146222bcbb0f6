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
 * It is core's `estimateVdmElbo` (the estimator `NoiseModel.nll` uses) with the
 * guided ε̂ in the diffusion rows, so the random draws are the same and at
 * w = 0 and the same Rng state this returns the model's own (unconditional)
 * ELBO — the test checks it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type Batch, type Rng, VsdError, alphaSigmaFromLogSnr, estimateVdmElbo } from "@vsd/core";
import { type NoiseModel, predictionCoefficients } from "@vsd/decomp-noise";

/** Guided conditional ELBO in bits/dim on 8-bit `batch` (needs labels), mean over images. */
export function guidedElbo(model: NoiseModel, batch: Batch, guidanceScale: number, rng: Rng, numClasses: number): number {
  const labels = batch.labels;
  if (!labels) throw new VsdError("INVALID_ARGUMENT", "guidedElbo: the batch needs labels.");
  if (!(guidanceScale >= 0)) throw new VsdError("INVALID_ARGUMENT", `guidedElbo: guidance scale must be ≥ 0, got ${guidanceScale}.`);
  const D = model.shape.height * model.shape.width * model.shape.channels;
  const [l1, l0] = model.config.nllLogSnrRange;
  return estimateVdmElbo(batch.pixels, rng, {
    dims: D,
    logSnr0: l0,
    logSnr1: l1,
    samples: model.config.nllSamples,
    chunk: model.config.evalChunk,
    diffusionNats: ({ rows: m, x, eps, u, image }) => {
      const lam = new Float32Array(m);
      const a = new Float32Array(m);
      const s = new Float32Array(m);
      const cz = new Float32Array(m);
      const cp = new Float32Array(m);
      for (let r = 0; r < m; r++) {
        const l = l1 + (l0 - l1) * u[r]!;
        lam[r] = l;
        const as = alphaSigmaFromLogSnr(l);
        a[r] = as.alpha;
        s[r] = as.sigma;
        const c = predictionCoefficients(model.config.prediction, l).toEps;
        cz[r] = c.z;
        cp[r] = c.pred;
      }
      const rowLabels = Int32Array.from(image, (i) => labels[i]!);
      const se = tf.tidy(() => {
        const col = (v: Float32Array) => tf.tensor2d(v, [m, 1]);
        const et = tf.tensor2d(eps, [m, D]);
        const z = tf.add(tf.mul(tf.tensor2d(x, [m, D]), col(a)), tf.mul(et, col(s))) as tf.Tensor2D;
        const uncond = model.predict(z, lam, new Int32Array(m).fill(numClasses));
        // Guidance is linear in the network output, so it may be applied before the ε conversion.
        const out = guidanceScale === 0 ? uncond : tf.add(uncond, tf.mul(tf.sub(model.predict(z, lam, rowLabels), uncond), guidanceScale));
        const epsHat = tf.add(tf.mul(z, col(cz)), tf.mul(out, col(cp)));
        return tf.sum(tf.square(tf.sub(epsHat, et)), 1);
      });
      const v = se.dataSync();
      se.dispose();
      // Single-sample diffusion term, ½(λ₀ − λ₁)‖ε − ε̂‖² [VDM Eq. 17 with λ uniform].
      return Float64Array.from(v, (e) => 0.5 * (l0 - l1) * e);
    },
  }).bitsPerDim;
}
