/**
 * MLP denoiser: training-step time and sampling throughput, tfjs vs PyTorch.
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/decomp-noise/bench/denoiser.bench.ts
 *
 * Model: 28×28×1 images (D = 784), input [z, sin/cos(2ⁿπz) for n = 7, 8,
 * 64-d sinusoidal λ embedding] → 3 SiLU layers of 256 → 784, ε-prediction,
 * cosine schedule, AdamW with clipping; batch 64. Sampling: DDIM (η = 0),
 * 50 steps, 64 images. Peer: the same network, loss and optimiser in PyTorch
 * via /usr/bin/python3 with torch.set_num_threads(2), measured in the same run
 * (skipped with a note when torch cannot be imported).
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng, initBackend } from "@vsd/core";
import { fixed, median, printBenchTable, runPythonPeer } from "@vsd/core/bench";
import { NoiseModel } from "../src/index.js";

const info = await initBackend({ log: false });
const H = 28;
const HIDDEN = 256;
const DEPTH = 3;
const BATCH = 64;
const STEPS = 15;
const WARMUP = 3;
const SAMPLES = 64;
const SAMPLE_STEPS = 50;
const D = H * H;

const shape = { height: H, width: H, channels: 1 };
const model = new NoiseModel({ shape, seed: 0, width: HIDDEN, depth: DEPTH, fourierExponents: [7, 8] });
const rng = new Rng(1);
const pixels = new Uint8Array(BATCH * D).map(() => rng.int(256));
const images = tf.tensor4d(Float32Array.from(pixels, (x) => x / 127.5 - 1), [BATCH, H, H, 1]);
const batch = { images, pixels };
for (let i = 0; i < WARMUP; i++) model.trainStep(batch, rng);
const ts: number[] = [];
for (let i = 0; i < STEPS; i++) {
  const t0 = performance.now();
  model.trainStep(batch, rng); // returns the loss as a number, so the step has finished
  ts.push(performance.now() - t0);
}
const msPerStep = median(ts);
const s0 = performance.now();
const samples = await model.sample(SAMPLES, new Rng(2), { sampler: "ddim", steps: SAMPLE_STEPS });
samples.dataSync();
const sampleMs = performance.now() - s0;
samples.dispose();
images.dispose();
const params = model.numParams();
const flops = model.flopsPerStep(BATCH);
model.dispose();

const TORCH = String.raw`
import json, math, time, statistics
import torch
torch.set_num_threads(2)
torch.manual_seed(0)
D, HID, DEPTH, B, E = ${D}, ${HIDDEN}, ${DEPTH}, ${BATCH}, 64
def emb(lam):
    half = E // 2
    f = torch.exp(-math.log(10000) * torch.arange(half) / half)
    a = (lam * 10)[:, None] * f[None]
    return torch.cat([a.cos(), a.sin()], 1)
def feats(z):
    return [z] + [g(z * math.pi * 2 ** n) for n in (7, 8) for g in (torch.sin, torch.cos)]
layers = [torch.nn.Linear(D * 5 + E, HID), torch.nn.SiLU()]
for _ in range(DEPTH - 1): layers += [torch.nn.Linear(HID, HID), torch.nn.SiLU()]
layers += [torch.nn.Linear(HID, D)]
net = torch.nn.Sequential(*layers)
opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0)
def F(z, lam): return net(torch.cat(feats(z) + [emb(lam)], 1))
x = torch.rand(B, D) * 2 - 1
def step():
    t = (torch.rand(1) + torch.arange(B) / B) % 1
    a_, b_ = math.atan(math.exp(-7.5)), math.atan(math.exp(7.5))
    lam = -2 * torch.log(torch.tan(a_ + t * (b_ - a_)))
    al, sg = torch.sigmoid(lam).sqrt()[:, None], torch.sigmoid(-lam).sqrt()[:, None]
    eps = torch.randn(B, D)
    z = al * x + sg * eps
    opt.zero_grad()
    loss = 0.5 * ((F(z, lam) - eps) ** 2).sum(1).mean() / D
    loss.backward(); torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0); opt.step()
    return loss.item()
for _ in range(${WARMUP}): step()
ts = []
for _ in range(${STEPS}):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
with torch.no_grad():
    t0 = time.perf_counter()
    z = torch.randn(${SAMPLES}, D)
    grid = torch.linspace(-6, 12, ${SAMPLE_STEPS})
    for i in range(${SAMPLE_STEPS}):
        lt = grid[i]
        lam = lt.repeat(${SAMPLES})
        at, st = torch.sigmoid(lt).sqrt(), torch.sigmoid(-lt).sqrt()
        e = F(z, lam)
        xh = ((z - st * e) / at).clamp(-1, 1)
        e = (z - at * xh) / st
        if i + 1 < ${SAMPLE_STEPS}:
            ls = grid[i + 1]
            z = torch.sigmoid(ls).sqrt() * xh + torch.sigmoid(-ls).sqrt() * e
        else:
            z = xh
    sample_ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"msPerStep": statistics.median(ts), "sampleMs": sample_ms, "torch": torch.__version__}))
`;

const peerRun = runPythonPeer<{ msPerStep: number; sampleMs: number; torch: string }>(TORCH);
const peer = peerRun.ok ? peerRun.value : undefined;

const rows: string[][] = [
  [
    `train step (batch ${BATCH})`,
    `${fixed(msPerStep)} ms (${fixed((BATCH * 1000) / msPerStep)} img/s, ${fixed((flops / msPerStep) * 1e-6, 2)} GFLOP/s)`,
    peer ? `${fixed(peer.msPerStep)} ms` : "—",
    peer ? fixed(msPerStep / peer.msPerStep, 2) : "—",
  ],
  [
    `sample ${SAMPLES} images (DDIM, ${SAMPLE_STEPS} steps)`,
    `${fixed(sampleMs)} ms (${fixed((SAMPLES * 1000) / sampleMs)} img/s)`,
    peer ? `${fixed(peer.sampleMs)} ms (${fixed((SAMPLES * 1000) / peer.sampleMs)} img/s)` : "—",
    peer ? fixed(sampleMs / peer.sampleMs, 2) : "—",
  ],
];
console.log(
  `\n## @vsd/decomp-noise: MLP denoiser 28×28×1, ${DEPTH}×${HIDDEN} SiLU, Fourier features n = 7, 8, ${params} params ` +
    `(backend ${info.name}; peer PyTorch ${peer?.torch ?? "n/a"}, 2 threads)\n`,
);
printBenchTable(["case", "VSD (tfjs)", "PyTorch", "ratio VSD/PyTorch"], rows);
if (!peerRun.ok) console.log(`\nPyTorch peer skipped: ${peerRun.error}`);
console.log(`\nFLOPs/step ${(flops / 1e9).toFixed(3)} G (matMuls, 3× forward).`);
