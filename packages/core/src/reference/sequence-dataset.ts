import type { ImageDataset, ImageSplit } from "../dataset.js";
import { syntheticSequences } from "../data/synthetic-sequences.js";
import { validateDataset } from "../data/validate.js";
import { VsdError } from "../errors.js";

export interface SequenceDatasetOptions {
  /** Train sequences. @default 256 */
  readonly n?: number;
  /** Test sequences, drawn independently. @default 64 */
  readonly nTest?: number;
  /** Positions per sequence (the image width). @default 8 */
  readonly length?: number;
  /** Dims per position (the image channels). @default 2 */
  readonly dim?: number;
  /** Lag-1 correlation of the AR(1). @default 0.9 */
  readonly rho?: number;
  /**
   * Pixels are `clamp(round(127.5 + scale·x), 0, 255)` for unit-variance x,
   * the same fixed map `syntheticStationary` uses.
   * @default 32
   */
  readonly scale?: number;
  /** @default 0 */
  readonly seed?: number;
}

export function resolveSequenceDatasetOptions(o: SequenceDatasetOptions = {}): Required<SequenceDatasetOptions> {
  const r = {
    n: o.n ?? 256,
    nTest: o.nTest ?? 64,
    length: o.length ?? 8,
    dim: o.dim ?? 2,
    rho: o.rho ?? 0.9,
    scale: o.scale ?? 32,
    seed: o.seed ?? 0,
  };
  if (!(r.scale > 0 && Number.isFinite(r.scale))) {
    throw new VsdError("INVALID_RANGE", `sequenceDataset: scale must be positive, got ${r.scale}.`);
  }
  return r;
}

/**
 * "Language-like" images: each image is one stationary AR(1) sequence
 * (`syntheticSequences`) laid out as a `1 × length` image with `dim` channels,
 * quantised to 8 bits. Every next-position conditional is the same, so the
 * positions are equivariant subtasks by construction.
 */
export function sequenceDataset(options: SequenceDatasetOptions = {}): ImageDataset {
  const r = resolveSequenceDatasetOptions(options);
  const split = (n: number, seed: number): ImageSplit => {
    const values = syntheticSequences({ n, length: r.length, dim: r.dim, rho: r.rho, seed });
    const pixels = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = Math.round(127.5 + r.scale * values[i]!);
      pixels[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return { n, pixels };
  };
  return validateDataset({
    name: "synthetic-sequence",
    height: 1,
    width: r.length,
    channels: r.dim,
    // Test sequences come from a different seed: independent of the train ones.
    train: split(r.n, r.seed),
    test: split(r.nTest, r.seed ^ 0x5eed),
  });
}
