import { VsdError } from "../errors.js";

/**
 * Low-discrepancy ("antithetic") diffusion times t_i = (u₀ + i/n) mod 1
 * [VDM App. I.1; google-research/vdm `antithetic_time_sampling`]: one uniform
 * draw u₀ gives n times that cover [0, 1) evenly, which lowers the variance of
 * the Monte-Carlo diffusion loss while each t_i stays marginally uniform.
 */
export function antitheticTimes(n: number, u0: number): Float64Array {
  if (!Number.isInteger(n) || n <= 0) {
    throw new VsdError("INVALID_ARGUMENT", `antitheticTimes: n must be a positive integer, got ${n}.`);
  }
  if (!(u0 >= 0 && u0 < 1)) {
    throw new VsdError("INVALID_RANGE", `antitheticTimes: u0 must be in [0, 1), got ${u0}.`);
  }
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = u0 + i / n;
    t[i] = v >= 1 ? v - 1 : v;
  }
  return t;
}
