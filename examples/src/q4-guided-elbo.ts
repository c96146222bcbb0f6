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
 * The random draws follow `NoiseModel.nll` exactly (per-image reconstruction
 * noise, then one antithetic λ offset per image, then ε per chunk), so at w = 0
 * and the same Rng state this returns the model's own (unconditional) ELBO — the
 * test checks it.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  type Batch,
  type Rng,
  VsdError,
  alphaSigmaFromLogSnr,
  antitheticTimes,
  encodePixel,
  natsToBitsPerDim,
  priorKl,
  reconstructionNll,
} from "@vsd/core";
import { type NoiseModel, predictionCoefficients } from "@vsd/decomp-noise";

/** Guided conditional ELBO in bits/dim on 8-bit `batch` (needs labels), mean over images. */
export function guidedElbo(model: NoiseModel, batch: Batch, guidanceScale: number, rng: Rng, numClasses: number): number {
  if (!batch.labels) throw new VsdError("INVALID_ARGUMENT", "guidedElbo: the batch needs labels.");
  if (!(guidanceScale >= 0)) throw new VsdError("INVALID_ARGUMENT", `guidedElbo: guidance scale must be ≥ 0, got ${guidanceScale}.`);
  const n = batch.images.shape[0];
  const D = model.shape.height * model.shape.width * model.shape.channels;
  const [l1, l0] = model.config.nllLogSnrRange;
  const K = model.config.nllSamples;
  const total = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const px = batch.pixels.subarray(i * D, (i + 1) * D);
    const noise = rng.fillNormal(new Float64Array(D));
    total[i] = priorKl(px, l1) + reconstructionNll(px, noise, l0);
  }
  const x = Float32Array.from(batch.pixels, (k) => encodePixel(k));
  const rows = n * K;
  const chunk = model.config.evalChunk;
  // Per-image stratified times as in core's estimateVdmElbo: row i·K + j gets (u_i + j/K) mod 1.
  const u = new Float64Array(rows);
  for (let i = 0; i < n; i++) u.set(antitheticTimes(K, rng.uniform()), i * K);
  for (let start = 0; start < rows; start += chunk) {
    const m = Math.min(chunk, rows - start);
    const lam = new Float32Array(m);
    const a = new Float32Array(m);
    const s = new Float32Array(m);
    const cz = new Float32Array(m);
    const cp = new Float32Array(m);
    const xs = new Float32Array(m * D);
    const labels = new Int32Array(m);
    const eps = rng.fillNormal(new Float32Array(m * D)) as Float32Array;
    for (let r = 0; r < m; r++) {
      const img = Math.floor((start + r) / K);
      const l = l1 + (l0 - l1) * u[start + r]!;
      lam[r] = l;
      const as = alphaSigmaFromLogSnr(l);
      a[r] = as.alpha;
      s[r] = as.sigma;
      const c = predictionCoefficients(model.config.prediction, l).toEps;
      cz[r] = c.z;
      cp[r] = c.pred;
      xs.set(x.subarray(img * D, (img + 1) * D), r * D);
      labels[r] = batch.labels[img]!;
    }
    const se = tf.tidy(() => {
      const col = (v: Float32Array) => tf.tensor2d(v, [m, 1]);
      const et = tf.tensor2d(eps, [m, D]);
      const z = tf.add(tf.mul(tf.tensor2d(xs, [m, D]), col(a)), tf.mul(et, col(s))) as tf.Tensor2D;
      const uncond = model.predict(z, lam, new Int32Array(m).fill(numClasses));
      // Guidance is linear in the network output, so it may be applied before the ε conversion.
      const out = guidanceScale === 0 ? uncond : tf.add(uncond, tf.mul(tf.sub(model.predict(z, lam, labels), uncond), guidanceScale));
      const epsHat = tf.add(tf.mul(z, col(cz)), tf.mul(out, col(cp)));
      return tf.sum(tf.square(tf.sub(epsHat, et)), 1);
    });
    const v = se.dataSync();
    se.dispose();
    for (let r = 0; r < m; r++) {
      const img = Math.floor((start + r) / K);
      total[img] = total[img]! + (0.5 * (l0 - l1) * v[r]!) / K;
    }
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += natsToBitsPerDim(total[i]!, D);
  return sum / n;
}
