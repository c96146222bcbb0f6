import { barChartPng } from "../report/bar-chart.js";
import { heatmapPng } from "../report/heatmap.js";
import { markdownTable } from "../report/markdown-table.js";
import { writeReport, type WrittenReport } from "../report/write-report.js";
import { quantileSorted } from "./bootstrap.js";
import type { EquivarianceReport, ProbeMatrix, ProbeScalar } from "./equivariance-report.js";

const METHOD_TEXT: Record<string, string> = {
  "linear-gaussian":
    "Closed form: per subtask, a ridge regression of target on [condition, 1] plus the residual covariance (diagonal and full). `gap[t][k]` = NLL of subtask k's held-out pairs under subtask t's fit − under k's own fit, in bits per target dim.",
  transfer:
    "Small MLP Gaussian conditionals per subtask (or group), fixed step budget; `gap[t][k]` as for the linear-Gaussian probe.",
  "shared-vs-separate":
    "One shared MLP with a one-hot subtask input against one MLP per subtask at equal compute (same steps × pairs); per-subtask conflict = shared − separate held-out NLL (bits/dim). Positive: the subtasks conflict; negative: they help each other.",
  "gradient-conflict":
    "One shared MLP; per batch, the gradient each subtask's loss sends to the shared parameters; pairwise cosine similarity, mean and std over batches.",
};

function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(digits);
}

function scalarText(s: ProbeScalar): string {
  return `${fmt(s.value)} ${s.unit} (${Math.round(s.level * 100)}% CI ${fmt(s.low)} … ${fmt(s.high)})`;
}

/**
 * Colour domain of a heat-map: [min, max], but when a few entries dwarf the
 * rest (e.g. MNIST border cells) the top is clipped at the 98th percentile so
 * the picture still shows structure; the report says when that happens.
 */
function colourDomain(m: ProbeMatrix): { domain: [number, number]; clipped: boolean } {
  const v = m.values.flat().filter(Number.isFinite).sort((a, b) => a - b);
  const lo = v[0] ?? 0;
  const hi = v[v.length - 1] ?? 1;
  const p98 = quantileSorted(v, 0.98);
  if (hi - lo > 0 && p98 - lo > 0 && hi - lo > 10 * (p98 - lo)) return { domain: [lo, p98], clipped: true };
  return { domain: [lo, hi === lo ? lo + 1 : hi], clipped: false };
}

/** The report as Markdown (also what `writeProbeReport` writes to report.md). */
export function probeReportMarkdown(report: EquivarianceReport, clippedMatrices: readonly string[] = []): string {
  const out: string[] = [];
  out.push(`# Equivariance probe: ${report.decomposition.id} on ${report.dataset.name}`, "");
  out.push(`Method: **${report.method}**. ${METHOD_TEXT[report.method] ?? ""}`, "");
  const ne = report.nonEquivariance;
  out.push(`**nonEquivariance** (${ne.description}): **${scalarText(ne)}**.`, "");
  out.push(
    `Subtasks: ${report.subtasks.length} of ${report.totalSubtasks}; pairs ${report.pairShape.condition} → ${report.pairShape.target} dims; ${report.images.fit} fit and ${report.images.heldOut} held-out images per subtask; seed ${report.seed}; backend ${report.backend}.`,
    "",
  );
  out.push(`Space: ${report.spaceDescription}.`, "");
  out.push("## Statistics", "");
  out.push(
    markdownTable(
      ["statistic", "value", "CI low", "CI high", "median", "unit"],
      Object.entries(report.statistics).map(([name, s]) => [name, s.value, s.low, s.high, report.medians[name] ?? null, s.unit]),
    ),
  );
  if (report.groups.length > 0) {
    out.push("## Groups (statistics onto each group's subtasks)", "");
    const names = Object.keys(report.statistics);
    out.push(
      markdownTable(
        ["group", "subtasks", ...names.flatMap((n) => [n, `${n} CI`])],
        report.groups.map((g) => [
          g.group,
          g.subtaskCount,
          ...names.flatMap((n) => {
            const v = g.values[n];
            return v ? [v.value, `${fmt(v.low)} … ${fmt(v.high)}`] : [null, null];
          }),
        ]),
      ),
    );
  }
  out.push("## Per subtask", "");
  const statNames = Object.keys(report.statistics);
  out.push(
    markdownTable(
      ["key", "group", ...statNames],
      report.perSubtask.map((s) => [s.key, s.group ?? "", ...statNames.map((n) => s.values[n] ?? null)]),
    ),
  );
  out.push("## Pictures", "");
  for (const m of report.matrices) {
    const note = clippedMatrices.includes(m.name) ? " (colour scale clipped at the 98th percentile)" : "";
    out.push(`- ${m.title}, ${m.unit}${note}: ![${m.name}](${m.name}.png)`);
  }
  out.push(`- per-subtask ${ne.statistic}: ![per-subtask](per-subtask.png)`, "");
  if (report.notes.length > 0) {
    out.push("## Notes", "");
    for (const n of report.notes) out.push(`- ${n}`);
    out.push("");
  }
  return out.join("\n");
}

/**
 * Writes the probe's report folder through core's report writer:
 * `results.json` (the report's `toJSON()` plus run metadata), `report.md`,
 * one heat-map PNG per matrix and a per-subtask bar chart of the headline
 * statistic.
 */
export async function writeProbeReport(report: EquivarianceReport, dir: string): Promise<WrittenReport> {
  const images: Record<string, Uint8Array> = {};
  const clipped: string[] = [];
  for (const m of report.matrices) {
    const { domain, clipped: c } = colourDomain(m);
    if (c) clipped.push(m.name);
    images[`${m.name}.png`] = await heatmapPng({
      title: m.title,
      matrix: m.values.map((row) => row.map((v) => (Number.isFinite(v) ? v : domain[1]))),
      rowLabels: m.rowKeys,
      colLabels: m.colKeys,
      valueLabel: m.unit,
      xLabel: "evaluated on",
      yLabel: m.name.startsWith("cosine") ? "subtask" : "model",
      domain,
    });
  }
  const stat = report.nonEquivariance.statistic;
  images["per-subtask.png"] = await barChartPng({
    title: `${report.nonEquivariance.description}, per subtask`,
    bars: report.perSubtask.map((s) => ({
      label: s.key,
      value: Number.isFinite(s.values[stat]) ? s.values[stat]! : 0,
      ...(s.group !== undefined ? { group: s.group } : {}),
    })),
    xLabel: "subtask",
    yLabel: report.nonEquivariance.unit,
    width: Math.max(480, 12 * report.perSubtask.length),
  });
  const json = report.toJSON() as Record<string, unknown>;
  return writeReport(dir, {
    results: json,
    markdown: probeReportMarkdown(report, clipped),
    images,
    config: json["options"],
    seed: report.seed,
  });
}
