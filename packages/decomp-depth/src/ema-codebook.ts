import { type Rng, VsdError } from "@vsd/core";

/**
 * EMA state of one codebook (REFERENCES §2.3; VQ-VAE App. A.1): `counts` N_k
 * and `sums` m_k (K×dim). The codewords are e_k = m_k / Ñ_k.
 */
export interface EmaCodebookState {
  readonly size: number;
  readonly dim: number;
  readonly counts: Float64Array;
  readonly sums: Float64Array;
}

export function createEmaState(codebook: Float32Array, dim: number, counts?: Float64Array): EmaCodebookState {
  const size = codebook.length / dim;
  const c = counts ? Float64Array.from(counts) : new Float64Array(size).fill(1);
  const sums = new Float64Array(size * dim);
  for (let k = 0; k < size; k++) for (let j = 0; j < dim; j++) sums[k * dim + j] = codebook[k * dim + j]! * c[k]!;
  return { size, dim, counts: c, sums };
}

/**
 * One EMA step from a batch: `vectors` (n×dim) were assigned `codes`.
 * N_k ← γN_k + (1−γ)n_k, m_k ← γm_k + (1−γ)Σ_{j:k_j=k} z_j, then the codebook
 * is rewritten as e_k = m_k/Ñ_k with Laplace-smoothed counts
 * Ñ_k = (N_k + ε)/(ΣN + Kε)·ΣN (lucidrains `Codebook.update_ema`, `laplace_smoothing`).
 */
export function emaUpdate(
  state: EmaCodebookState,
  codebook: Float32Array,
  vectors: Float32Array,
  codes: Int32Array,
  decay: number,
  epsilon: number,
): void {
  const { size, dim, counts, sums } = state;
  if (codes.length * dim !== vectors.length || codebook.length !== size * dim) {
    throw new VsdError("INVALID_SHAPE", "emaUpdate: vectors, codes and codebook sizes disagree.");
  }
  if (!(decay >= 0 && decay < 1)) throw new VsdError("INVALID_ARGUMENT", `emaUpdate: decay must be in [0, 1), got ${decay}.`);
  const batchCounts = new Float64Array(size);
  const batchSums = new Float64Array(size * dim);
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i]!;
    batchCounts[k]! += 1;
    for (let j = 0; j < dim; j++) batchSums[k * dim + j]! += vectors[i * dim + j]!;
  }
  let total = 0;
  for (let k = 0; k < size; k++) {
    counts[k] = decay * counts[k]! + (1 - decay) * batchCounts[k]!;
    total += counts[k]!;
  }
  for (let x = 0; x < size * dim; x++) sums[x] = decay * sums[x]! + (1 - decay) * batchSums[x]!;
  for (let k = 0; k < size; k++) {
    const smoothed = ((counts[k]! + epsilon) / (total + size * epsilon)) * total;
    if (!(smoothed > 0)) continue; // an all-zero state keeps its codewords
    for (let j = 0; j < dim; j++) codebook[k * dim + j] = sums[k * dim + j]! / smoothed;
  }
}

/**
 * Dead-code restart (REFERENCES §2.5, lucidrains `Codebook.expire_codes_`):
 * codes whose EMA count is below `threshold` are replaced by random rows of
 * `vectors`, with N_k ← threshold and m_k ← vector·N_k so that e_k is the new
 * vector. Returns how many codes were restarted.
 */
export function restartDeadCodes(
  state: EmaCodebookState,
  codebook: Float32Array,
  vectors: Float32Array,
  threshold: number,
  rng: Rng,
): number {
  if (threshold <= 0 || vectors.length === 0) return 0;
  const { size, dim, counts, sums } = state;
  const n = vectors.length / dim;
  let restarted = 0;
  for (let k = 0; k < size; k++) {
    if (counts[k]! >= threshold) continue;
    const i = rng.int(n);
    counts[k] = threshold;
    for (let j = 0; j < dim; j++) {
      const v = vectors[i * dim + j]!;
      codebook[k * dim + j] = v;
      sums[k * dim + j] = v * threshold;
    }
    restarted++;
  }
  return restarted;
}

/** Re-seeds `state` in place from a freshly set `codebook` and its `counts` (e.g. after a k-means init). */
export function resetEmaState(state: EmaCodebookState, codebook: Float32Array, counts?: Float64Array): void {
  const fresh = createEmaState(codebook, state.dim, counts);
  state.counts.set(fresh.counts);
  state.sums.set(fresh.sums);
}

/**
 * One EMA step of each codebook b from the vectors `bins[b]` assigned to it,
 * then its dead-code restart (in codebook order, one `rng`). Returns the codes restarted.
 */
export function emaStepBooks(
  states: readonly EmaCodebookState[],
  books: readonly Float32Array[],
  bins: readonly { vectors: number[]; codes: number[] }[],
  o: { decay: number; epsilon: number; deadCodeThreshold: number; rng: Rng },
): number {
  let restarted = 0;
  states.forEach((st, b) => {
    const vectors = Float32Array.from(bins[b]!.vectors);
    emaUpdate(st, books[b]!, vectors, Int32Array.from(bins[b]!.codes), o.decay, o.epsilon);
    restarted += restartDeadCodes(st, books[b]!, vectors, o.deadCodeThreshold, o.rng);
  });
  return restarted;
}

/** Codebooks and EMA statistics as JSON-safe arrays, for a tokenizer's checkpoint meta. */
export interface CodebookCheckpoint {
  readonly codebooks: number[][];
  readonly ema: { counts: number[]; sums: number[] }[];
}

export function codebookCheckpoint(books: readonly Float32Array[], ema: readonly EmaCodebookState[]): CodebookCheckpoint {
  return {
    codebooks: books.map((b) => Array.from(b)),
    ema: ema.map((e) => ({ counts: Array.from(e.counts), sums: Array.from(e.sums) })),
  };
}

/** Writes a checkpoint's codebooks and EMA statistics back in place; a size mismatch is `CHECKPOINT_MISMATCH`. */
export function restoreCodebookCheckpoint(
  saved: CodebookCheckpoint,
  books: readonly Float32Array[],
  ema: readonly EmaCodebookState[],
  source: string,
): void {
  if (saved.codebooks.length !== books.length || saved.ema.length !== ema.length) {
    throw new VsdError("CHECKPOINT_MISMATCH", `${source} holds ${saved.codebooks.length} codebooks, this tokenizer has ${books.length}.`);
  }
  books.forEach((b, i) => {
    if (saved.codebooks[i]!.length !== b.length) throw new VsdError("CHECKPOINT_MISMATCH", `Codebook ${i} size differs in ${source}.`);
    b.set(saved.codebooks[i]!);
  });
  ema.forEach((e, i) => {
    if (saved.ema[i]!.sums.length !== e.sums.length) throw new VsdError("CHECKPOINT_MISMATCH", `EMA state ${i} size differs in ${source}.`);
    e.counts.set(saved.ema[i]!.counts);
    e.sums.set(saved.ema[i]!.sums);
  });
}
