/**
 * Linear-Gaussian equivariance probe benchmark (issue 3).
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/core/bench/probe.bench.ts
 *
 * Case of the issue: 49 subtasks of 16-dim pairs (a 7×7 grid of 4×4 patches of
 * the stationary synthetic field in raster order, condition = previous patch),
 * 2,000 pairs each (1,500 fit / 500 held out).
 *
 * 1. The probe's math (49 ridge fits + diag/full residual covariances + the two
 *    49×49 gap matrices) in TS against numpy doing the same fits and the same
 *    cross-NLL matrices (direct per-pair scoring, vectorised) via
 *    /usr/bin/python3, on the same pairs; the gap matrices must agree.
 * 2. The whole `probeEquivariance` call end to end (pairs() through tfjs,
 *    fits, matrices, bootstrap CIs), which the issue wants in seconds.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "../src/backend.js";
import { syntheticStationary } from "../src/data/synthetic-field.js";
import { Rng } from "../src/rng.js";
import { gatherProbeData } from "../src/probe/collect-pairs.js";
import { probeEquivariance } from "../src/probe/equivariance-probe.js";
import { linearGaussianMinFitPairs, runLinearGaussianProbe } from "../src/probe/linear-gaussian-probe.js";
import { resolveProbeOptions } from "../src/probe/probe-options.js";
import { patchOrderDecomposition } from "../src/probe/test-fixtures.js";

const info = await initBackend({ log: false });
const dataset = syntheticStationary({ n: 2000, nTest: 1, seed: 0 });
const decomposition = patchOrderDecomposition(28, 4, "raster");
const opts = resolveProbeOptions({ subtasks: "all", seed: 0 });
const data = gatherProbeData(decomposition, dataset, decomposition.subtasks(), opts, new Rng(0).derive("data"), linearGaussianMinFitPairs);
const T = data.subtasks.length;

function best(reps: number, fn: () => void): number {
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

let outcome = runLinearGaussianProbe(data, opts);
const tsMath = best(5, () => {
  outcome = runLinearGaussianProbe(data, opts);
});

// numpy peer on the same pairs.
const dir = mkdtempSync(join(tmpdir(), "vsd-probe-bench-"));
const stack = (sets: typeof data.fit, field: "condition" | "target"): Float64Array => {
  const n = sets[0]!.n;
  const d = field === "condition" ? data.dc : data.dt;
  const out = new Float64Array(T * n * d);
  sets.forEach((p, i) => out.set(p[field], i * n * d));
  return out;
};
writeFileSync(join(dir, "fc.bin"), stack(data.fit, "condition"));
writeFileSync(join(dir, "ft.bin"), stack(data.fit, "target"));
writeFileSync(join(dir, "hc.bin"), stack(data.heldOut, "condition"));
writeFileSync(join(dir, "ht.bin"), stack(data.heldOut, "target"));
const py = String.raw`
import json, sys, time
import numpy as np
d = sys.argv[1]; T, nf, nh, dc, dt = map(int, sys.argv[2:7]); ridge = float(sys.argv[7]); q = float(sys.argv[8])
fc = np.fromfile(d + "/fc.bin").reshape(T, nf, dc); ft = np.fromfile(d + "/ft.bin").reshape(T, nf, dt)
hc = np.fromfile(d + "/hc.bin").reshape(T, nh, dc); ht = np.fromfile(d + "/ht.bin").reshape(T, nh, dt)
def run():
    W, B, Cd, Cf = [], [], [], []
    for t in range(T):
        c, y = fc[t], ft[t]
        cm, ym = c.mean(0), y.mean(0)
        cc, yc = c - cm, y - ym
        S = cc.T @ cc / nf
        lam = ridge * np.trace(S) / dc + 1e-12
        w = np.linalg.solve(S + lam * np.eye(dc), cc.T @ yc / nf)
        b = ym - cm @ w
        r = y - c @ w - b
        cov = r.T @ r / nf + q * np.eye(dt)
        W.append(w); B.append(b); Cd.append(np.diag(np.diag(cov))); Cf.append(cov)
    out = {}
    for name, C in (("diag", Cd), ("full", Cf)):
        L = [np.linalg.cholesky(c) for c in C]
        ld = [2 * np.log(np.diag(l)).sum() for l in L]
        nll = np.empty((T, T))
        for t in range(T):
            for k in range(T):
                r = ht[k] - hc[k] @ W[t] - B[t]
                z = np.linalg.solve(L[t], r.T)
                nll[t, k] = 0.5 * ((z * z).sum(0).mean() + ld[t] + dt * np.log(2 * np.pi))
        out[name] = ((nll - np.diag(nll)[None, :]) / (dt * np.log(2))).tolist()
    return out
def run_moments():
    # Same algorithm as the TS probe: NLL = 1/2 (u^T M u + kappa), u = [y, c, 1]; mean NLL from E[u u^T].
    U = np.concatenate([ht, hc, np.ones((T, nh, 1))], axis=2)
    S = np.einsum("kni,knj->kij", U, U) / nh
    out = {}
    fits = []
    for t in range(T):
        c, y = fc[t], ft[t]
        cm, ym = c.mean(0), y.mean(0)
        cc, yc = c - cm, y - ym
        Sc = cc.T @ cc / nf
        lam = ridge * np.trace(Sc) / dc + 1e-12
        w = np.linalg.solve(Sc + lam * np.eye(dc), cc.T @ yc / nf)
        b = ym - cm @ w
        r = y - c @ w - b
        fits.append((w, b, r.T @ r / nf + q * np.eye(dt)))
    for name in ("diag", "full"):
        M = np.empty((T, dt + dc + 1, dt + dc + 1)); kap = np.empty(T)
        for t, (w, b, cov) in enumerate(fits):
            C = np.diag(np.diag(cov)) if name == "diag" else cov
            A = np.concatenate([np.eye(dt), -w.T, -b[:, None]], axis=1)
            M[t] = A.T @ np.linalg.solve(C, A); kap[t] = np.linalg.slogdet(C)[1] + dt * np.log(2 * np.pi)
        nll = 0.5 * (np.einsum("tij,kij->tk", M, S) + kap[:, None])
        out[name] = ((nll - np.diag(nll)[None, :]) / (dt * np.log(2))).tolist()
    return out
def best_of(f):
    f(); b = 1e9
    for _ in range(3):
        t0 = time.perf_counter(); o = f(); b = min(b, time.perf_counter() - t0)
    return b * 1000, o
ms, out = best_of(run)
ms2, out2 = best_of(run_moments)
print(json.dumps({"ms": ms, "msMoments": ms2, "numpy": np.__version__, **out, "diag2": out2["diag"], "full2": out2["full"]}))
`;
const n0 = data.fit[0]!.n;
const h0 = data.heldOut[0]!.n;
const res = spawnSync(
  "/usr/bin/python3",
  ["-c", py, dir, String(T), String(n0), String(h0), String(data.dc), String(data.dt), String(opts.ridge), String(opts.varianceFloor)],
  { encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: "2", OPENBLAS_NUM_THREADS: "2" } },
);
rmSync(dir, { recursive: true, force: true });
let peer:
  | { ms: number; msMoments: number; numpy: string; diag: number[][]; full: number[][]; diag2: number[][]; full2: number[][] }
  | undefined;
if (res.status === 0) peer = JSON.parse(res.stdout.trim().split("\n").pop()!);
else console.log(`numpy peer skipped: ${res.stderr.trim().split("\n").pop() ?? "python3 failed"}`);

const t0 = performance.now();
const report = await probeEquivariance(decomposition, dataset, { subtasks: "all", seed: 0 });
const endToEnd = performance.now() - t0;

let maxDiff = Number.NaN;
if (peer) {
  maxDiff = 0;
  for (const [name, m] of [["diag", peer.diag], ["full", peer.full], ["diag", peer.diag2], ["full", peer.full2]] as const) {
    const mine = outcome.matrices.find((x) => x.name === `gap-${name}`)!.values;
    m.forEach((row, t) => row.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - mine[t]![k]!)))));
  }
}

console.log(`\nLinear-Gaussian probe: ${T} subtasks, ${data.dc}→${data.dt} dims, ${n0} fit + ${h0} held-out pairs each (backend ${info.name})`);
console.log("| stage | vsd (TS) ms | numpy ms | ratio vsd/numpy |");
console.log("| --- | ---: | ---: | ---: |");
const row = (label: string, peerMs: number | undefined): void =>
  console.log(`| ${label} | ${tsMath.toFixed(1)} | ${peerMs !== undefined ? peerMs.toFixed(1) : "—"} | ${peerMs !== undefined ? (tsMath / peerMs).toFixed(2) : "—"} |`);
row(`${T} ridge fits + diag/full gap matrices; numpy scores every pair (direct)`, peer?.ms);
row(`same; numpy uses the TS algorithm (NLL quadratic forms × second moments)`, peer?.msMoments);
console.log(`| probeEquivariance end to end (pairs via tfjs, fits, matrices, 2×1000 bootstrap) | ${endToEnd.toFixed(0)} | — | — |`);
console.log(
  `\nnumpy ${peer?.numpy ?? "n/a"}; max |gap(vsd) − gap(numpy)| = ${maxDiff.toExponential(2)} bits/dim; nonEquivariance ${report.nonEquivariance.value.toFixed(4)} bits/dim; elapsedMs ${report.elapsedMs}`,
);
