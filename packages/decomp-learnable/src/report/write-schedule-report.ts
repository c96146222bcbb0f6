import { markdownTable, writeReport, type WrittenReport } from "@vsd/core";
import type { LearnedScheduleState } from "../learnable-decomposition.js";
import { normalizedGamma } from "../schedule/monotone-net-math.js";
import { elboCurvePng, learnedSchedulePng, logSnrDensityPng } from "./learned-schedule-png.js";

/**
 * Writes a report folder for a prepared learnable decomposition: schedule.png
 * (learned λ(t) vs cosine and linear VP), density.png (induced p(λ)), elbo.png
 * (training VLB), results.json and report.md with λ at t-deciles.
 */
export async function writeScheduleReport(dir: string, state: LearnedScheduleState, seed?: number): Promise<WrittenReport> {
  const at = (t: number) => normalizedGamma(state.weights, state.gamma0, state.gamma1, t);
  const opts = { learned: at, endpoints: [state.gamma0, state.gamma1] as const };
  const deciles = Array.from({ length: 11 }, (_, i) => i / 10);
  const rows = deciles.map((t) => [t.toFixed(1), (-at(t).gamma).toFixed(3), (1 / at(t).dgamma).toExponential(3)]);
  const last = state.history.at(-1);
  const markdown = [
    "# Learned noise schedule (VDM)",
    "",
    `Endpoints: γ₀ = ${state.gamma0.toFixed(3)} (λ_max = ${(-state.gamma0).toFixed(3)}), γ₁ = ${state.gamma1.toFixed(3)} (λ_min = ${(-state.gamma1).toFixed(3)}).`,
    last ? `Training steps: ${last.step}; last VLB estimate ${last.bitsPerDim.toFixed(3)} bits/dim.` : "No training history.",
    "",
    markdownTable(["t", "λ(t)", "p(λ(t))"], rows),
    "",
    "![schedule](schedule.png)",
    "![density](density.png)",
    ...(state.history.length > 0 ? ["![elbo](elbo.png)"] : []),
    "",
  ].join("\n");
  const images: Record<string, Uint8Array> = {
    "schedule.png": await learnedSchedulePng(opts),
    "density.png": await logSnrDensityPng(opts),
  };
  if (state.history.length > 0) images["elbo.png"] = await elboCurvePng(state.history);
  return writeReport(dir, {
    results: {
      gamma0: state.gamma0,
      gamma1: state.gamma1,
      logSnrAtDeciles: deciles.map((t) => -at(t).gamma),
      elbo: state.history,
    },
    markdown,
    images,
    ...(seed !== undefined ? { seed } : {}),
  });
}
