/**
 * Wasm matMul and MLP training-step benchmark (issue 2).
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/core/bench/matmul.bench.ts
 *
 * 1. Transposed vs plain matMul on wasm, with the stock kernel and with the
 *    override from src/wasm-kernels.ts (target: ratio ≤ 1.5).
 * 2. One training step of an MLP 785→512→512→784 (ReLU), batch 128, Adam,
 *    MSE loss, on wasm (ParamStore + AdamW) vs the same step in PyTorch via
 *    /usr/bin/python3 with torch.set_num_threads(2) (target: ≤ 2×).
 */
import * as tf from "@tensorflow/tfjs-core";
import { spawnSync } from "node:child_process";
import { initBackend } from "../src/backend.js";
import { AdamW } from "../src/nn/adamw.js";
import { mlp } from "../src/nn/mlp.js";
import { ParamStore } from "../src/nn/param-store.js";
import { Rng } from "../src/rng.js";
import { setWasmMatMulOverrideEnabled } from "../src/wasm-kernels.js";

const info = await initBackend({ prefer: "wasm", strict: true });
const rng = new Rng(0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Minimum wall time of `fn` in ms over `reps` runs (each forced to finish
 * with dataSync). The minimum is the estimate least disturbed by other
 * processes on a shared machine.
 */
function time(fn: () => tf.Tensor, reps: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) tf.tidy(() => fn().dataSync());
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tf.tidy(() => fn().dataSync());
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

// ---- 1. transposed vs plain matMul ------------------------------------------------------
interface Case {
  label: string;
  batch: number[];
  m: number;
  k: number;
  n: number;
}
const cases: Case[] = [
  { label: "128×784×512", batch: [], m: 128, k: 784, n: 512 },
  { label: "128×512×784", batch: [], m: 128, k: 512, n: 784 },
  { label: "batched 32×(64×32×64)", batch: [32], m: 64, k: 32, n: 64 },
];
const fmt = (x: number, d = 2) => x.toFixed(d);
const rows: string[][] = [];
for (const c of cases) {
  const a = rng.normalTensor([...c.batch, c.m, c.k]);
  const b = rng.normalTensor([...c.batch, c.k, c.n]);
  const aT = tf.tidy(() => tf.transpose(a, [...c.batch.map((_, i) => i), c.batch.length + 1, c.batch.length]));
  const bT = tf.tidy(() => tf.transpose(b, [...c.batch.map((_, i) => i), c.batch.length + 1, c.batch.length]));
  const reps = 15;
  const plain = time(() => tf.matMul(a, b), reps);
  for (const [name, fn] of [
    ["transposeA", () => tf.matMul(aT, b, true, false)],
    ["transposeB", () => tf.matMul(a, bT, false, true)],
    ["both", () => tf.matMul(aT, bT, true, true)],
  ] as const) {
    setWasmMatMulOverrideEnabled(false);
    const stock = time(fn, Math.max(3, Math.floor(reps / 3)), 1);
    setWasmMatMulOverrideEnabled(true);
    const fast = time(fn, reps);
    rows.push([c.label, name, fmt(plain), fmt(stock), fmt(stock / plain, 1), fmt(fast), fmt(fast / plain)]);
  }
  tf.dispose([a, b, aT, bT]);
}
const flags = `simd ${info.simd ? "on" : "off"}, threads ${info.threads ? "on" : "off"}`;
console.log(`\n## wasm matMul: transposed vs plain (backend ${info.name}, ${flags}; best of 15 runs, ms)\n`);
printTable(["shape m×k×n", "variant", "plain ms", "stock ms", "stock ratio", "override ms", "override ratio (target ≤ 1.5)"], rows);

// ---- 2. MLP training step: wasm vs PyTorch ----------------------------------------------
const DIMS = [785, 512, 512, 784];
const BATCH = 128;
const STEPS = 30;
const WARMUP = 5;

function tfjsStep(): { msPerStep: number; best: number; loss: number } {
  const store = new ParamStore(new Rng(1));
  const net = mlp(store, "mlp", DIMS, { activation: "relu" });
  const opt = new AdamW(store.variables, { learningRate: 1e-3 });
  const x = rng.normalTensor([BATCH, DIMS[0]!]) as tf.Tensor2D;
  const y = rng.normalTensor([BATCH, DIMS.at(-1)!]);
  const loss = () => tf.losses.meanSquaredError(y, net.apply(x)) as tf.Scalar;
  for (let i = 0; i < WARMUP; i++) opt.step(loss);
  const ts: number[] = [];
  let last = 0;
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    last = opt.step(loss); // step() reads the loss, so the step has finished
    ts.push(performance.now() - t0);
  }
  opt.dispose();
  store.dispose();
  tf.dispose([x, y]);
  return { msPerStep: median(ts), best: Math.min(...ts), loss: last };
}

const TORCH_SCRIPT = `
import time, json, statistics
import torch
torch.set_num_threads(2)
torch.manual_seed(0)
dims = ${JSON.stringify(DIMS)}
layers = []
for i in range(len(dims) - 1):
    layers.append(torch.nn.Linear(dims[i], dims[i + 1]))
    if i + 2 < len(dims):
        layers.append(torch.nn.ReLU())
net = torch.nn.Sequential(*layers)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.randn(${BATCH}, dims[0])
y = torch.randn(${BATCH}, dims[-1])
def step():
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(${WARMUP}):
    step()
ts = []
for _ in range(${STEPS}):
    t0 = time.perf_counter()
    step()
    ts.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": statistics.median(ts), "best": min(ts), "version": torch.__version__, "threads": torch.get_num_threads()}))
`;

type TorchResult = { ms: number; best: number; version: string; threads: number };
function torchStep(): TorchResult | { error: string } {
  const r = spawnSync("/usr/bin/python3", ["-c", TORCH_SCRIPT], { encoding: "utf8", timeout: 300_000 });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) return { error: (r.stderr.trim().split("\n").at(-1) ?? "").slice(0, 200) };
  try {
    return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "") as TorchResult;
  } catch {
    return { error: `unparseable output: ${r.stdout.slice(0, 200)}` };
  }
}

setWasmMatMulOverrideEnabled(false);
const stockStep = tfjsStep();
setWasmMatMulOverrideEnabled(true);
const fastStep = tfjsStep();
const torch = torchStep();
console.log(`\n## MLP training step ${DIMS.join("→")}, batch ${BATCH}, Adam, MSE (${STEPS} timed steps after ${WARMUP} warm-up)\n`);
const t = "ms" in torch ? torch : undefined;
const ratio = (x: number, y: number | undefined) => (y ? fmt(x / y) : "n/a");
printTable(
  ["implementation", "median ms/step", "best ms/step", "ratio vs PyTorch (median; target ≤ 2)", "ratio (best)"],
  [
    ["tfjs wasm, stock kernels", fmt(stockStep.msPerStep, 1), fmt(stockStep.best, 1), ratio(stockStep.msPerStep, t?.ms), ratio(stockStep.best, t?.best)],
    ["tfjs wasm, VSD overrides", fmt(fastStep.msPerStep, 1), fmt(fastStep.best, 1), ratio(fastStep.msPerStep, t?.ms), ratio(fastStep.best, t?.best)],
    [
      t ? `PyTorch ${t.version} (${t.threads} threads)` : "PyTorch",
      t ? fmt(t.ms, 1) : "skipped",
      t ? fmt(t.best, 1) : "skipped",
      t ? "1.00" : "n/a",
      t ? "1.00" : "n/a",
    ],
  ],
);
if ("error" in torch) console.log(`\nPyTorch column skipped: /usr/bin/python3 could not run torch (${torch.error}).`);

function printTable(header: string[], body: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of body) console.log(line(r));
}
