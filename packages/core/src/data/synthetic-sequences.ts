import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { fillAr1Sequence } from "./ar1.js";
import { checkRho } from "./synthetic-field.js";

/** Options of {@link syntheticSequences}. */
export interface SyntheticSequenceOptions {
  /** Number of sequences. @default 1000 */
  readonly n?: number;
  /** Positions per sequence. @default 16 */
  readonly length?: number;
  /** Dims per position. @default 8 */
  readonly dim?: number;
  /** Lag-1 correlation. @default 0.9 */
  readonly rho?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** Resolves {@link SyntheticSequenceOptions} with defaults (and checks them). */
export function resolveSyntheticSequenceOptions(o: SyntheticSequenceOptions = {}): Required<SyntheticSequenceOptions> {
  const r = { n: o.n ?? 1000, length: o.length ?? 16, dim: o.dim ?? 8, rho: o.rho ?? 0.9, seed: o.seed ?? 0 };
  for (const k of ["n", "length", "dim"] as const) {
    if (!(Number.isInteger(r[k]) && r[k] > 0)) {
      throw new VsdError("INVALID_ARGUMENT", `syntheticSequences: ${k} must be a positive integer, got ${r[k]}.`);
    }
  }
  checkRho("rho", r.rho);
  return r;
}

/**
 * "Language-like" data: `n` independent stationary AR(1) sequences, row-major
 * `[n, length, dim]` float32, unit variance, `Corr(x_t, x_{t+k}) = rho^k` at
 * every position t and independent across dims (`fillAr1Sequence`). Every
 * next-position conditional is the same `N(rho·x_{t−1}, 1−rho²)`, so a
 * decomposition into positions is equivariant by construction: a probe must
 * find transfer gaps ≈ 0 here.
 */
export function syntheticSequences(options: SyntheticSequenceOptions = {}): Float32Array {
  const { n, length, dim, rho, seed } = resolveSyntheticSequenceOptions(options);
  const rng = new Rng(seed).derive("sequences");
  const out = new Float32Array(n * length * dim);
  for (let s = 0; s < n; s++) fillAr1Sequence(out, length, dim, rho, rng, s * length * dim);
  return out;
}
