import { VsdError } from "@vsd/core";

/** Usage statistics of one depth's (or scale's) codes. */
export interface CodebookUsage {
  /** Share of the K codes used at least `minCount` times. */
  readonly usage: number;
  /** Number of codes used at least `minCount` times. */
  readonly used: number;
  /** exp(−Σ p̄_k ln p̄_k) ∈ [1, K] (REFERENCES §2.7). */
  readonly perplexity: number;
  /** Per-code counts. */
  readonly counts: Float64Array;
}

/**
 * Usage and perplexity of the codes at one depth of an `[n, D]` code array
 * (as returned by `residualQuantize`).
 */
export function codebookUsage(codes: Int32Array, depth: number, d: number, size: number, minCount = 1): CodebookUsage {
  if (!(Number.isInteger(depth) && depth > 0 && codes.length % depth === 0)) {
    throw new VsdError("INVALID_SHAPE", `codebookUsage: ${codes.length} codes are not [n, ${depth}].`);
  }
  if (!(Number.isInteger(d) && d >= 0 && d < depth)) throw new VsdError("INVALID_RANGE", `codebookUsage: depth index ${d} outside [0, ${depth}).`);
  const counts = new Float64Array(size);
  const n = codes.length / depth;
  for (let i = 0; i < n; i++) {
    const c = codes[i * depth + d]!;
    if (!(c >= 0 && c < size)) throw new VsdError("INVALID_RANGE", `codebookUsage: code ${c} outside [0, ${size}).`);
    counts[c]! += 1;
  }
  let used = 0;
  let entropy = 0;
  for (const c of counts) {
    if (c >= minCount && c > 0) used++;
    if (c > 0) {
      const p = c / n;
      entropy -= p * Math.log(p);
    }
  }
  return { usage: used / size, used, perplexity: Math.exp(entropy), counts };
}
