import { describe, expect, it } from "vitest";
import { Rng } from "../rng.js";
import type { ProbeData } from "./collect-pairs.js";
import { chooseLinearGaussianScoring, runLinearGaussianProbe } from "./linear-gaussian-probe.js";
import { makePairSet } from "./pair-set.js";
import { resolveProbeOptions } from "./probe-options.js";

/** Three subtasks y = A_t c + noise with different A_t, as probe data. */
function data(n: number, dc: number, dt: number): ProbeData {
  const rng = new Rng(11);
  const set = (t: number) => {
    const c = rng.fillNormal(new Float64Array(n * dc));
    const y = new Float64Array(n * dt);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dt; j++) {
        let v = 0.3 * rng.normal();
        for (let a = 0; a < dc; a++) v += c[i * dc + a]! * Math.cos(t + a + 2 * j);
        y[i * dt + j] = v;
      }
    }
    return makePairSet(c, y, n, dc, dt);
  };
  const subtasks = [0, 1, 2].map((t) => ({ index: t, key: `s/${t}`, params: { t } }));
  return {
    subtasks,
    fit: subtasks.map((s) => set(s.index)),
    heldOut: subtasks.map((s) => set(s.index)),
    dc,
    dt,
    floors: subtasks.map(() => new Float64Array(dt).fill(1e-6)),
    fitImages: n,
    heldOutImages: n,
    notes: [],
  };
}

describe("linear-Gaussian scoring routes", () => {
  it("direct scoring gives the same gaps and per-pair columns as the quadratic-form route", () => {
    const d = data(60, 5, 4);
    const options = resolveProbeOptions({});
    const q = runLinearGaussianProbe(d, options, undefined, "quadratic");
    const r = runLinearGaussianProbe(d, options, undefined, "direct");
    for (let m = 0; m < 2; m++) {
      const a = q.matrices[m]!.values;
      const b = r.matrices[m]!.values;
      for (let t = 0; t < 3; t++) for (let k = 0; k < 3; k++) expect(b[t]![k]!).toBeCloseTo(a[t]![k]!, 8);
      // Off-diagonal gaps are clearly non-zero here, so the check has teeth.
      expect(Math.abs(a[0]![1]!)).toBeGreaterThan(0.1);
      const qc = q.statistics[m]!.columns;
      const rc = r.statistics[m]!.columns;
      for (let k = 0; k < 3; k++) for (let i = 0; i < 60; i++) expect(rc[k]![i]!).toBeCloseTo(qc[k]![i]!, 8);
    }
  });

  it("picks direct scoring for wide pairs and the quadratic forms for narrow ones", () => {
    expect(chooseLinearGaussianScoring(49, 500, 16, 16)).toBe("quadratic");
    expect(chooseLinearGaussianScoring(3, 265, 785, 784)).toBe("direct");
  });
});
