import type { ProbeData } from "./collect-pairs.js";
import {
  augmentedRows,
  fitLinearGaussian,
  nllQuadraticForm,
  quadraticForms,
  secondMoment,
} from "./linear-gaussian.js";
import type { MethodOutcome, ProbeStatistic } from "./method-outcome.js";
import type { ProbeMatrix } from "./equivariance-report.js";
import type { ResolvedProbeOptions } from "./probe-options.js";
import { medianOffDiagonal } from "./transfer-gaps.js";

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
export function runLinearGaussianProbe(data: ProbeData, options: ResolvedProbeOptions): MethodOutcome {
  const T = data.subtasks.length;
  const dt = data.dt;
  const d = dt + data.dc + 1;
  const fits = data.fit.map((p, i) => {
    const f = fitLinearGaussian(p, { ridge: options.ridge, varianceFloor: data.floors[i]! });
    options.onProgress?.(i + 1, T, "fit");
    return f;
  });
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
  return {
    matrices,
    statistics,
    notes: [
      "intervals: bootstrap over held-out images. They do not include the noise of the fits themselves, which is second order when subtasks agree (calibrated: 95% coverage of 0 for identical subtasks) but first order when they differ, so intervals around large gaps are too narrow",
    ],
  };
}
