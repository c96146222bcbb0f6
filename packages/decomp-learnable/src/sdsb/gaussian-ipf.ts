import { VsdError } from "@vsd/core";
import type { Gaussian2d } from "./gaussian-2d.js";
import { bridgeMarginal, bridgeStep, cumulativeVariance, type SdsbEndpointPairs } from "./reference-bridge.js";
import type { SdsbTarget } from "./sdsb.js";

/**
 * The population (infinite data, exact regression) version of `SimplifiedDsb`
 * for a 2-D Gaussian prior and data. Every chain is linear-Gaussian, so every
 * regression the networks do has an affine solution, computed here exactly
 * from the chains' joint moments (E[y | x] = m_y + C_yx V_x⁻¹ (x − m_x)).
 * Same conventions as `SimplifiedDsb`: positions k = 0…N, prior at 0, data at N;
 * B steps k → k+1, F steps k → k−1; B starts as flow matching (independent
 * coupling, straight interpolation), each iteration fits F on B's chain, then
 * B on F's chain.
 * - "previous": B's step k has noise 2γ_k, F's step k → k−1 has 2γ_{k−1}, none on
 *   either chain's last step; the regression is on the other chain's previous state.
 * - "terminal" / "flow" (identical in population): the step is the reference
 *   bridge's posterior towards the regressed endpoint (`bridgeStep`), on the
 *   reference clock τ_k = v_k/V; flow matching interpolates at t = τ_k. The
 *   endpoint is regressed on x_k of the reference bridge between the other
 *   chain's endpoints (`endpointPairs: "bridge"`, its reciprocal projection), or
 *   on x_k of the other chain itself (`"trajectory"`, as S-DSB's code does).
 * It separates what the algorithm converges to from network and sampling error
 * (REFERENCES §4.3; derivations and measured numbers in the README).
 */
export interface PopulationSdsbOptions {
  /** Bridge steps N. */
  readonly steps: number;
  /** γ_k per edge (k, k+1), length N (all > 0 for "terminal" and "flow"). */
  readonly gammas: ArrayLike<number>;
  readonly target: SdsbTarget;
  /** Outer IPF iterations (F phase, then B phase). */
  readonly iterations: number;
  /** "previous" only: add noise on the chains' last steps too. @default false (as `SimplifiedDsb`) */
  readonly lastStepNoise?: boolean;
  /** "terminal"/"flow" only: where x_k of the endpoint regression comes from. @default "bridge" (as `SimplifiedDsb`) */
  readonly endpointPairs?: SdsbEndpointPairs;
}

export interface PopulationSdsbResult {
  /** B's data-side marginal: after the flow-matching init, then after each iteration. */
  readonly data: Gaussian2d[];
  /** F's prior-side marginal (F run from the data) after each iteration's F phase. */
  readonly prior: Gaussian2d[];
}

type M2 = [number, number, number, number]; // row-major [a, b; c, d]
type V2 = [number, number];
interface Kernel {
  readonly a: M2;
  readonly c: V2;
  /** Isotropic noise variance added after the affine map. */
  readonly q: number;
}

const I2: M2 = [1, 0, 0, 1];
const mul = (x: M2, y: M2): M2 => [x[0] * y[0] + x[1] * y[2], x[0] * y[1] + x[1] * y[3], x[2] * y[0] + x[3] * y[2], x[2] * y[1] + x[3] * y[3]];
const tr = (x: M2): M2 => [x[0], x[2], x[1], x[3]];
const add = (x: M2, y: M2, s = 1): M2 => [x[0] + s * y[0], x[1] + s * y[1], x[2] + s * y[2], x[3] + s * y[3]];
const scale = (x: M2, s: number): M2 => [x[0] * s, x[1] * s, x[2] * s, x[3] * s];
const inv = (x: M2): M2 => {
  const det = x[0] * x[3] - x[1] * x[2];
  return [x[3] / det, -x[1] / det, -x[2] / det, x[0] / det];
};
const mv = (x: M2, v: V2): V2 => [x[0] * v[0] + x[1] * v[1], x[2] * v[0] + x[3] * v[1]];
const fromCov = (c: readonly [number, number, number]): M2 => [c[0], c[1], c[1], c[2]];
const toGaussian = (m: V2, v: M2): Gaussian2d => ({ mean: [m[0], m[1]], cov: [v[0], (v[1] + v[2]) / 2, v[3]] });

/**
 * A chain from N(m₀, v₀) through `kernels`, indexed in visiting order i: means,
 * covariances, Cov(x_i, x_{i−1}) and Cov(x_i, x_0).
 */
function runChain(m0: V2, v0: M2, kernels: readonly Kernel[]) {
  const m: V2[] = [m0];
  const v: M2[] = [v0];
  const withPrev: M2[] = [v0]; // Cov(x_i, x_{i−1}) in visiting order
  const withStart: M2[] = [v0]; // Cov(x_i, x_0) in visiting order
  for (const k of kernels) {
    const i = m.length - 1;
    const am = mv(k.a, m[i]!);
    m.push([am[0] + k.c[0], am[1] + k.c[1]]);
    v.push(add(mul(mul(k.a, v[i]!), tr(k.a)), scale(I2, k.q)));
    withPrev.push(mul(k.a, v[i]!));
    withStart.push(mul(k.a, withStart[i]!));
  }
  return { m, v, withPrev, withStart };
}

/** Affine regression E[y | x] = A x + c from moments. */
function regress(my: V2, mx: V2, cyx: M2, vx: M2): { a: M2; c: V2 } {
  const a = mul(cyx, inv(vx));
  const ax = mv(a, mx);
  return { a, c: [my[0] - ax[0], my[1] - ax[1]] };
}

/** The step kernel x + w(ŷ − x) from a regression ŷ = A x + c of the endpoint (terminal/flow readout). */
function towards(r: { a: M2; c: V2 }, w: number): { a: M2; c: V2 } {
  return { a: add(I2, add(r.a, I2, -1), w), c: [w * r.c[0], w * r.c[1]] };
}

/** Moments of the endpoint coupling (x₀, x_N) of a chain: means, covariances and C₀N = Cov(x₀, x_N). */
interface Coupling {
  readonly m0: V2;
  readonly c00: M2;
  readonly mN: V2;
  readonly cNN: M2;
  readonly c0N: M2;
}

/**
 * E[endpoint | x_k] under the coupling's reciprocal projection: x_k = (1 − τ)x₀ + τx_N + σξ
 * (`bridgeMarginal`), so m_k = (1 − τ)m₀ + τm_N, V_k = (1 − τ)²C₀₀ + τ²C_NN + τ(1 − τ)(C₀N + C₀Nᵀ) + σ²I,
 * Cov(x₀, x_k) = (1 − τ)C₀₀ + τC₀N and Cov(x_N, x_k) = (1 − τ)C₀Nᵀ + τC_NN.
 */
function regressOnBridge(cp: Coupling, tau: number, std: number, endpoint: "x0" | "xN"): { a: M2; c: V2 } {
  const u = 1 - tau;
  const mk: V2 = [u * cp.m0[0] + tau * cp.mN[0], u * cp.m0[1] + tau * cp.mN[1]];
  const cross = add(cp.c0N, tr(cp.c0N));
  const vk = add(add(add(scale(cp.c00, u * u), cp.cNN, tau * tau), cross, tau * u), I2, std * std);
  if (endpoint === "x0") return regress(cp.m0, mk, add(scale(cp.c00, u), cp.c0N, tau), vk);
  return regress(cp.mN, mk, add(scale(tr(cp.c0N), u), cp.cNN, tau), vk);
}

export function populationSdsb(prior: Gaussian2d, data: Gaussian2d, options: PopulationSdsbOptions): PopulationSdsbResult {
  const N = options.steps;
  const g = options.gammas;
  if (!(Number.isInteger(N) && N >= 2) || g.length !== N) throw new VsdError("INVALID_ARGUMENT", "populationSdsb: need N ≥ 2 and N gammas.");
  if (!(Number.isInteger(options.iterations) && options.iterations >= 0)) throw new VsdError("INVALID_ARGUMENT", "populationSdsb: iterations must be a non-negative integer.");
  const lastNoise = options.lastStepNoise ?? false;
  const pairs = options.endpointPairs ?? "bridge";
  if (pairs !== "bridge" && pairs !== "trajectory") throw new VsdError("INVALID_ARGUMENT", `populationSdsb: endpointPairs must be "bridge" or "trajectory".`);
  const previous = options.target === "previous";
  const v = previous ? undefined : cumulativeVariance(g);
  const clock = (k: number) => (v ? v[k]! / v[N]! : k / N);
  const m0: V2 = [prior.mean[0], prior.mean[1]];
  const s0 = fromCov(prior.cov);
  const m1: V2 = [data.mean[0], data.mean[1]];
  const s1 = fromCov(data.cov);
  const qB = (k: number) => (k === N - 1 && !lastNoise ? 0 : 2 * g[k]!);
  const qF = (k: number) => (k === 1 && !lastNoise ? 0 : 2 * g[k - 1]!);
  // Terminal/flow kernels: the bridge posterior's step towards the regressed endpoint.
  const bStep = (k: number, r: { a: M2; c: V2 }): Kernel => {
    const s = bridgeStep(v!, "backward", k);
    return { ...towards(r, s.weight), q: s.variance };
  };
  const fStep = (k: number, r: { a: M2; c: V2 }): Kernel => {
    const s = bridgeStep(v!, "forward", k);
    return { ...towards(r, s.weight), q: s.variance };
  };

  // Flow matching [Lipman et al. 2023]: x_t = (1−t)x₀ + t x₁ with independent x₀, x₁;
  // v(x, t) = E[x₁ − x₀ | x_t = x] = (m₁ − m₀) + (tΣ₁ − (1−t)Σ₀) V_t⁻¹ (x − m_t), at t = clock(k).
  // "previous": Euler step x + v/N; terminal/flow: x̂_N = x + (1 − t)v, then the bridge step.
  let B: Kernel[] = Array.from({ length: N }, (_, k) => {
    const t = clock(k);
    const vt = add(scale(s0, (1 - t) ** 2), s1, t * t);
    const mt: V2 = [(1 - t) * m0[0] + t * m1[0], (1 - t) * m0[1] + t * m1[1]];
    const r = regress([m1[0] - m0[0], m1[1] - m0[1]], mt, add(scale(s1, t), s0, -(1 - t)), vt);
    if (previous) return { a: add(I2, r.a, 1 / N), c: [r.c[0] / N, r.c[1] / N], q: qB(k) };
    return bStep(k, { a: add(I2, r.a, 1 - t), c: [(1 - t) * r.c[0], (1 - t) * r.c[1]] });
  });
  const out: PopulationSdsbResult = { data: [], prior: [] };
  let cb = runChain(m0, s0, B); // visiting order = position
  out.data.push(toGaussian(cb.m[N]!, cb.v[N]!));
  for (let it = 0; it < options.iterations; it++) {
    // F at position k (1…N) on B's chain.
    const cpB: Coupling = { m0: cb.m[0]!, c00: cb.v[0]!, mN: cb.m[N]!, cNN: cb.v[N]!, c0N: tr(cb.withStart[N]!) };
    const F: Kernel[] = [];
    for (let k = 1; k <= N; k++) {
      if (previous) F[k] = { ...regress(cb.m[k - 1]!, cb.m[k]!, tr(cb.withPrev[k]!), cb.v[k]!), q: qF(k) };
      else if (pairs === "trajectory") F[k] = fStep(k, regress(cb.m[0]!, cb.m[k]!, tr(cb.withStart[k]!), cb.v[k]!));
      else {
        const bm = bridgeMarginal(v!, k);
        F[k] = fStep(k, regressOnBridge(cpB, bm.tau, bm.std, "x0"));
      }
    }
    // F's chain from data: visiting order i ↔ position N − i.
    const cf = runChain(m1, s1, Array.from({ length: N }, (_, i) => F[N - i]!));
    out.prior.push(toGaussian(cf.m[N]!, cf.v[N]!));
    const cpF: Coupling = { m0: cf.m[N]!, c00: cf.v[N]!, mN: cf.m[0]!, cNN: cf.v[0]!, c0N: cf.withStart[N]! };
    B = Array.from({ length: N }, (_, k) => {
      const i = N - k;
      if (previous) return { ...regress(cf.m[i - 1]!, cf.m[i]!, tr(cf.withPrev[i]!), cf.v[i]!), q: qB(k) };
      if (pairs === "trajectory") return bStep(k, regress(cf.m[0]!, cf.m[i]!, tr(cf.withStart[i]!), cf.v[i]!));
      const bm = bridgeMarginal(v!, k);
      return bStep(k, regressOnBridge(cpF, bm.tau, bm.std, "xN"));
    });
    cb = runChain(m0, s0, B);
    out.data.push(toGaussian(cb.m[N]!, cb.v[N]!));
  }
  return out;
}
