import { VsdError, type Rng } from "@vsd/core";

/** A 2-D Gaussian N(μ, Σ): the S-DSB toy target. */
export interface Gaussian2d {
  readonly mean: readonly [number, number];
  /** [Σ₁₁, Σ₁₂, Σ₂₂]. */
  readonly cov: readonly [number, number, number];
}

/** n samples (row-major [n, 2]) via the Cholesky factor of Σ. */
export function sampleGaussian2d(g: Gaussian2d, n: number, rng: Rng): Float32Array {
  const [a, b, c] = g.cov;
  if (!(a > 0 && a * c - b * b > 0)) throw new VsdError("INVALID_ARGUMENT", "sampleGaussian2d: Σ must be positive definite.");
  const l11 = Math.sqrt(a);
  const l21 = b / l11;
  const l22 = Math.sqrt(c - l21 * l21);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const u = rng.normal();
    const v = rng.normal();
    out[2 * i] = g.mean[0] + l11 * u;
    out[2 * i + 1] = g.mean[1] + l21 * u + l22 * v;
  }
  return out;
}

/** Sample mean and (unbiased) covariance [Σ₁₁, Σ₁₂, Σ₂₂] of [n, 2] points. */
export function moments2d(xy: ArrayLike<number>): Gaussian2d {
  const n = xy.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xy[2 * i]!;
    my += xy[2 * i + 1]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xy[2 * i]! - mx;
    const dy = xy[2 * i + 1]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  return { mean: [mx, my], cov: [sxx / (n - 1), sxy / (n - 1), syy / (n - 1)] };
}

/** ‖μ̂ − μ‖₂ and ‖Σ̂ − Σ‖_F between two Gaussians' parameters. */
export function momentErrors(est: Gaussian2d, target: Gaussian2d): { mean: number; cov: number } {
  const dm = Math.hypot(est.mean[0] - target.mean[0], est.mean[1] - target.mean[1]);
  const d = [est.cov[0] - target.cov[0], est.cov[1] - target.cov[1], est.cov[2] - target.cov[2]];
  return { mean: dm, cov: Math.sqrt(d[0]! ** 2 + 2 * d[1]! ** 2 + d[2]! ** 2) };
}

/**
 * 2-Wasserstein distance between N(μ₁, Σ₁) and N(μ₂, Σ₂) [Dowson & Landau 1982;
 * Givens & Shortt 1984]: W₂² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₂^½ Σ₁ Σ₂^½)^½.
 * For 2×2 SPD M, tr M^½ = √(tr M + 2√det M), and Σ₂^½Σ₁Σ₂^½ has trace tr(Σ₁Σ₂)
 * and determinant det Σ₁ det Σ₂.
 */
export function gaussianW2(a: Gaussian2d, b: Gaussian2d): number {
  const [a11, a12, a22] = a.cov;
  const [b11, b12, b22] = b.cov;
  const trAB = a11 * b11 + 2 * a12 * b12 + a22 * b22;
  const det = (a11 * a22 - a12 * a12) * (b11 * b22 - b12 * b12);
  const cross = Math.sqrt(Math.max(0, trAB + 2 * Math.sqrt(Math.max(0, det))));
  const bures = Math.max(0, a11 + a22 + b11 + b22 - 2 * cross);
  const dm2 = (a.mean[0] - b.mean[0]) ** 2 + (a.mean[1] - b.mean[1]) ** 2;
  return Math.sqrt(dm2 + bures);
}
