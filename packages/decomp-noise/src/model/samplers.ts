import * as tf from "@tensorflow/tfjs-core";
import { VsdError, alphaSigmaFromLogSnr, stableSigmoid, type Rng } from "@vsd/core";
import { karrasSigmas } from "../sigmas.js";

/** (x̂, ε̂) of the VP state z at log-SNR λ (one λ for the whole batch). The caller owns both tensors. */
export type DenoiseFn = (z: tf.Tensor2D, logSnr: number) => { x: tf.Tensor2D; eps: tf.Tensor2D };

export type SamplerKind = "ddpm" | "ddim" | "euler" | "heun" | "flow-euler";
export const SAMPLER_KINDS: readonly SamplerKind[] = ["ddpm", "ddim", "euler", "heun", "flow-euler"];

export interface SamplerOptions {
  readonly kind: SamplerKind;
  readonly steps: number;
  /** Noisiest λ the sampler starts from. */
  readonly logSnrMin: number;
  /** Cleanest λ; the last step returns x̂ there. */
  readonly logSnrMax: number;
  /** DDIM η (0 = deterministic, 1 = DDPM posterior variance). @default 0 */
  readonly eta?: number;
  /** Karras ρ for Euler/Heun. @default 7 */
  readonly rho?: number;
}

/**
 * Runs a sampler from z ~ N(0, I) (VP scale) and returns x̂ `[n, D]`.
 * Update rules (REFERENCES §1.13):
 * - "ddpm": ancestral, VDM λ form [VDM App. A.4 Eq. 33]: c = −expm1(λ_t − λ_s),
 *   z_s = (α_s/α_t)(z_t − σ_t c ε̂) + σ_s √c ξ, on a grid uniform in λ;
 * - "ddim": [DDIM Eq. 12, 16] with σ_η = η √((1−ᾱ_s)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_s);
 * - "euler" / "heun": EDM Alg. 2 (no churn) in VE variables x = z/α, σ = e^(−λ/2),
 *   on Karras σ's with a final plain Euler step to σ = 0 [k-diffusion];
 * - "flow-euler": rectified flow x ← x + (t_{i+1} − t_i) v̂ on a uniform t grid,
 *   x_rf = z/(α+σ), t = σ/(α+σ), v̂ = ε̂ − x̂, last step to t = 0.
 */
export function runSampler(denoise: DenoiseFn, n: number, dim: number, rng: Rng, options: SamplerOptions): tf.Tensor2D {
  const { kind, steps, logSnrMin: lmin, logSnrMax: lmax } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new VsdError("INVALID_ARGUMENT", `Sampler steps must be a positive integer, got ${steps}.`);
  if (!(lmin < lmax)) throw new VsdError("INVALID_RANGE", `Sampler needs logSnrMin < logSnrMax, got ${lmin}, ${lmax}.`);
  const noise = () => tf.tensor2d(rng.fillNormal(new Float32Array(n * dim)) as Float32Array, [n, dim]);
  let z = noise();
  const replace = (next: tf.Tensor2D) => {
    z.dispose();
    z = next;
  };
  switch (kind) {
    case "ddpm":
    case "ddim": {
      const eta = options.eta ?? 0;
      const grid = Array.from({ length: steps }, (_, i) => lmin + ((lmax - lmin) * i) / Math.max(1, steps - 1));
      for (let i = 0; i + 1 < grid.length; i++) {
        const lt = grid[i]!;
        const ls = grid[i + 1]!;
        const { x, eps } = denoise(z, lt);
        const t = alphaSigmaFromLogSnr(lt);
        const s = alphaSigmaFromLogSnr(ls);
        const next = tf.tidy(() => {
          if (kind === "ddpm") {
            const c = -Math.expm1(lt - ls);
            const mean = tf.mul(tf.sub(z, tf.mul(eps, t.sigma * c)), s.alpha / t.alpha);
            return tf.add(mean, tf.mul(noise(), s.sigma * Math.sqrt(c))) as tf.Tensor2D;
          }
          const abT = t.alpha ** 2;
          const abS = s.alpha ** 2;
          const sEta = eta * Math.sqrt((s.sigma ** 2 / t.sigma ** 2) * (1 - abT / abS));
          const dirCoef = Math.sqrt(Math.max(0, s.sigma ** 2 - sEta ** 2));
          let out = tf.add(tf.mul(x, s.alpha), tf.mul(eps, dirCoef));
          if (sEta > 0) out = tf.add(out, tf.mul(noise(), sEta));
          return out as tf.Tensor2D;
        });
        x.dispose();
        eps.dispose();
        replace(next);
      }
      const { x, eps } = denoise(z, grid[grid.length - 1]!);
      eps.dispose();
      z.dispose();
      return x;
    }
    case "euler":
    case "heun": {
      const sigmas = karrasSigmas(steps, Math.exp(-lmax / 2), Math.exp(-lmin / 2), options.rho ?? 7);
      // VE state x = z/α; at σ_max with z ~ N(0, I): x = z·√(1 + σ²).
      replace(tf.tidy(() => tf.mul(z, Math.sqrt(1 + sigmas[0]! ** 2))) as tf.Tensor2D);
      const slope = (x: tf.Tensor2D, sigma: number): tf.Tensor2D => {
        const lam = -2 * Math.log(sigma);
        const zin = tf.tidy(() => tf.div(x, Math.sqrt(1 + sigma * sigma))) as tf.Tensor2D;
        const r = denoise(zin, lam);
        zin.dispose();
        r.eps.dispose();
        const d = tf.tidy(() => tf.div(tf.sub(x, r.x), sigma)) as tf.Tensor2D;
        r.x.dispose();
        return d;
      };
      for (let i = 0; i < steps; i++) {
        const s0 = sigmas[i]!;
        const s1 = sigmas[i + 1]!;
        const d = slope(z, s0);
        const euler = tf.tidy(() => tf.add(z, tf.mul(d, s1 - s0))) as tf.Tensor2D;
        if (kind === "heun" && s1 !== 0) {
          const d2 = slope(euler, s1);
          const next = tf.tidy(() => tf.add(z, tf.mul(tf.add(d, d2), 0.5 * (s1 - s0)))) as tf.Tensor2D;
          d2.dispose();
          euler.dispose();
          replace(next);
        } else {
          replace(euler);
        }
        d.dispose();
      }
      return z;
    }
    case "flow-euler": {
      // t = σ/(α+σ) = sigmoid(−λ/2) on the RF path; start at t(λ_min).
      const tHi = stableSigmoid(-lmin / 2);
      const tLo = stableSigmoid(-lmax / 2);
      const ts = Array.from({ length: steps }, (_, i) => tHi + ((tLo - tHi) * i) / Math.max(1, steps - 1));
      ts.push(0);
      // RF state x_rf = z/(α+σ) at t = tHi.
      const a0 = alphaSigmaFromLogSnr(lmin);
      replace(tf.tidy(() => tf.div(z, a0.alpha + a0.sigma)) as tf.Tensor2D);
      for (let i = 0; i < steps; i++) {
        const t0 = ts[i]!;
        const t1 = ts[i + 1]!;
        const lam = -2 * Math.log(t0 / (1 - t0));
        const { alpha, sigma } = alphaSigmaFromLogSnr(lam);
        const zin = tf.tidy(() => tf.mul(z, alpha + sigma)) as tf.Tensor2D;
        const r = denoise(zin, lam);
        zin.dispose();
        const next = tf.tidy(() => tf.add(z, tf.mul(tf.sub(r.eps, r.x), t1 - t0))) as tf.Tensor2D;
        r.x.dispose();
        r.eps.dispose();
        replace(next);
      }
      return z;
    }
    default:
      z.dispose();
      throw new VsdError("INVALID_ARGUMENT", `Unknown sampler "${String(kind)}"; expected one of ${SAMPLER_KINDS.join(", ")}.`);
  }
}

/**
 * Classifier-free guidance with an optional noise interval [CFG Eq. 6; GI]:
 * out = out_u + s·(out_c − out_u) when σ_VE = e^(−λ/2) ∈ (σ_lo, σ_hi], else out_c.
 * Model outputs are linear in (x̂, ε̂), so mixing them mixes both consistently.
 */
export function guidanceActive(logSnr: number, interval?: readonly [number, number]): boolean {
  if (!interval) return true;
  const sigma = Math.exp(-logSnr / 2);
  return sigma > interval[0] && sigma <= interval[1];
}
