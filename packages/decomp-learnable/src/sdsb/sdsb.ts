import * as tf from "@tensorflow/tfjs-core";
import { AdamW, ParamStore, Rng, VsdError, mlp, sinusoidalEmbedding, type Mlp, type WeightMap } from "@vsd/core";
import { noiseScales, type NoiseScaleSpec } from "./noise-scale.js";
import { bridgeMarginal, bridgeStep, cumulativeVariance, type SdsbEndpointPairs } from "./reference-bridge.js";

/**
 * Regression target of S-DSB (Tang et al. 2024; REFERENCES §4.3):
 * - "previous": the previous state of the other network's trajectory (the S-DSB simplification);
 * - "terminal": the far endpoint (terminal reparameterisation, TR-DSB);
 * - "flow": the velocity towards that endpoint on the reference clock τ, (endpoint − x)/(remaining τ)
 *   (flow reparameterisation, FR-DSB).
 */
export type SdsbTarget = "previous" | "terminal" | "flow";
export const SDSB_TARGETS: readonly SdsbTarget[] = ["previous", "terminal", "flow"];

export type { SdsbEndpointPairs };

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
  /** Peak AdamW learning rate of flow-matching pretraining (cosine-decayed to 0). @default 2e-3 */
  readonly learningRate?: number;
  /** Peak AdamW learning rate of each IPF epoch (cosine-decayed to 0 within the epoch). @default 5e-3 */
  readonly ipfLearningRate?: number;
  /** Training batch (pairs per step). @default 256 */
  readonly batchSize?: number;
  /**
   * Trajectories in an IPF epoch's cache. The cache is re-simulated from the
   * other network once its (trajectory, step) pairs are used up, so every
   * pair is seen once. @default 1024
   */
  readonly trajectories?: number;
  /** "terminal"/"flow" only: see `SdsbEndpointPairs`. @default "bridge" */
  readonly endpointPairs?: SdsbEndpointPairs;
  /**
   * Rate of an exponential moving average of each network's weights within
   * its IPF phases (0 = off). The average restarts from the network's weights
   * at the start of each of its phases, with the warm-up
   * min(emaRate, (1 + s)/(10 + s)) after s updates; rollouts (the other
   * network's training data), `sample`, `encode` and `backwardMean` use it,
   * AdamW trains the raw weights. Must be in [0, 1). @default 0
   */
  readonly emaRate?: number;
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
  endpointPairs: SdsbEndpointPairs;
  emaRate: number;
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
    ipfLearningRate: o.ipfLearningRate ?? 5e-3,
    batchSize: o.batchSize ?? 256,
    trajectories: o.trajectories ?? 1024,
    endpointPairs: o.endpointPairs ?? "bridge",
    emaRate: o.emaRate ?? 0,
  };
  if (!(r.emaRate >= 0 && r.emaRate < 1)) throw new VsdError("INVALID_RANGE", `S-DSB emaRate must be in [0, 1), got ${r.emaRate}.`);
  if (r.endpointPairs !== "bridge" && r.endpointPairs !== "trajectory") throw new VsdError("INVALID_ARGUMENT", `S-DSB endpointPairs must be "bridge" or "trajectory".`);
  if (!SDSB_TARGETS.includes(r.target)) throw new VsdError("INVALID_ARGUMENT", `S-DSB target must be one of ${SDSB_TARGETS.join(", ")}.`);
  for (const [k, v] of [["dim", r.dim], ["steps", r.steps], ["hidden", r.hidden], ["depth", r.depth], ["batchSize", r.batchSize], ["trajectories", r.trajectories]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new VsdError("INVALID_ARGUMENT", `S-DSB ${k} must be a positive integer, got ${v}.`);
  }
  if (r.steps < 2) throw new VsdError("INVALID_ARGUMENT", "S-DSB needs at least 2 steps.");
  for (const [k, v] of [["learningRate", r.learningRate], ["ipfLearningRate", r.ipfLearningRate]] as const) {
    if (!(v > 0 && Number.isFinite(v))) throw new VsdError("INVALID_RANGE", `S-DSB ${k} must be a positive number, got ${v}.`);
  }
  return r;
}

/** Draws n data points, row-major [n, dim]. */
export type DataSampler = (n: number, rng: Rng) => Float32Array;

/** "backward": B, prior → data (k → k+1). "forward": F, data → prior (k → k−1). */
export type SdsbDirection = "backward" | "forward";

interface Net {
  readonly store: ParamStore;
  readonly net: Mlp;
  readonly opt: AdamW;
  /** EMA of the weights over the current/last IPF phase (same order as `store.variables`), or undefined before one. */
  ema: tf.Variable[] | undefined;
  /** EMA updates since the phase began. */
  emaUpdates: number;
}

/** Cosine decay from `peak` at step 0 towards 0 at step `total` [Loshchilov & Hutter 2017, SGDR Eq. 5 with η_min = 0], floored at 10⁻⁴·peak. */
export function cosineLr(peak: number, step: number, total: number): number {
  return Math.max(peak * 1e-4, peak * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, total))));
}

/**
 * Simplified Diffusion Schrödinger Bridge [S-DSB, Tang, Hang, Gu, Chen, Guo 2024;
 * code conventions of REFERENCES §4.3]. Positions k = 0…N with x₀ ~ prior
 * N(0, I) and x_N ~ data. B (backward, prior → data) steps k → k+1, F (forward,
 * data → prior) steps k → k−1. Each step is x + c_k·o + √q_k·ξ with o the
 * network output; the targets differ in what o is regressed on and in c_k, q_k.
 *
 * "previous" (S-DSB): o is read out as x + o/N ≈ the previous state of the
 * other network's trajectory; the step is x + o/N with q = 2γ (2γ_k for B's
 * step k → k+1, 2γ_{k−1} for F's k → k−1), none on either chain's last step
 * (S-DSB `trajectory_dsb`). Flow matching interpolates at t_k = k/N.
 *
 * "terminal" / "flow" (TR-DSB / FR-DSB, Tang et al. 2024 §4.3): the reference
 * is the Brownian walk with step variances 2γ_k; its clock is τ_k = v_k/V with
 * v_k = Σ_{j<k} 2γ_j (`cumulativeVariance`; τ_k = k/N for constant γ).
 *   B at k:  terminal  x + (1 − τ_k)·o ≈ x_N;  flow  o ≈ (x_N − x)/(1 − τ_k)
 *   F at k:  terminal  x + τ_k·o ≈ x₀;         flow  o ≈ (x₀ − x)/τ_k
 * Both give the predicted endpoint x̂ = x + (1 − τ_k)o (B) or x + τ_k·o (F), and
 * the step is the reference bridge's posterior given x̂ (`bridgeStep`): mean
 * x + w_k(x̂ − x), which is x + |τ_{k±1} − τ_k|·o, and variance
 * 2γ(V − v_{k+1})/(V − v_k) (B) or 2γ·v_{k−1}/v_k (F), zero on the last step.
 * The endpoint regression's inputs x_k are, by default (`endpointPairs:
 * "bridge"`), drawn from the reference bridge between the endpoints of the
 * other network's rollout, not taken from the rollout itself. The bridge
 * posterior is E[x_{k±1} | x_k] only for processes whose bridges are the
 * reference's; a flow-matching init's are not (nearly deterministic paths), and
 * regressing on its rollouts (`"trajectory"`, S-DSB's code) moves away from
 * the target (gaussian-ipf.ts, README). Flow matching interpolates at t = τ_k.
 *
 * One flow-matching network initialises every target: it regresses o on
 * x_N − x₀ at x = (1 − t_k)x₀ + t_k x_N, so x + o/N is its Euler step
 * ("previous"), x + (1 − t_k)o = E[x_N | x] ("terminal"), and o = (x_N − x)/(1 − t_k)
 * in expectation ("flow"); F starts as the reversed flow (output negated). With
 * constant γ the three pretrainings are identical (t_k = k/N = τ_k).
 * Training alternates IPF epochs: F on B's rollouts from the prior, then B on
 * F's rollouts from data. B's flow-matching init is the first backward IPF step
 * with the flow reference (S-DSB `--skip_epochs 1`).
 *
 * Each epoch starts its network's AdamW moments afresh and cosine-decays the
 * learning rate. Both matter: the flow-matching gradients are ~60× larger
 * than the previous-state ones (velocity-space targets with O(1) noise versus
 * x-space targets with noise 2γ), so moments carried over from pretraining
 * shrink B's first IPF steps by that factor (AdamW's v̂ decays with β₂ = 0.999
 * over thousands of steps), and a constant rate leaves parameter noise that
 * the 8 chained steps amplify (README, "S-DSB: what was wrong").
 *
 * `populationSdsb` (gaussian-ipf.ts) is the same algorithm with exact
 * regressions on Gaussians (README for its numbers).
 */
export class SimplifiedDsb {
  readonly options: ResolvedSdsbOptions;
  readonly gammas: Float64Array;
  /**
   * The time of position k (k = 0…N): k/N for "previous"; the reference clock
   * τ_k = v_k/V for "terminal" and "flow". Flow matching interpolates at it.
   */
  readonly clock: Float64Array;
  /** Cumulative reference variance v_k (terminal/flow; undefined for "previous"). */
  private readonly variance: Float64Array | undefined;
  private readonly b: Net;
  private readonly f: Net;
  private readonly embedDim = 16;

  constructor(seed: number, options: SdsbOptions = {}) {
    this.options = resolveSdsbOptions(options);
    this.gammas = noiseScales(this.options.steps, this.options.noise);
    const N = this.options.steps;
    this.variance = this.options.target === "previous" ? undefined : cumulativeVariance(this.gammas);
    const v = this.variance;
    this.clock = Float64Array.from({ length: N + 1 }, (_, k) => (v ? v[k]! / v[N]! : k / N));
    const rng = new Rng(seed);
    this.b = this.makeNet(rng.derive("backward"));
    this.f = this.makeNet(rng.derive("forward"));
  }

  numParams(): number {
    return this.b.store.numParams() + this.f.store.numParams();
  }

  /**
   * Flow matching for B [Lipman et al. 2023; SD3 §2]: independent x₀ ~ N(0, I),
   * x_N ~ data, k uniform in {0…N−1}, x_k = (1 − t_k)x₀ + t_k x_N with t_k =
   * `clock[k]`, regress o(x_k, k) on x_N − x₀, with the learning rate
   * cosine-decayed from `learningRate`. Then F is set to the reversed flow.
   * Returns the mean loss of the last 10% of steps.
   */
  pretrainFlowMatching(data: DataSampler, steps: number, rng: Rng): number {
    const { batchSize: n } = this.options;
    this.resetOptimizer(this.b, this.options.learningRate);
    const tail: number[] = [];
    for (let s = 0; s < steps; s++) {
      const loss = this.flowMatchingStep(data(n, rng), rng, cosineLr(this.options.learningRate, s, steps));
      if (s >= steps * 0.9) tail.push(loss);
    }
    this.reverseFlowIntoF();
    return tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
  }

  /** One flow-matching step of B at learning rate `lr` on the data rows `x1` ([n, dim]). */
  flowMatchingStep(x1: Float32Array, rng: Rng, lr: number): number {
    const { dim, steps: N } = this.options;
    this.b.opt.setLearningRate(lr);
    const n = x1.length / dim;
    const x0 = rng.fillNormal(new Float32Array(n * dim)) as Float32Array;
    const k = new Float32Array(n);
    const xk = new Float32Array(n * dim);
    const v = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      k[i] = rng.int(N);
      const c = this.clock[k[i]!]!;
      for (let j = 0; j < dim; j++) {
        const a = x0[i * dim + j]!;
        const bb = x1[i * dim + j]!;
        xk[i * dim + j] = (1 - c) * a + c * bb;
        v[i * dim + j] = bb - a;
      }
    }
    return tf.tidy(() =>
      this.b.opt.step(() => {
        const o = this.apply(this.b, tf.tensor2d(xk, [n, dim]), k);
        return tf.mean(tf.square(tf.sub(o, tf.tensor2d(v, [n, dim])))) as tf.Scalar;
      }),
    );
  }

  /** F := reversed flow: B's weights with the output layer negated. */
  reverseFlowIntoF(): void {
    const w = this.b.store.getWeights();
    const last = this.b.net.layers.length - 1;
    const fw: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
    for (const [name, val] of Object.entries(w)) {
      const neg = name.startsWith(`net/${last}/`);
      fw[name] = { shape: val.shape, data: neg ? val.data.map((x) => -x) : val.data };
    }
    this.f.store.setWeights(fw);
    this.clearEma(this.f);
  }

  /**
   * One IPF epoch of `steps` AdamW steps for `direction`'s network: "forward"
   * trains F on B's rollouts from the prior, "backward" trains B on F's
   * rollouts from data. Moments are reset and the rate cosine-decays from
   * `ipfLearningRate`; pairs (trajectory, position) are drawn without
   * replacement from a cache of `trajectories` rollouts, re-simulated when used
   * up (S-DSB `runner.py` refreshes its cache likewise). Returns the mean loss.
   */
  trainEpoch(direction: SdsbDirection, data: DataSampler, steps: number, rng: Rng): number {
    const { dim, steps: N, trajectories: M, batchSize: n } = this.options;
    this.beginPhase(direction);
    const pairs = M * N;
    let traj: Float32Array = new Float32Array(0);
    let order: Int32Array = new Int32Array(0);
    let cursor = pairs;
    let total = 0;
    const rows = new Int32Array(n);
    const pos = new Int32Array(n);
    for (let s = 0; s < steps; s++) {
      if (cursor + n > pairs) {
        traj = this.rolloutsFor(direction, direction === "forward" ? (rng.fillNormal(new Float32Array(M * dim)) as Float32Array) : data(M, rng), rng);
        order = rng.permutation(pairs);
        cursor = 0;
      }
      for (let i = 0; i < n; i++) {
        const q = order[cursor++]!;
        rows[i] = Math.floor(q / N);
        pos[i] = q % N;
      }
      total += this.phaseStep(direction, traj, rows, pos, cosineLr(this.options.ipfLearningRate, s, steps));
    }
    return total / Math.max(1, steps);
  }

  /** Starts an IPF phase of `direction`'s network: fresh AdamW moments at `ipfLearningRate`. */
  beginPhase(direction: SdsbDirection): void {
    const net = direction === "forward" ? this.f : this.b;
    this.resetOptimizer(net, this.options.ipfLearningRate);
    this.clearEma(net);
    if (this.options.emaRate > 0) net.ema = net.store.variables.map((v) => tf.tidy(() => tf.variable(tf.clone(v), false)));
  }

  /**
   * The rollouts `direction`'s network learns from: for "forward", B's
   * trajectories from the prior samples `start`; for "backward", F's from the
   * data rows `start`. [n, N+1, dim] indexed by position. For the terminal and
   * flow targets with `endpointPairs: "bridge"`, positions 1…N−1 are then
   * redrawn from the reference bridge between each rollout's endpoints,
   * x_k = (1 − τ_k)x₀ + τ_k x_N + √(v_k(V − v_k)/V)·ξ (`bridgeMarginal`).
   */
  rolloutsFor(direction: SdsbDirection, start: Float32Array, rng: Rng): Float32Array {
    const traj = this.simulate(direction === "forward" ? "backward" : "forward", start, rng);
    const { dim, steps: N, endpointPairs } = this.options;
    const v = this.variance;
    if (!v || endpointPairs !== "bridge") return traj;
    const n = start.length / dim;
    const stride = (N + 1) * dim;
    const z = rng.fillNormal(new Float32Array(n * (N - 1) * dim));
    let zi = 0;
    for (let k = 1; k < N; k++) {
      const { tau, std } = bridgeMarginal(v, k);
      for (let i = 0; i < n; i++) {
        const base = i * stride;
        for (let j = 0; j < dim; j++) traj[base + k * dim + j] = (1 - tau) * traj[base + j]! + tau * traj[base + N * dim + j]! + std * z[zi++]!;
      }
    }
    return traj;
  }

  /**
   * One AdamW step of `direction`'s network at learning rate `lr` on the pairs
   * (trajectory rows[i], step index pos[i] ∈ 0…N−1) of `traj` (from `rolloutsFor`).
   * B at step i learns position i → i+1; F at step i learns position i+1 → i.
   */
  phaseStep(direction: SdsbDirection, traj: Float32Array, rows: Int32Array, steps: Int32Array, lr: number): number {
    const { dim, steps: N, target } = this.options;
    const net = direction === "forward" ? this.f : this.b;
    net.opt.setLearningRate(lr);
    const stride = (N + 1) * dim;
    const n = rows.length;
    const k = new Float32Array(n);
    const x = new Float32Array(n * dim);
    const y = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const pos = direction === "backward" ? steps[i]! : steps[i]! + 1;
      k[i] = pos;
      const base = rows[i]! * stride;
      const prev = direction === "backward" ? pos + 1 : pos - 1;
      const start = direction === "backward" ? N : 0;
      const frac = direction === "backward" ? 1 - this.clock[pos]! : this.clock[pos]!;
      for (let j = 0; j < dim; j++) {
        const xv = traj[base + pos * dim + j]!;
        x[i * dim + j] = xv;
        const endpoint = traj[base + start * dim + j]!;
        y[i * dim + j] = target === "previous" ? traj[base + prev * dim + j]! : target === "terminal" ? endpoint : (endpoint - xv) / frac;
      }
    }
    const loss = tf.tidy(() =>
      net.opt.step(() => {
        const xt = tf.tensor2d(x, [n, dim]);
        const pred = this.readout(direction, xt, this.apply(net, xt, k), k);
        return tf.mean(tf.square(tf.sub(pred, tf.tensor2d(y, [n, dim])))) as tf.Scalar;
      }),
    );
    this.updateEma(net);
    return loss;
  }

  /** B's mean of x_{k+1} given x_k = `x` ([n, dim]) at position k: x + c_k·o (see `stepOf`). */
  backwardMean(x: tf.Tensor2D, k: number): tf.Tensor2D {
    const { scale } = this.stepOf("backward", k);
    return this.withEma(this.b, () => tf.tidy(() => tf.add(x, this.scaled(this.apply(this.b, x, new Float32Array(x.shape[0]).fill(k)), scale)) as tf.Tensor2D));
  }

  /**
   * The step from position k in `direction` as x + scale·o + √variance·ξ.
   * "previous": scale 1/N, variance 2γ (0 on the chain's last step).
   * Terminal/flow: the bridge posterior x + w(x̂ − x) with x̂ = x + r·o, r the
   * remaining clock (1 − τ_k for B, τ_k for F), so scale = w·r; variance from `bridgeStep`.
   */
  stepOf(direction: SdsbDirection, k: number): { readonly scale: number; readonly variance: number } {
    const N = this.options.steps;
    const v = this.variance;
    if (!v) {
      const last = direction === "backward" ? k === N - 1 : k === 1;
      return { scale: 1 / N, variance: last ? 0 : 2 * this.gammas[direction === "backward" ? k : k - 1]! };
    }
    const s = bridgeStep(v, direction, k);
    const remaining = direction === "backward" ? 1 - this.clock[k]! : this.clock[k]!;
    return { scale: s.weight * remaining, variance: s.variance };
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

  /** The two networks' parameters and optimisers, for checkpoints (`saveModelState`). */
  networks(): { readonly backward: { params: ParamStore; optimizer: AdamW }; readonly forward: { params: ParamStore; optimizer: AdamW } } {
    return { backward: { params: this.b.store, optimizer: this.b.opt }, forward: { params: this.f.store, optimizer: this.f.opt } };
  }

  /** Weights of both networks, prefixed "b/" and "f/". */
  getWeights(): WeightMap {
    const out: Record<string, WeightMap[string]> = {};
    for (const [p, net] of [["b", this.b], ["f", this.f]] as const) for (const [k, v] of Object.entries(net.store.getWeights())) out[`${p}/${k}`] = v;
    return out;
  }

  /**
   * The weights rollouts and sampling use, as in `getWeights()`: each
   * network's EMA where it has one (`emaRate` > 0, after its first IPF phase
   * began), its raw weights otherwise. `setWeights` of this map onto a fresh
   * instance reproduces `sample`.
   */
  averagedWeights(): WeightMap {
    const out: Record<string, WeightMap[string]> = {};
    for (const [p, net] of [["b", this.b], ["f", this.f]] as const) {
      for (const [k, v] of Object.entries(this.withEma(net, () => net.store.getWeights()))) out[`${p}/${k}`] = v;
    }
    return out;
  }

  /** Restores `getWeights()` output (of a same-config instance); any EMA is dropped. */
  setWeights(w: WeightMap): void {
    for (const [p, net] of [["b", this.b], ["f", this.f]] as const) {
      const part: Record<string, WeightMap[string]> = {};
      for (const [k, v] of Object.entries(w)) if (k.startsWith(`${p}/`)) part[k.slice(2)] = v;
      net.store.setWeights(part);
      this.clearEma(net);
    }
  }

  dispose(): void {
    for (const net of [this.b, this.f]) {
      this.clearEma(net);
      net.opt.dispose();
      net.store.dispose();
    }
  }

  /**
   * Trajectories [n, N+1, dim] indexed by position k. "backward" starts at
   * k = 0 from `start` and runs B; "forward" starts at k = N and runs F.
   * Each step is `stepOf`: the step between positions k and k+1 uses γ_k in
   * both directions, and the last step of each chain is noise-free (S-DSB
   * `trajectory_dsb`; for terminal/flow the bridge variance vanishes there).
   * For "previous" with constant γ this staggering is what makes the exact
   * IPF fixed point reproduce both marginals (gaussian-ipf.ts, README).
   */
  simulate(direction: SdsbDirection, start: Float32Array, rng: Rng): Float32Array {
    const net = direction === "backward" ? this.b : this.f;
    return this.withEma(net, () => this.simulateRaw(net, direction, start, rng));
  }

  private simulateRaw(net: Net, direction: SdsbDirection, start: Float32Array, rng: Rng): Float32Array {
    const { dim, steps: N } = this.options;
    const n = start.length / dim;
    const stride = (N + 1) * dim;
    const traj = new Float32Array(n * stride);
    let x = start;
    const put = (pos: number, v: Float32Array) => {
      for (let i = 0; i < n; i++) traj.set(v.subarray(i * dim, (i + 1) * dim), i * stride + pos * dim);
    };
    let pos = direction === "backward" ? 0 : N;
    put(pos, x);
    for (let s = 0; s < N; s++) {
      const k = new Float32Array(n).fill(pos);
      const next = direction === "backward" ? pos + 1 : pos - 1;
      const step = this.stepOf(direction, pos);
      // Noise is drawn on every step but the last (the rng stream does not depend on γ).
      const noise = s === N - 1 ? undefined : (rng.fillNormal(new Float32Array(n * dim)) as Float32Array);
      const y = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, dim]);
        let out = tf.add(xt, this.scaled(this.apply(net, xt, k), step.scale));
        if (noise) out = tf.add(out, tf.mul(tf.tensor2d(noise, [n, dim]), Math.sqrt(step.variance)));
        return out;
      });
      x = y.dataSync() as Float32Array;
      y.dispose();
      pos = next;
      put(pos, x);
    }
    return traj;
  }

  /** o·scale; for "previous" as o/N, bit-identical to the original step. */
  private scaled(o: tf.Tensor2D, scale: number): tf.Tensor2D {
    return this.variance ? tf.mul(o, scale) : tf.div(o, this.options.steps);
  }

  /** The readout compared with the regression target (see the class comment). */
  private readout(direction: SdsbDirection, x: tf.Tensor2D, o: tf.Tensor2D, k: Float32Array): tf.Tensor2D {
    const { target, steps: N } = this.options;
    if (target === "flow") return o;
    if (target === "previous") return tf.add(x, tf.div(o, N));
    const frac = Float32Array.from(k, (p) => (direction === "backward" ? 1 - this.clock[p]! : this.clock[p]!));
    return tf.add(x, tf.mul(o, tf.tensor2d(frac, [k.length, 1])));
  }

  private apply(net: Net, x: tf.Tensor2D, k: Float32Array): tf.Tensor2D {
    const N = this.options.steps;
    return tf.tidy(() => {
      const t = tf.tensor2d(Float32Array.from(k, (p) => p / N), [k.length, 1]);
      return net.net.apply(tf.concat([x, t, sinusoidalEmbedding(k, this.embedDim)], 1) as tf.Tensor2D);
    });
  }

  /**
   * EMA update after an optimiser step: e ← d·e + (1 − d)·w with
   * d = min(emaRate, (1 + s)/(10 + s)) after s updates (the warm-up of
   * TensorFlow's `tf.train.ExponentialMovingAverage` with `num_updates`).
   */
  private updateEma(net: Net): void {
    if (!net.ema) return;
    const s = net.emaUpdates++;
    const d = Math.min(this.options.emaRate, (1 + s) / (10 + s));
    const vars = net.store.variables;
    tf.tidy(() => net.ema!.forEach((e, i) => e.assign(tf.add(tf.mul(e, d), tf.mul(vars[i]!, 1 - d)))));
  }

  /** Runs `fn` with the network's EMA weights in place of the raw ones (if it has an EMA). */
  private withEma<T>(net: Net, fn: () => T): T {
    const ema = net.ema;
    if (!ema) return fn();
    const vars = net.store.variables;
    const saved = vars.map((v) => tf.clone(v));
    vars.forEach((v, i) => v.assign(ema[i]!));
    try {
      return fn();
    } finally {
      vars.forEach((v, i) => v.assign(saved[i]!));
      saved.forEach((t) => t.dispose());
    }
  }

  private clearEma(net: Net): void {
    net.ema?.forEach((e) => e.dispose());
    net.ema = undefined;
    net.emaUpdates = 0;
  }

  /** Zero AdamW moments and step count (bias correction restarts), at learning rate `lr`. */
  private resetOptimizer(net: Net, lr: number): void {
    const st = net.opt.getState();
    net.opt.setState({ step: 0, learningRate: lr, m: st.m.map((a) => new Float32Array(a.length)), v: st.v.map((a) => new Float32Array(a.length)) });
  }

  private makeNet(rng: Rng): Net {
    const { dim, hidden, depth, learningRate } = this.options;
    const store = new ParamStore(rng);
    const net = mlp(store, "net", [dim + 1 + this.embedDim, ...Array.from({ length: depth }, () => hidden), dim], { activation: "silu", finalInit: "zeros" });
    return { store, net, opt: new AdamW(store.variables, { learningRate, clipNorm: 1 }), ema: undefined, emaUpdates: 0 };
  }
}
