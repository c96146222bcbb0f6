/**
 * Patch autoregressive model: training-step and sampling throughput.
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/decomp-patch/bench/patch-ar.bench.ts
 *
 * Model: 28×28×1 images, 4×4 patches (49 tokens), dim 64, 2 pre-LN blocks,
 * 4 heads, 5 logistic components per pixel, AdamW; batch 32. Peer: the same
 * network, loss and optimiser in PyTorch via /usr/bin/python3 with
 * torch.set_num_threads(2), measured in the same run (skipped with a note when
 * torch cannot be imported).
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng, initBackend } from "@vsd/core";
import { fixed, median, printBenchTable, runPythonPeer } from "@vsd/core/bench";
import { PatchArModel } from "../src/index.js";

const info = await initBackend({ log: false });
const H = 28;
const W = 28;
const P = 4;
const DIM = 64;
const LAYERS = 2;
const HEADS = 4;
const MIX = 5;
const BATCH = 32;
const STEPS = 15;
const WARMUP = 3;
const SAMPLES = 16;

interface TfjsResult {
  msPerStep: number;
  loss: number;
  sampleMs: number;
  params: number;
  flops: number;
}

async function tfjsBench(): Promise<TfjsResult> {
  const shape = { height: H, width: W, channels: 1 };
  const model = new PatchArModel({ shape, seed: 0, patchSize: P, dim: DIM, layers: LAYERS, heads: HEADS, mixtures: MIX });
  const rng = new Rng(1);
  // Horizontal ramps plus noise, so the loss is not trivial.
  const pixels = new Uint8Array(BATCH * H * W);
  for (let i = 0; i < BATCH; i++) {
    const a = rng.uniform() * 255;
    for (let j = 0; j < H * W; j++) pixels[i * H * W + j] = Math.min(255, Math.max(0, Math.round(a * ((j % W) / W) + rng.normal() * 10)));
  }
  const images = tf.tensor4d(Float32Array.from(pixels, (x) => x / 127.5 - 1), [BATCH, H, W, 1]);
  const batch = { images, pixels };
  try {
    for (let i = 0; i < WARMUP; i++) model.trainStep(batch, rng);
    const ts: number[] = [];
    let loss = 0;
    for (let i = 0; i < STEPS; i++) {
      const t0 = performance.now();
      loss = model.trainStep(batch, rng).loss; // reads the loss, so the step has finished
      ts.push(performance.now() - t0);
    }
    const s0 = performance.now();
    const samples = await model.sample(SAMPLES, new Rng(2));
    const sampleMs = performance.now() - s0;
    samples.dispose();
    return { msPerStep: median(ts), loss, sampleMs, params: model.numParams(), flops: model.flopsPerStep(BATCH) };
  } finally {
    images.dispose();
    model.dispose();
  }
}

const r = await tfjsBench();
const sampleMs = r.sampleMs;

const TORCH = String.raw`
import json, math, time, statistics
import torch
torch.set_num_threads(2)
torch.manual_seed(0)
H, W, P, DIM, LAYERS, HEADS, MIX, B = ${H}, ${W}, ${P}, ${DIM}, ${LAYERS}, ${HEADS}, ${MIX}, ${BATCH}
L, D, K = (H // P) * (W // P), P * P, 3 * ${MIX}
class Block(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.ln1, s.ln2 = torch.nn.LayerNorm(DIM), torch.nn.LayerNorm(DIM)
        s.qkv, s.out = torch.nn.Linear(DIM, 3 * DIM), torch.nn.Linear(DIM, DIM)
        s.mlp = torch.nn.Sequential(torch.nn.Linear(DIM, 4 * DIM), torch.nn.GELU(), torch.nn.Linear(4 * DIM, DIM))
    def forward(s, x, mask):
        b, t, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(DIM, 2)
        hd = lambda z: z.view(b, t, HEADS, DIM // HEADS).transpose(1, 2)
        a = torch.softmax(hd(q) @ hd(k).transpose(-1, -2) / math.sqrt(DIM // HEADS) + mask[:t, :t], -1) @ hd(v)
        x = x + s.out(a.transpose(1, 2).reshape(b, t, DIM))
        return x + s.mlp(s.ln2(x))
class Net(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.inp = torch.nn.Linear(D, DIM); s.step = torch.nn.Parameter(torch.randn(L, DIM) * 0.02)
        s.blocks = torch.nn.ModuleList([Block() for _ in range(LAYERS)])
        s.ln = torch.nn.LayerNorm(DIM); s.head = torch.nn.Linear(DIM, D * K)
        s.register_buffer("mask", torch.triu(torch.full((L, L), -1e9), 1))
    def forward(s, seq):
        b, t, _ = seq.shape
        prev = torch.cat([torch.zeros(b, 1, D), seq[:, :t - 1]], 1)
        h = s.inp(prev) + s.step[:t]
        for blk in s.blocks: h = blk(h, s.mask)
        return s.head(s.ln(h))
def logprob(params, y):  # params [n, K], y [n, 1]; same formulas as discretized-logistic-tensor.ts
    m = MIX
    logits, mu, ls = params[:, :m], params[:, m:2*m], params[:, 2*m:].clamp(min=-7)
    inv = torch.exp(-ls); c = y - mu
    a, b_ = (c + 1/255) * inv, (c - 1/255) * inv
    gap = torch.log(torch.expm1(inv * 2/255))
    sp = torch.nn.functional.softplus
    left = b_ + gap - sp(a) - sp(b_); right = -a + gap - sp(-a) - sp(-b_)
    inter = torch.where(a + b_ < 0, left, right)
    lp = torch.where(y < -0.999, -sp(-a), torch.where(y > 0.999, -sp(b_), inter))
    return torch.logsumexp(lp + torch.log_softmax(logits, -1), -1)
net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0)
x = (torch.rand(B, L, D) * 2 - 1)
def step():
    opt.zero_grad()
    out = net(x).reshape(B * L * D, K)
    loss = -logprob(out, x.reshape(-1, 1)).mean()
    loss.backward(); torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0); opt.step()
    return loss.item()
for _ in range(${WARMUP}): step()
ts = []
for _ in range(${STEPS}):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
with torch.no_grad():
    t0 = time.perf_counter()
    seq = torch.zeros(${SAMPLES}, L, D)
    for s in range(L):
        pr = net(seq[:, :s + 1])[:, s].reshape(-1, K)
        comp = torch.distributions.Categorical(logits=pr[:, :MIX]).sample()
        mu = pr[:, MIX:2*MIX].gather(1, comp[:, None]); ls = pr[:, 2*MIX:].gather(1, comp[:, None]).clamp(min=-7)
        u = torch.rand_like(mu).clamp(1e-12, 1 - 1e-12)
        yv = (mu + ls.exp() * (u.log() - (-u).log1p())).clamp(-1, 1)
        seq[:, s] = (torch.round((yv + 1) * 127.5) / 127.5 - 1).reshape(${SAMPLES}, D)
    sample_ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"msPerStep": statistics.median(ts), "sampleMs": sample_ms, "torch": torch.__version__}))
`;

const peerRun = runPythonPeer<{ msPerStep: number; sampleMs: number; torch: string }>(TORCH);
const peer = peerRun.ok ? peerRun.value : undefined;

const rows: string[][] = [
  [
    `train step (batch ${BATCH})`,
    `${fixed(r.msPerStep)} ms (${fixed((BATCH * 1000) / r.msPerStep)} img/s, ${fixed((r.flops / r.msPerStep) * 1e-6, 2)} GFLOP/s)`,
    peer ? `${fixed(peer.msPerStep)} ms` : "—",
    peer ? fixed(r.msPerStep / peer.msPerStep, 2) : "—",
  ],
  [
    `sample ${SAMPLES} images (49 sequential steps)`,
    `${fixed(sampleMs)} ms (${fixed((SAMPLES * 1000) / sampleMs)} img/s)`,
    peer ? `${fixed(peer.sampleMs)} ms` : "—",
    peer ? fixed(sampleMs / peer.sampleMs, 2) : "—",
  ],
];
console.log(
  `\n## @vsd/decomp-patch: PatchArModel 28×28×1, 4×4 patches, dim ${DIM}, ${LAYERS} layers, ${r.params} params ` +
    `(backend ${info.name}; peer PyTorch ${peer?.torch ?? "n/a"}, 2 threads)\n`,
);
printBenchTable(["case", "VSD (tfjs)", "PyTorch", "ratio VSD/PyTorch"], rows);
if (!peerRun.ok) console.log(`\nPyTorch peer skipped: ${peerRun.error}`);
console.log(`\nlast training loss ${r.loss.toFixed(3)} nats/dim; FLOPs/step ${(r.flops / 1e9).toFixed(3)} G (matMuls, 3× forward).`);
