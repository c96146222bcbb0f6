import { VsdError, type Rng } from "@vsd/core";

/**
 * 256-way categorical over one 8-bit sub-pixel (REFERENCES §3.2; van den Oord
 * et al. 2016, "Pixels as discrete variables"): NLL = −ln softmax(ℓ)_x.
 */

/** ln softmax(logits)_x, stable (max-shifted log-sum-exp). */
export function categoricalLogProb(logits: ArrayLike<number>, x: number): number {
  if (logits.length !== 256) throw new VsdError("INVALID_SHAPE", `A categorical needs 256 logits, got ${logits.length}.`);
  if (!Number.isInteger(x) || x < 0 || x > 255) throw new VsdError("INVALID_RANGE", `An 8-bit value must be an integer in 0..255, got ${x}.`);
  let mx = -Infinity;
  for (let i = 0; i < 256; i++) mx = Math.max(mx, logits[i]!);
  let s = 0;
  for (let i = 0; i < 256; i++) s += Math.exp(logits[i]! - mx);
  return logits[x]! - mx - Math.log(s);
}

/** Draws one value from softmax(logits / temperature); T = 1 samples the model exactly. */
export function sampleCategorical(logits: ArrayLike<number>, rng: Rng, temperature = 1): number {
  if (!(temperature > 0)) throw new VsdError("INVALID_ARGUMENT", `Temperature must be > 0, got ${temperature}.`);
  let mx = -Infinity;
  for (let i = 0; i < 256; i++) mx = Math.max(mx, logits[i]! / temperature);
  let s = 0;
  const w = new Float64Array(256);
  for (let i = 0; i < 256; i++) s += w[i] = Math.exp(logits[i]! / temperature - mx);
  let u = rng.uniform() * s;
  for (let i = 0; i < 256; i++) {
    u -= w[i]!;
    if (u < 0) return i;
  }
  return 255;
}
