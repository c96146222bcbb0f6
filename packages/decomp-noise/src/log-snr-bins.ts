import { VsdError, type Subtask } from "@vsd/core";

/**
 * `count` equal-width log-SNR bins over [low, high], ordered noisy → clean, as
 * subtasks keyed `logsnr/<centre>` with params {logSnr, logSnrLow, logSnrHigh}.
 */
export function logSnrBins(range: readonly [number, number], count: number): readonly Subtask[] {
  const [lo, hi] = range;
  if (!Number.isInteger(count) || count < 1) throw new VsdError("INVALID_ARGUMENT", `bins must be a positive integer, got ${count}.`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw new VsdError("INVALID_RANGE", `logSnrRange must be finite with low < high, got ${JSON.stringify(range)}.`);
  }
  const width = (hi - lo) / count;
  return Array.from({ length: count }, (_, k) => {
    const a = lo + k * width;
    const centre = a + width / 2;
    return Object.freeze({
      index: k,
      key: `logsnr/${Math.round(centre * 1000) / 1000}`,
      params: Object.freeze({ logSnr: centre, logSnrLow: a, logSnrHigh: a + width }),
      group: centre < 0 ? "low-snr" : "high-snr",
    });
  });
}

/** Index of the bin containing λ, or −1 outside the range (the top edge belongs to the last bin). */
export function logSnrBinIndex(range: readonly [number, number], count: number, lambda: number): number {
  const [lo, hi] = range;
  if (!(lambda >= lo && lambda <= hi)) return -1;
  return Math.min(count - 1, Math.floor(((lambda - lo) / (hi - lo)) * count));
}
