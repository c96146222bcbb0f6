import { VsdError } from "@vsd/core";

/** Result of {@link residualQuantize}. */
export interface ResidualQuantization {
  /** Chosen code per vector and depth, row-major `[n, D]`. */
  readonly codes: Int32Array;
  /** Sum of the chosen codewords, row-major `[n, dim]`. */
  readonly quantized: Float32Array;
  /**
   * Squared residual norms ‖r_d‖², row-major `[D + 1, n]`; depth 0 is the
   * input itself, depth d is the residual after d codes.
   */
  readonly residualNorms: Float64Array;
}

/**
 * Residual quantization (RQ-VAE, REFERENCES §2.1; Lee et al. 2022 §3.1):
 * r₀ = z; for d = 1…D, k_d = argmin_k ‖r_{d−1} − e_k‖² and r_d = r_{d−1} − e_{k_d}.
 *
 * `latents` holds n row-major vectors of length `dim`; `codebooks` holds D
 * codebooks (one per depth, each K×dim row-major; pass the same array D times
 * for a shared codebook, codebooks may differ in K). Ties go to the lowest
 * index. Distances and residuals are accumulated in float64, so the result is
 * deterministic and independent of the backend.
 */
export function residualQuantize(
  latents: Float32Array,
  dim: number,
  codebooks: readonly Float32Array[],
): ResidualQuantization {
  if (!Number.isInteger(dim) || dim <= 0) {
    throw new VsdError("INVALID_ARGUMENT", `residualQuantize: dim must be a positive integer, got ${dim}.`);
  }
  if (latents.length % dim !== 0) {
    throw new VsdError("INVALID_SHAPE", `residualQuantize: latents length ${latents.length} is not a multiple of dim ${dim}.`);
  }
  const depth = codebooks.length;
  if (depth === 0) {
    throw new VsdError("INVALID_ARGUMENT", "residualQuantize: at least one codebook (depth D ≥ 1) is required.");
  }
  const sizes = codebooks.map((cb, d) => {
    if (cb.length === 0 || cb.length % dim !== 0) {
      throw new VsdError(
        "INVALID_SHAPE",
        `residualQuantize: codebook ${d} has ${cb.length} values, not a non-zero multiple of dim ${dim}.`,
      );
    }
    return cb.length / dim;
  });
  // Float64 copies of each distinct codebook (shared codebooks are copied once):
  // mixing float32 reads into float64 arithmetic costs a conversion per element.
  const copies = new Map<Float32Array, Float64Array>();
  const books64 = codebooks.map((cb) => {
    let c = copies.get(cb);
    if (!c) {
      c = Float64Array.from(cb);
      copies.set(cb, c);
    }
    return c;
  });
  const n = latents.length / dim;
  const codes = new Int32Array(n * depth);
  const quantized = new Float32Array(n * dim);
  const residualNorms = new Float64Array((depth + 1) * n);
  const r = new Float64Array(dim);
  const q = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    let rr = 0;
    for (let j = 0; j < dim; j++) {
      const v = latents[i * dim + j]!;
      r[j] = v;
      q[j] = 0;
      rr += v * v;
    }
    if (!Number.isFinite(rr)) {
      throw new VsdError("NON_FINITE", `residualQuantize: latent vector ${i} has a non-finite value.`);
    }
    residualNorms[i] = rr;
    for (let d = 0; d < depth; d++) {
      const cb = books64[d]!;
      const k = sizes[d]!;
      // Squared distance computed directly in float64 (not via ‖e‖² − 2r·e, which
      // can break exact ties by rounding); strict < keeps the lowest index on ties.
      // A partial sum already above the best cannot win: checked every 4 terms.
      let best = 0;
      let bestDist = Infinity;
      for (let c = 0; c < k; c++) {
        let dist = 0;
        const off = c * dim;
        let j = 0;
        for (; j + 3 < dim; j += 4) {
          const v0 = r[j]! - cb[off + j]!;
          const v1 = r[j + 1]! - cb[off + j + 1]!;
          const v2 = r[j + 2]! - cb[off + j + 2]!;
          const v3 = r[j + 3]! - cb[off + j + 3]!;
          dist += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
          if (dist > bestDist) break;
        }
        if (dist > bestDist) continue;
        for (; j < dim; j++) {
          const v = r[j]! - cb[off + j]!;
          dist += v * v;
        }
        if (dist < bestDist) {
          bestDist = dist;
          best = c;
        }
      }
      codes[i * depth + d] = best;
      const off = best * dim;
      rr = 0;
      for (let j = 0; j < dim; j++) {
        const e = cb[off + j]!;
        const v = r[j]! - e;
        r[j] = v;
        q[j] = q[j]! + e;
        rr += v * v;
      }
      residualNorms[(d + 1) * n + i] = rr;
    }
    for (let j = 0; j < dim; j++) quantized[i * dim + j] = q[j]!;
  }
  return { codes, quantized, residualNorms };
}
