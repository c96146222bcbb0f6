import { VsdError } from "../errors.js";
import { alphaSigmaFromLogSnr } from "./log-snr.js";

type Floats = Float32Array | Float64Array;

/**
 * VP forward process z = α(λ)·x + σ(λ)·ε, elementwise (REFERENCES §0).
 * `logSnr` is one λ for all elements or one per row of `rowLength` elements.
 */
export function diffuse(
  x: ArrayLike<number>,
  eps: ArrayLike<number>,
  logSnr: number | ArrayLike<number>,
  out: Floats = new Float64Array(x.length),
): Floats {
  if (eps.length !== x.length || out.length !== x.length) {
    throw new VsdError("INVALID_SHAPE", `diffuse: x, eps and out must have one length (got ${x.length}, ${eps.length}, ${out.length}).`);
  }
  if (typeof logSnr === "number") {
    const { alpha, sigma } = alphaSigmaFromLogSnr(logSnr);
    for (let i = 0; i < x.length; i++) out[i] = alpha * x[i]! + sigma * eps[i]!;
    return out;
  }
  const rows = logSnr.length;
  if (rows === 0 || x.length % rows !== 0) {
    throw new VsdError("INVALID_SHAPE", `diffuse: ${x.length} elements do not split into ${rows} rows.`);
  }
  const d = x.length / rows;
  for (let r = 0; r < rows; r++) {
    const { alpha, sigma } = alphaSigmaFromLogSnr(logSnr[r]!);
    for (let j = r * d; j < (r + 1) * d; j++) out[j] = alpha * x[j]! + sigma * eps[j]!;
  }
  return out;
}
