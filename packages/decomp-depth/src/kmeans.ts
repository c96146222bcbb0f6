import { type Rng, VsdError } from "@vsd/core";

/**
 * Lloyd's k-means on n row-major vectors of length `dim` (REFERENCES §2.4,
 * lucidrains `vector_quantize_pytorch.py::kmeans`): centroids start as k
 * distinct random rows (with replacement when n < k), then `iterations` rounds
 * of assign-to-nearest / move-to-mean; an empty cluster keeps its centroid.
 * Returns the centroids (k×dim) and the final cluster sizes.
 */
export function kmeans(
  data: Float32Array,
  dim: number,
  k: number,
  iterations: number,
  rng: Rng,
): { centroids: Float32Array; counts: Float64Array } {
  if (!Number.isInteger(dim) || dim <= 0 || data.length % dim !== 0 || data.length === 0) {
    throw new VsdError("INVALID_SHAPE", `kmeans: data length ${data.length} is not a non-zero multiple of dim ${dim}.`);
  }
  if (!Number.isInteger(k) || k <= 0) throw new VsdError("INVALID_ARGUMENT", `kmeans: k must be a positive integer, got ${k}.`);
  const n = data.length / dim;
  const centroids = new Float32Array(k * dim);
  const picks = n >= k ? rng.sample(n, k) : Int32Array.from({ length: k }, () => rng.int(n));
  for (let c = 0; c < k; c++) centroids.set(data.subarray(picks[c]! * dim, (picks[c]! + 1) * dim), c * dim);
  const assign = new Int32Array(n);
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * dim);
  for (let it = 0; it <= iterations; it++) {
    nearestCodes(data, dim, centroids, assign);
    counts.fill(0);
    if (it === iterations) {
      for (let i = 0; i < n; i++) counts[assign[i]!]! += 1;
      break;
    }
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assign[i]!;
      counts[c]! += 1;
      for (let j = 0; j < dim; j++) sums[c * dim + j]! += data[i * dim + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]! === 0) continue;
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j]! / counts[c]!;
    }
  }
  return { centroids, counts };
}

/** Index of the nearest row of `codebook` (squared distance, ties to the lowest index) for each row of `data`. */
export function nearestCodes(data: Float32Array, dim: number, codebook: Float32Array, out = new Int32Array(data.length / dim)): Int32Array {
  const n = data.length / dim;
  const k = codebook.length / dim;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDist = Infinity;
    for (let c = 0; c < k; c++) {
      let dist = 0;
      for (let j = 0; j < dim && dist <= bestDist; j++) {
        const v = data[i * dim + j]! - codebook[c * dim + j]!;
        dist += v * v;
      }
      if (dist < bestDist) {
        bestDist = dist;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}
