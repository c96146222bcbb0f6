import { VsdError } from "../errors.js";

/**
 * The median of timings: the middle one after sorting, and for an even count
 * the upper of the two middle ones (no averaging, so it is always one of the
 * measured times). Does not change `xs`.
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new VsdError("INVALID_ARGUMENT", "median: needs at least one value.");
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
