import { VsdError } from "@vsd/core";
import { shiftFlowSigma } from "./schedules/flow.js";

/**
 * Karras σ schedule [EDM Eq. 5; k-diffusion `sampling.py::get_sigmas_karras`]:
 * σ_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ for i = 0…n−1,
 * then a trailing 0 (k-diffusion `append_zero`): n + 1 values for n steps.
 */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new VsdError("INVALID_ARGUMENT", `karrasSigmas: n must be an integer ≥ 1, got ${n}.`);
  if (!(sigmaMin > 0 && sigmaMax >= sigmaMin && rho > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `karrasSigmas needs 0 < sigmaMin ≤ sigmaMax and rho > 0.`);
  }
  const out = new Float64Array(n + 1);
  const lo = sigmaMin ** (1 / rho);
  const hi = sigmaMax ** (1 / rho);
  for (let i = 0; i < n; i++) {
    const ramp = n === 1 ? 0 : i / (n - 1);
    out[i] = (hi + ramp * (lo - hi)) ** rho;
  }
  out[n] = 0;
  return out;
}

export interface FlowMatchSigmasOptions {
  /** Training steps T of the discrete grid; the unshifted σ_min is 1/T. @default 1000 */
  readonly numTrainTimesteps?: number;
}

/**
 * Rectified-flow inference σ's with a static shift applied exactly once
 * (REFERENCES §1.5, §6.2): σ_i = shift(linspace(1, 1/T, steps)_i), then a trailing 0.
 * diffusers' FlowMatchEulerDiscreteScheduler shifts the already-shifted σ_min
 * a second time (diffusers #13243); here the last σ before 0 is shift(1/T).
 */
export function flowMatchSigmas(steps: number, shift: number, options: FlowMatchSigmasOptions = {}): Float64Array {
  const T = options.numTrainTimesteps ?? 1000;
  if (!Number.isInteger(steps) || steps < 1) throw new VsdError("INVALID_ARGUMENT", `flowMatchSigmas: steps must be an integer ≥ 1.`);
  if (!(shift > 0) || !(T >= 1)) throw new VsdError("INVALID_ARGUMENT", `flowMatchSigmas needs shift > 0 and numTrainTimesteps ≥ 1.`);
  const out = new Float64Array(steps + 1);
  const sMin = 1 / T;
  for (let i = 0; i < steps; i++) {
    const u = steps === 1 ? 1 : 1 + ((sMin - 1) * i) / (steps - 1);
    out[i] = shiftFlowSigma(u, shift);
  }
  out[steps] = 0;
  return out;
}
