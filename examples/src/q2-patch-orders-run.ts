/**
 * Question 2 of the paper (patch orders and equivariance): raster vs snake vs
 * hilbert patch orders on MNIST — the linear-Gaussian equivariance probe in
 * both probe spaces, and the exact test NLL of a briefly trained patch
 * autoregressive model per order, with loss and probe-gap heat-maps by position.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  type ModelSize,
  type ProbeSpace,
  Rng,
  barChartPng,
  createProgress,
  initBackend,
  makeBatch,
  markdownTable,
  probeEquivariance,
  train,
  writeProbeReport,
  writeReport,
} from "@vsd/core";
import { type OrderName, PatchDecomposition, type PatchArModel, lossHeatmapPng, lossesByPosition, orderPathPng } from "@vsd/decomp-patch";
import { relative, join } from "node:path";
import { type ExamplePreset, argMin, assertNoLeak, fmt, meanTail, mnistSubset } from "./example-kit.js";

export interface Q2Sizes {
  readonly orders: readonly OrderName[];
  readonly trainImages: number;
  readonly testImages: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly modelSize: ModelSize;
  /** Images per subtask for the probe (one pair per image). */
  readonly probePairs: number;
  readonly bootstrapSamples: number;
}

export const Q2_PRESETS: Record<ExamplePreset, Q2Sizes> = {
  tiny: { orders: ["raster", "snake", "hilbert"], trainImages: 300, testImages: 24, steps: 4, batchSize: 8, modelSize: "XS", probePairs: 60, bootstrapSamples: 20 },
  default: { orders: ["raster", "snake", "hilbert"], trainImages: 8000, testImages: 500, steps: 300, batchSize: 32, modelSize: "S", probePairs: 2000, bootstrapSamples: 500 },
};

export const Q2_SPACES: readonly ProbeSpace[] = ["standardized", "floored"];

export interface Q2ProbeNumbers {
  readonly space: ProbeSpace;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  readonly median: number;
  readonly unit: string;
  /** Mean gap onto the subtasks of each group (row-start, interior, …). */
  readonly byGroup: Readonly<Record<string, number>>;
}

export interface Q2Order {
  readonly order: OrderName;
  readonly testBitsPerDim: number;
  readonly bound: "exact" | "elbo";
  readonly finalTrainBitsPerDim: number;
  readonly steps: number;
  readonly params: number;
  readonly probe: readonly Q2ProbeNumbers[];
  /** Test loss per grid position (row-major), bits/dim. */
  readonly lossByPosition: readonly number[];
  readonly orderBreaks: number;
}

export interface Q2Result {
  readonly outDir: string;
  readonly orders: readonly Q2Order[];
  readonly findings: readonly string[];
  readonly files: readonly string[];
  readonly summary: string;
}

export interface Q2Options {
  readonly preset: ExamplePreset;
  readonly seed: number;
  readonly outDir: string;
  readonly sizes?: Partial<Q2Sizes>;
}

export async function runQ2(o: Q2Options): Promise<Q2Result> {
  const backend = await initBackend();
  const s: Q2Sizes = { ...Q2_PRESETS[o.preset], ...o.sizes };
  const t0 = performance.now();
  const before = tf.memory().numTensors;
  const data = mnistSubset(s.trainImages, s.testImages);
  const images: Record<string, Uint8Array> = {};
  const files: string[] = [];
  const orders: Q2Order[] = [];
  const progress = createProgress({ label: "q2 patch orders", total: s.orders.length * (1 + Q2_SPACES.length) });
  for (const order of s.orders) {
    const d = new PatchDecomposition({ order, patchSize: 4 });
    await d.prepare(data, { rng: new Rng(o.seed) });
    const { rows, cols } = d.grid;
    // Likelihood: the same model, seed and steps for every order.
    const model = d.createModel({ shape: data, seed: o.seed, size: s.modelSize }) as PatchArModel;
    let testBitsPerDim: number;
    let bound: "exact" | "elbo";
    let perStep: Float64Array;
    let tr: Awaited<ReturnType<typeof train>>;
    const params = model.numParams();
    try {
      tr = await train(model, data, { steps: s.steps, batchSize: s.batchSize, seed: o.seed, label: `train ${order}` });
      const test = makeBatch(data, data.test, Int32Array.from({ length: data.test.n }, (_, i) => i));
      try {
        const nll = await model.nll(test, new Rng(o.seed));
        testBitsPerDim = nll.bitsPerDim;
        bound = nll.bound;
        perStep = model.positionLosses(test.pixels, data.test.n, test.labels);
      } finally {
        test.images.dispose();
      }
    } finally {
      model.dispose();
    }
    // positionLosses is nats/dim per step; lossesByPosition converts to bits/dim per grid position.
    const lossPos = Array.from(lossesByPosition(perStep, d.order));
    progress.tick(1, `${order}: ${fmt(testBitsPerDim, 3)} bits/dim`);
    images[`order-${order}.png`] = await orderPathPng(d.order, rows, cols, { title: `${order} order` });
    images[`loss-${order}.png`] = await lossHeatmapPng(lossPos, rows, cols, { title: `${order}: test loss by position (bits/dim)` });

    const probe: Q2ProbeNumbers[] = [];
    for (const space of Q2_SPACES) {
      const rep = await probeEquivariance(d, data, {
        method: "linear-gaussian",
        subtasks: "all",
        pairsPerSubtask: Math.min(s.probePairs, data.train.n),
        space,
        seed: o.seed,
        bootstrapSamples: s.bootstrapSamples,
      });
      const stat = rep.nonEquivariance.statistic;
      const byGroup: Record<string, number> = {};
      for (const g of rep.groups) {
        const v = g.values[stat]?.value;
        if (v !== undefined && Number.isFinite(v)) byGroup[g.group] = v;
      }
      probe.push({
        space,
        mean: rep.nonEquivariance.value,
        low: rep.nonEquivariance.low,
        high: rep.nonEquivariance.high,
        median: rep.medians[stat] ?? Number.NaN,
        unit: rep.nonEquivariance.unit,
        byGroup,
      });
      const sub = join(o.outDir, `probe-${order}-${space}`);
      const written = await writeProbeReport(rep, sub);
      files.push(...written.files.map((f) => relative(o.outDir, f)));
      if (space === "standardized") {
        // Mean gap onto each subtask, drawn at its grid position (the first step has no condition: 0).
        const gapByStep = new Float64Array(d.order.length);
        for (const ps of rep.perSubtask) {
          const v = ps.values[stat];
          // log10(1 + gap): a few near-constant border cells have gaps of 10⁵ and would wash out the rest.
          gapByStep[ps.index] = v !== undefined && Number.isFinite(v) ? Math.log10(1 + Math.max(0, v)) : 0;
        }
        images[`probe-gap-${order}.png`] = await lossHeatmapPng(lossesByPosition(gapByStep, d.order), rows, cols, {
          title: `${order}: mean transfer gap onto each position (standardized)`,
          valueLabel: "log10(1 + gap in bits/dim)",
          format: ".1f",
        });
      }
      progress.tick(1, `${order}: probe ${space}`);
    }
    orders.push({
      order,
      testBitsPerDim,
      bound,
      finalTrainBitsPerDim: meanTail(tr.losses, 5) / Math.LN2,
      steps: tr.steps,
      params,
      probe,
      lossByPosition: lossPos,
      orderBreaks: d.steps.filter((x) => x.orderBreak).length,
    });
  }
  progress.done();
  assertNoLeak(before, "q2");

  images["nll-by-order.png"] = await barChartPng({
    title: "Exact test NLL by patch order",
    xLabel: "order",
    yLabel: "bits/dim",
    bars: orders.map((r) => ({ label: r.order, value: r.testBitsPerDim })),
  });
  images["probe-median-by-order.png"] = await barChartPng({
    title: "Median transfer gap (linear-Gaussian probe) by order",
    xLabel: "order",
    yLabel: "median gap (bits/dim)",
    bars: orders.flatMap((r) => r.probe.map((p) => ({ label: r.order, group: p.space, value: p.median }))),
  });
  files.push("results.json", "report.md", ...Object.keys(images));

  const findings = q2Findings(orders);
  const table = markdownTable(
    ["order", "test bits/dim", "bound", ...Q2_SPACES.flatMap((sp) => [`${sp}: mean gap [95% CI]`, `${sp}: median`]), "order breaks"],
    orders.map((r) => [
      r.order,
      fmt(r.testBitsPerDim, 4),
      r.bound,
      ...r.probe.flatMap((p) => [`${fmt(p.mean, 2)} [${fmt(p.low, 2)}, ${fmt(p.high, 2)}]`, fmt(p.median, 3)]),
      String(r.orderBreaks),
    ]),
  );
  const groups = [...new Set(orders.flatMap((r) => Object.keys(r.probe[0]?.byGroup ?? {})))];
  const groupTable = markdownTable(
    ["order", ...groups.map((g) => `${g} (standardized, mean gap)`)],
    orders.map((r) => [r.order, ...groups.map((g) => fmt(r.probe[0]?.byGroup[g], 3))]),
  );
  const seconds = (performance.now() - t0) / 1000;
  const markdown = [
    "# Question 2: patch orders and equivariance (MNIST)",
    "",
    `Preset **${o.preset}**, seed ${o.seed}, backend ${backend.name}, ${data.train.n} train / ${data.test.n} test images, 4×4 patches (7×7 grid), ${seconds.toFixed(0)} s.`,
    `Likelihood: one patch autoregressive model per order (size ${String(s.modelSize)}, ${s.steps} steps × batch ${s.batchSize}, same seed); test NLL is exact (a discrete likelihood over 8-bit images).`,
    `Probe: core's linear-Gaussian equivariance probe, ${Math.min(s.probePairs, data.train.n)} images per subtask, every subtask, ${s.bootstrapSamples} bootstrap resamples, in both spaces: ` +
      "*standardized* (each subtask's target standardised) and *floored* (variance floored at the 8-bit quantization level). " +
      "On MNIST the floored space gives huge gaps from near-constant border cells (DESIGN.md calibration), so the median and the standardized space are the numbers to read.",
    "",
    "## Result",
    "",
    ...findings.map((f) => `- ${f}`),
    "",
    table,
    "",
    groupTable,
    "",
    "![NLL by order](nll-by-order.png) ![median gap](probe-median-by-order.png)",
    "",
    ...orders.flatMap((r) => [
      `## ${r.order}`,
      "",
      `${r.steps} steps, ${r.params} parameters, final training loss ${fmt(r.finalTrainBitsPerDim, 3)} bits/dim; ${r.orderBreaks} order breaks (steps whose predecessor is not a grid neighbour).`,
      "",
      `![order](order-${r.order}.png) ![loss by position](loss-${r.order}.png) ![probe gap by position](probe-gap-${r.order}.png)`,
      "",
      `Probe reports: ${Q2_SPACES.map((sp) => `[${sp}](probe-${r.order}-${sp}/report.md)`).join(", ")}.`,
      "",
    ]),
  ].join("\n");
  await writeReport(o.outDir, {
    results: { kind: "vsd.examples.q2-patch-orders", preset: o.preset, sizes: s, orders, findings, seconds },
    markdown,
    images,
    seed: o.seed,
    config: { ...s, preset: o.preset },
  });
  return { outDir: o.outDir, orders, findings, files, summary: `${table}\n\n${findings.join("\n")}` };
}

/** The sentences the report states, computed from the run. */
export function q2Findings(orders: readonly Pick<Q2Order, "order" | "testBitsPerDim" | "probe">[]): string[] {
  const f: string[] = [];
  const nll = orders.map((r) => r.testBitsPerDim);
  const best = orders[argMin(nll)]!;
  f.push(
    `Lowest exact test NLL: **${best.order}** (${orders.map((r) => `${r.order} ${fmt(r.testBitsPerDim, 4)}`).join(", ")} bits/dim; spread ${fmt(Math.max(...nll) - Math.min(...nll), 4)}).`,
  );
  for (const space of Q2_SPACES) {
    const med = orders.map((r) => r.probe.find((p) => p.space === space)?.median ?? Number.NaN);
    const m = orders[argMin(med)]!;
    const overlap = intervalsOverlap(orders.map((r) => r.probe.find((p) => p.space === space)!));
    f.push(
      `Probe (${space}): smallest median transfer gap for **${m.order}** (${orders.map((r, i) => `${r.order} ${fmt(med[i], 3)}`).join(", ")} bits/dim); ` +
        (overlap ? "the bootstrap intervals of the mean gap overlap, so the orders are not separated by the mean." : "the bootstrap intervals of the mean gap do not all overlap."),
    );
  }
  const std = orders.map((r) => r.probe.find((p) => p.space === "standardized")?.median ?? Number.NaN);
  const agree = orders[argMin(std)]!.order === best.order;
  f.push(
    agree
      ? `The most equivariant order by the probe (standardized median) is also the one with the lowest NLL, in line with the paper's claim that a more equivariant decomposition is easier to fit.`
      : `The most equivariant order by the probe (standardized median: ${orders[argMin(std)]!.order}) is not the one with the lowest NLL (${best.order}); this run does not support the paper's claim that the more equivariant order fits better.`,
  );
  const raster = orders.find((r) => r.order === "raster");
  if (raster) {
    const others = orders.filter((r) => r.order !== "raster");
    const beats = others.filter((r) => r.testBitsPerDim < raster.testBitsPerDim).map((r) => r.order);
    f.push(
      beats.length > 0
        ? `Orders without raster's row jumps that beat raster in NLL: ${beats.join(", ")}.`
        : "No order beat raster in NLL in this run, although raster has the most order breaks (the paper expects the locality-preserving orders to help).",
    );
  }
  return f;
}

function intervalsOverlap(xs: readonly { low: number; high: number }[]): boolean {
  const lo = Math.max(...xs.map((x) => x.low));
  const hi = Math.min(...xs.map((x) => x.high));
  return lo <= hi;
}
