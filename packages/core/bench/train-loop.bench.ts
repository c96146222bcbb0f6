/**
 * Training-loop benchmark (issue 2): what `train()` costs on top of the
 * model's own step, and the tiny reference model's step against the same
 * model in PyTorch.
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/core/bench/train-loop.bench.ts
 *
 * Model: `createTinyModel` on 28×28×1 images (a raster sequence of 784
 * elements, context 1, hidden 32, discretized-logistic NLL, AdamW), batch 32,
 * so each step runs the MLP on 25,088 rows. Data: the stationary synthetic field.
 * 1. a bare loop (makeBatch + trainStep + dispose) vs `train()` without and
 *    with checkpoints (every 10 steps, atomic step-N/ directories);
 * 2. the same model and step in PyTorch via /usr/bin/python3 (2 threads),
 *    skipped with a note when torch cannot be imported.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "../src/backend.js";
import { median, printBenchTable, runPythonPeer } from "../src/bench/index.js";
import { makeBatch } from "../src/dataset.js";
import { syntheticStationary } from "../src/data/synthetic-field.js";
import { createTinyModel } from "../src/reference/tiny-model.js";
import { BatchOrder, stepRng } from "../src/train/batch-order.js";
import { train } from "../src/train/train.js";

const info = await initBackend({ log: false });
const data = syntheticStationary({ n: 512, nTest: 32, seed: 0 });
const BATCH = 32;
const STEPS = 30;
const HIDDEN = 32;
const LR = 0.01;
const make = () => createTinyModel({ shape: data, seed: 1, hidden: HIDDEN, learningRate: LR });

interface Timing {
  median: number;
  best: number;
}

function summarise(ts: number[]): Timing {
  return { median: median(ts), best: Math.min(...ts) };
}

function bareLoop(): Timing {
  const model = make();
  const order = new BatchOrder(1, data.train.n, BATCH);
  const ts: number[] = [];
  for (let s = 0; s < 3 + STEPS; s++) {
    const t0 = performance.now();
    const batch = makeBatch(data, data.train, order.indices(s));
    model.trainStep(batch, stepRng(1, s));
    batch.images.dispose();
    if (s >= 3) ts.push(performance.now() - t0);
  }
  model.dispose();
  return summarise(ts);
}

/** Per-step wall time inside train(), from the onProgress timestamps (checkpoint writes included). */
async function loop(checkpointDir?: string): Promise<Timing> {
  const model = make();
  await train(model, data, { steps: 3, batchSize: BATCH, seed: 1, progress: false }); // warm-up
  const stamps: number[] = [performance.now()];
  await train(model, data, {
    steps: STEPS,
    batchSize: BATCH,
    seed: 1,
    progress: false,
    onProgress: () => stamps.push(performance.now()),
    ...(checkpointDir ? { checkpointDir, checkpointEvery: 10 } : {}),
  });
  model.dispose();
  return summarise(stamps.slice(1).map((t, i) => t - stamps[i]!));
}

const TORCH_SCRIPT = `
import json, math, statistics, time
import torch
torch.set_num_threads(2)
torch.manual_seed(0)
n, L, c, h, B = 512, 784, 1, ${HIDDEN}, ${BATCH}
x = torch.randint(0, 256, (n, L, c)).float() / 127.5 - 1
net = torch.nn.Sequential(torch.nn.Linear(c + 1, h), torch.nn.ReLU(), torch.nn.Linear(h, h), torch.nn.ReLU(), torch.nn.Linear(h, 2 * c))
torch.nn.init.zeros_(net[4].weight); torch.nn.init.zeros_(net[4].bias)
opt = torch.optim.AdamW(net.parameters(), lr=${LR}, weight_decay=0.0)
d = 1 / 255
F = torch.nn.functional
def logprob(y, mu, ls):
    inv = torch.exp(-torch.clamp(ls, min=-7.0))
    a = (y - mu + d) * inv; b = (y - mu - d) * inv; dd = 2 * d * inv
    small = (dd < 1e-2).float()
    lexp = small * (torch.log(torch.clamp(dd, min=1e-30)) + dd / 2 + dd * dd / 24) + (1 - small) * torch.log(torch.expm1(torch.clamp(dd, min=1e-2)))
    interior = b + lexp - F.softplus(a) - F.softplus(b)
    return torch.where(y < -0.999, -F.softplus(-a), torch.where(y > 0.999, -F.softplus(b), interior))
def step(i):
    idx = torch.arange(i * B, (i + 1) * B) % n
    seq = x[idx]
    prev = torch.cat([torch.zeros(B, 1, c), seq[:, :-1]], 1)
    flag = torch.zeros(B, L, 1); flag[:, 0] = 1
    out = net(torch.cat([prev, flag], 2).reshape(B * L, c + 1)).reshape(B, L, 2 * c)
    loss = -logprob(seq, out[..., :c], out[..., c:]).mean()
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    return loss.item()
for i in range(3): step(i)
ts = []
for i in range(${STEPS}):
    t0 = time.perf_counter(); step(i); ts.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": statistics.median(ts), "best": min(ts), "version": torch.__version__}))
`;

const dir = mkdtempSync(join(tmpdir(), "vsd-bench-train-"));
const before = tf.memory().numTensors;
const bare = bareLoop();
const plain = await loop();
const withCheckpoints = await loop(dir);
rmSync(dir, { recursive: true, force: true });
const torch = runPythonPeer<{ ms: number; best: number; version: string }>(TORCH_SCRIPT, [], { timeoutMs: 300_000 });
const leaked = tf.memory().numTensors - before;

const fmt = (x: number, digits = 1) => x.toFixed(digits);
const t = torch.ok ? torch.value : undefined;
console.log(
  `\n## Training loop: tiny model on 28×28×1, batch ${BATCH}, hidden ${HIDDEN} (backend ${info.name}; ${STEPS} steps after warm-up; ms/step)\n`,
);
const row = (label: string, x: Timing): string[] => [
  label,
  fmt(x.median),
  fmt(x.best),
  fmt(x.median / bare.median, 2),
  t ? fmt(x.median / t.ms, 2) : "n/a",
  t ? fmt(x.best / t.best, 2) : "n/a",
];
printBenchTable(
  ["loop", "median", "best", "median vs bare loop", "median vs PyTorch", "best vs PyTorch"],
  [
    row("bare loop (makeBatch + trainStep)", bare),
    row("train(), no checkpoints", plain),
    row("train(), checkpoint every 10 steps", withCheckpoints),
    [t ? `PyTorch ${t.version} (same model and step, 2 threads)` : "PyTorch", t ? fmt(t.ms) : "skipped", t ? fmt(t.best) : "skipped", "n/a", t ? "1.00" : "n/a", t ? "1.00" : "n/a"],
  ],
);
if (!torch.ok) console.log(`\nPyTorch column skipped: ${torch.error}.`);
console.log(`\nTensors left over after all runs: ${leaked}.`);
