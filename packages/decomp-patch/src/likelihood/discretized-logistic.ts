import { VsdError, type Rng } from "@vsd/core";

/**
 * Discretized logistic mixture over 8-bit sub-pixels (PixelCNN++ §2.1–2.2,
 * `openai/pixel-cnn` `nn.py::discretized_mix_logistic_loss`; REFERENCES §3.3).
 * Pure math on numbers, the reference for the tensor version.
 *
 * Data y = x/127.5 − 1 ∈ [−1, 1], bin half-width δ = 1/255. Component m of a
 * pixel has weight softmax(logits)_m and, per channel, a logistic with mean μ
 * and log-scale (clamped ≥ −7). For 3 channels the means are coupled as in
 * PixelCNN++: μ_G += a·y_R, μ_B += b·y_R + c·y_G with a, b, c = tanh(·), using
 * the *discretized* values of the earlier channels, so the model is an exact
 * autoregressive distribution over the 256³ colours.
 *
 * Bin mass: P = σ(u₊) − σ(u₋) with u± = (y ± δ − μ)/s, and the edge bins take
 * the tails (x = 0: σ(u₊); x = 255: 1 − σ(u₋)). Instead of PixelCNN++'s
 * mid-bin density fallback (an approximation when P < 1e-5) we use the exact
 * identity  ln(σ(a) − σ(b)) = b + ln expm1(a − b) − softplus(a) − softplus(b),
 * mirrored to  −a + ln expm1(a − b) − softplus(−a) − softplus(−b)  when the bin
 * lies right of the mean, which is stable everywhere. So the 256 bin masses
 * of a channel sum to 1 (the bins telescope) and the NLL is an exact likelihood.
 */

/** Minimum log-scale (PixelCNN++ clamps at −7). */
export const MIN_LOG_SCALE = -7;
/** Half the width of an 8-bit bin in [−1, 1] units. */
export const BIN_HALF_WIDTH = 1 / 255;

/** Parameters per pixel for `m` components and `c` channels: logits, means, log-scales, and 3 coupling coefficients for RGB. */
export function mixtureParamCount(m: number, c: number): number {
  return m * (1 + 2 * c + (c === 3 ? 3 : 0));
}

/** Stable softplus: ln(1 + eᵘ). */
export function softplus(u: number): number {
  return u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
}

/** ln P(x) for one 8-bit value under a discretized logistic with mean `mu` and log-scale `logScale` (in [−1, 1] units). */
export function logisticBinLogProb(x: number, mu: number, logScale: number): number {
  if (!Number.isInteger(x) || x < 0 || x > 255) {
    throw new VsdError("INVALID_RANGE", `An 8-bit value must be an integer in 0..255, got ${x}.`);
  }
  const invS = Math.exp(-Math.max(logScale, MIN_LOG_SCALE));
  const y = x / 127.5 - 1;
  const a = (y + BIN_HALF_WIDTH - mu) * invS;
  const b = (y - BIN_HALF_WIDTH - mu) * invS;
  if (x === 0) return -softplus(-a); // ln σ(a)
  if (x === 255) return -softplus(b); // ln(1 − σ(b))
  const lnGap = Math.log(Math.expm1(a - b));
  return a + b < 0 ? b + lnGap - softplus(a) - softplus(b) : -a + lnGap - softplus(-a) - softplus(-b);
}

function logSumExp(v: ArrayLike<number>): number {
  let mx = -Infinity;
  for (let i = 0; i < v.length; i++) mx = Math.max(mx, v[i]!);
  if (mx === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i]! - mx);
  return mx + Math.log(s);
}

/** Offsets of each parameter block in a pixel's parameter vector. */
function layout(m: number, c: number) {
  return { logits: 0, means: m, logScales: m + m * c, coeffs: m + 2 * m * c };
}

/** The mean of channel `ch` of component `k`, with RGB coupling on the discretized earlier channels. */
function coupledMean(params: ArrayLike<number>, m: number, c: number, k: number, ch: number, ys: ArrayLike<number>): number {
  const L = layout(m, c);
  let mu = params[L.means + k * c + ch]!;
  if (c === 3 && ch > 0) {
    const co = L.coeffs + k * 3;
    if (ch === 1) mu += Math.tanh(params[co]!) * ys[0]!;
    else mu += Math.tanh(params[co + 1]!) * ys[0]! + Math.tanh(params[co + 2]!) * ys[1]!;
  }
  return mu;
}

/**
 * ln p(x) in nats for one pixel `x` (c 8-bit values) under the mixture with
 * raw parameters `params` (length `mixtureParamCount(m, c)`, layout: m logits,
 * m·c means, m·c log-scales, then m·3 coupling pre-activations when c = 3).
 */
export function mixtureLogProb(params: ArrayLike<number>, x: ArrayLike<number>, m: number, c: number): number {
  if (params.length !== mixtureParamCount(m, c) || x.length !== c) {
    throw new VsdError("INVALID_SHAPE", `mixtureLogProb: expected ${mixtureParamCount(m, c)} params and ${c} values.`);
  }
  const L = layout(m, c);
  const logits = Array.from({ length: m }, (_, k) => params[L.logits + k]!);
  const lse = logSumExp(logits);
  const ys = Array.from({ length: c }, (_, ch) => x[ch]! / 127.5 - 1);
  const terms = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let t = logits[k]! - lse;
    for (let ch = 0; ch < c; ch++) {
      t += logisticBinLogProb(x[ch]!, coupledMean(params, m, c, k, ch, ys), params[L.logScales + k * c + ch]!);
    }
    terms[k] = t;
  }
  return logSumExp(terms);
}

/**
 * Draws one pixel from the mixture. With `temperature` T the component logits
 * are divided by T and the logistic scales multiplied by T; T = 1 samples the
 * model exactly (a continuous logistic draw rounded to the nearest bin centre
 * and clipped has exactly the bin masses above).
 */
export function sampleMixture(
  params: ArrayLike<number>,
  m: number,
  c: number,
  rng: Rng,
  temperature = 1,
  out: Uint8Array = new Uint8Array(c),
): Uint8Array {
  if (!(temperature > 0)) throw new VsdError("INVALID_ARGUMENT", `Temperature must be > 0, got ${temperature}.`);
  const L = layout(m, c);
  const logits = Array.from({ length: m }, (_, k) => params[L.logits + k]! / temperature);
  const lse = logSumExp(logits);
  let u = rng.uniform();
  let k = m - 1;
  for (let j = 0; j < m; j++) {
    u -= Math.exp(logits[j]! - lse);
    if (u < 0) {
      k = j;
      break;
    }
  }
  const ys = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const mu = coupledMean(params, m, c, k, ch, ys);
    const s = Math.exp(Math.max(params[L.logScales + k * c + ch]!, MIN_LOG_SCALE)) * temperature;
    const v = Math.min(Math.max(rng.uniform(), 1e-12), 1 - 1e-12);
    const y = mu + s * (Math.log(v) - Math.log1p(-v));
    const xv = Math.min(255, Math.max(0, Math.round((y + 1) * 127.5)));
    out[ch] = xv;
    ys[ch] = xv / 127.5 - 1;
  }
  return out;
}
