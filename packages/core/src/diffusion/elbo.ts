import { VsdError } from "../errors.js";
import { logSigmoid, sigmoid, softplus } from "./log-snr.js";

/**
 * Terms of the VDM continuous-time ELBO on 8-bit data [VDM §3.5, Eq. 17;
 * google-research/vdm `model_vdm.py::VDM.__call__`; REFERENCES §1.15]:
 *   −ln p(x) ≤ L_prior + L_recon + L_diff   (nats),
 * with λ₀ = λ(t=0) (the clean end, high SNR) and λ₁ = λ(t=1) (the noisy end).
 * All functions are sums over dimensions, in nats.
 */

/** 8-bit value k ∈ {0..255} to its bin centre in [−1, 1]: f = 2(k + ½)/256 − 1. */
export function encodePixel(k: number): number {
  return (2 * k + 1) / 256 - 1;
}

/** `encodePixel` of every value: 8-bit pixels to float32 bin centres. */
export function encodePixels(pixels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = encodePixel(pixels[i]!);
  return out;
}

/**
 * L_prior = Σ KL(q(z₁|x) ‖ N(0, I)) = ½ Σ (α₁² f² + σ₁² − ln σ₁² − 1).
 * Written as ½ Σ (α₁²(f² − 1) + softplus(λ₁)) since σ² − 1 = −α² and
 * −ln σ² = softplus(λ), which stays accurate when λ₁ ≪ 0.
 */
export function priorKl(pixels: ArrayLike<number>, logSnr1: number): number {
  const a2 = sigmoid(logSnr1);
  const sp = softplus(logSnr1);
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) {
    const f = encodePixel(pixels[i]!);
    sum += a2 * (f * f - 1) + sp;
  }
  return 0.5 * sum;
}

/**
 * Probabilities of the 256 pixel values under the factorised VDM decoder given
 * y = z₀/α₀: logits_k = −½ (y − f(k))² e^{λ₀}, softmax over k.
 */
export function reconstructionProbs(y: number, logSnr0: number, out = new Float64Array(256)): Float64Array {
  const prec = Math.exp(logSnr0);
  let max = -Infinity;
  for (let k = 0; k < 256; k++) {
    const d = y - encodePixel(k);
    const l = -0.5 * d * d * prec;
    out[k] = l;
    if (l > max) max = l;
  }
  let sum = 0;
  for (let k = 0; k < 256; k++) {
    const e = Math.exp(out[k]! - max);
    out[k] = e;
    sum += e;
  }
  for (let k = 0; k < 256; k++) out[k] = out[k]! / sum;
  return out;
}

/**
 * One-sample estimate of L_recon = −E ln p(x | z₀) with z₀/α₀ = f + e^{−λ₀/2}·ε
 * (`noise` holds ε, one per pixel), summed over pixels.
 */
export function reconstructionNll(pixels: ArrayLike<number>, noise: ArrayLike<number>, logSnr0: number): number {
  if (noise.length !== pixels.length) {
    throw new VsdError("INVALID_SHAPE", `reconstructionNll: ${pixels.length} pixels but ${noise.length} noise values.`);
  }
  const prec = Math.exp(logSnr0);
  const scale = Math.exp(-logSnr0 / 2);
  let total = 0;
  for (let i = 0; i < pixels.length; i++) {
    const k0 = pixels[i]!;
    const y = encodePixel(k0) + scale * noise[i]!;
    // log-softmax at k0, computed with a max shift.
    let max = -Infinity;
    let own = 0;
    for (let k = 0; k < 256; k++) {
      const d = y - encodePixel(k);
      const l = -0.5 * d * d * prec;
      if (k === k0) own = l;
      if (l > max) max = l;
    }
    let sum = 0;
    for (let k = 0; k < 256; k++) {
      const d = y - encodePixel(k);
      sum += Math.exp(-0.5 * d * d * prec - max);
    }
    total += max + Math.log(sum) - own;
  }
  return total;
}

/**
 * Continuous-time diffusion loss of one sample at time t [VDM Eq. 17]:
 * L_diff = ½ · (−dλ/dt) · ‖ε − ε̂‖². Its expectation over t ~ U(0,1) equals
 * ½ ∫_{λ₁}^{λ₀} E‖ε − ε̂(z_λ; λ)‖² dλ, whatever the schedule in between [VDM §5.1].
 */
export function diffusionLoss(squaredError: number, dLogSnrDt: number): number {
  if (!(dLogSnrDt <= 0)) {
    throw new VsdError("INVALID_ARGUMENT", `diffusionLoss: λ(t) must be decreasing (dλ/dt ≤ 0), got ${dLogSnrDt}.`);
  }
  return 0.5 * -dLogSnrDt * squaredError;
}

/**
 * Discrete-time (T steps) diffusion loss of one sample [VDM Eq. 14, in λ]:
 * ½ · T · expm1(λ_s − λ_t) · ‖ε − ε̂‖², with s = t − 1/T the less noisy step.
 */
export function discreteDiffusionLoss(squaredError: number, logSnrT: number, logSnrS: number, steps: number): number {
  if (!(logSnrS >= logSnrT)) {
    throw new VsdError("INVALID_ARGUMENT", `discreteDiffusionLoss: need λ_s ≥ λ_t, got λ_s=${logSnrS}, λ_t=${logSnrT}.`);
  }
  return 0.5 * steps * Math.expm1(logSnrS - logSnrT) * squaredError;
}

/** Nats summed over `dims` dimensions to bits per dimension. */
export function natsToBitsPerDim(nats: number, dims: number): number {
  return nats / (dims * Math.LN2);
}

/** ln σ² of the VP process, exposed for tests and decoders: ln sigmoid(−λ). */
export function logVarianceFromLogSnr(lambda: number): number {
  return logSigmoid(-lambda);
}
