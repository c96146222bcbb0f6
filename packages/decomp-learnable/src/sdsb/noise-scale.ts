import { VsdError } from "@vsd/core";

/**
 * S-DSB per-step noise scales γ_k, k = 0…N−1 [S-DSB code `prepare_gamma_dsb`;
 * REFERENCES §4.3]: `linear_a_b` is a symmetric ramp a → b over the first N/2
 * steps, mirrored back to a over the second half; `constant` is g for all steps.
 * A step adds √(2γ_k)·ξ.
 */
export type NoiseScaleSpec = { readonly kind: "linear"; readonly a: number; readonly b: number } | { readonly kind: "constant"; readonly g: number };

export function noiseScales(steps: number, spec: NoiseScaleSpec): Float64Array {
  if (!(Number.isInteger(steps) && steps >= 2)) throw new VsdError("INVALID_ARGUMENT", `noiseScales: steps must be an integer ≥ 2, got ${steps}.`);
  const out = new Float64Array(steps);
  if (spec.kind === "constant") {
    if (!(spec.g >= 0)) throw new VsdError("INVALID_RANGE", `noiseScales: g must be ≥ 0.`);
    return out.fill(spec.g);
  }
  if (!(spec.a >= 0 && spec.b >= 0)) throw new VsdError("INVALID_RANGE", `noiseScales: a and b must be ≥ 0.`);
  // First half: linspace(a, b, ⌈N/2⌉); second half: the first half reversed (length ⌊N/2⌋).
  const half = Math.ceil(steps / 2);
  for (let i = 0; i < half; i++) out[i] = half === 1 ? spec.a : spec.a + ((spec.b - spec.a) * i) / (half - 1);
  for (let i = half; i < steps; i++) out[i] = out[steps - 1 - i]!;
  return out;
}
