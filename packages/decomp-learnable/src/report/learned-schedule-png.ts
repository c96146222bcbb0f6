import { linePlotPng } from "@vsd/core";
import { cosineGammaSchedule, linearVpGammaSchedule } from "../schedule/fixed-schedules.js";
import type { GammaValue } from "../schedule/monotone-net-math.js";
import type { ElboPoint } from "../vdm/vdm-model.js";
import { scheduleCurves, type NamedSchedule } from "./schedule-curves.js";

export interface LearnedSchedulePngOptions {
  /** The learned schedule: γ(t) and γ′(t). */
  readonly learned: (t: number) => GammaValue;
  /** Its endpoints [γ₀, γ₁]; the cosine reference is truncated to them. */
  readonly endpoints: readonly [number, number];
  /** @default 101 */
  readonly points?: number;
  readonly title?: string;
}

/**
 * The fixed references of REFERENCES §1.3: the continuous cosine schedule
 * truncated to the learned endpoints, and the continuous linear VP schedule
 * (β_min = 0.1, β_d = 19.9).
 */
function withReferences(o: LearnedSchedulePngOptions): NamedSchedule[] {
  const cos = cosineGammaSchedule(o.endpoints[0], o.endpoints[1]);
  const vp = linearVpGammaSchedule();
  return [
    { name: "learned", at: o.learned },
    { name: "cosine (same endpoints)", at: (t) => cos.at(t) },
    { name: "linear VP", at: (t) => vp.at(t) },
  ];
}

/** λ(t) of the learned schedule against cosine and linear VP, as PNG bytes. */
export async function learnedSchedulePng(o: LearnedSchedulePngOptions): Promise<Uint8Array> {
  const curves = scheduleCurves(withReferences(o), o.points ?? 101);
  return linePlotPng({
    title: o.title ?? "Noise schedule λ(t)",
    xLabel: "t",
    yLabel: "log-SNR λ",
    points: false,
    series: curves.map((c) => ({ name: c.name, x: c.t, y: c.logSnr })),
  });
}

/** The induced p(λ) = 1/γ′(t(λ)) of the learned schedule and the references, as PNG bytes (log y). */
export async function logSnrDensityPng(o: LearnedSchedulePngOptions): Promise<Uint8Array> {
  const curves = scheduleCurves(withReferences(o), o.points ?? 101);
  return linePlotPng({
    title: o.title ?? "Induced density p(λ)",
    xLabel: "log-SNR λ",
    yLabel: "p(λ)",
    logY: true,
    points: false,
    series: curves.map((c) => ({ name: c.name, x: c.logSnr, y: c.density })),
  });
}

/** The training VLB (bits/dim per step, smoothed over `window` steps) as PNG bytes. */
export async function elboCurvePng(history: readonly ElboPoint[], options: { window?: number; title?: string } = {}): Promise<Uint8Array> {
  const w = Math.max(1, options.window ?? 10);
  const x: number[] = [];
  const y: number[] = [];
  let sum = 0;
  for (let i = 0; i < history.length; i++) {
    sum += history[i]!.bitsPerDim;
    if (i >= w) sum -= history[i - w]!.bitsPerDim;
    x.push(history[i]!.step);
    y.push(sum / Math.min(i + 1, w));
  }
  return linePlotPng({ title: options.title ?? "Training ELBO", xLabel: "step", yLabel: "bits/dim (VLB estimate)", series: [{ name: `ELBO (mean of ${w})`, x, y }] });
}
