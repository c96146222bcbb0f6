/**
 * Log-SNR conversions for Gaussian diffusion, in stable float64 form.
 *
 * Convention (REFERENCES §0): z = α·x + σ·ε, λ = ln(α²/σ²). In the variance-
 * preserving (VP) family α² = sigmoid(λ) and σ² = sigmoid(−λ) [VDM Eq. 3–5],
 * so every quantity below is a sigmoid/softplus of λ and stays finite and
 * accurate for |λ| up to ~700, including λ = ±∞ (zero or infinite SNR).
 */

/** sigmoid(x) = 1/(1+e^(−x)), without overflow for either sign. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** ln sigmoid(x), accurate in both tails. */
export function logSigmoid(x: number): number {
  if (x === Infinity) return 0;
  if (x === -Infinity) return -Infinity;
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** softplus(x) = ln(1 + e^x) = −ln sigmoid(−x). */
export function softplus(x: number): number {
  return -logSigmoid(-x);
}

/** logit(p) = ln p − ln(1−p). */
export function logit(p: number): number {
  return Math.log(p) - Math.log1p(-p);
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** Signal and noise scales of the VP forward process. */
export interface AlphaSigma {
  readonly alpha: number;
  readonly sigma: number;
}

/** VP scales from log-SNR: α = √sigmoid(λ), σ = √sigmoid(−λ). */
export function alphaSigmaFromLogSnr(lambda: number): AlphaSigma {
  return { alpha: Math.sqrt(sigmoid(lambda)), sigma: Math.sqrt(sigmoid(-lambda)) };
}

/** λ = 2(ln α − ln σ), any family (VP, VE, flow). */
export function logSnrFromAlphaSigma(alpha: number, sigma: number): number {
  return 2 * (Math.log(alpha) - Math.log(sigma));
}

/** VP/DDPM: λ = logit(ᾱ) (REFERENCES §1.1). */
export function logSnrFromAlphaBar(alphaBar: number): number {
  return logit(alphaBar);
}

/** VP/DDPM: ᾱ = sigmoid(λ). */
export function alphaBarFromLogSnr(lambda: number): number {
  return sigmoid(lambda);
}

/** SNR = e^λ. */
export function snrFromLogSnr(lambda: number): number {
  return Math.exp(lambda);
}

/** VE/EDM noise level σ = e^(−λ/2) (α = 1), and the VP → VE map σ_VE = σ/α. */
export function sigmaVeFromLogSnr(lambda: number): number {
  return Math.exp(-lambda / 2);
}

/** λ = −2 ln σ for a VE/EDM σ. */
export function logSnrFromSigmaVe(sigma: number): number {
  return -2 * Math.log(sigma);
}
