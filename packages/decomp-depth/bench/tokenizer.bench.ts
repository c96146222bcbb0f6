/**
 * decomp-depth benchmark (issue 5).
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/decomp-depth/bench/tokenizer.bench.ts
 *
 * 1. `residualQuantize` (JS, float64 accumulation, exact ties) vs the same
 *    algorithm in numpy (argmin of ‖r‖² − 2rEᵀ + ‖e‖² per depth, BLAS matmul),
 *    via /usr/bin/python3.
 * 2. RqTokenizer training step (MNIST-sized 28×28, patch 4, D = 8, K = 64,
 *    hidden 128, equal depth weighting: 8 decoder passes) and encoding
 *    throughput, vs the same step in PyTorch (2 threads) when torch imports.
 * Times are the minimum over repetitions (least disturbed on a shared machine).
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, Rng } from "@vsd/core";
import { printBenchTable, runPythonPeer } from "@vsd/core/bench";
import { residualQuantize } from "../src/residual-quantize.js";
import { RqTokenizer } from "../src/rq-tokenizer.js";

const info = await initBackend({ log: false });
const rng = new Rng(0);
const minTime = (fn: () => void, reps: number): number => {
  fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};
/** The peer's JSON result, or undefined (with a note on stderr) when python or the import fails. */
const python = <T>(code: string): T | undefined => {
  const r = runPythonPeer<T>(code);
  if (!r.ok) console.error(`python peer skipped: ${r.error}`);
  return r.ok ? r.value : undefined;
};

// ---- 1. residualQuantize vs numpy -------------------------------------------------------
const rqCases = [
  { n: 4096, dim: 8, k: 64, depth: 8 },
  { n: 16384, dim: 16, k: 256, depth: 4 },
];
const rqRows: string[][] = [];
for (const c of rqCases) {
  const lat = rng.fillNormal(new Float32Array(c.n * c.dim)) as Float32Array;
  const cb = rng.fillNormal(new Float32Array(c.k * c.dim), 0, 0.5) as Float32Array;
  const books = Array.from({ length: c.depth }, () => cb);
  const js = minTime(() => void residualQuantize(lat, c.dim, books), 3);
  const np = python<number>(`
import numpy as np, time
rng = np.random.default_rng(0)
z = rng.standard_normal((${c.n}, ${c.dim})).astype(np.float32)
E = (0.5 * rng.standard_normal((${c.k}, ${c.dim}))).astype(np.float32)
e2 = (E * E).sum(1)
def rq():
    r = z.copy(); codes = np.empty((${c.n}, ${c.depth}), np.int64)
    for d in range(${c.depth}):
        k = np.argmin(e2[None, :] - 2 * r @ E.T, axis=1)
        codes[:, d] = k; r -= E[k]
    return codes
rq(); best = 1e9
for _ in range(5):
    t = time.perf_counter(); rq(); best = min(best, time.perf_counter() - t)
print(best * 1000)`);
  const label = `n=${c.n} dim=${c.dim} K=${c.k} D=${c.depth}`;
  rqRows.push([label, js.toFixed(1), np !== undefined ? np.toFixed(1) : "skipped", np !== undefined ? (js / np).toFixed(2) : "-"]);
}
console.log(`\nresidualQuantize (ms, min of reps) — backend-independent JS vs numpy`);
printBenchTable(["case", "JS ms", "numpy ms", "JS/numpy"], rqRows);

// ---- 2. tokenizer training step and encoding throughput --------------------------------
const batch = 32;
const encBatch = 256;
const shape = { height: 28, width: 28, channels: 1 };
const opts = { patchSize: 4, latentDim: 8, hidden: 128, depth: 8, codebookSize: 64 } as const;
const tok = new RqTokenizer(shape, opts);
const mk = (n: number) => tf.tensor4d(rng.fillUniform(new Float32Array(n * 784), -1, 1) as Float32Array, [n, 28, 28, 1]);
const xb = mk(batch);
const xe = mk(encBatch);
tok.trainStep(xb); // k-means init
const stepMs = minTime(() => void tok.trainStep(xb), 5);
const encMs = minTime(() => void tok.encode(xe), 5);
tf.dispose([xb, xe]);
tok.dispose();
const torch = python<[number, number]>(`
import json, torch, time
torch.set_num_threads(2); torch.manual_seed(0)
B, P, pd, dim, H, D, K = ${batch}, 49, 16, ${opts.latentDim}, ${opts.hidden}, ${opts.depth}, ${opts.codebookSize}
mlp = lambda a, b: torch.nn.Sequential(torch.nn.Linear(a, H), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(H, H), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(H, b))
enc, dec = mlp(pd, dim), mlp(dim, pd)
E = torch.randn(K, dim)
opt = torch.optim.AdamW(list(enc.parameters()) + list(dec.parameters()), lr=1e-3, weight_decay=0)
x = torch.rand(B * P, pd) * 2 - 1
def step():
    z = enc(x)
    with torch.no_grad():
        r = z.detach().clone(); parts = []; s = torch.zeros_like(r)
        for d in range(D):
            k = torch.cdist(r, E).argmin(1); s = s + E[k]; r = r - E[k]; parts.append(s.clone())
        S = torch.cat(parts)
    zr = z.repeat(D, 1)
    zq = zr + (S - zr).detach()
    loss = ((dec(zq) - x.repeat(D, 1)) ** 2).mean() + 0.25 * ((zr - S) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
def encode(n):
    with torch.no_grad():
        r = enc(torch.rand(n * P, pd) * 2 - 1)
        for d in range(D):
            k = torch.cdist(r, E).argmin(1); r = r - E[k]
def best(f, reps=5):
    f(); b = 1e9
    for _ in range(reps):
        t = time.perf_counter(); f(); b = min(b, time.perf_counter() - t)
    return b * 1000
print(json.dumps([best(step), best(lambda: encode(${encBatch}))]))`);
const [tStep, tEnc] = torch ?? [Number.NaN, Number.NaN];
console.log(`\nRqTokenizer (28×28, p=4, D=8, K=64, hidden 128), backend ${info.name} (simd ${info.simd ? "on" : "off"}, threads ${info.threads ? "on" : "off"})`);
const row = (what: string, ms: number, peer: number, n: number) => [
  what,
  ms.toFixed(1),
  ((n / ms) * 1000).toFixed(0),
  Number.isFinite(peer) ? peer.toFixed(1) : "skipped",
  Number.isFinite(peer) ? ((n / peer) * 1000).toFixed(0) : "-",
  Number.isFinite(peer) ? (ms / peer).toFixed(2) : "-",
];
printBenchTable(
  ["what", "VSD ms", "VSD images/s", "torch ms", "torch images/s", "VSD/torch time"],
  [row(`train step, batch ${batch}`, stepMs, tStep, batch), row(`encode, batch ${encBatch}`, encMs, tEnc, encBatch)],
);
console.log("torch peer: same MLP sizes, RQ by cdist/argmin, straight-through, 8 partial decodes, AdamW; no EMA/k-means bookkeeping.");
