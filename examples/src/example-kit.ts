/**
 * Shared pieces of the question scripts (q2 … q6): the command line
 * (`--preset`, `--seed`, `--out`), the MNIST subset they train on, number
 * formatting, and a guard that the run leaked no tensors.
 */
import { parseArgs } from "node:util";
import { resolve, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { type ImageDataset, VsdError, loadMnist, subsetSplit } from "@vsd/core";

export type ExamplePreset = "tiny" | "default";
export const EXAMPLE_PRESETS: readonly ExamplePreset[] = ["tiny", "default"];

/** What every question script takes from the command line. */
export interface ExampleArgs {
  readonly preset: ExamplePreset;
  readonly seed: number;
  readonly outDir: string;
  readonly help: boolean;
}

/** Parses `--preset tiny|default --seed N --out DIR [-h]`; bad values are a VsdError. */
export function parseExampleArgs(argv: readonly string[], defaultOut: string): ExampleArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      preset: { type: "string", default: "default" },
      seed: { type: "string", default: "0" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  const preset = values.preset as ExamplePreset;
  if (!EXAMPLE_PRESETS.includes(preset)) {
    throw new VsdError("INVALID_ARGUMENT", `Unknown preset "${values.preset}"; expected one of ${EXAMPLE_PRESETS.join(", ")}.`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new VsdError("INVALID_ARGUMENT", `--seed must be an integer, got ${values.seed}.`);
  return { preset, seed, outDir: resolve(values.out ?? join(process.cwd(), "reports", defaultOut)), help: values.help ?? false };
}

/** The usage text shared by the scripts. */
export function usage(command: string, what: string): string {
  return [
    `${command} [--preset tiny|default] [--seed N] [--out DIR]`,
    `  ${what}`,
    "  --preset  tiny (seconds, for tests) | default (minutes) (default: default)",
    "  --seed    seed of everything (default 0)",
    "  --out     report folder",
    "",
  ].join("\n");
}

/** Runs a script's main, printing a VsdError's message instead of a stack. */
export async function runMain(fn: () => Promise<{ outDir: string; summary: string }>): Promise<void> {
  try {
    const r = await fn();
    process.stdout.write(`\n${r.summary}\n\nReport: ${r.outDir}/report.md\n`);
  } catch (e) {
    process.stderr.write(`failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}

/**
 * The first `trainImages` / `testImages` rows of MNIST's splits (the loader's
 * splits are already shuffled and class-balanced for its seed).
 */
export function mnistSubset(trainImages: number, testImages: number): ImageDataset {
  const ds = loadMnist({ seed: 0 });
  const cut = (split: ImageDataset["train"], n: number) =>
    split.n > n ? subsetSplit(split, ds, Int32Array.from({ length: n }, (_, i) => i)) : split;
  return { ...ds, train: cut(ds.train, trainImages), test: cut(ds.test, testImages) };
}

/** Fixed-point text of a number, "—" when absent or not finite. */
export function fmt(x: number | undefined | null, digits = 3): string {
  return x === undefined || x === null || !Number.isFinite(x) ? "—" : x.toFixed(digits);
}

/** Throws if the tensor count grew since `before` (every script checks it at its end). */
export function assertNoLeak(before: number, where: string): void {
  const after = tf.memory().numTensors;
  if (after > before) throw new VsdError("CONTRACT_VIOLATION", `${where}: ${after - before} tensors leaked.`);
}

/** Index of the smallest value (first on ties). */
export function argMin(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[best]!) best = i;
  return best;
}

/** Mean of the last k values. */
export function meanTail(xs: ArrayLike<number>, k: number): number {
  const n = Math.min(k, xs.length);
  let s = 0;
  for (let i = xs.length - n; i < xs.length; i++) s += xs[i]!;
  return n > 0 ? s / n : Number.NaN;
}
