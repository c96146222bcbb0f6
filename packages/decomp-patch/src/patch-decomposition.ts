import * as tf from "@tensorflow/tfjs-core";
import {
  VsdError,
  type Decomposition,
  type GenerativeModel,
  type ImageDataset,
  type ImageShape,
  type ModelOptions,
  type PrepareOptions,
  type Rng,
  type Subtask,
  type SubtaskPairs,
} from "@vsd/core";
import { orderLabel, makeOrder, type OrderSpec } from "./orders/resolve-order.js";
import type { GridOrder } from "./orders/grid-order.js";
import { describeSteps, type StepInfo } from "./patch-groups.js";
import { patchGrid, patchifyTensor, type PatchGrid } from "./patchify.js";
import { PatchArModel } from "./model/patch-ar-model.js";

export interface PatchDecompositionOptions {
  /** Patch side in pixels. @default 4 */
  readonly patchSize?: number;
  /** The order of the patches: a name, `{ name: "random", seed }` or a permutation of `row * cols + col`. @default "raster" */
  readonly order?: OrderSpec;
  /** Seed of `order: "random"`. @default 0 */
  readonly seed?: number;
  /** How many previous patches (in the order) `pairs` puts in the condition. @default 1 */
  readonly context?: number;
  /**
   * Append the target's position to the condition: `"coords"` adds (row, col)
   * scaled to [−1, 1]; `"none"` adds nothing. Within one subtask the position
   * is constant, so a probe that fits an intercept ignores it. @default "coords"
   */
  readonly positionEncoding?: "coords" | "none";
  /** Image size before `prepare` sees data (subtasks depend on it). @default 28 */
  readonly height?: number;
  /** @default 28 */
  readonly width?: number;
  /** @default 1 */
  readonly channels?: number;
}

export interface ResolvedPatchDecompositionOptions {
  readonly patchSize: number;
  readonly order: OrderSpec;
  readonly seed: number;
  readonly context: number;
  readonly positionEncoding: "coords" | "none";
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export function resolvePatchDecompositionOptions(o: PatchDecompositionOptions = {}): ResolvedPatchDecompositionOptions {
  const r: ResolvedPatchDecompositionOptions = {
    patchSize: o.patchSize ?? 4,
    order: o.order ?? "raster",
    seed: o.seed ?? 0,
    context: o.context ?? 1,
    positionEncoding: o.positionEncoding ?? "coords",
    height: o.height ?? 28,
    width: o.width ?? 28,
    channels: o.channels ?? 1,
  };
  if (!Number.isInteger(r.context) || r.context < 1) {
    throw new VsdError("INVALID_ARGUMENT", `context must be a positive integer (previous patches), got ${r.context}.`);
  }
  if (r.positionEncoding !== "coords" && r.positionEncoding !== "none") {
    throw new VsdError("INVALID_ARGUMENT", `positionEncoding must be "coords" or "none", got ${String(r.positionEncoding)}.`);
  }
  return r;
}

/**
 * Spatial patch decomposition (paper, Question 2): an image is cut into p×p
 * patches, visited in an order; subtask t is predicting the patch at step t
 * from the patches before it. The equivariance probe sees, for subtask t, the
 * previous `context` patches (most recent first, zero-padded before step 0)
 * plus the target's position as the condition, and the patch as the target.
 */
export class PatchDecomposition implements Decomposition {
  readonly specificationVersion = "v1" as const;
  readonly id = "patch";
  readonly options: ResolvedPatchDecompositionOptions;
  private shape: ImageShape;
  private gridCache!: PatchGrid;
  private orderCache!: GridOrder;
  private stepsCache!: StepInfo[];
  private subtaskCache!: Subtask[];

  constructor(options: PatchDecompositionOptions = {}) {
    this.options = resolvePatchDecompositionOptions(options);
    this.shape = { height: this.options.height, width: this.options.width, channels: this.options.channels };
    this.rebuild();
  }

  get description(): string {
    const g = this.gridCache;
    return `${g.patchSize}×${g.patchSize} patches on a ${g.rows}×${g.cols} grid in ${orderLabel(this.options.order)} order`;
  }

  get grid(): PatchGrid {
    return this.gridCache;
  }

  /** The order: `order[step]` = position `row * cols + col`. */
  get order(): GridOrder {
    return this.orderCache;
  }

  /** Per-step facts (row, col, row-start, order-break, …). */
  get steps(): readonly StepInfo[] {
    return this.stepsCache;
  }

  /** Adopts the data set's image size (the grid and subtasks follow it). */
  async prepare(data: ImageDataset, _options?: PrepareOptions): Promise<void> {
    this.shape = { height: data.height, width: data.width, channels: data.channels, ...(data.numClasses !== undefined ? { numClasses: data.numClasses } : {}) };
    this.rebuild();
  }

  private rebuild(): void {
    const grid = patchGrid(this.shape, this.options.patchSize);
    const order = makeOrder(this.options.order, grid.rows, grid.cols, this.options.seed);
    this.gridCache = grid;
    this.orderCache = order;
    this.stepsCache = describeSteps(order, grid.rows, grid.cols);
    this.subtaskCache = this.stepsCache.map((s) => ({
      index: s.step,
      key: `pos/${s.row},${s.col}`,
      params: {
        row: s.row,
        col: s.col,
        step: s.step,
        rowStart: s.rowStart ? 1 : 0,
        rowEnd: s.rowEnd ? 1 : 0,
        orderBreak: s.orderBreak ? 1 : 0,
        center: s.center ? 1 : 0,
      },
      group: s.group,
    }));
  }

  subtasks(): readonly Subtask[] {
    return this.subtaskCache;
  }

  /** Width of `pairs().condition`: context·p²·c plus 2 for "coords". */
  get conditionDim(): number {
    return this.options.context * this.gridCache.patchDim + (this.options.positionEncoding === "coords" ? 2 : 0);
  }

  pairs(images: tf.Tensor4D, subtask: Subtask, _rng: Rng): SubtaskPairs {
    const grid = this.gridCache;
    const [n, h, w, c] = images.shape;
    if (h !== this.shape.height || w !== this.shape.width || c !== this.shape.channels) {
      throw new VsdError(
        "INVALID_SHAPE",
        `PatchDecomposition is set up for ${this.shape.height}×${this.shape.width}×${this.shape.channels} images, got ${h}×${w}×${c}; ` +
          `call prepare(dataset) or pass height/width/channels.`,
      );
    }
    const t = subtask.index;
    const mine = this.subtaskCache[t];
    if (!mine || mine.key !== subtask.key) {
      throw new VsdError("INVALID_ARGUMENT", `Subtask ${subtask.key} (index ${t}) is not a subtask of this decomposition.`);
    }
    const order = this.orderCache;
    const k = this.options.context;
    return tf.tidy(() => {
      const patches = patchifyTensor(images, grid);
      const pick = (pos: number) => tf.reshape(tf.slice(patches, [0, pos, 0], [n, 1, grid.patchDim]), [n, grid.patchDim]);
      const parts: tf.Tensor2D[] = [];
      for (let j = 1; j <= k; j++) {
        parts.push(t - j >= 0 ? (pick(order[t - j]!) as tf.Tensor2D) : tf.zeros([n, grid.patchDim]));
      }
      if (this.options.positionEncoding === "coords") {
        const r = grid.rows > 1 ? (2 * mine.params.row!) / (grid.rows - 1) - 1 : 0;
        const q = grid.cols > 1 ? (2 * mine.params.col!) / (grid.cols - 1) - 1 : 0;
        parts.push(tf.tile(tf.tensor2d([[r, q]]), [n, 1]));
      }
      const condition = tf.concat(parts, 1) as tf.Tensor2D;
      const target = pick(order[t]!) as tf.Tensor2D;
      return { condition, target };
    });
  }

  createModel(options: ModelOptions): GenerativeModel {
    const shape = options.shape;
    if (shape.height !== this.shape.height || shape.width !== this.shape.width || shape.channels !== this.shape.channels) {
      // The model follows the shape it is asked for; the decomposition adopts it so subtasks agree.
      this.shape = { ...shape };
      this.rebuild();
    }
    return new PatchArModel({ ...options, patchSize: this.options.patchSize, order: this.orderCache, subtasks: this.subtaskCache });
  }
}
