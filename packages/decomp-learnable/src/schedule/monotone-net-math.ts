import { VsdError, stableSigmoid, stableSoftplus } from "@vsd/core";

/**
 * Positive weights of the monotone schedule network, as plain float64 arrays
 * (the `softplus` of the raw trainable values, so every weight is > 0).
 */
export interface MonotoneNetWeights {
  /** l₁: 1 → 1 weight. */
  readonly w1: number;
  /** l₂: 1 → H weights. */
  readonly w2: ArrayLike<number>;
  /** l₂ biases (unconstrained). */
  readonly b2: ArrayLike<number>;
  /** l₃: H → 1 weights. */
  readonly w3: ArrayLike<number>;
}

export interface GammaValue {
  readonly gamma: number;
  /** dγ/dt. */
  readonly dgamma: number;
}

/**
 * The un-normalised monotone network of VDM App. H
 * (`google-research/vdm` `model_vdm.py::NoiseSchedule_NNet`, REFERENCES §4.1):
 *   γ̃(t) = w₁·t + (1/H) Σⱼ w₃ⱼ·φ(w₂ⱼ·2(t − ½) + b₂ⱼ),   φ(h) = 2(sigmoid(h) − ½),
 * with all weights positive, so γ̃ is increasing. l₁'s bias is left out: the
 * endpoint renormalisation cancels it exactly. Its derivative, written by hand
 * (no second-order autodiff needed on wasm):
 *   γ̃′(t) = w₁ + (1/H) Σⱼ w₃ⱼ·φ′(hⱼ)·2w₂ⱼ,   φ′(h) = 2·sigmoid(h)(1 − sigmoid(h)).
 * γ̃′ ≥ w₁ > 0, so γ̃ is strictly increasing.
 */
export function monotoneNet(w: MonotoneNetWeights, t: number): GammaValue {
  const H = w.w2.length;
  let value = w.w1 * t;
  let deriv = w.w1;
  const u = 2 * (t - 0.5);
  for (let j = 0; j < H; j++) {
    const h = w.w2[j]! * u + w.b2[j]!;
    const s = stableSigmoid(h);
    value += (w.w3[j]! * 2 * (s - 0.5)) / H;
    deriv += (w.w3[j]! * 2 * s * (1 - s) * 2 * w.w2[j]!) / H;
  }
  return { gamma: value, dgamma: deriv };
}

/**
 * The schedule with its endpoints imposed [VDM App. I.2; lucidrains
 * `learned_noise_schedule`; REFERENCES §4.1]:
 *   γ(t) = γ₀ + (γ₁ − γ₀)·r(t),   r(t) = (γ̃(t) − γ̃(0))/(γ̃(1) − γ̃(0)),
 * computed as γ₀(1 − r) + γ₁r so that γ(0) = γ₀ and γ(1) = γ₁ hold exactly
 * in floating point (r(0) = 0 and r(1) = 1 exactly).
 */
export function normalizedGamma(w: MonotoneNetWeights, gamma0: number, gamma1: number, t: number): GammaValue {
  if (!(gamma1 > gamma0)) throw new VsdError("INVALID_RANGE", `normalizedGamma: need γ₁ > γ₀, got ${gamma0}, ${gamma1}.`);
  const lo = monotoneNet(w, 0).gamma;
  const hi = monotoneNet(w, 1).gamma;
  const { gamma: g, dgamma: dg } = monotoneNet(w, t);
  const span = hi - lo;
  const r = (g - lo) / span;
  return { gamma: gamma0 * (1 - r) + gamma1 * r, dgamma: ((gamma1 - gamma0) * dg) / span };
}

/** softplus applied to raw values: the positive weights the network uses. */
export function positive(raw: ArrayLike<number>): Float64Array {
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = stableSoftplus(raw[i]!);
  return out;
}

/** Inverse of softplus, for initialising a raw value to a target positive weight. */
export function inverseSoftplus(y: number): number {
  if (!(y > 0)) throw new VsdError("INVALID_ARGUMENT", `inverseSoftplus needs y > 0, got ${y}.`);
  return y > 30 ? y : Math.log(Math.expm1(y));
}
