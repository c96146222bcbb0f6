import { VsdError, stableSigmoid } from "@vsd/core";
import { makeSchedule, type NoiseSchedule } from "./noise-schedule.js";

/**
 * A discrete VP schedule (T values of ᾱ, index T−1 noisiest) as a continuous
 * `NoiseSchedule`: knots t_k = k/T with r = √ᾱ, r(0) = 1 and r(k/T) = √ᾱ_{k−1},
 * so discrete index i sits at t = (i+1)/T (the diffusers `betas_for_alpha_bar`
 * mapping, REFERENCES §1.3). Between knots r is linear in t, which keeps λ(t)
 * strictly decreasing and lets zero terminal SNR (ᾱ_{T−1} = 0, λ = −∞) through.
 * 1 − r is carried separately so λ stays accurate where ᾱ ≈ 1.
 */
export function discreteSchedule(alphasCumprod: ArrayLike<number>, name = "discrete"): NoiseSchedule {
  const T = alphasCumprod.length;
  if (T < 2) throw new VsdError("INVALID_ARGUMENT", `discreteSchedule needs at least 2 values, got ${T}.`);
  const r = new Float64Array(T + 1);
  const q = new Float64Array(T + 1); // q = 1 − r
  r[0] = 1;
  q[0] = 0;
  for (let i = 0; i < T; i++) {
    const ab = alphasCumprod[i]!;
    if (!(ab >= 0 && ab < 1)) throw new VsdError("INVALID_RANGE", `ᾱ[${i}] = ${ab} is outside [0, 1).`);
    const ri = Math.sqrt(ab);
    r[i + 1] = ri;
    q[i + 1] = (1 - ab) / (1 + ri);
    if (!(ri < r[i]!)) throw new VsdError("INVALID_RANGE", `ᾱ must be strictly decreasing (index ${i}).`);
  }
  const segment = (t: number) => Math.min(T - 1, Math.max(0, Math.floor(t * T)));
  const rq = (t: number): [number, number, number] => {
    const k = segment(t);
    const f = t * T - k;
    return [r[k]! + f * (r[k + 1]! - r[k]!), q[k]! + f * (q[k + 1]! - q[k]!), k];
  };
  return makeSchedule({
    name,
    family: "vp",
    logSnr(t) {
      const [rt, qt] = rq(t);
      // λ = ln r² − ln(1 − r²), 1 − r² = q(1 + r).
      return 2 * Math.log(rt) - Math.log(qt * (1 + rt));
    },
    logSnrDerivative(t) {
      const [rt, qt, k] = rq(t);
      const drdt = (r[k + 1]! - r[k]!) * T;
      return (2 / (rt * qt * (1 + rt))) * drdt;
    },
    tOfLogSnr(lambda) {
      // 1 − r = (1 − ᾱ)/(1 + √ᾱ) with ᾱ = sigmoid(λ); search the ascending q.
      const ab = stableSigmoid(lambda);
      const rt = Math.sqrt(ab);
      const qt = stableSigmoid(-lambda) / (1 + rt);
      let lo = 0;
      let hi = T;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (q[mid]! <= qt) lo = mid;
        else hi = mid;
      }
      const f = (qt - q[lo]!) / (q[lo + 1]! - q[lo]!);
      return (lo + f) / T;
    },
  });
}

/** λ_i = logit(ᾱ_i) of a discrete schedule (−∞ where ᾱ = 0). */
export function discreteLogSnr(alphasCumprod: ArrayLike<number>): Float64Array {
  const out = new Float64Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) {
    const ab = alphasCumprod[i]!;
    out[i] = Math.log(ab) - Math.log1p(-ab);
  }
  return out;
}
