/**
 * Question 5 of the paper (balancing the conflicts among SNRs): the same noise
 * model trained for the same steps under five ways of spending the loss over
 * log-SNR λ — uniform-ε, min-SNR-5, Laplace importance sampling, logit-normal
 * and EDM — then scored by the importance-weighted loss (@vsd/eval), FID, and
 * the loss per λ bin.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type ModelSize, type Subtask, Rng, barChartPng, createProgress, initBackend, linePlotPng, markdownTable, train, writeReport } from "@vsd/core";
import { NoiseDecomposition, NoiseModel, type ScheduleSpec, type WeightingSpec } from "@vsd/decomp-noise";
import { evaluate } from "@vsd/eval";
import { type ExamplePreset, argMin, assertNoLeak, fmt, meanTail, mnistSubset } from "./example-kit.js";

/** One way of balancing the SNRs: the density p(λ) the training λ are drawn from and the weight ω(λ) on the ε-loss. */
export interface Q5Strategy {
  readonly name: string;
  readonly description: string;
  readonly schedule: ScheduleSpec;
  readonly weighting: WeightingSpec;
}

export const Q5_STRATEGIES: readonly Q5Strategy[] = [
  { name: "uniform-eps", description: "t ~ U(0, 1) on the cosine schedule, plain ε-MSE (DDPM's L_simple)", schedule: { kind: "cosine" }, weighting: { kind: "mse" } },
  { name: "min-snr-5", description: "cosine schedule, Min-SNR-γ weight min(SNR, 5)/SNR on the ε-MSE (Hang et al. 2023)", schedule: { kind: "cosine" }, weighting: { kind: "min-snr", gamma: 5 } },
  { name: "laplace-is", description: "λ ~ Laplace(μ = 0, b = 0.5) importance sampling, plain ε-MSE (Hang & Gu 2024)", schedule: { kind: "laplace", mu: 0, b: 0.5 }, weighting: { kind: "mse" } },
  { name: "logit-normal", description: "t ~ logit-normal(0, 1), i.e. λ ~ N(0, 4), plain ε-MSE (SD3's sampling density)", schedule: { kind: "logit_normal" }, weighting: { kind: "mse" } },
  { name: "edm", description: "EDM: ln σ ~ N(−1.2, 1.2²) with the EDM weight (σ² + σ_d²)/(σ·σ_d)² (Karras et al. 2022)", schedule: { kind: "edm" }, weighting: { kind: "edm" } },
];

export interface Q5Sizes {
  readonly trainImages: number;
  readonly testImages: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly modelSize: ModelSize;
  readonly samples: number;
  readonly sampleSteps: number;
  /** λ bins of the loss-per-bin curve and the importance-weighted loss. */
  readonly bins: number;
  readonly lossImages: number;
}

export const Q5_PRESETS: Record<ExamplePreset, Q5Sizes> = {
  tiny: { trainImages: 300, testImages: 20, steps: 6, batchSize: 16, modelSize: "XS", samples: 20, sampleSteps: 6, bins: 5, lossImages: 8 },
  default: { trainImages: 10000, testImages: 1000, steps: 300, batchSize: 64, modelSize: "S", samples: 200, sampleSteps: 30, bins: 16, lossImages: 128 },
};

export interface Q5Row {
  readonly strategy: string;
  readonly importanceWeightedLoss: number;
  readonly equalWeightLoss: number;
  readonly fid: number;
  readonly fidRankDeficient: boolean;
  /** ½E‖ε − ε̂‖² per dim at each bin's centre λ (the ELBO integrand), in bin order (noisy → clean). */
  readonly lossByBin: readonly number[];
  readonly finalTrainLoss: number;
  readonly trainSeconds: number;
}

export interface Q5Result {
  readonly outDir: string;
  readonly bins: readonly { key: string; logSnr: number }[];
  readonly rows: readonly Q5Row[];
  readonly findings: readonly string[];
  readonly summary: string;
}

export interface Q5Options {
  readonly preset: ExamplePreset;
  readonly seed: number;
  readonly outDir: string;
  readonly sizes?: Partial<Q5Sizes>;
  readonly strategies?: readonly Q5Strategy[];
}

export async function runQ5(o: Q5Options): Promise<Q5Result> {
  const backend = await initBackend();
  const s: Q5Sizes = { ...Q5_PRESETS[o.preset], ...o.sizes };
  const strategies = o.strategies ?? Q5_STRATEGIES;
  const t0 = performance.now();
  const before = tf.memory().numTensors;
  const data = mnistSubset(s.trainImages, s.testImages);
  const subtasks: readonly Subtask[] = new NoiseDecomposition({ bins: s.bins }).subtasks();
  const bins = subtasks.map((t) => ({ key: t.key, logSnr: t.params["logSnr"]! }));
  const progress = createProgress({ label: "q5 strategies", total: strategies.length });
  const rows: Q5Row[] = [];
  for (const st of strategies) {
    // Unconditional, so FID measures the model itself, not guidance.
    const model = new NoiseModel({ shape: data, seed: o.seed, size: s.modelSize, schedule: st.schedule, weighting: st.weighting, conditional: false });
    try {
      const tr = await train(model, data, { steps: s.steps, batchSize: s.batchSize, seed: o.seed, label: `train ${st.name}` });
      const ev = await evaluate(model, data, {
        metrics: ["fid", "importanceWeightedLoss"],
        seed: o.seed,
        samples: s.samples,
        batchSize: Math.min(100, s.samples),
        sampleOptions: { steps: s.sampleSteps },
        importance: { subtasks, images: Math.min(s.lossImages, data.test.n) },
      });
      const iw = ev.importanceWeightedLoss!;
      rows.push({
        strategy: st.name,
        importanceWeightedLoss: iw.value,
        equalWeightLoss: iw.equalWeightMean,
        fid: ev.fid!.value,
        fidRankDeficient: ev.fid!.rankDeficient,
        lossByBin: subtasks.map((t) => iw.losses[t.key]!),
        finalTrainLoss: meanTail(tr.losses, 20),
        trainSeconds: tr.seconds,
      });
      progress.tick(1, `${st.name}: IW loss ${fmt(iw.value, 4)}, FID ${fmt(ev.fid!.value, 2)}`);
    } finally {
      model.dispose();
    }
  }
  progress.done();
  assertNoLeak(before, "q5");

  const images: Record<string, Uint8Array> = {};
  images["loss-by-logsnr.png"] = await linePlotPng({
    title: "Test loss per log-SNR bin (½E‖ε − ε̂‖² per dim)",
    xLabel: "log-SNR λ (bin centre; noisy ← → clean)",
    yLabel: "loss (nats/dim)",
    logY: true,
    points: true,
    series: rows.map((r) => ({ name: r.strategy, x: bins.map((b) => b.logSnr), y: r.lossByBin })),
  });
  images["iw-loss.png"] = await barChartPng({
    title: "Importance-weighted loss (Laplace p(λ), μ = 0, b = 0.5)",
    xLabel: "strategy",
    yLabel: "importance-weighted loss (nats/dim)",
    bars: rows.map((r) => ({ label: r.strategy, value: r.importanceWeightedLoss })),
  });
  images["fid.png"] = await barChartPng({
    title: "FID by strategy (equal training steps)",
    xLabel: "strategy",
    yLabel: "FID",
    bars: rows.map((r) => ({ label: r.strategy, value: r.fid })),
  });

  const findings = q5Findings(rows, bins);
  const table = markdownTable(
    ["strategy", "IW loss (nats/dim)", "equal-weight loss", "FID", "final train loss", "train s"],
    rows.map((r) => [r.strategy, fmt(r.importanceWeightedLoss, 4), fmt(r.equalWeightLoss, 4), fmt(r.fid, 2) + (r.fidRankDeficient ? " (rank-deficient)" : ""), fmt(r.finalTrainLoss, 4), fmt(r.trainSeconds, 1)]),
  );
  const seconds = (performance.now() - t0) / 1000;
  const markdown = [
    "# Question 5: balancing the conflicts among SNRs (MNIST)",
    "",
    `Preset **${o.preset}**, seed ${o.seed}, backend ${backend.name}, ${seconds.toFixed(0)} s. Every strategy trains the same unconditional noise model ` +
      `(decomp-noise MLP, size ${String(s.modelSize)}, ε-prediction, same seed) for the same ${s.steps} steps × batch ${s.batchSize} on ${data.train.n} images.`,
    "",
    ...strategies.map((st) => `- **${st.name}**: ${st.description}.`),
    "",
    `Scores: the **importance-weighted loss** of @vsd/eval (per-bin test loss ½E‖ε − ε̂‖² at ${s.bins} λ-bin centres over [−10, 10], weighted by the Laplace density p(λ), μ = 0, b = 0.5 — paper Q6) on ${Math.min(s.lossImages, data.test.n)} test images; ` +
      `**FID** (shipped MNIST extractor, ${s.samples} samples, DDPM sampler with ${s.sampleSteps} steps, vs as many test images; biased upward at small N).`,
    "",
    "## Result",
    "",
    ...findings.map((f) => `- ${f}`),
    "",
    table,
    "",
    "![loss by log-SNR](loss-by-logsnr.png)",
    "",
    "![IW loss](iw-loss.png) ![FID](fid.png)",
    "",
    "## Loss per λ bin (nats/dim)",
    "",
    markdownTable(
      ["λ bin centre", ...rows.map((r) => r.strategy)],
      bins.map((b, i) => [fmt(b.logSnr, 2), ...rows.map((r) => fmt(r.lossByBin[i], 4))]),
    ),
    "",
  ].join("\n");
  await writeReport(o.outDir, {
    results: { kind: "vsd.examples.q5-snr-conflicts", preset: o.preset, sizes: s, strategies, bins, rows, findings, seconds },
    markdown,
    images,
    seed: o.seed,
    config: { ...s, preset: o.preset, strategies: strategies.map((x) => x.name) },
  });
  return { outDir: o.outDir, bins, rows, findings, summary: `${table}\n\n${findings.join("\n")}` };
}

/** The sentences the report states, computed from the run. */
export function q5Findings(rows: readonly Q5Row[], bins: readonly { logSnr: number }[]): string[] {
  const f: string[] = [];
  const bestIw = rows[argMin(rows.map((r) => r.importanceWeightedLoss))]!;
  const bestFid = rows[argMin(rows.map((r) => r.fid))]!;
  const base = rows.find((r) => r.strategy === "uniform-eps");
  f.push(`Lowest importance-weighted loss: **${bestIw.strategy}** (${fmt(bestIw.importanceWeightedLoss, 4)} nats/dim${base ? `; uniform-ε ${fmt(base.importanceWeightedLoss, 4)}` : ""}).`);
  f.push(`Lowest FID: **${bestFid.strategy}** (${fmt(bestFid.fid, 2)}${base ? `; uniform-ε ${fmt(base.fid, 2)}` : ""}).`);
  f.push(
    bestIw.strategy === bestFid.strategy
      ? "The importance-weighted loss and FID pick the same strategy, consistent with the paper's proposal of the importance-weighted loss as a proxy of sample quality."
      : "The importance-weighted loss and FID pick different strategies here, so in this run the importance-weighted loss is not a reliable proxy of FID (the paper proposes it as one).",
  );
  if (base) {
    const better = rows.filter((r) => r !== base && r.importanceWeightedLoss < base.importanceWeightedLoss).map((r) => r.strategy);
    f.push(
      better.length > 0
        ? `Strategies that beat uniform-ε on the importance-weighted loss at equal steps: ${better.join(", ")} — re-balancing the SNRs pays off, as the paper argues.`
        : "No strategy beats uniform-ε on the importance-weighted loss at equal steps in this run, unlike what the paper suggests.",
    );
  }
  // Where the strategies differ most: the bin with the largest spread (max/min) of the loss.
  let worst = 0;
  let worstRatio = 0;
  for (let i = 0; i < bins.length; i++) {
    const v = rows.map((r) => r.lossByBin[i]!).filter((x) => x > 0);
    const ratio = Math.max(...v) / Math.min(...v);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = i;
    }
  }
  if (bins.length > 0 && rows.length > 1) {
    f.push(`The strategies differ most at λ ≈ ${fmt(bins[worst]!.logSnr, 1)} (loss ratio max/min ${fmt(worstRatio, 2)} across strategies): that is where they trade one noise level against another.`);
  }
  return f;
}
