import { VsdError } from "@vsd/core";
import type { GammaValue } from "../schedule/monotone-net-math.js";

/** A schedule to plot: γ(t) and γ′(t). */
export interface NamedSchedule {
  readonly name: string;
  readonly at: (t: number) => GammaValue;
}

export interface ScheduleCurve {
  readonly name: string;
  readonly t: number[];
  /** λ(t) = −γ(t). */
  readonly logSnr: number[];
  /** Induced density p(λ) = 1/|dλ/dt| = 1/γ′(t) at λ(t) (REFERENCES §1.2). */
  readonly density: number[];
}

/**
 * λ(t) and the induced p(λ) of each schedule on `points` times in
 * [tMin, 1 − tMin] (the ends are excluded where some schedules diverge).
 */
export function scheduleCurves(schedules: readonly NamedSchedule[], points = 101, tMin = 1e-3): ScheduleCurve[] {
  if (!(Number.isInteger(points) && points >= 2)) throw new VsdError("INVALID_ARGUMENT", `points must be an integer ≥ 2, got ${points}.`);
  return schedules.map((s) => {
    const t: number[] = [];
    const logSnr: number[] = [];
    const density: number[] = [];
    for (let i = 0; i < points; i++) {
      const ti = tMin + ((1 - 2 * tMin) * i) / (points - 1);
      const v = s.at(ti);
      if (!(v.dgamma > 0)) throw new VsdError("INVALID_ARGUMENT", `Schedule "${s.name}" is not increasing at t = ${ti}.`);
      t.push(ti);
      logSnr.push(-v.gamma);
      density.push(1 / v.dgamma);
    }
    return { name: s.name, t, logSnr, density };
  });
}
