import * as tf from "@tensorflow/tfjs-core";
import "./register-gradients.js";
import { VsdError } from "../errors.js";
import { ADAMW_KERNEL, type AdamWUpdateAttrs, hasFusedAdamW, registerAdamWKernels } from "./adamw-kernel.js";

export interface AdamWOptions {
  readonly learningRate: number;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly epsilon?: number;
  /** Decoupled weight decay λ (multiplied by the learning rate, as PyTorch's AdamW). @default 0 */
  readonly weightDecay?: number;
  /** Clip the global gradient L2 norm to this value. @default no clipping */
  readonly clipNorm?: number;
  /**
   * Use the fused one-pass update kernel where the backend has it (wasm, cpu);
   * false forces the element-wise tensor ops (for comparisons). @default true
   */
  readonly fusedKernel?: boolean;
}

export interface ResolvedAdamWOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  clipNorm: number | undefined;
  fusedKernel: boolean;
}

/** Optimiser state as plain arrays, for exact checkpoint resume. */
export interface AdamWState {
  readonly step: number;
  readonly learningRate: number;
  /** First moments, one per variable, in the optimiser's variable order. */
  readonly m: readonly Float32Array[];
  /** Second moments, likewise. */
  readonly v: readonly Float32Array[];
}

export function resolveAdamWOptions(o: AdamWOptions): ResolvedAdamWOptions {
  const r: ResolvedAdamWOptions = {
    learningRate: o.learningRate,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    epsilon: o.epsilon ?? 1e-8,
    weightDecay: o.weightDecay ?? 0,
    clipNorm: o.clipNorm,
    fusedKernel: o.fusedKernel ?? true,
  };
  if (!(r.learningRate > 0) || !Number.isFinite(r.learningRate)) {
    throw new VsdError("INVALID_ARGUMENT", `AdamW learningRate must be a positive number, got ${r.learningRate}.`);
  }
  for (const [k, b] of [["beta1", r.beta1], ["beta2", r.beta2]] as const) {
    if (!(b >= 0 && b < 1)) throw new VsdError("INVALID_ARGUMENT", `AdamW ${k} must be in [0, 1), got ${b}.`);
  }
  if (!(r.epsilon > 0)) throw new VsdError("INVALID_ARGUMENT", `AdamW epsilon must be > 0, got ${r.epsilon}.`);
  if (!(r.weightDecay >= 0)) throw new VsdError("INVALID_ARGUMENT", `AdamW weightDecay must be ≥ 0, got ${r.weightDecay}.`);
  if (r.clipNorm !== undefined && !(r.clipNorm > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `AdamW clipNorm must be > 0 when given, got ${r.clipNorm}.`);
  }
  return r;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, *Decoupled
 * Weight Decay Regularization*, Alg. 2), in PyTorch's form
 * (`torch/optim/adamw.py`): θ ← θ(1 − ηλ); m ← β₁m + (1−β₁)g;
 * v ← β₂v + (1−β₂)g²; θ ← θ − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
 * Optional global-norm clipping first scales g by min(1, c/(‖g‖₂ + 1e-6))
 * (`torch.nn.utils.clip_grad_norm_`).
 */
export class AdamW {
  readonly options: Readonly<ResolvedAdamWOptions>;
  private readonly vars: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private lr: number;
  private t = 0;
  private disposed = false;

  constructor(vars: readonly tf.Variable[], options: AdamWOptions) {
    this.options = resolveAdamWOptions(options);
    registerAdamWKernels();
    if (vars.length === 0) throw new VsdError("INVALID_ARGUMENT", "AdamW needs at least one variable.");
    this.vars = [...vars];
    this.lr = this.options.learningRate;
    const zeros = (x: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(x), false));
    this.m = this.vars.map(zeros);
    this.v = this.vars.map(zeros);
  }

  /** The variables this optimiser updates, in order. */
  get variables(): readonly tf.Variable[] {
    return this.vars;
  }

  /** Number of updates applied so far. */
  get stepCount(): number {
    return this.t;
  }

  get learningRate(): number {
    return this.lr;
  }

  setLearningRate(lr: number): void {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new VsdError("INVALID_ARGUMENT", `learningRate must be a positive number, got ${lr}.`);
    this.lr = lr;
  }

  /**
   * One update: gradients of `lossFn` with respect to the variables, then the
   * AdamW step. Returns the loss. A NaN/Inf loss throws `NON_FINITE` before
   * any variable changes.
   */
  step(lossFn: () => tf.Scalar): number {
    if (this.disposed) throw new VsdError("INVALID_ARGUMENT", "This AdamW has been disposed.");
    const { value, grads } = tf.variableGrads(lossFn, this.vars);
    const names = this.vars.map((x) => x.name);
    let loss: number;
    try {
      loss = value.dataSync()[0]!;
      if (!Number.isFinite(loss)) {
        throw new VsdError("NON_FINITE", `Loss is ${loss} at optimiser step ${this.t + 1}; no update applied.`);
      }
      this.t += 1;
      const { beta1, beta2, epsilon, weightDecay, clipNorm } = this.options;
      const lr = this.lr;
      const bc1 = 1 - beta1 ** this.t;
      const bc2 = 1 - beta2 ** this.t;
      const fused = this.options.fusedKernel && hasFusedAdamW();
      tf.tidy(() => {
        let scale: tf.Scalar | undefined;
        if (clipNorm !== undefined) {
          const sq = names.filter((n) => grads[n]).map((n) => tf.sum(tf.square(grads[n]!)));
          const norm = tf.sqrt(tf.addN(sq));
          scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(clipNorm), tf.add(norm, 1e-6))) as tf.Scalar;
        }
        const attrs: AdamWUpdateAttrs = { lr, beta1, beta2, epsilon, weightDecay, bc1, bc2 };
        const scaleTensor = fused ? (scale ?? tf.scalar(1)) : undefined;
        this.vars.forEach((p, i) => {
          const g0 = grads[names[i]!];
          // A variable the loss does not reach is left alone (as PyTorch skips grad=None).
          if (!g0) return;
          if (fused) {
            const [np, nm, nv] = tf.engine().runKernel(
              ADAMW_KERNEL,
              { param: p, grad: g0, m: this.m[i]!, v: this.v[i]!, scale: scaleTensor! },
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[];
            p.assign(np!);
            this.m[i]!.assign(nm!);
            this.v[i]!.assign(nv!);
            return;
          }
          const g = scale ? tf.mul(g0, scale) : g0;
          const m = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
          this.m[i]!.assign(m);
          this.v[i]!.assign(v);
          const decayed = weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), epsilon);
          p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
        });
      });
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
    return loss;
  }

  /** Copies of the moments and step count. */
  getState(): AdamWState {
    return {
      step: this.t,
      learningRate: this.lr,
      m: this.m.map((x) => new Float32Array(x.dataSync() as Float32Array)),
      v: this.v.map((x) => new Float32Array(x.dataSync() as Float32Array)),
    };
  }

  /** Restores `getState()` output; the next step is then bit-identical to the saved run's. */
  setState(state: AdamWState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new VsdError(
        "CHECKPOINT_MISMATCH",
        `Optimiser state has ${state.m.length}/${state.v.length} moments, the optimiser has ${this.vars.length} variables.`,
      );
    }
    this.vars.forEach((p, i) => {
      if (state.m[i]!.length !== p.size || state.v[i]!.length !== p.size) {
        throw new VsdError(
          "CHECKPOINT_MISMATCH",
          `Optimiser moment ${i} has ${state.m[i]!.length} values, variable has ${p.size}.`,
        );
      }
    });
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new VsdError("CHECKPOINT_MISMATCH", `Optimiser step must be a non-negative integer, got ${state.step}.`);
    }
    this.vars.forEach((p, i) => {
      tf.tidy(() => {
        this.m[i]!.assign(tf.tensor(state.m[i]!, p.shape, "float32"));
        this.v[i]!.assign(tf.tensor(state.v[i]!, p.shape, "float32"));
      });
    });
    this.t = state.step;
    this.setLearningRate(state.learningRate);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.m, ...this.v]);
  }
}
