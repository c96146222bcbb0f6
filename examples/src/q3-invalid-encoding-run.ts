/**
 * Question 3 of the paper (the tokenization problem, Table 1): many short RQ
 * tokenizer runs over depths and configurations; the share of runs whose
 * deeper codes stop improving the reconstruction ("invalid encoding"), per
 * depth and per depth-loss weighting.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type ImageDataset, Rng, barChartPng, createProgress, initBackend, markdownTable, writeReport } from "@vsd/core";
import { type DepthLossWeighting, RqTokenizer, analyzeInvalidEncoding } from "@vsd/decomp-depth";
import { type ExamplePreset, assertNoLeak, fmt, mnistSubset } from "./example-kit.js";

type Weighting = Extract<DepthLossWeighting, string>;

/** The grid of runs. Every combination is one tokenizer run. */
export interface Q3Sizes {
  readonly depths: readonly number[];
  readonly weightings: readonly Weighting[];
  readonly learningRates: readonly number[];
  readonly codebookSizes: readonly number[];
  readonly seeds: readonly number[];
  readonly steps: number;
  readonly batchSize: number;
  readonly hidden: number;
  readonly trainImages: number;
  /** Test images each verdict is measured on. */
  readonly analyzeImages: number;
}

export const Q3_PRESETS: Record<ExamplePreset, Q3Sizes> = {
  tiny: {
    depths: [2, 4],
    weightings: ["equal", "final"],
    learningRates: [1e-3],
    codebookSizes: [16],
    seeds: [0],
    steps: 3,
    batchSize: 16,
    hidden: 32,
    trainImages: 300,
    analyzeImages: 32,
  },
  default: {
    depths: [2, 4, 8, 16],
    weightings: ["equal", "final", "geometric"],
    learningRates: [1e-3, 3e-3],
    codebookSizes: [16, 64],
    seeds: [0, 1],
    steps: 30,
    batchSize: 32,
    hidden: 64,
    trainImages: 4000,
    analyzeImages: 128,
  },
};

/** The paper's Table 1 ratios, in the order of increasing depth (its depth headers were lost in extraction). */
export const PAPER_TABLE1 = [0.312, 0.4, 0.571] as const;

export interface Q3Run {
  readonly depth: number;
  readonly weighting: Weighting;
  readonly learningRate: number;
  readonly codebookSize: number;
  readonly seed: number;
  readonly invalid: boolean;
  readonly startsAtDepth: number | null;
  readonly worsens: boolean;
  readonly dominantStage: number;
  /** Pixel MSE ([−1, 1] units) after each depth 0…D on the analysed test images. */
  readonly mse: readonly number[];
  readonly finalLoss: number;
}

export interface Q3Share {
  readonly depth: number;
  readonly weighting: Weighting | "all";
  readonly invalid: number;
  readonly runs: number;
  readonly share: number;
}

export interface Q3Result {
  readonly outDir: string;
  readonly runs: readonly Q3Run[];
  readonly shares: readonly Q3Share[];
  readonly findings: readonly string[];
  readonly summary: string;
}

export interface Q3Options {
  readonly preset: ExamplePreset;
  readonly seed: number;
  readonly outDir: string;
  readonly sizes?: Partial<Q3Sizes>;
}

export async function runQ3(o: Q3Options): Promise<Q3Result> {
  await initBackend();
  const s: Q3Sizes = { ...Q3_PRESETS[o.preset], ...o.sizes };
  const t0 = performance.now();
  const before = tf.memory().numTensors;
  const data = mnistSubset(s.trainImages, s.analyzeImages);
  const grid: Omit<Q3Run, "invalid" | "startsAtDepth" | "worsens" | "dominantStage" | "mse" | "finalLoss">[] = [];
  for (const depth of s.depths)
    for (const weighting of s.weightings)
      for (const learningRate of s.learningRates)
        for (const codebookSize of s.codebookSizes)
          for (const seed of s.seeds) grid.push({ depth, weighting, learningRate, codebookSize, seed: o.seed * 1000 + seed });
  const progress = createProgress({ label: "q3 tokenizer runs", total: grid.length });
  const runs: Q3Run[] = [];
  for (const g of grid) {
    runs.push(await oneRun(g, data, s));
    const r = runs[runs.length - 1]!;
    progress.tick(1, `D=${r.depth} ${r.weighting}: ${r.invalid ? "invalid" : "valid"}`);
  }
  progress.done();
  assertNoLeak(before, "q3");

  const shares = shareTable(runs, s);
  const findings = q3Findings(shares, s);
  const images: Record<string, Uint8Array> = {};
  images["invalid-share.png"] = await barChartPng({
    title: "Share of tokenizer runs with invalid encoding",
    xLabel: "quantization depth D",
    yLabel: "share of runs (invalid / runs)",
    bars: shares.filter((x) => x.weighting !== "all").map((x) => ({ label: `D=${x.depth}`, group: x.weighting, value: x.share })),
  });
  const table = markdownTable(
    ["depth", ...s.weightings.map((w) => `${w} (invalid/runs)`), "all weightings"],
    s.depths.map((d) => [
      String(d),
      ...[...s.weightings, "all" as const].map((w) => {
        const x = shares.find((y) => y.depth === d && y.weighting === w)!;
        return `${x.invalid}/${x.runs} = ${fmt(x.share, 3)}`;
      }),
    ]),
  );
  const seconds = (performance.now() - t0) / 1000;
  const markdown = [
    "# Question 3: invalid encoding in residual quantization (paper Table 1)",
    "",
    `Preset **${o.preset}**, seed ${o.seed}, ${runs.length} tokenizer runs on MNIST (${data.train.n} training images), ${seconds.toFixed(0)} s.`,
    `Each run trains an RQ tokenizer (4×4 patches, latent 8, hidden ${s.hidden}, shared EMA codebook, k-means init) for ${s.steps} steps of batch ${s.batchSize}; ` +
      `grid: depths {${s.depths.join(", ")}} × weightings {${s.weightings.join(", ")}} × learning rates {${s.learningRates.join(", ")}} × codebook sizes {${s.codebookSizes.join(", ")}} × ${s.seeds.length} seed(s).`,
    `The verdict is \`analyzeInvalidEncoding\` of @vsd/decomp-depth on ${data.test.n} test images: a run is *invalid* when its dominant stage (the depth after which no deeper depth lowers the pixel MSE by more than 2 %) is below D.`,
    "",
    "## Result",
    "",
    ...findings.map((f) => `- ${f}`),
    "",
    table,
    "",
    "![share of invalid runs](invalid-share.png)",
    "",
    "## Runs",
    "",
    markdownTable(
      ["D", "weighting", "lr", "K", "seed", "verdict", "dominant stage", "worsens", "MSE d=1", "MSE d=D", "final loss"],
      runs.map((r) => [
        String(r.depth),
        r.weighting,
        String(r.learningRate),
        String(r.codebookSize),
        String(r.seed),
        r.invalid ? `invalid from depth ${r.startsAtDepth}` : "valid",
        String(r.dominantStage),
        r.worsens ? "yes" : "no",
        fmt(r.mse[1], 4),
        fmt(r.mse[r.depth], 4),
        fmt(r.finalLoss, 4),
      ]),
    ),
    "",
  ].join("\n");
  await writeReport(o.outDir, {
    results: { kind: "vsd.examples.q3-invalid-encoding", preset: o.preset, sizes: s, runs, shares, findings, paperTable1: PAPER_TABLE1, seconds },
    markdown,
    images,
    seed: o.seed,
    config: { ...s, preset: o.preset },
  });
  return { outDir: o.outDir, runs, shares, findings, summary: `${table}\n\n${findings.join("\n")}` };
}

async function oneRun(
  g: { depth: number; weighting: Weighting; learningRate: number; codebookSize: number; seed: number },
  data: ImageDataset,
  s: Q3Sizes,
): Promise<Q3Run> {
  const tok = new RqTokenizer(data, {
    depth: g.depth,
    depthWeighting: g.weighting,
    learningRate: g.learningRate,
    codebookSize: g.codebookSize,
    hidden: s.hidden,
    seed: g.seed,
  });
  try {
    const stats = tok.fit(data.train.pixels, { steps: s.steps, batchSize: s.batchSize, rng: new Rng(g.seed).derive("batches") });
    const rep = await analyzeInvalidEncoding(tok, data, { limit: s.analyzeImages, pictureExamples: 0 });
    return {
      ...g,
      invalid: rep.verdict.invalid,
      startsAtDepth: rep.verdict.startsAtDepth,
      worsens: rep.verdict.worsens,
      dominantStage: rep.dominantStage,
      mse: rep.depths.map((d) => d.mse),
      finalLoss: stats[stats.length - 1]?.loss ?? Number.NaN,
    };
  } finally {
    tok.dispose();
  }
}

/** Invalid/runs per (depth, weighting) and per depth over all weightings. */
export function shareTable(runs: readonly Q3Run[], s: Pick<Q3Sizes, "depths" | "weightings">): Q3Share[] {
  const out: Q3Share[] = [];
  for (const depth of s.depths) {
    for (const weighting of [...s.weightings, "all" as const]) {
      const sel = runs.filter((r) => r.depth === depth && (weighting === "all" || r.weighting === weighting));
      const invalid = sel.filter((r) => r.invalid).length;
      out.push({ depth, weighting, invalid, runs: sel.length, share: sel.length > 0 ? invalid / sel.length : Number.NaN });
    }
  }
  return out;
}

/** The sentences the report states, computed from the shares. */
export function q3Findings(shares: readonly Q3Share[], s: Pick<Q3Sizes, "depths" | "weightings">): string[] {
  const f: string[] = [];
  const base: Weighting = s.weightings.includes("equal") ? "equal" : s.weightings[0]!;
  const line = (w: Weighting | "all") => s.depths.map((d) => shares.find((x) => x.depth === d && x.weighting === w)!);
  const eq = line(base);
  const seq = eq.map((x) => fmt(x.share, 3)).join(" → ");
  const nonDecreasing = eq.every((x, i) => i === 0 || x.share >= eq[i - 1]!.share);
  const rises = eq[eq.length - 1]!.share > eq[0]!.share;
  f.push(
    `With ${base} depth-loss weights (the paper's setting) the share of invalid runs over depths ${s.depths.join(", ")} is ${seq}. ` +
      (nonDecreasing && rises
        ? "It grows with depth, as the paper's Table 1 says (0.312 → 0.4 → 0.571)."
        : nonDecreasing
          ? "It does not grow with depth here, unlike the paper's Table 1 (0.312 → 0.4 → 0.571)."
          : "It is not monotone in depth here, unlike the paper's Table 1 (0.312 → 0.4 → 0.571)."),
  );
  const paperAligned = eq.slice(-PAPER_TABLE1.length);
  if (paperAligned.length === PAPER_TABLE1.length) {
    const diffs = paperAligned.map((x, i) => x.share - PAPER_TABLE1[i]!);
    f.push(
      `Aligned with the paper's three ratios at depths ${paperAligned.map((x) => x.depth).join(", ")}, our shares differ by ${diffs.map((d) => (d >= 0 ? "+" : "") + d.toFixed(3)).join(", ")}.`,
    );
  }
  const meanShare = (w: Weighting) => {
    const xs = line(w).filter((x) => x.runs > 0);
    return xs.reduce((a, x) => a + x.share, 0) / xs.length;
  };
  const mBase = meanShare(base);
  for (const w of s.weightings) {
    if (w === base) continue;
    const m = meanShare(w);
    const verb = m < mBase ? "lowers" : m > mBase ? "raises" : "does not change";
    f.push(
      `${w} weighting ${verb} the share of invalid runs: mean over depths ${fmt(m, 3)} vs ${fmt(mBase, 3)} with ${base} weights` +
        (w === "final" || w === "geometric" ? " (the paper's Eq. 4 argument predicts that weighting deeper reconstructions more helps)." : "."),
    );
  }
  const runsPerCell = shares[0]?.runs ?? 0;
  if (runsPerCell < 10) f.push(`Each share is over only ${runsPerCell} run(s), so differences of a few runs are noise.`);
  return f;
}
