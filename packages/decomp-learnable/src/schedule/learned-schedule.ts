import * as tf from "@tensorflow/tfjs-core";
import { VsdError, type ParamStore } from "@vsd/core";
import type { GammaSchedule } from "./gamma-schedule.js";
import { inverseSoftplus, normalizedGamma, positive, type MonotoneNetWeights } from "./monotone-net-math.js";

export interface LearnedScheduleOptions {
  /** Hidden width H of the monotone network (VDM uses 1024). @default 32 */
  readonly hidden?: number;
  /** γ(0) = −λ_max, the clean end (VDM CIFAR-10: −13.3). @default -13.3 */
  readonly gammaMin?: number;
  /** γ(1) = −λ_min, the noisy end (VDM CIFAR-10: 5). @default 5 */
  readonly gammaMax?: number;
  /**
   * "pinned": γ(0), γ(1) stay exactly at gammaMin/gammaMax. "learned": they are
   * two extra scalars (initialised there) trained on the VLB [VDM App. I.2].
   * @default "pinned"
   */
  readonly endpoints?: "pinned" | "learned";
}

export interface ResolvedLearnedScheduleOptions {
  hidden: number;
  gammaMin: number;
  gammaMax: number;
  endpoints: "pinned" | "learned";
}

export function resolveLearnedScheduleOptions(o: LearnedScheduleOptions = {}): ResolvedLearnedScheduleOptions {
  const r: ResolvedLearnedScheduleOptions = {
    hidden: o.hidden ?? 32,
    gammaMin: o.gammaMin ?? -13.3,
    gammaMax: o.gammaMax ?? 5,
    endpoints: o.endpoints ?? "pinned",
  };
  if (!(Number.isInteger(r.hidden) && r.hidden >= 1)) throw new VsdError("INVALID_ARGUMENT", `schedule hidden must be a positive integer, got ${r.hidden}.`);
  if (!(Number.isFinite(r.gammaMin) && Number.isFinite(r.gammaMax) && r.gammaMin < r.gammaMax)) {
    throw new VsdError("INVALID_RANGE", `Need finite gammaMin < gammaMax, got ${r.gammaMin}, ${r.gammaMax}.`);
  }
  if (r.endpoints !== "pinned" && r.endpoints !== "learned") throw new VsdError("INVALID_ARGUMENT", `endpoints must be "pinned" or "learned".`);
  return r;
}

/**
 * VDM's learned monotone schedule (REFERENCES §4.1): the network of
 * `monotoneNet` with softplus-positive weights, renormalised to its endpoints.
 * Interior weights live in `interior` (trained to minimise the estimator's
 * second moment); learned endpoints live in `endpointStore` (trained on the VLB
 * with the denoiser). γ₁ = γ₀ + softplus(gap) keeps γ₀ < γ₁ whatever the
 * optimiser does, so the schedule is increasing throughout training.
 */
export class LearnedSchedule implements GammaSchedule {
  readonly kind = "learned" as const;
  readonly options: ResolvedLearnedScheduleOptions;
  private readonly raw1: tf.Variable;
  private readonly raw2: tf.Variable;
  private readonly b2: tf.Variable;
  private readonly raw3: tf.Variable;
  private readonly g0: tf.Variable | undefined;
  private readonly gap: tf.Variable | undefined;

  constructor(interior: ParamStore, endpointStore: ParamStore | undefined, options: LearnedScheduleOptions = {}) {
    const o = (this.options = resolveLearnedScheduleOptions(options));
    const H = o.hidden;
    // Initial γ ≈ linear in t (l₁ dominates, as VDM's init with weight γ_max − γ_min):
    // small positive l₃ weights, l₂ units spread over t by their biases.
    this.raw1 = interior.variable("schedule/l1/raw", [1, 1], new Float32Array([inverseSoftplus(1)]));
    this.raw2 = interior.variable("schedule/l2/raw", [1, H], { normal: 1 });
    this.b2 = interior.variable("schedule/l2/bias", [1, H], { normal: 2 });
    this.raw3 = interior.variable("schedule/l3/raw", [1, H], new Float32Array(H).fill(inverseSoftplus(0.2)));
    if (o.endpoints === "learned") {
      if (!endpointStore) throw new VsdError("INVALID_ARGUMENT", "LearnedSchedule: learned endpoints need an endpoint ParamStore.");
      this.g0 = endpointStore.variable("schedule/gamma0", [1], new Float32Array([o.gammaMin]));
      this.gap = endpointStore.variable("schedule/gap/raw", [1], new Float32Array([inverseSoftplus(o.gammaMax - o.gammaMin)]));
    }
  }

  /** Interior variables (the ones the variance objective trains). */
  get interiorVariables(): tf.Variable[] {
    return [this.raw1, this.raw2, this.b2, this.raw3];
  }

  /** Endpoint variables (empty when pinned). */
  get endpointVariables(): tf.Variable[] {
    return this.g0 && this.gap ? [this.g0, this.gap] : [];
  }

  endpointTensors(): { gamma0: tf.Scalar; gamma1: tf.Scalar } {
    return tf.tidy(() => {
      if (!this.g0 || !this.gap) return { gamma0: tf.scalar(this.options.gammaMin), gamma1: tf.scalar(this.options.gammaMax) };
      const gamma0 = tf.reshape(this.g0, []) as tf.Scalar;
      const gamma1 = tf.add(gamma0, tf.reshape(tf.softplus(this.gap), [])) as tf.Scalar;
      return { gamma0, gamma1 };
    });
  }

  endpoints(): [number, number] {
    if (!this.g0 || !this.gap) return [this.options.gammaMin, this.options.gammaMax];
    const g0 = this.g0.dataSync()[0]!;
    const gap = positive(this.gap.dataSync())[0]!;
    return [g0, g0 + gap];
  }

  /** Current positive weights as float64 arrays. */
  weights(): MonotoneNetWeights {
    return {
      w1: positive(this.raw1.dataSync())[0]!,
      w2: positive(this.raw2.dataSync()),
      b2: Float64Array.from(this.b2.dataSync()),
      w3: positive(this.raw3.dataSync()),
    };
  }

  evaluate(t: ArrayLike<number>): { gamma: Float64Array; dgamma: Float64Array } {
    const w = this.weights();
    const [g0, g1] = this.endpoints();
    const gamma = new Float64Array(t.length);
    const dgamma = new Float64Array(t.length);
    for (let i = 0; i < t.length; i++) {
      const v = normalizedGamma(w, g0, g1, t[i]!);
      gamma[i] = v.gamma;
      dgamma[i] = v.dgamma;
    }
    return { gamma, dgamma };
  }

  tensors(t: Float32Array): { gamma: tf.Tensor1D; dgamma: tf.Tensor1D } {
    const n = t.length;
    const H = this.options.hidden;
    return tf.tidy(() => {
      // Rows 0 and 1 are t = 0 and t = 1 (for the renormalisation).
      const all = new Float32Array(n + 2);
      all[1] = 1;
      all.set(t, 2);
      const tc = tf.tensor2d(all, [n + 2, 1]);
      const w1 = tf.softplus(this.raw1);
      const w2 = tf.softplus(this.raw2);
      const w3 = tf.softplus(this.raw3);
      const h = tf.add(tf.mul(tf.mul(tf.sub(tc, 0.5), 2), w2), this.b2);
      const s = tf.sigmoid(h);
      // Reductions instead of matMul with l₃: no transposed matMul in the backward pass.
      const value = tf.add(tf.mul(tc, w1), tf.div(tf.sum(tf.mul(w3, tf.sub(tf.mul(s, 2), 1)), 1, true), H));
      const deriv = tf.add(w1, tf.div(tf.sum(tf.mul(tf.mul(w3, w2), tf.mul(tf.mul(s, tf.sub(1, s)), 4)), 1, true), H));
      const v = tf.reshape(value, [n + 2]);
      const d = tf.reshape(deriv, [n + 2]);
      const lo = tf.slice(v, [0], [1]);
      const hi = tf.slice(v, [1], [1]);
      const span = tf.sub(hi, lo);
      const r = tf.div(tf.sub(tf.slice(v, [2], [n]), lo), span);
      const { gamma0, gamma1 } = this.endpointTensors();
      const gamma = tf.add(tf.mul(gamma0, tf.sub(1, r)), tf.mul(gamma1, r)) as tf.Tensor1D;
      const dgamma = tf.div(tf.mul(tf.sub(gamma1, gamma0), tf.slice(d, [2], [n])), span) as tf.Tensor1D;
      return { gamma, dgamma };
    });
  }
}
