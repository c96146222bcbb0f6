import { VsdError, type ModelOptions, type ModelSize, type Subtask } from "@vsd/core";
import type { GridOrder } from "../orders/grid-order.js";

/** Options of the patch autoregressive model (plugin-specific keys of `ModelOptions`). */
export interface PatchArModelOptions extends ModelOptions {
  /** Patch side. @default 4 */
  readonly patchSize?: number;
  /** Order of the patches (from the decomposition). @default raster */
  readonly order?: GridOrder;
  /** Subtasks of the decomposition, for per-position loss keys. @default `pos/<row>,<col>` per step */
  readonly subtasks?: readonly Subtask[];
  /** Token width. @default from `size` (S: 64) */
  readonly dim?: number;
  /** Transformer blocks. @default from `size` (S: 2) */
  readonly layers?: number;
  /** Attention heads. @default 4 */
  readonly heads?: number;
  /** Logistic mixture components per pixel. @default 5 */
  readonly mixtures?: number;
  /**
   * Per-pixel output: a discretized logistic mixture (PixelCNN++) or a 256-way
   * categorical per sub-pixel (channels independent given the context).
   * @default "logistic-mixture"
   */
  readonly output?: "logistic-mixture" | "categorical";
  /** Condition on class labels (needs `shape.numClasses`). @default false */
  readonly classConditional?: boolean;
  /** @default 1e-3 */
  readonly learningRate?: number;
  /** AdamW decoupled weight decay. @default 0 */
  readonly weightDecay?: number;
  /** Global gradient-norm clip. @default 1 */
  readonly clipNorm?: number;
}

export interface ResolvedPatchArOptions {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number | undefined;
  readonly seed: number;
  readonly patchSize: number;
  readonly order: GridOrder | undefined;
  readonly dim: number;
  readonly layers: number;
  readonly heads: number;
  readonly mixtures: number;
  readonly output: "logistic-mixture" | "categorical";
  readonly classConditional: boolean;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
}

const SIZES: Record<Exclude<ModelSize, number>, { dim: number; layers: number }> = {
  XS: { dim: 32, layers: 1 },
  S: { dim: 64, layers: 2 },
  M: { dim: 96, layers: 3 },
  L: { dim: 128, layers: 4 },
  XL: { dim: 192, layers: 6 },
};

export function resolvePatchArOptions(o: PatchArModelOptions): ResolvedPatchArOptions {
  const size = o.size ?? "S";
  let base: { dim: number; layers: number };
  if (typeof size === "number") {
    if (!(size > 0)) throw new VsdError("INVALID_ARGUMENT", `size multiplier must be > 0, got ${size}.`);
    base = { dim: Math.max(8, Math.round((64 * size) / 8) * 8), layers: 2 };
  } else {
    const s = SIZES[size];
    if (!s) throw new VsdError("INVALID_ARGUMENT", `Unknown model size "${String(size)}".`);
    base = s;
  }
  const heads = o.heads ?? 4;
  const r: ResolvedPatchArOptions = {
    height: o.shape.height,
    width: o.shape.width,
    channels: o.shape.channels,
    numClasses: o.shape.numClasses,
    seed: o.seed,
    patchSize: o.patchSize ?? 4,
    order: o.order,
    dim: o.dim ?? base.dim,
    layers: o.layers ?? base.layers,
    heads,
    mixtures: o.mixtures ?? 5,
    output: o.output ?? "logistic-mixture",
    classConditional: o.classConditional ?? false,
    learningRate: o.learningRate ?? 1e-3,
    weightDecay: o.weightDecay ?? 0,
    clipNorm: o.clipNorm ?? 1,
  };
  if (r.dim % r.heads !== 0) throw new VsdError("INVALID_ARGUMENT", `dim ${r.dim} must be divisible by heads ${r.heads}.`);
  if (!Number.isInteger(r.mixtures) || r.mixtures < 1) throw new VsdError("INVALID_ARGUMENT", `mixtures must be a positive integer.`);
  if (r.output !== "logistic-mixture" && r.output !== "categorical") {
    throw new VsdError("INVALID_ARGUMENT", `output must be "logistic-mixture" or "categorical", got ${String(r.output)}.`);
  }
  if (!Number.isInteger(r.layers) || r.layers < 1) throw new VsdError("INVALID_ARGUMENT", `layers must be a positive integer.`);
  if (r.classConditional && !(r.numClasses !== undefined && r.numClasses > 0)) {
    throw new VsdError("INVALID_ARGUMENT", "classConditional needs shape.numClasses.");
  }
  return r;
}
