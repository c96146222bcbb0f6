import * as tf from "@tensorflow/tfjs-core";
import "./register-gradients.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";
import { type DenseActivation, denseMatMul } from "./dense-op.js";
import { denseFlops } from "./flops.js";

/** How a variable is initialised. Random inits draw from the store's Rng. */
export type VariableInit =
  | "zeros"
  | "ones"
  | { readonly normal: number }
  | { readonly uniform: number }
  | Float32Array;

export interface DenseOptions {
  /** Add a bias vector. @default true */
  readonly bias?: boolean;
  /**
   * Weight init: Glorot/Xavier uniform, limit √(6/(in+out)) (Glorot & Bengio
   * 2010, Eq. 16), zeros (e.g. a zero-initialised output layer) or normal with
   * the given std. @default "glorot"
   */
  readonly init?: "glorot" | "zeros" | { readonly normal: number };
}

/** Weights as plain arrays, keyed by parameter name. */
export type WeightMap = Record<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

/** A fully connected layer y = xW + b. */
export interface Dense {
  readonly inDim: number;
  readonly outDim: number;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | undefined;
  /**
   * Rank 2 `[n, in]` → `[n, out]`; rank 3 `[b, t, in]` → `[b, t, out]`.
   * `activation: "relu"` fuses relu(xW + b) into the same kernel.
   */
  apply<T extends tf.Tensor2D | tf.Tensor3D>(x: T, activation?: DenseActivation): T;
  /** Forward FLOPs on `rows` input rows. */
  flops(rows: number): number;
}

export interface LayerNorm {
  readonly dim: number;
  /** Normalises over the last axis, then scales and shifts (Ba et al. 2016). */
  apply<T extends tf.Tensor>(x: T): T;
}

export interface Embedding {
  readonly count: number;
  readonly dim: number;
  readonly table: tf.Variable;
  /** ids `[n]` → `[n, dim]`. */
  apply(ids: Int32Array | tf.Tensor1D): tf.Tensor2D;
}

/** LayerNorm's ε, as in PyTorch's `nn.LayerNorm`. */
const LAYER_NORM_EPS = 1e-5;

/**
 * Named trainable variables created deterministically from an `Rng`. Each
 * variable's initial values come from `rng.derive(name)`, so adding a layer
 * does not change the others' initialisation, and the same seed gives the
 * same weights on every backend.
 */
export class ParamStore {
  private readonly rng: Rng;
  private readonly byName = new Map<string, tf.Variable>();
  private readonly names = new Map<tf.Variable, string>();
  private readonly order: tf.Variable[] = [];
  private disposed = false;

  constructor(rng: Rng) {
    this.rng = rng;
  }

  /** Creates a trainable float32 variable. Names must be unique within the store. */
  variable(name: string, shape: readonly number[], init: VariableInit): tf.Variable {
    this.assertLive();
    if (name.length === 0) throw new VsdError("INVALID_ARGUMENT", "Parameter name must be non-empty.");
    if (this.byName.has(name)) {
      throw new VsdError("INVALID_ARGUMENT", `Parameter "${name}" already exists in this ParamStore; names must be unique.`);
    }
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new VsdError("INVALID_SHAPE", `Parameter "${name}": shape [${shape.join(", ")}] must be positive integers.`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const data = this.initialValues(name, size, init);
    // tf.variable names are global to the tfjs engine, so let tfjs pick a
    // unique one and keep ours in the store.
    const initial = tf.tensor(data, [...shape], "float32");
    const v = tf.variable(initial, true);
    initial.dispose(); // the variable holds its own reference to the data

    this.byName.set(name, v);
    this.names.set(v, name);
    this.order.push(v);
    return v;
  }

  dense(name: string, inDim: number, outDim: number, options: DenseOptions = {}): Dense {
    const useBias = options.bias ?? true;
    const init = options.init ?? "glorot";
    const kernelInit: VariableInit =
      init === "glorot" ? { uniform: Math.sqrt(6 / (inDim + outDim)) } : init === "zeros" ? "zeros" : { normal: init.normal };
    const kernel = this.variable(`${name}/kernel`, [inDim, outDim], kernelInit);
    const bias = useBias ? this.variable(`${name}/bias`, [outDim], "zeros") : undefined;
    return {
      inDim,
      outDim,
      kernel,
      bias,
      apply<T extends tf.Tensor2D | tf.Tensor3D>(x: T, activation: DenseActivation = "linear"): T {
        const last = x.shape[x.rank - 1];
        if (last !== inDim || (x.rank !== 2 && x.rank !== 3)) {
          throw new VsdError("INVALID_SHAPE", `Dense "${name}" expects [..., ${inDim}] of rank 2 or 3, got [${x.shape.join(", ")}].`);
        }
        return tf.tidy(() => {
          const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
          // One fused product + bias [+ relu] (one kernel on wasm: the bias is
          // the sums' starting value, as in XNNPACK), not a matMul and an Add;
          // its gradient skips dx when x needs none (dense-op.ts).
          const y = denseMatMul(x2, kernel as tf.Tensor2D, bias as tf.Tensor1D | undefined, activation);
          return (x.rank === 2 ? y : tf.reshape(y, [x.shape[0]!, x.shape[1]!, outDim])) as T;
        });
      },
      flops: (rows: number) => denseFlops(rows, inDim, outDim),
    };
  }

  layerNorm(name: string, dim: number): LayerNorm {
    const gamma = this.variable(`${name}/gamma`, [dim], "ones");
    const beta = this.variable(`${name}/beta`, [dim], "zeros");
    return {
      dim,
      apply<T extends tf.Tensor>(x: T): T {
        if (x.shape[x.rank - 1] !== dim) {
          throw new VsdError("INVALID_SHAPE", `LayerNorm "${name}" expects last axis ${dim}, got [${x.shape.join(", ")}].`);
        }
        return tf.tidy(() => {
          const { mean, variance } = tf.moments(x, -1, true);
          const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)));
          return tf.add(tf.mul(xhat, gamma), beta) as T;
        });
      },
    };
  }

  /**
   * A lookup table applied as one-hot × table: tf.gather's gradient
   * (UnsortedSegmentSum) is missing on the wasm backend, and a matMul is fast.
   */
  embedding(name: string, count: number, dim: number, std = 0.02): Embedding {
    const table = this.variable(`${name}/table`, [count, dim], { normal: std });
    return {
      count,
      dim,
      table,
      apply(ids: Int32Array | tf.Tensor1D): tf.Tensor2D {
        if (ids instanceof Int32Array) {
          for (const id of ids) {
            if (!(id >= 0 && id < count)) {
              throw new VsdError("INVALID_RANGE", `Embedding "${name}": id ${id} outside [0, ${count}).`);
            }
          }
        }
        return tf.tidy(() => {
          const idx = ids instanceof Int32Array ? tf.tensor1d(ids, "int32") : tf.cast(ids, "int32");
          return tf.matMul(tf.oneHot(idx, count) as tf.Tensor2D, table as tf.Tensor2D);
        });
      },
    };
  }

  /** Trainable variables in creation order. */
  get variables(): tf.Variable[] {
    return [...this.order];
  }

  /** Parameter names in creation order. */
  paramNames(): string[] {
    return this.order.map((v) => this.names.get(v)!);
  }

  /** The store's name for a variable, or undefined if it is not in this store. */
  nameOf(v: tf.Variable): string | undefined {
    return this.names.get(v);
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new VsdError("INVALID_ARGUMENT", `No parameter named "${name}".`);
    return v;
  }

  numParams(): number {
    return this.order.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of all weights, keyed by name. */
  getWeights(): WeightMap {
    this.assertLive();
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const v of this.order) {
      out[this.names.get(v)!] = { shape: [...v.shape], data: new Float32Array(v.dataSync() as Float32Array) };
    }
    return out;
  }

  /**
   * Overwrites every weight. The map must hold exactly this store's names with
   * matching shapes (else `CHECKPOINT_MISMATCH`, and nothing is changed).
   */
  setWeights(weights: WeightMap): void {
    this.assertLive();
    const given = Object.keys(weights);
    const missing = this.paramNames().filter((n) => !(n in weights));
    const extra = given.filter((n) => !this.byName.has(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new VsdError(
        "CHECKPOINT_MISMATCH",
        `Weights do not match the model: missing [${missing.join(", ")}], unexpected [${extra.join(", ")}].`,
      );
    }
    for (const [name, w] of Object.entries(weights)) {
      const v = this.byName.get(name)!;
      const size = v.shape.reduce((a, b) => a * b, 1);
      if (w.shape.length !== v.shape.length || w.shape.some((d, i) => d !== v.shape[i]) || w.data.length !== size) {
        throw new VsdError(
          "CHECKPOINT_MISMATCH",
          `Parameter "${name}": stored shape [${w.shape.join(", ")}] (${w.data.length} values) but the model has [${v.shape.join(", ")}].`,
        );
      }
    }
    for (const [name, w] of Object.entries(weights)) {
      const v = this.byName.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, "float32")));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.order) v.dispose();
    this.order.length = 0;
    this.byName.clear();
    this.names.clear();
  }

  private assertLive(): void {
    if (this.disposed) throw new VsdError("INVALID_ARGUMENT", "This ParamStore has been disposed.");
  }

  private initialValues(name: string, size: number, init: VariableInit): Float32Array {
    if (init instanceof Float32Array) {
      if (init.length !== size) {
        throw new VsdError("INVALID_SHAPE", `Parameter "${name}": initial values have ${init.length} entries, shape needs ${size}.`);
      }
      return new Float32Array(init);
    }
    const out = new Float32Array(size);
    if (init === "zeros") return out;
    if (init === "ones") return out.fill(1);
    const rng = this.rng.derive(name);
    if ("normal" in init) return rng.fillNormal(out, 0, init.normal) as Float32Array;
    return rng.fillUniform(out, -init.uniform, init.uniform) as Float32Array;
  }
}
