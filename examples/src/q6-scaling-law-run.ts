/**
 * Question 6 of the paper (is there a scaling law for diffusion models?):
 * noise models of sizes S, M, L trained for the same steps, a power law
 * y = a·N^(−b) fitted to their importance-weighted loss against parameters N,
 * the XL loss predicted from it, XL trained, and prediction vs measurement.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type ModelSize, type Subtask, createProgress, initBackend, markdownTable, train, writeReport } from "@vsd/core";
import { NoiseDecomposition, NoiseModel } from "@vsd/decomp-noise";
import { evaluate, predictFromScales, type ScalePredictionResult } from "@vsd/eval";
import { type ExamplePreset, assertNoLeak, fmt, meanTail, mnistSubset } from "./example-kit.js";

export interface Q6Scale {
  readonly name: string;
  /** decomp-noise model size: a name, or a width multiplier of S. */
  readonly size: ModelSize;
}

export interface Q6Sizes {
  /** The sizes the law is fitted on. */
  readonly fit: readonly Q6Scale[];
  /** The held-out size that is predicted, then trained and measured. */
  readonly target: Q6Scale;
  readonly trainImages: number;
  readonly testImages: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly bins: number;
  readonly lossImages: number;
  readonly bootstrap: number;
}

export const Q6_PRESETS: Record<ExamplePreset, Q6Sizes> = {
  tiny: {
    // Width multipliers of S (256): 16, 32, 64 fit; 128 held out.
    fit: [
      { name: "S", size: 1 / 16 },
      { name: "M", size: 1 / 8 },
      { name: "L", size: 1 / 4 },
    ],
    target: { name: "XL", size: 1 / 2 },
    trainImages: 300,
    testImages: 16,
    steps: 6,
    batchSize: 16,
    bins: 4,
    lossImages: 8,
    bootstrap: 100,
  },
  default: {
    // decomp-noise MLP sizes: S 256×3, M 512×3, L 1024×4, XL 2048×4.
    fit: [
      { name: "S", size: "S" },
      { name: "M", size: "M" },
      { name: "L", size: "L" },
    ],
    target: { name: "XL", size: "XL" },
    trainImages: 10000,
    testImages: 1000,
    steps: 300,
    batchSize: 64,
    bins: 16,
    lossImages: 256,
    bootstrap: 1000,
  },
};

export interface Q6Point {
  readonly name: string;
  readonly size: ModelSize;
  readonly params: number;
  readonly importanceWeightedLoss: number;
  readonly finalTrainLoss: number;
  readonly trainSeconds: number;
  readonly trainFlops: number | null;
}

export interface Q6Result {
  readonly outDir: string;
  readonly points: readonly Q6Point[];
  readonly target: Q6Point;
  readonly fit: { readonly a: number; readonly b: number; readonly sse: number };
  readonly predicted: number;
  readonly interval: { readonly low: number; readonly high: number } | null;
  readonly relativeError: number;
  readonly findings: readonly string[];
  readonly summary: string;
}

export interface Q6Options {
  readonly preset: ExamplePreset;
  readonly seed: number;
  readonly outDir: string;
  readonly sizes?: Partial<Q6Sizes>;
}

export async function runQ6(o: Q6Options): Promise<Q6Result> {
  const backend = await initBackend();
  const s: Q6Sizes = { ...Q6_PRESETS[o.preset], ...o.sizes };
  const t0 = performance.now();
  const before = tf.memory().numTensors;
  const data = mnistSubset(s.trainImages, s.testImages);
  const subtasks: readonly Subtask[] = new NoiseDecomposition({ bins: s.bins }).subtasks();
  const all = [...s.fit, s.target];
  const progress = createProgress({ label: "q6 model sizes", total: all.length });
  const measured: Q6Point[] = [];
  for (const sc of all) {
    const model = new NoiseModel({ shape: data, seed: o.seed, size: sc.size, conditional: false });
    try {
      const params = model.numParams();
      const tr = await train(model, data, { steps: s.steps, batchSize: s.batchSize, seed: o.seed, label: `train ${sc.name} (${params} params)` });
      const ev = await evaluate(model, data, {
        metrics: ["importanceWeightedLoss"],
        seed: o.seed,
        importance: { subtasks, images: Math.min(s.lossImages, data.test.n) },
      });
      measured.push({
        name: sc.name,
        size: sc.size,
        params,
        importanceWeightedLoss: ev.importanceWeightedLoss!.value,
        finalTrainLoss: meanTail(tr.losses, 20),
        trainSeconds: tr.seconds,
        trainFlops: tr.flops ?? null,
      });
      progress.tick(1, `${sc.name}: ${params} params, IW loss ${fmt(ev.importanceWeightedLoss!.value, 4)}`);
    } finally {
      model.dispose();
    }
  }
  progress.done();
  assertNoLeak(before, "q6");

  const points = measured.slice(0, s.fit.length);
  const target = measured[measured.length - 1]!;
  const pred: ScalePredictionResult = await predictFromScales(
    points.map((p) => ({ name: p.name, x: p.params, y: p.importanceWeightedLoss })),
    [{ name: target.name, x: target.params, y: target.importanceWeightedLoss }],
    {
      bootstrap: s.bootstrap,
      seed: o.seed,
      title: `Importance-weighted loss vs parameters: fit on ${points.map((p) => p.name).join("/")}, predict ${target.name}`,
      xLabel: "parameters",
      yLabel: "importance-weighted loss (nats/dim)",
    },
  );
  const p0 = pred.predictions[0]!;
  // With three points many bootstrap resamples repeat an x and cannot be fitted; the interval may then be NaN.
  const interval = p0.interval && Number.isFinite(p0.interval[0]) && Number.isFinite(p0.interval[1]) ? { low: p0.interval[0], high: p0.interval[1] } : null;
  const result = {
    fit: { a: pred.fit.a, b: pred.fit.b, sse: pred.fit.sse },
    predicted: p0.predicted,
    interval,
    relativeError: p0.relativeError!,
  };
  const findings = q6Findings(points, target, result);
  const table = markdownTable(
    ["model", "parameters", "IW loss (nats/dim)", "fitted / predicted", "final train loss", "train s", "train GFLOPs"],
    [...points, target].map((p) => [
      p.name,
      String(p.params),
      fmt(p.importanceWeightedLoss, 4),
      p === target ? `predicted ${fmt(result.predicted, 4)}` + (interval ? ` [${fmt(interval.low, 4)}, ${fmt(interval.high, 4)}]` : "") : `fit ${fmt(pred.fit.predict(p.params), 4)}`,
      fmt(p.finalTrainLoss, 4),
      fmt(p.trainSeconds, 1),
      p.trainFlops === null ? "—" : fmt(p.trainFlops / 1e9, 1),
    ]),
  );
  const seconds = (performance.now() - t0) / 1000;
  const markdown = [
    "# Question 6: a scaling law for a diffusion model (MNIST)",
    "",
    `Preset **${o.preset}**, seed ${o.seed}, backend ${backend.name}, ${seconds.toFixed(0)} s. Unconditional decomp-noise MLP models of ${all.length} widths, ` +
      `each trained for the same ${s.steps} steps × batch ${s.batchSize} on ${data.train.n} images (same seed, schedule, weighting).`,
    `Score: @vsd/eval's importance-weighted loss (per-bin test loss at ${s.bins} λ-bin centres, Laplace p(λ) μ = 0, b = 0.5; ${Math.min(s.lossImages, data.test.n)} test images). ` +
      `Law: y = a·N^(−b) fitted by @vsd/eval's fitPowerLaw on ${points.map((p) => p.name).join(", ")} (log-log least squares${s.bootstrap > 0 ? `, ${s.bootstrap} bootstrap resamples for the interval` : ""}), then ${target.name} predicted and measured.`,
    "",
    "## Result",
    "",
    ...findings.map((f) => `- ${f}`),
    "",
    table,
    "",
    "![scaling law](scaling-law.png)",
    "",
  ].join("\n");
  await writeReport(o.outDir, {
    results: { kind: "vsd.examples.q6-scaling-law", preset: o.preset, sizes: s, points, target, ...result, findings, seconds },
    markdown,
    images: { "scaling-law.png": pred.plot },
    seed: o.seed,
    config: { ...s, preset: o.preset },
  });
  return { outDir: o.outDir, points, target, ...result, findings, summary: `${table}\n\n${findings.join("\n")}` };
}

/** The sentences the report states, computed from the run. */
export function q6Findings(
  points: readonly Q6Point[],
  target: Q6Point,
  r: { fit: { a: number; b: number }; predicted: number; interval: { low: number; high: number } | null; relativeError: number },
): string[] {
  const f: string[] = [];
  const ys = points.map((p) => p.importanceWeightedLoss);
  const falling = ys.every((y, i) => i === 0 || y < ys[i - 1]!);
  f.push(
    `Fit on ${points.map((p) => p.name).join("/")}: y = ${r.fit.a.toPrecision(3)}·N^(−${r.fit.b.toPrecision(3)}). ` +
      (r.fit.b > 0
        ? falling
          ? "The loss falls steadily with parameters, as a scaling law needs."
          : "The exponent is positive, but the loss does not fall at every step of the ladder."
        : "The exponent is not positive: the loss does not fall with parameters at this training length, so there is no scaling law to extrapolate here."),
  );
  f.push(
    `The paper's Figure 3 fit (text-to-image on COYO, 32M–671M parameters) is y = 0.369·x^(−0.030); our exponent is ${r.fit.b.toPrecision(3)} ` +
      `(${Math.abs(r.fit.b - 0.03) <= 0.015 ? "close to it" : r.fit.b > 0.03 ? "steeper" : "flatter"}; different data, models and training length, so only the sign and rough size compare).`,
  );
  const inside = r.interval ? target.importanceWeightedLoss >= r.interval.low && target.importanceWeightedLoss <= r.interval.high : null;
  f.push(
    `${target.name} (${target.params} parameters): predicted ${fmt(r.predicted, 4)}, measured ${fmt(target.importanceWeightedLoss, 4)} nats/dim — ` +
      `relative error ${fmt(100 * r.relativeError, 1)} %` +
      (inside === null ? "." : inside ? ", inside the bootstrap interval." : `, outside the bootstrap interval [${fmt(r.interval!.low, 4)}, ${fmt(r.interval!.high, 4)}].`),
  );
  f.push(
    r.relativeError <= 0.05
      ? "The small models predict the large one within 5 %, in line with the paper's Figure 3 (the importance-weighted loss follows a power law in model size)."
      : `The prediction misses by more than 5 %, so this run does not reproduce the paper's Figure 3 claim that the importance-weighted loss of larger models is predictable from smaller ones` +
          (target.importanceWeightedLoss > r.predicted ? ` (${target.name} is worse than predicted: at equal steps the larger model is under-trained).` : "."),
  );
  return f;
}
