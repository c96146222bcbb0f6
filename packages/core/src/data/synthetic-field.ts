import type { ImageDataset, ImageSplit } from "../dataset.js";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { fillSeparableAr1Field } from "./ar1.js";
import { validateDataset } from "./validate.js";

/** Options of {@link syntheticStationary}. */
export interface SyntheticFieldOptions {
  /** Train images. @default 4000 (DESIGN.md "Calibration") */
  readonly n?: number;
  /** Test images, drawn independently of the train ones. @default 1000 */
  readonly nTest?: number;
  /** Rows of cells. @default 7 */
  readonly rows?: number;
  /** Columns of cells. @default 7 */
  readonly cols?: number;
  /** Cell side in pixels; a cell has `cell·cell·channels` dims. @default 4 (16-dim cells, 28×28 images) */
  readonly cell?: number;
  /** Channels per pixel. @default 1 */
  readonly channels?: number;
  /** Correlation between neighbouring cells. @default 0.9 */
  readonly rho?: number;
  /**
   * Pixels are `clamp(round(127.5 + scale·x), 0, 255)` for the unit-variance
   * field value x: a fixed map, so every position is quantised alike.
   * 32 clips at ±3.98σ (a fraction 7·10⁻⁵ of pixels) and the 8-bit rounding
   * adds a variance of 1/(12·32²) ≈ 8·10⁻⁵ in field units.
   * @default 32
   */
  readonly scale?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** Options of {@link syntheticRowBreak}. */
export interface SyntheticRowBreakOptions extends SyntheticFieldOptions {
  /**
   * Correlation between vertically neighbouring cells (across a row boundary).
   * @default 0 (rows independent)
   */
  readonly rhoAcross?: number;
}

interface ResolvedField {
  n: number;
  nTest: number;
  rows: number;
  cols: number;
  cell: number;
  channels: number;
  rhoH: number;
  rhoV: number;
  scale: number;
  seed: number;
}

/** Resolves {@link SyntheticFieldOptions} with defaults (and checks them). */
export function resolveSyntheticFieldOptions(o: SyntheticFieldOptions = {}): Required<SyntheticFieldOptions> {
  const r = {
    n: o.n ?? 4000,
    nTest: o.nTest ?? 1000,
    rows: o.rows ?? 7,
    cols: o.cols ?? 7,
    cell: o.cell ?? 4,
    channels: o.channels ?? 1,
    rho: o.rho ?? 0.9,
    scale: o.scale ?? 32,
    seed: o.seed ?? 0,
  };
  for (const k of ["n", "nTest", "rows", "cols", "cell", "channels"] as const) {
    if (!(Number.isInteger(r[k]) && r[k] > 0)) {
      throw new VsdError("INVALID_ARGUMENT", `synthetic field: ${k} must be a positive integer, got ${r[k]}.`);
    }
  }
  checkRho("rho", r.rho);
  if (!(r.scale > 0 && Number.isFinite(r.scale))) {
    throw new VsdError("INVALID_RANGE", `synthetic field: scale must be positive, got ${r.scale}.`);
  }
  return r;
}

export function checkRho(name: string, rho: number): void {
  if (!(rho > -1 && rho < 1)) throw new VsdError("INVALID_RANGE", `${name} must be in (-1, 1), got ${rho}.`);
}

/**
 * A stationary 2-D Gaussian field of images, the "like language" case of
 * DESIGN.md's calibration: a `rows × cols` grid of cells, each cell a vector of
 * `cell·cell·channels` dims drawn as that many independent separable
 * AR(1)×AR(1) fields over the grid (`fillSeparableAr1Field`, correlation
 * `rho^|Δrow| · rho^|Δcol|` between cells, variance 1 everywhere), laid out as
 * the cell's `cell × cell` pixel block, then quantised to 8 bits with a fixed
 * scale. No labels.
 *
 * What a probe that conditions each cell on the previous cell of its order
 * should find (`ar1TransferGapBits`, continuous values; ρ = 0.9, 7 × 7):
 * - snake order (boustrophedon): every step is to a grid neighbour, so every
 *   subtask is `N(ρ·x_prev, 1−ρ²)` → transfer gaps 0;
 * - raster order: interior steps have coefficient ρ, but a row start follows
 *   the previous row's last cell (Δrow 1, Δcol cols−1) with coefficient
 *   ρ^cols = 0.478, so gap(interior model → row start) = 1.87 bits/dim and
 *   gap(row-start model → interior) = 0.63; averaged over the 47 other
 *   subtasks: 1.67 onto row starts, 0.08 onto interior cells (DESIGN.md
 *   measured 1.68 and 0.08).
 * The break in raster order is a property of the order, not of the data.
 */
export function syntheticStationary(options: SyntheticFieldOptions = {}): ImageDataset {
  const r = resolveSyntheticFieldOptions(options);
  return generateField("synthetic-stationary", { ...r, rhoH: r.rho, rhoV: r.rho });
}

/**
 * The same kind of field with a break built into the data at row starts:
 * along a row, cells are the stationary AR(1) of {@link syntheticStationary}
 * (horizontal correlation `rho`), but rows are coupled only by `rhoAcross`
 * (default 0: rows are independent). Formally the separable field with
 * correlation `rhoAcross^|Δrow| · rho^|Δcol|`.
 *
 * What a previous-cell probe should find (ρ = 0.9, rhoAcross = 0): in raster
 * *and* snake order, interior subtasks are `N(ρ·x_prev, 1−ρ²)` (gaps 0 among
 * them) while a row start is independent of the cell before it, `N(0, 1)`:
 * gap(interior model → row start) = 4.95 bits/dim, gap(row-start model →
 * interior) = 1.20. In column-major order every step crosses rows, so every
 * subtask is `N(0, 1)` and the order is (trivially) equivariant. Because the
 * break is in the data, it cannot tell raster from snake order; use
 * {@link syntheticStationary} for that.
 */
export function syntheticRowBreak(options: SyntheticRowBreakOptions = {}): ImageDataset {
  const r = resolveSyntheticFieldOptions(options);
  const rhoAcross = options.rhoAcross ?? 0;
  checkRho("rhoAcross", rhoAcross);
  return generateField("synthetic-row-break", { ...r, rhoH: r.rho, rhoV: rhoAcross });
}

function generateField(name: string, r: ResolvedField): ImageDataset {
  const rng = new Rng(r.seed);
  const height = r.rows * r.cell;
  const width = r.cols * r.cell;
  const shape = { height, width, channels: r.channels };
  return validateDataset({
    name,
    ...shape,
    train: fieldSplit(r, r.n, rng.derive("train")),
    test: fieldSplit(r, r.nTest, rng.derive("test")),
  });
}

function fieldSplit(r: ResolvedField, n: number, rng: Rng): ImageSplit {
  const { rows, cols, cell, channels } = r;
  const width = cols * cell;
  const cellDims = cell * cell * channels;
  const imageSize = rows * cols * cellDims;
  const pixels = new Uint8Array(n * imageSize);
  const field = new Float64Array(rows * cols);
  for (let s = 0; s < n; s++) {
    const base = s * imageSize;
    for (let d = 0; d < cellDims; d++) {
      fillSeparableAr1Field(field, rows, cols, r.rhoV, r.rhoH, rng);
      // Dim d of a cell is pixel (i, j), channel ch of the cell's block.
      const ch = d % channels;
      const j = Math.floor(d / channels) % cell;
      const i = Math.floor(d / (channels * cell));
      for (let R = 0; R < rows; R++) {
        for (let C = 0; C < cols; C++) {
          const v = Math.round(127.5 + r.scale * field[R * cols + C]!);
          const p = ((R * cell + i) * width + (C * cell + j)) * channels + ch;
          pixels[base + p] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
  return { n, pixels };
}
