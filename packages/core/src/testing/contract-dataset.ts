import type { ImageDataset } from "../dataset.js";
import { syntheticStationary } from "../data/synthetic-field.js";

/**
 * The contract suite's default data: 8×8×1 images of the stationary synthetic
 * field (a 4×4 grid of 2×2 cells), 64 train and 16 test images. Small, so the
 * suite stays fast for every plugin.
 */
export function contractDataset(): ImageDataset {
  return syntheticStationary({ n: 64, nTest: 16, rows: 4, cols: 4, cell: 2, channels: 1, seed: 0 });
}
