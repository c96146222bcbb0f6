import { Rng, VsdError } from "@vsd/core";

/** Options of {@link fitPowerLaw}. */
export interface PowerLawOptions {
  /**
   * Fit y = c + a·x^(−b) (irreducible term c, Henighan et al. 2020) instead of y = a·x^(−b) (Kaplan et al. 2020).
   * @default false
   */
  readonly offset?: boolean;
  /**
   * Bootstrap resamples (over points, with replacement) for the confidence intervals; 0 skips them.
   * @default 1000
   */
  readonly bootstrap?: number;
  /** Two-sided confidence level of the percentile intervals. @default 0.95 */
  readonly confidence?: number;
  /** Seed of the bootstrap. @default 0 */
  readonly seed?: number;
}

interface ResolvedPowerLawOptions {
  readonly offset: boolean;
  readonly bootstrap: number;
  readonly confidence: number;
  readonly seed: number;
}

export function resolvePowerLawOptions(options: PowerLawOptions = {}): ResolvedPowerLawOptions {
  const r = {
    offset: options.offset ?? false,
    bootstrap: options.bootstrap ?? 1000,
    confidence: options.confidence ?? 0.95,
    seed: options.seed ?? 0,
  };
  if (!Number.isInteger(r.bootstrap) || r.bootstrap < 0) {
    throw new VsdError("INVALID_ARGUMENT", `fitPowerLaw: bootstrap must be a non-negative integer, got ${r.bootstrap}.`);
  }
  if (!(r.confidence > 0 && r.confidence < 1)) {
    throw new VsdError("INVALID_RANGE", `fitPowerLaw: confidence must be in (0, 1), got ${r.confidence}.`);
  }
  return r;
}

/** A [low, high] percentile interval. */
export type Interval = readonly [number, number];

/** Result of {@link fitPowerLaw}: y = a·x^(−b) (+ c when fitted with an offset). */
export interface PowerLawFit {
  readonly a: number;
  readonly b: number;
  /** The irreducible term; present only for `offset: true`. */
  readonly c?: number;
  /** Sum of squared residuals on the y scale (on ln y for the plain form). */
  readonly sse: number;
  /** Percentile bootstrap intervals; absent when `bootstrap: 0` or too few points. */
  readonly ci?: { readonly a: Interval; readonly b: Interval; readonly c?: Interval; readonly level: number; readonly resamples: number };
  /** The fitted curve. */
  readonly predict: (x: number) => number;
  /** Bootstrap interval of the prediction at x (percentiles over the resampled fits). */
  readonly predictInterval?: (x: number) => Interval;
}

interface RawFit {
  a: number;
  b: number;
  c: number;
  sse: number;
}

function checkData(xs: ArrayLike<number>, ys: ArrayLike<number>, offset: boolean): void {
  if (xs.length !== ys.length) {
    throw new VsdError("INVALID_SHAPE", `fitPowerLaw: ${xs.length} xs but ${ys.length} ys.`);
  }
  const need = offset ? 3 : 2;
  if (xs.length < need) {
    throw new VsdError("INSUFFICIENT_DATA", `fitPowerLaw: ${offset ? "y = c + a·x^(−b)" : "y = a·x^(−b)"} needs at least ${need} points, got ${xs.length}.`);
  }
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new VsdError("NON_FINITE", `fitPowerLaw: point ${i} is (${x}, ${y}).`);
    }
    if (x <= 0) throw new VsdError("INVALID_RANGE", `fitPowerLaw: x must be > 0, got ${x} at ${i}.`);
    if (!offset && y <= 0) throw new VsdError("INVALID_RANGE", `fitPowerLaw: y must be > 0 without an offset, got ${y} at ${i}.`);
  }
  if (distinct(xs) < need) {
    throw new VsdError("INSUFFICIENT_DATA", `fitPowerLaw: needs at least ${need} distinct x values.`);
  }
}

function distinct(xs: ArrayLike<number>): number {
  return new Set(Array.from(xs)).size;
}

/** Least squares on ln y = ln a − b ln x (exact for the plain form, REFERENCES §5.6). */
function fitLogLinear(xs: ArrayLike<number>, ys: ArrayLike<number>): RawFit {
  const n = xs.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += Math.log(xs[i]!);
    sy += Math.log(ys[i]!);
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = Math.log(xs[i]!) - mx;
    sxx += dx * dx;
    sxy += dx * (Math.log(ys[i]!) - my);
  }
  const slope = sxy / sxx;
  const lnA = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = lnA - slope * Math.log(xs[i]!) - Math.log(ys[i]!);
    sse += r * r;
  }
  return { a: Math.exp(lnA), b: -slope, c: 0, sse };
}

/**
 * y = c + a·x^(−b) by Levenberg–Marquardt (Marquardt 1963, diagonal scaling) on the
 * y-scale residuals. Parameters θ = (ln a, ln b, ln(min y − c)) keep a > 0, b > 0 and
 * c < min y (REFERENCES §5.6); x is divided by its geometric mean for conditioning.
 * Starts: a grid over b and c, each with the closed-form least-squares a; the best
 * few are refined and the lowest SSE wins.
 */
function fitOffset(xs: ArrayLike<number>, ys: ArrayLike<number>, start?: RawFit): RawFit {
  const n = xs.length;
  let lsum = 0;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    lsum += Math.log(xs[i]!);
    ymin = Math.min(ymin, ys[i]!);
    ymax = Math.max(ymax, ys[i]!);
  }
  const xr = Math.exp(lsum / n);
  const lu = Array.from({ length: n }, (_, i) => Math.log(xs[i]! / xr));
  const range = Math.max(ymax - ymin, Math.abs(ymin) * 1e-6, 1e-12);

  const sseOf = (la: number, b: number, c: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const r = c + Math.exp(la - b * lu[i]!) - ys[i]!;
      s += r * r;
    }
    return s;
  };
  const bestA = (b: number, c: number): number => {
    // a minimising Σ(c + a·u^−b − y)²; a ≤ 0 means the start is useless.
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.exp(-b * lu[i]!);
      num += (ys[i]! - c) * t;
      den += t * t;
    }
    return num / den;
  };

  const starts: { th: [number, number, number]; sse: number }[] = [];
  const pushStart = (b: number, gap: number): void => {
    const c = ymin - gap;
    const a = bestA(b, c);
    if (!(a > 0) || !(b > 0) || !(gap > 0)) return;
    const th: [number, number, number] = [Math.log(a), Math.log(b), Math.log(gap)];
    starts.push({ th, sse: sseOf(th[0], b, c) });
  };
  if (start) pushStart(start.b, ymin - start.c);
  for (const b of [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3]) {
    for (const g of [1e-3, 1e-2, 0.05, 0.2, 0.5, 1, 2, 5, 20]) pushStart(b, g * range);
  }
  if (starts.length === 0) {
    throw new VsdError("INVALID_RANGE", "fitPowerLaw: no admissible start (is y increasing in x?).");
  }
  starts.sort((p, q) => p.sse - q.sse);
  let best: RawFit | undefined;
  for (const s of starts.slice(0, start ? 1 : 5)) {
    const r = levenbergMarquardt(s.th, lu, ys, ymin);
    if (!best || r.sse < best.sse) best = r;
  }
  const fit = best!;
  // Undo the x scaling: a·(x/xr)^−b = (a·xr^b)·x^−b.
  return { a: fit.a * Math.pow(xr, fit.b), b: fit.b, c: fit.c, sse: fit.sse };
}

function levenbergMarquardt(th0: [number, number, number], lu: number[], ys: ArrayLike<number>, ymin: number): RawFit {
  const n = lu.length;
  const th = th0.slice() as [number, number, number];
  const residuals = (t: readonly number[], r: Float64Array, jac?: Float64Array): number => {
    const b = Math.exp(t[1]!);
    const gap = Math.exp(t[2]!);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.exp(t[0]! - b * lu[i]!);
      const ri = ymin - gap + p - ys[i]!;
      r[i] = ri;
      s += ri * ri;
      if (jac) {
        jac[i * 3] = p; // ∂/∂ln a
        jac[i * 3 + 1] = -p * lu[i]! * b; // ∂/∂ln b
        jac[i * 3 + 2] = -gap; // ∂/∂ln(ymin − c)
      }
    }
    return s;
  };
  const r = new Float64Array(n);
  const rTry = new Float64Array(n);
  const jac = new Float64Array(n * 3);
  let sse = residuals(th, r, jac);
  let mu = 1e-3;
  for (let iter = 0; iter < 500; iter++) {
    const jtj = new Float64Array(9);
    const jtr = new Float64Array(3);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < 3; p++) {
        jtr[p] = jtr[p]! + jac[i * 3 + p]! * r[i]!;
        for (let q = 0; q < 3; q++) jtj[p * 3 + q] = jtj[p * 3 + q]! + jac[i * 3 + p]! * jac[i * 3 + q]!;
      }
    }
    let improved = false;
    for (let attempt = 0; attempt < 30; attempt++) {
      const m = Float64Array.from(jtj);
      for (let p = 0; p < 3; p++) m[p * 4] = m[p * 4]! * (1 + mu) + 1e-300;
      const step = solve3(m, [-jtr[0]!, -jtr[1]!, -jtr[2]!]);
      if (!step) {
        mu *= 10;
        continue;
      }
      const cand = [th[0] + step[0]!, th[1] + step[1]!, th[2] + step[2]!];
      const s = residuals(cand, rTry);
      if (Number.isFinite(s) && s < sse) {
        const rel = (sse - s) / Math.max(sse, 1e-300);
        th[0] = cand[0]!;
        th[1] = cand[1]!;
        th[2] = cand[2]!;
        sse = residuals(th, r, jac);
        mu = Math.max(mu / 3, 1e-12);
        improved = true;
        if (rel < 1e-14 || sse < 1e-30) return toFit(th, ymin, sse);
        break;
      }
      mu *= 4;
    }
    if (!improved) break;
  }
  return toFit(th, ymin, sse);
}

function toFit(th: readonly number[], ymin: number, sse: number): RawFit {
  return { a: Math.exp(th[0]!), b: Math.exp(th[1]!), c: ymin - Math.exp(th[2]!), sse };
}

/** Solves a 3×3 system by Gaussian elimination with partial pivoting; undefined if singular. */
function solve3(m: Float64Array, rhs: number[]): number[] | undefined {
  const a = [
    [m[0]!, m[1]!, m[2]!, rhs[0]!],
    [m[3]!, m[4]!, m[5]!, rhs[1]!],
    [m[6]!, m[7]!, m[8]!, rhs[2]!],
  ];
  for (let col = 0; col < 3; col++) {
    let piv = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    if (!(Math.abs(a[piv]![col]!) > 0)) return undefined;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    for (let r = col + 1; r < 3; r++) {
      const f = a[r]![col]! / a[col]![col]!;
      for (let k = col; k < 4; k++) a[r]![k] = a[r]![k]! - f * a[col]![k]!;
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = a[r]![3]!;
    for (let k = r + 1; k < 3; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x.every(Number.isFinite) ? x : undefined;
}

function percentile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Fits y = a·x^(−b), or y = c + a·x^(−b) with `offset: true` (VSD Q6 / Fig. 3;
 * Kaplan et al. 2020; Henighan et al. 2020), with percentile-bootstrap confidence
 * intervals over the points (seeded; resamples with fewer distinct x than
 * parameters are redrawn).
 *
 * The plain form is least squares on ln y (closed form). The offset form is
 * Levenberg–Marquardt from a grid of starts, with a, b > 0 and c < min y.
 * With exactly as many points as parameters the fit interpolates and the
 * intervals only reflect which points were drawn; use more points for real CIs.
 */
export function fitPowerLaw(xs: ArrayLike<number>, ys: ArrayLike<number>, options: PowerLawOptions = {}): PowerLawFit {
  const opts = resolvePowerLawOptions(options);
  checkData(xs, ys, opts.offset);
  const fitOnce = (x: ArrayLike<number>, y: ArrayLike<number>, start?: RawFit): RawFit =>
    opts.offset ? fitOffset(x, y, start) : fitLogLinear(x, y);
  const main = fitOnce(xs, ys);
  const predictWith = (f: RawFit) => (x: number) => (opts.offset ? f.c : 0) + f.a * Math.pow(x, -f.b);
  const base = {
    a: main.a,
    b: main.b,
    ...(opts.offset ? { c: main.c } : {}),
    sse: main.sse,
    predict: predictWith(main),
  };
  const need = opts.offset ? 3 : 2;
  const n = xs.length;
  if (opts.bootstrap === 0 || distinct(xs) < need) return base;

  const rng = new Rng(opts.seed);
  const fits: RawFit[] = [];
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  let draws = 0;
  while (fits.length < opts.bootstrap && draws < opts.bootstrap * 20) {
    draws++;
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      bx[i] = xs[j]!;
      by[i] = ys[j]!;
    }
    if (distinct(bx) < need) continue;
    try {
      fits.push(fitOnce(bx, by, main));
    } catch (error) {
      if (!VsdError.isInstance(error)) throw error;
    }
  }
  if (fits.length < 2) return base;
  const lo = (1 - opts.confidence) / 2;
  const hi = 1 - lo;
  const interval = (pick: (f: RawFit) => number): Interval => {
    const v = Float64Array.from(fits, pick).sort();
    return [percentile(v, lo), percentile(v, hi)];
  };
  const ci = {
    a: interval((f) => f.a),
    b: interval((f) => f.b),
    ...(opts.offset ? { c: interval((f) => f.c) } : {}),
    level: opts.confidence,
    resamples: fits.length,
  };
  const predictInterval = (x: number): Interval => interval((f) => predictWith(f)(x));
  return { ...base, ci, predictInterval };
}
