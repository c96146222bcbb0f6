/**
 * Deterministic test features, bit-identical to scripts/hash_features.py, so
 * fixtures store seeds and expected values instead of megabytes of features.
 *
 * u[i, j] = (lowbias32(seed·0x9E3779B9 + i·dim + j) + 0.5) / 2³²   (uint32 arithmetic)
 * f[i, j] = scale·((u[i, j] − ½) + ½(u[i, j−1] − ½)) + shift·((j mod 5)/5), rounded to float32
 */
export function lowbias32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

export function hashFeatures(seed: number, n: number, dim: number, scale = 1, shift = 0): Float32Array {
  const base = Math.imul(seed, 0x9e3779b9) >>> 0;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let prev = 0;
    for (let j = 0; j < dim; j++) {
      const h = lowbias32((base + i * dim + j) >>> 0);
      const u = (h + 0.5) / 4294967296 - 0.5;
      out[i * dim + j] = scale * (u + 0.5 * prev) + shift * ((j % 5) / 5);
      prev = u;
    }
  }
  return out;
}
