import * as tf from "@tensorflow/tfjs-core";
import { AdamW, ParamStore, Rng, VsdError, mlp, sinusoidalEmbedding, type Mlp } from "@vsd/core";
import { noiseScales, type NoiseScaleSpec } from "./noise-scale.js";

/**
 * Regression target of S-DSB (Tang et al. 2024; REFERENCES §4.3):
 * - "previous": the previous state of the other network's trajectory (the S-DSB simplification);
 * - "terminal": the trajectory's starting endpoint (terminal reparameterisation);
 * - "flow": the velocity towards that endpoint, (endpoint − x)/(remaining fraction) (flow reparameterisation).
 */
export type SdsbTarget = "previous" | "terminal" | "flow";
export const SDSB_TARGETS: readonly SdsbTarget[] = ["previous", "terminal", "flow"];

export interface SdsbOptions {
  /** Data dimension. @default 2 */
  readonly dim?: number;
  /** Number of bridge steps N. @default 16 */
  readonly steps?: number;
  /** Per-step noise γ_k. @default { kind: "linear", a: 1e-4, b: 1e-3 } (the 2-D default) */
  readonly noise?: NoiseScaleSpec;
  /** @default "previous" */
  readonly target?: SdsbTarget;
  /** MLP hidden width. @default 64 */
  readonly hidden?: number;
  /** MLP hidden layers. @default 3 */
  readonly depth?: number;
  /** AdamW learning rate of both networks. @default 2e-3 */
  readonly learningRate?: number;
  /** AdamW learning rate in the IPF epochs (fine-tuning on noisy previous-state targets). @default 5e-4 */
  readonly ipfLearningRate?: number;
  /** Training batch (pairs per step). @default 256 */
  readonly batchSize?: number;
  /** Trajectories simulated per IPF epoch (the cache). @default 1024 */
  readonly trajectories?: number;
}

export interface ResolvedSdsbOptions {
  dim: number;
  steps: number;
  noise: NoiseScaleSpec;
  target: SdsbTarget;
  hidden: number;
  depth: number;
  learningRate: number;
  ipfLearningRate: number;
  batchSize: number;
  trajectories: number;
}

export function resolveSdsbOptions(o: SdsbOptions = {}): ResolvedSdsbOptions {
  const r: ResolvedSdsbOptions = {
    dim: o.dim ?? 2,
    steps: o.steps ?? 16,
    noise: o.noise ?? { kind: "linear", a: 1e-4, b: 1e-3 },
    target: o.target ?? "previous",
    hidden: o.hidden ?? 64,
    depth: o.depth ?? 3,
    learningRate: o.learningRate ?? 2e-3,
    ipfLearningRate: o.ipfLearningRate ?? 5e-4,
    batchSize: o.batchSize ?? 256,
    trajectories: o.trajectories ?? 1024,
  };
  if (!SDSB_TARGETS.includes(r.target)) throw new VsdError("INVALID_ARGUMENT", `S-DSB target must be one of ${SDSB_TARGETS.join(", ")}.`);
  for (const [k, v] of [["dim", r.dim], ["steps", r.steps], ["hidden", r.hidden], ["depth", r.depth], ["batchSize", r.batchSize], ["trajectories", r.trajectories]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new VsdError("INVALID_ARGUMENT", `S-DSB ${k} must be a positive integer, got ${v}.`);
  }
  if (r.steps < 2) throw new VsdError("INVALID_ARGUMENT", "S-DSB needs at least 2 steps.");
  return r;
}

/** Draws n data points, row-major [n, dim]. */
export type DataSampler = (n: number, rng: Rng) => Float32Array;

type Direction = "backward" | "forward";

interface Net {
  readonly store: ParamStore;
  readonly net: Mlp;
  readonly opt: AdamW;
}

/**
 * Simplified Diffusion Schrödinger Bridge [S-DSB, Tang, Hang, Gu, Chen, Guo 2024;
 * code conventions of REFERENCES §4.3]. Positions k = 0…N with x₀ ~ prior
 * N(0, I) and x_N ~ data; the flow reference is x_k = (1 − k/N)x₀ + (k/N)x_N.
 * B (backward, prior → data) steps k → k+1, F (forward, data → prior) steps
 * k → k−1, both as x + o/N + √(2γ)ξ with o the network output (no noise on the
 * last step). The three targets differ only in what o is regressed on:
 *   B at k:  previous  x + o/N ≈ x_{k+1};  terminal  x + (1 − k/N)·o ≈ x_N;  flow  o ≈ (x_N − x)/(1 − k/N)
 *   F at k:  previous  x + o/N ≈ x_{k−1};  terminal  x + (k/N)·o ≈ x₀;       flow  o ≈ (x₀ − x)/(k/N)
 * (each readout has a skip connection through x, which is what lets one
 * flow-matching network initialise all three; the targets are the paper's).
 * Training alternates IPF epochs: F on B's trajectories from the prior, then
 * B on F's trajectories from data. B is initialised by flow matching (the first
 * backward IPF step with the flow reference, S-DSB `--skip_epochs 1`), and F
 * starts as the reversed flow (B's weights, output negated).
 *
 * Measured on the 2-D Gaussian test (README): the previous-state target keeps
 * the transport within tolerance over three IPF iterations; the terminal and
 * flow targets, with these readouts and budgets, lose covariance accuracy after
 * the first iteration (covariance error 0.16 → 0.37–0.73).
 */
export class SimplifiedDsb {
  readonly options: ResolvedSdsbOptions;
  readonly gammas: Float64Array;
  private readonly b: Net;
  private readonly f: Net;
  private readonly embedDim = 16;

  constructor(seed: number, options: SdsbOptions = {}) {
    this.options = resolveSdsbOptions(options);
    this.gammas = noiseScales(this.options.steps, this.options.noise);
    const rng = new Rng(seed);
    this.b = this.makeNet(rng.derive("backward"));
    this.f = this.makeNet(rng.derive("forward"));
  }

  numParams(): number {
    return this.b.store.numParams() + this.f.store.numParams();
  }

  /**
   * Flow matching for B [Lipman et al. 2023; SD3 §2]: independent x₀ ~ N(0, I),
   * x_N ~ data, k uniform in {0…N−1}, regress o(x_k, k) on x_N − x₀. Then F is
   * set to the reversed flow. Returns the mean loss of the last 10% of steps.
   */
  pretrainFlowMatching(data: DataSampler, steps: number, rng: Rng): number {
    const { dim, batchSize: n, steps: N } = this.options;
    const tail: number[] = [];
    for (let s = 0; s < steps; s++) {
      const x1 = data(n, rng);
      const x0 = rng.fillNormal(new Float32Array(n * dim)) as Float32Array;
      const k = new Float32Array(n);
      const xk = new Float32Array(n * dim);
      const v = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        k[i] = rng.int(N);
        const c = k[i]! / N;
        for (let j = 0; j < dim; j++) {
          const a = x0[i * dim + j]!;
          const bb = x1[i * dim + j]!;
          xk[i * dim + j] = (1 - c) * a + c * bb;
          v[i * dim + j] = bb - a;
        }
      }
      const loss = tf.tidy(() =>
        this.b.opt.step(() => {
          const o = this.apply(this.b, tf.tensor2d(xk, [n, dim]), k);
          return tf.mean(tf.square(tf.sub(o, tf.tensor2d(v, [n, dim])))) as tf.Scalar;
        }),
      );
      if (s >= steps * 0.9) tail.push(loss);
    }
    // F := reversed flow: copy B, negate the output layer.
    const w = this.b.store.getWeights();
    const last = this.b.net.layers.length - 1;
    const fw: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
    for (const [name, val] of Object.entries(w)) {
      const neg = name.startsWith(`net/${last}/`);
      fw[name] = { shape: val.shape, data: neg ? val.data.map((x) => -x) : val.data };
    }
    this.f.store.setWeights(fw);
    return tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
  }

  /**
   * One IPF epoch: simulate the other network's trajectories (the cache), then
   * `steps` AdamW steps of this direction's network on random (trajectory,
   * position) pairs. "forward" trains F on B's rollouts from the prior;
   * "backward" trains B on F's rollouts from data. Returns the mean loss.
   */
  trainEpoch(direction: Direction, data: DataSampler, steps: number, rng: Rng): number {
    const { dim, steps: N, trajectories: M, batchSize: n, target } = this.options;
    const traj = direction === "forward" ? this.simulate("backward", rng.fillNormal(new Float32Array(M * dim)) as Float32Array, rng) : this.simulate("forward", data(M, rng), rng);
    const net = direction === "forward" ? this.f : this.b;
    net.opt.setLearningRate(this.options.ipfLearningRate);
    const stride = (N + 1) * dim;
    let total = 0;
    for (let s = 0; s < steps; s++) {
      const k = new Float32Array(n);
      const x = new Float32Array(n * dim);
      const y = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        const m = rng.int(M);
        // B learns positions 0…N−1 (stepping to k+1); F learns 1…N (stepping to k−1).
        const pos = direction === "backward" ? rng.int(N) : 1 + rng.int(N);
        k[i] = pos;
        const base = m * stride;
        const prev = direction === "backward" ? pos + 1 : pos - 1;
        const start = direction === "backward" ? N : 0;
        const frac = direction === "backward" ? 1 - pos / N : pos / N;
        for (let j = 0; j < dim; j++) {
          const xv = traj[base + pos * dim + j]!;
          x[i * dim + j] = xv;
          const endpoint = traj[base + start * dim + j]!;
          y[i * dim + j] = target === "previous" ? traj[base + prev * dim + j]! : target === "terminal" ? endpoint : (endpoint - xv) / frac;
        }
      }
      total += tf.tidy(() =>
        net.opt.step(() => {
          const xt = tf.tensor2d(x, [n, dim]);
          const o = this.apply(net, xt, k);
          const pred = this.readout(direction, xt, o, k);
          return tf.mean(tf.square(tf.sub(pred, tf.tensor2d(y, [n, dim])))) as tf.Scalar;
        }),
      );
    }
    return total / Math.max(1, steps);
  }

  /** n samples of the data side: B run from x₀ ~ N(0, I). Row-major [n, dim]. */
  sample(n: number, rng: Rng): Float32Array {
    const { dim, steps: N } = this.options;
    const traj = this.simulate("backward", rng.fillNormal(new Float32Array(n * dim)) as Float32Array, rng);
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) out.set(traj.subarray(i * (N + 1) * dim + N * dim, i * (N + 1) * dim + (N + 1) * dim), i * dim);
    return out;
  }

  /** F run from data points x_N: their prior-side images x₀. Row-major [n, dim]. */
  encode(x: Float32Array, rng: Rng): Float32Array {
    const { dim, steps: N } = this.options;
    const n = x.length / dim;
    const traj = this.simulate("forward", x, rng);
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) out.set(traj.subarray(i * (N + 1) * dim, i * (N + 1) * dim + dim), i * dim);
    return out;
  }

  dispose(): void {
    for (const net of [this.b, this.f]) {
      net.opt.dispose();
      net.store.dispose();
    }
  }

  /**
   * Trajectories [n, N+1, dim] indexed by position k. "backward" starts at
   * k = 0 from `start` and runs B; "forward" starts at k = N and runs F.
   */
  private simulate(direction: Direction, start: Float32Array, rng: Rng): Float32Array {
    const { dim, steps: N } = this.options;
    const n = start.length / dim;
    const stride = (N + 1) * dim;
    const traj = new Float32Array(n * stride);
    const net = direction === "backward" ? this.b : this.f;
    let x = start;
    const put = (pos: number, v: Float32Array) => {
      for (let i = 0; i < n; i++) traj.set(v.subarray(i * dim, (i + 1) * dim), i * stride + pos * dim);
    };
    let pos = direction === "backward" ? 0 : N;
    put(pos, x);
    for (let s = 0; s < N; s++) {
      const k = new Float32Array(n).fill(pos);
      const next = direction === "backward" ? pos + 1 : pos - 1;
      const lastStep = s === N - 1;
      const g = this.gammas[Math.min(pos, next)]!;
      const noise = lastStep ? undefined : (rng.fillNormal(new Float32Array(n * dim)) as Float32Array);
      const y = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, dim]);
        let out = tf.add(xt, tf.div(this.apply(net, xt, k), N));
        if (noise) out = tf.add(out, tf.mul(tf.tensor2d(noise, [n, dim]), Math.sqrt(2 * g)));
        return out;
      });
      x = y.dataSync() as Float32Array;
      y.dispose();
      pos = next;
      put(pos, x);
    }
    return traj;
  }

  /** The readout compared with the regression target (see the class comment). */
  private readout(direction: Direction, x: tf.Tensor2D, o: tf.Tensor2D, k: Float32Array): tf.Tensor2D {
    const { target, steps: N } = this.options;
    if (target === "flow") return o;
    if (target === "previous") return tf.add(x, tf.div(o, N));
    const frac = Float32Array.from(k, (p) => (direction === "backward" ? 1 - p / N : p / N));
    return tf.add(x, tf.mul(o, tf.tensor2d(frac, [k.length, 1])));
  }

  private apply(net: Net, x: tf.Tensor2D, k: Float32Array): tf.Tensor2D {
    const N = this.options.steps;
    return tf.tidy(() => {
      const t = tf.tensor2d(Float32Array.from(k, (p) => p / N), [k.length, 1]);
      return net.net.apply(tf.concat([x, t, sinusoidalEmbedding(k, this.embedDim)], 1) as tf.Tensor2D);
    });
  }

  private makeNet(rng: Rng): Net {
    const { dim, hidden, depth, learningRate } = this.options;
    const store = new ParamStore(rng);
    const net = mlp(store, "net", [dim + 1 + this.embedDim, ...Array.from({ length: depth }, () => hidden), dim], { activation: "silu", finalInit: "zeros" });
    return { store, net, opt: new AdamW(store.variables, { learningRate, clipNorm: 1 }) };
  }
}
