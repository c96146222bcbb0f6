import { VsdError, encodePixel, stableSigmoid } from "@vsd/core";

/**
 * Derivatives of the VDM ELBO's endpoint terms with respect to the endpoint
 * log-SNRs, needed when the endpoints are learned on the VLB [VDM App. I.2].
 * The values match core's `priorKl` / `reconstructionNll` (same formulas,
 * REFERENCES §1.15); candidates to move into core/diffusion.
 */

/**
 * d L_prior / d λ₁ for L_prior = ½ Σ (α₁²(f² − 1) + softplus(λ₁)), α₁² = sigmoid(λ₁):
 * ½ Σ (s(1 − s)(f² − 1) + s) with s = sigmoid(λ₁) [derived].
 */
export function priorKlGrad(pixels: ArrayLike<number>, logSnr1: number): number {
  const s = stableSigmoid(logSnr1);
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) {
    const f = encodePixel(pixels[i]!);
    sum += s * (1 - s) * (f * f - 1) + s;
  }
  return 0.5 * sum;
}

/**
 * One-sample L_recon (summed over pixels) and its derivative in λ₀, with the
 * noise held fixed (reparameterisation). Decoder logits ℓ_k = −½ d_k² e^{λ₀},
 * d_k = y − f(k), y = f(x) + e^{−λ₀/2} ε, so [derived]
 *   dℓ_k/dλ₀ = −½ d_k² e^{λ₀} + ½ d_k e^{λ₀} e^{−λ₀/2} ε,
 *   d(−ln softmax_{x})/dλ₀ = Σ_k p_k dℓ_k/dλ₀ − dℓ_x/dλ₀.
 * Only bins whose logit is within 60 nats of the largest are summed (the rest
 * weigh < e^{−60}), which makes high-SNR decoders cheap.
 */
export function reconstructionNllWithGrad(
  pixels: ArrayLike<number>,
  noise: ArrayLike<number>,
  logSnr0: number,
): { nll: number; grad: number } {
  if (noise.length !== pixels.length) {
    throw new VsdError("INVALID_SHAPE", `reconstructionNllWithGrad: ${pixels.length} pixels but ${noise.length} noise values.`);
  }
  const prec = Math.exp(logSnr0);
  const scale = Math.exp(-logSnr0 / 2);
  const radius = Math.ceil(Math.sqrt(120 / prec) * 128) + 1;
  let nll = 0;
  let grad = 0;
  for (let i = 0; i < pixels.length; i++) {
    const k0 = pixels[i]!;
    const e = noise[i]!;
    const y = encodePixel(k0) + scale * e;
    const centre = Math.round((y + 1) * 128 - 0.5);
    const lo = Math.max(0, Math.min(k0, centre) - radius);
    const hi = Math.min(255, Math.max(k0, centre) + radius);
    let max = -Infinity;
    for (let k = lo; k <= hi; k++) {
      const d = y - encodePixel(k);
      const l = -0.5 * d * d * prec;
      if (l > max) max = l;
    }
    let z = 0;
    let dsum = 0;
    let own = 0;
    let ownD = 0;
    for (let k = lo; k <= hi; k++) {
      const d = y - encodePixel(k);
      const l = -0.5 * d * d * prec;
      const dl = -0.5 * d * d * prec + 0.5 * d * prec * scale * e;
      const p = Math.exp(l - max);
      z += p;
      dsum += p * dl;
      if (k === k0) {
        own = l;
        ownD = dl;
      }
    }
    nll += max + Math.log(z) - own;
    grad += dsum / z - ownD;
  }
  return { nll, grad };
}
