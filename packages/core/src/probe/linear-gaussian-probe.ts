import type { ProbeData } from "./collect-pairs.js";
import type { Rng } from "../rng.js";
import { quantileSorted, type ColumnSet, type Interval } from "./bootstrap.js";
import {
  augmentedRows,
  fitLinearGaussian,
  fitLinearGaussianFromMoment,
  fitRows,
  nllQuadraticForm,
  quadraticForms,
  scoreLinearGaussian,
  secondMoment,
  type LinearGaussianFit,
} from "./linear-gaussian.js";
import type { MethodOutcome, ProbeStatistic } from "./method-outcome.js";
import type { ProbeMatrix } from "./equivariance-report.js";
import type { ResolvedProbeOptions } from "./probe-options.js";
import { GapAccumulator, medianOffDiagonal } from "./transfer-gaps.js";

/** Fewest fit pairs for a ridge fit with `dc`-dim conditions: coefficients + 1. */
export function linearGaussianMinFitPairs(dc: number): number {
  return Math.max(dc + 2, 8);
}

/**
 * The closed-form transfer matrix: a ridge fit plus residual covariance per
 * subtask (`fitLinearGaussian`), every fit scored on every subtask's held-out
 * pairs, for the diagonal and the full covariance.
 *
 * Each fit's NLL is a quadratic form ½(uᵀM_t u + κ_t) in u = [y, c, 1]
 * (`nllQuadraticForm`), so the mean NLL of subtask k's held-out pairs under
 * fit t is ½(⟨M_t, E_k[uuᵀ]⟩ + κ_t): T² inner products of (dt+dc+1)²
 * numbers instead of T² passes over the pairs. The per-pair off-diagonal
 * means that the bootstrap resamples use the averaged form
 * (Σ_{t≠k} M_t)/(T−1) − M_k, one pass per subtask.
 */
/**
 * How the T×T held-out NLLs are computed. `quadratic` (above) costs about
 * T·dt·d² to build the forms plus T·n·d² for moments and per-pair terms, with
 * d = dt + dc + 1; `direct` scores every held-out pair under every fit,
 * T²·n·(dc·dt + dt²/2). Narrow pairs (patches, sequences) favour the first,
 * wide ones (a whole noisy image as the condition) the second.
 */
export function chooseLinearGaussianScoring(T: number, heldOut: number, dc: number, dt: number): "quadratic" | "direct" {
  const d = dt + dc + 1;
  const quadratic = 2 * T * (dt * d * d + heldOut * d * d);
  const direct = 2 * T * T * heldOut * (dc * dt + 0.5 * dt * dt);
  return direct < quadratic ? "direct" : "quadratic";
}

export function runLinearGaussianProbe(
  data: ProbeData,
  options: ResolvedProbeOptions,
  refit?: { readonly rng: Rng; readonly sets: readonly ColumnSet[] },
  scoring: "auto" | "quadratic" | "direct" = "auto",
): MethodOutcome {
  const T = data.subtasks.length;
  const dt = data.dt;
  const d = dt + data.dc + 1;
  const fits = data.fit.map((p, i) => {
    const f = fitLinearGaussian(p, { ridge: options.ridge, varianceFloor: data.floors[i]! });
    options.onProgress?.(i + 1, T, "fit");
    return f;
  });
  const heldOutN = data.heldOut.reduce((a, p) => a + p.n, 0) / Math.max(1, T);
  const route = scoring === "auto" ? chooseLinearGaussianScoring(T, heldOutN, data.dc, dt) : scoring;
  if (route === "direct" && !refit) return directLinearGaussian(data, fits, options);
  const rows = data.heldOut.map(augmentedRows);
  const moments = data.heldOut.map((p, k) => secondMoment(rows[k]!, p.n, d));
  const keys = data.subtasks.map((s) => s.key);
  const scale = 1 / (dt * Math.LN2);
  const matrices: ProbeMatrix[] = [];
  const statistics: ProbeStatistic[] = [];
  for (const covariance of ["diag", "full"] as const) {
    const forms = fits.map((f) => nllQuadraticForm(f, covariance));
    // meanNll[t][k] = ½(⟨M_t, S_k⟩ + κ_t)
    const meanNll = forms.map((form) =>
      moments.map((s) => {
        let ip = 0;
        for (let i = 0; i < s.length; i++) ip += form.m[i]! * s[i]!;
        return 0.5 * (ip + form.kappa);
      }),
    );
    const gap = meanNll.map((row) => row.map((v, k) => (v - meanNll[k]![k]!) * scale));
    for (let k = 0; k < T; k++) gap[k]![k] = 0;
    const mSum = new Float64Array(d * d);
    let kappaSum = 0;
    for (const f of forms) {
      for (let i = 0; i < mSum.length; i++) mSum[i]! += f.m[i]!;
      kappaSum += f.kappa;
    }
    const columns = data.heldOut.map((p, k) => {
      const own = forms[k]!;
      // (Σ_{t≠k} M_t)/(T−1) − M_k = (ΣM − T·M_k)/(T−1)
      const mDiff = new Float64Array(d * d);
      for (let i = 0; i < mDiff.length; i++) mDiff[i] = (mSum[i]! - T * own.m[i]!) / (T - 1);
      const kDiff = (kappaSum - T * own.kappa) / (T - 1);
      const q = new Float64Array(p.n);
      quadraticForms(mDiff, rows[k]!, p.n, d, q);
      for (let i = 0; i < p.n; i++) q[i] = 0.5 * (q[i]! + kDiff) * scale;
      return q;
    });
    const label = covariance === "diag" ? "diagonal" : "full";
    matrices.push({
      name: `gap-${covariance}`,
      title: `Transfer gap, linear-Gaussian, ${label} covariance (row: fitted on, column: evaluated on)`,
      unit: "bits/dim",
      rowKeys: keys,
      colKeys: keys,
      values: gap,
    });
    statistics.push({
      name: `gap-${covariance}`,
      unit: "bits/dim",
      description: `mean off-diagonal transfer gap, ${label} covariance`,
      columns,
      median: medianOffDiagonal(gap),
    });
    options.onProgress?.(covariance === "diag" ? 1 : 2, 2, "score");
  }
  if (refit) {
    const { intervals, samples, blocks, failed } = refitIntervals(data, options, refit.rng, refit.sets);
    return {
      matrices,
      statistics: statistics.map((st) => ({ ...st, intervals: intervals.get(st.name)! })),
      notes: [
        `intervals: block bootstrap with refits (${samples} replicates over ${blocks} blocks of fit images and ${blocks} of held-out images; every replicate refits all subtasks, so the intervals include the noise of the fits${failed > 0 ? `; ${failed} replicates with a singular refit were dropped` : ""})`,
      ],
    };
  }
  return {
    matrices,
    statistics,
    notes: [
      "intervals: bootstrap over held-out images. They do not include the noise of the fits themselves, which is second order when subtasks agree (calibrated: 95% coverage of 0 for identical subtasks) but first order when they differ, so intervals around large gaps are too narrow (interval: \"refit\" includes it)",
    ],
  };
}

/** The same outcome as the quadratic route, by scoring every held-out pair under every fit. */
function directLinearGaussian(data: ProbeData, fits: readonly LinearGaussianFit[], options: ResolvedProbeOptions): MethodOutcome {
  const T = data.subtasks.length;
  const keys = data.subtasks.map((s) => s.key);
  const acc = { diag: new GapAccumulator(T, T, data.dt), full: new GapAccumulator(T, T, data.dt) };
  for (let k = 0; k < T; k++) {
    const p = data.heldOut[k]!;
    const diag = new Float64Array(p.n);
    const full = new Float64Array(p.n);
    scoreLinearGaussian(fits[k]!, p, diag, full);
    acc.diag.setOwn(k, diag);
    acc.full.setOwn(k, full);
    acc.diag.add(k, k, diag, false);
    acc.full.add(k, k, full, false);
    for (let t = 0; t < T; t++) {
      if (t === k) continue;
      scoreLinearGaussian(fits[t]!, p, diag, full);
      acc.diag.add(t, k, diag, true);
      acc.full.add(t, k, full, true);
    }
    options.onProgress?.(k + 1, T, "score");
  }
  const matrices: ProbeMatrix[] = [];
  const statistics: ProbeStatistic[] = [];
  for (const covariance of ["diag", "full"] as const) {
    const { gap, offDiagonalPerPair } = acc[covariance].result();
    const label = covariance === "diag" ? "diagonal" : "full";
    matrices.push({
      name: `gap-${covariance}`,
      title: `Transfer gap, linear-Gaussian, ${label} covariance (row: fitted on, column: evaluated on)`,
      unit: "bits/dim",
      rowKeys: keys,
      colKeys: keys,
      values: gap,
    });
    statistics.push({
      name: `gap-${covariance}`,
      unit: "bits/dim",
      description: `mean off-diagonal transfer gap, ${label} covariance`,
      columns: offDiagonalPerPair,
      median: medianOffDiagonal(gap),
    });
  }
  return {
    matrices,
    statistics,
    notes: [
      "scoring: every held-out pair under every fit (cheaper than the quadratic-form route for pairs this wide)",
      "intervals: bootstrap over held-out images. They do not include the noise of the fits themselves, which is second order when subtasks agree (calibrated: 95% coverage of 0 for identical subtasks) but first order when they differ, so intervals around large gaps are too narrow (interval: \"refit\" includes it)",
    ],
  };
}

/** Replicates of the refit bootstrap (each refits every subtask). */
export const REFIT_MAX_SAMPLES = 200;
/** Blocks of images the refit bootstrap resamples. */
export const REFIT_BLOCKS = 25;

/**
 * Block bootstrap that refits: fit and held-out images are cut into B blocks
 * (the same blocks for every subtask, since row i of every subtask comes from
 * the same image); a replicate draws B fit blocks and B held-out blocks with
 * replacement, rebuilds each subtask's moments from the block sums, refits
 * every subtask from them (`fitLinearGaussianFromMoment`) and recomputes the
 * gap matrices. Cheap because fits and scores only need second moments.
 */
function refitIntervals(
  data: ProbeData,
  options: ResolvedProbeOptions,
  rng: Rng,
  sets: readonly ColumnSet[],
): { intervals: Map<string, Map<string, Interval>>; samples: number; blocks: number; failed: number } {
  const T = data.subtasks.length;
  const { dc, dt } = data;
  const d = dc + dt + 1;
  const dd = d * d;
  const blocks = Math.min(REFIT_BLOCKS, ...data.fit.map((p) => p.n), ...data.heldOut.map((p) => p.n));
  const samples = Math.min(options.bootstrapSamples, REFIT_MAX_SAMPLES);
  // Block sums of v vᵀ (fit order [c, y, 1]) and u uᵀ (held-out order [y, c, 1]).
  const blockSums = (rows: Float64Array, n: number): { sums: Float64Array; counts: Float64Array } => {
    const sums = new Float64Array(blocks * dd);
    const counts = new Float64Array(blocks);
    for (let b = 0; b < blocks; b++) {
      const lo = Math.floor((b * n) / blocks);
      const hi = Math.floor(((b + 1) * n) / blocks);
      const m = secondMoment(rows.subarray(lo * d, hi * d), hi - lo, d);
      for (let i = 0; i < dd; i++) sums[b * dd + i] = m[i]! * (hi - lo);
      counts[b] = hi - lo;
    }
    return { sums, counts };
  };
  const fitB = data.fit.map((p) => blockSums(fitRows(p), p.n));
  const hoB = data.heldOut.map((p) => blockSums(augmentedRows(p), p.n));
  const mix = (b: { sums: Float64Array; counts: Float64Array }, w: Float64Array): Float64Array => {
    const m = new Float64Array(dd);
    let n = 0;
    for (let j = 0; j < blocks; j++) {
      const wj = w[j]!;
      if (wj === 0) continue;
      n += wj * b.counts[j]!;
      const o = j * dd;
      for (let i = 0; i < dd; i++) m[i]! += wj * b.sums[o + i]!;
    }
    for (let i = 0; i < dd; i++) m[i]! /= n;
    return m;
  };
  const names = ["gap-diag", "gap-full"] as const;
  const reps = new Map(names.map((nm) => [nm, sets.map(() => [] as number[])]));
  const scale = 1 / (dt * Math.LN2);
  let failed = 0;
  const wf = new Float64Array(blocks);
  const wh = new Float64Array(blocks);
  for (let r = 0; r < samples; r++) {
    wf.fill(0);
    wh.fill(0);
    for (let j = 0; j < blocks; j++) {
      wf[rng.int(blocks)]! += 1;
      wh[rng.int(blocks)]! += 1;
    }
    let fits;
    try {
      fits = fitB.map((b, s) => fitLinearGaussianFromMoment(mix(b, wf), dc, dt, { ridge: options.ridge, varianceFloor: data.floors[s]! }));
    } catch {
      failed++;
      continue;
    }
    const moments = hoB.map((b) => mix(b, wh));
    for (const cov of ["diag", "full"] as const) {
      const forms = fits.map((f) => nllQuadraticForm(f, cov));
      const nll = forms.map((form) =>
        moments.map((s) => {
          let ip = 0;
          for (let i = 0; i < dd; i++) ip += form.m[i]! * s[i]!;
          return 0.5 * (ip + form.kappa);
        }),
      );
      // Column k's off-diagonal mean gap.
      const col = moments.map((_, k) => {
        let sum = 0;
        for (let t = 0; t < T; t++) if (t !== k) sum += nll[t]![k]! - nll[k]![k]!;
        return (sum / (T - 1)) * scale;
      });
      const out = reps.get(`gap-${cov}`)!;
      sets.forEach((set, j) => {
        let s = 0;
        for (const k of set.columns) s += col[k]!;
        out[j]!.push(s / set.columns.length);
      });
    }
  }
  const alpha = (1 - options.ciLevel) / 2;
  const intervals = new Map<string, Map<string, Interval>>();
  for (const nm of names) {
    const m = new Map<string, Interval>();
    sets.forEach((set, j) => {
      const v = Float64Array.from(reps.get(nm)![j]!).sort();
      m.set(set.name, { value: Number.NaN, low: quantileSorted(v, alpha), high: quantileSorted(v, 1 - alpha), level: options.ciLevel });
    });
    intervals.set(nm, m);
  }
  return { intervals, samples: samples - failed, blocks, failed };
}
