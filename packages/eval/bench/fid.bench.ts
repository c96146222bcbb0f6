/**
 * FID benchmark (issue 8).
 *
 *   pnpm bench fid
 *   (FID_BENCH_N / FID_BENCH_D override n = 5000 per side and d = 2048; FID_BENCH_EIGH=0 skips
 *   the slower "eigh" route; EIG_BENCH_D sets the eigensolver size, default 512)
 *
 * 1. FID from features, n per side, d dims, in one run on the same float32 features:
 *    - @vsd/eval: `fid()` is featureStatistics ×2 + frechetDistanceDetailed; both timed (default
 *      route "cholesky", and "eigh"), then the default route again stage by stage;
 *    - pytorch-fid's path in numpy/scipy: np.mean, np.cov, `calculate_frechet_distance`
 *      (scipy.linalg.sqrtm of Σ1Σ2, the eps retry, the real part) — the target;
 *    - for reference, numpy's LAPACK doing our symmetric route (np.cov, Cholesky, eigvalsh of LᵀΣ2L).
 * 2. Symmetric eigensolvers at EIG_BENCH_D: ours with and without vectors, ml-matrix (JAMA port),
 *    numpy eigh/eigvalsh.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fixed, printBenchTable, runPythonPeer } from "@vsd/core/bench";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { hashFeatures } from "../scripts/hash-features.js";
import { frechetDistanceDetailed } from "../src/fid/frechet-distance.js";
import { CONGRUENCE_BLOCK, congruenceProduct } from "../src/linalg/congruence-eigenvalues.js";
import { featureStatistics } from "../src/linalg/feature-statistics.js";
import { paddedStride, pivotedCholeskyInPlace } from "../src/linalg/pivoted-cholesky.js";
import { symmetrize } from "../src/linalg/row-dots.js";
import { symmetricEigen } from "../src/linalg/symmetric-eigen.js";
import { tridiagonalEigenvalues } from "../src/linalg/tridiagonal-ql.js";
import { symmetricEigenvalues, tridiagonalizeInPlace, tridiagonalWorkspace } from "../src/linalg/tridiagonalize.js";
import { createF64Kernels } from "../src/linalg/wasm/f64-kernels.js";
import { resolveKernelThreads } from "../src/linalg/wasm/f64-kernels.js";

const n = Number(process.env.FID_BENCH_N ?? 5000);
const d = Number(process.env.FID_BENCH_D ?? 2048);
const eigD = Number(process.env.EIG_BENCH_D ?? 512);
const withEigh = process.env.FID_BENCH_EIGH !== "0";
const dir = mkdtempSync(join(tmpdir(), "vsd-fid-bench-"));
const load = () => loadavg().map((x) => x.toFixed(1)).join(" / ");
const loadStart = load();

const xa = hashFeatures(101, n, d);
const xb = hashFeatures(102, n, d, 1.2, 0.1);
writeFileSync(join(dir, "a.f32"), xa);
writeFileSync(join(dir, "b.f32"), xb);

const py = String.raw`
import sys, time, json
import numpy as np
import scipy
from scipy import linalg
n, d, eig_d, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
a = np.fromfile(path + "/a.f32", dtype=np.float32).reshape(n, d)
b = np.fromfile(path + "/b.f32", dtype=np.float32).reshape(n, d)
t0 = time.perf_counter(); c0 = time.process_time()
m1, s1 = np.mean(a, axis=0), np.cov(a, rowvar=False)
m2, s2 = np.mean(b, axis=0), np.cov(b, rowvar=False)
t1 = time.perf_counter(); c1 = time.process_time()
# pytorch-fid calculate_frechet_distance (mseitzer/pytorch-fid src/pytorch_fid/fid_score.py)
diff = m1 - m2
covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
if not np.isfinite(covmean).all():
    off = np.eye(d) * 1e-6
    covmean = linalg.sqrtm((s1 + off).dot(s2 + off))
if np.iscomplexobj(covmean):
    covmean = covmean.real
fid = float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))
t2 = time.perf_counter(); c2 = time.process_time()
# Reference only: the symmetric route of @vsd/eval on LAPACK (unpivoted Cholesky; full-rank data).
L = np.linalg.cholesky(s1)
nu = np.linalg.eigvalsh(L.T @ s2 @ L)
fid_sym = float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(nu, 0, None)).sum())
t3 = time.perf_counter(); c3 = time.process_time()
x = s1[:eig_d, :eig_d].copy()
t4 = time.perf_counter(); np.linalg.eigh(x); t5 = time.perf_counter(); np.linalg.eigvalsh(x); t6 = time.perf_counter()
print(json.dumps({"stats": t1 - t0, "distance": t2 - t1, "fid": fid, "sym": t3 - t2, "fidSym": fid_sym,
  "eigh": t5 - t4, "eigvalsh": t6 - t5, "cpu": c2 - c0, "cpuSym": c1 - c0 + c3 - c2,
  "scipy": scipy.__version__, "numpy": np.__version__}))
`;

interface PyResult {
  stats: number;
  distance: number;
  fid: number;
  sym: number;
  fidSym: number;
  eigh: number;
  eigvalsh: number;
  cpu: number;
  cpuSym: number;
  scipy: string;
  numpy: string;
}
// The whole peer (numpy + scipy sqrtm) took about 8 s at n = 5000, d = 2048 on 2 shared CPUs; an hour leaves room for large FID_BENCH_N/D.
const peer = runPythonPeer<PyResult>(py, [String(n), String(d), String(eigD), dir], { pythonArgs: ["-W", "ignore"], timeoutMs: 3_600_000 });
const pyRes = peer.ok ? peer.value : undefined;

const sec = (from: number) => (performance.now() - from) / 1000;
const cpuSec = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6; // includes helper threads

// ---- 1. @vsd/eval end to end --------------------------------------------------------------
const threads = resolveKernelThreads();
/** featureStatistics ×2 + frechetDistanceDetailed — what fidDetailed() runs — timed per step. */
function timeFid(options: { threads: number; method?: "eigh" | "cholesky" }) {
  const cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const a = featureStatistics(xa, d, options);
  const statsA = sec(t0);
  t0 = performance.now();
  const b = featureStatistics(xb, d, options);
  const statsB = sec(t0);
  t0 = performance.now();
  const det = frechetDistanceDetailed(a.mu, a.sigma, b.mu, b.sigma, options);
  return { a, b, statsA, statsB, stats: statsA + statsB, distance: sec(t0), det, cpu: cpuSec(process.cpuUsage(cpu0)) };
}
const main = timeFid({ threads });
const single = threads > 1 ? timeFid({ threads: 1 }) : undefined;
const eigh = withEigh ? timeFid({ threads, method: "eigh" }) : undefined;
const { a: sa, b: sb, statsA, statsB } = main;
const chol = main.det;
let t = performance.now();

// ---- the default route again, stage by stage (same calls as frechetDistanceDetailed) ------
const stages: [string, number][] = [];
t = performance.now();
const s1 = symmetrize(sa.sigma, d);
const s2 = symmetrize(sb.sigma, d);
const ld = paddedStride(d);
const k = createF64Kernels(3 * ld * ld + 2 * CONGRUENCE_BLOCK * ld + tridiagonalWorkspace(d) + 64, { threads });
const buf = {
  g: k.alloc(ld * ld),
  s: k.alloc(ld * ld),
  w: k.alloc(ld * ld),
  m: 0,
  packA: k.alloc(CONGRUENCE_BLOCK * ld),
  packB: k.alloc(CONGRUENCE_BLOCK * ld),
  work: k.alloc(tridiagonalWorkspace(d)),
};
buf.m = buf.s;
for (let i = 0; i < d; i++) k.f64.set(s1.subarray(i * d + i, i * d + d), buf.g / 8 + i * ld + i);
stages.push(["symmetrise, copy into kernel memory", sec(t)]);
t = performance.now();
const ch = pivotedCholeskyInPlace(k, buf.g, d, ld, buf.packA); // `threads` helpers, as the default route
stages.push([`pivoted Cholesky of Σ₁ (rank ${ch.rank})`, sec(t)]);
t = performance.now();
for (let i = 0; i < d; i++) {
  const pi = ch.perm[i]! * d;
  for (let j = 0; j < d; j++) k.f64[buf.s / 8 + i * ld + j] = s2[pi + ch.perm[j]!]!;
}
stages.push(["permute Σ₂", sec(t)]);
t = performance.now();
congruenceProduct(k, buf, ch.rank, d, ld, true);
stages.push(["M = Lᵀ Σ₂' L (two packed products)", sec(t)]);
t = performance.now();
const tri = tridiagonalizeInPlace(k, buf.m, ch.rank, ld, buf.work);
stages.push(["Householder tridiagonalisation of M", sec(t)]);
t = performance.now();
const nu = tridiagonalEigenvalues(tri.diag, tri.off);
stages.push(["implicit QL eigenvalues", sec(t)]);
let check = 0;
for (const v of nu) if (v > 0) check += Math.sqrt(v);
k.dispose();

// ---- report --------------------------------------------------------------------------------
const fmt = (x: number) => fixed(x, 2, "–");
const pyTotal = pyRes ? pyRes.stats + pyRes.distance : Number.NaN;
const ratio = (x: number) => (pyRes && !Number.isNaN(x) ? (x / pyTotal).toFixed(3) : "n/a");
type Timed = ReturnType<typeof timeFid>;
const row = (name: string, r: Timed) => [name, fmt(r.stats), fmt(r.distance), fmt(r.stats + r.distance), r.det.value.toFixed(6), ratio(r.stats + r.distance)];
const plural = threads > 1 ? "s" : "";
const fidRows = [row(`@vsd/eval fid(), default route "cholesky", ${threads} thread${plural}`, main)];
if (single) fidRows.push(row('@vsd/eval fid(), default route "cholesky", 1 thread', single));
if (eigh) fidRows.push(row(`@vsd/eval fid(), method "eigh", ${threads} thread${plural}`, eigh));
if (pyRes) {
  fidRows.push(
    [`pytorch-fid path: np.cov + scipy ${pyRes.scipy} sqrtm`, fmt(pyRes.stats), fmt(pyRes.distance), fmt(pyTotal), pyRes.fid.toFixed(6), "1.000"],
    [`(reference) np.cov + LAPACK Cholesky + eigvalsh, numpy ${pyRes.numpy}`, fmt(pyRes.stats), fmt(pyRes.sym), fmt(pyRes.stats + pyRes.sym), pyRes.fidSym.toFixed(6), ratio(pyRes.stats + pyRes.sym)],
  );
}
console.log(`\nFID from features: n = ${n} per side, d = ${d}; ${cpus().length} CPUs shared with other work; load average (1/5/15 min) at start ${loadStart}`);
printBenchTable(["implementation", "statistics (μ, Σ)", "Fréchet distance", "total (s)", "FID", "total / scipy total"], fidRows);
if (pyRes) {
  const verdict = (r: Timed) => {
    const speed = pyTotal / (r.stats + r.distance);
    return speed >= 1 ? `${speed.toFixed(2)}× faster` : `${(1 / speed).toFixed(2)}× slower`;
  };
  console.log(`\n@vsd/eval default route vs the pytorch-fid path (total wall time): ${verdict(main)} on ${threads} thread(s)${single ? `, ${verdict(single)} on 1 thread` : ""}.`);
  console.log(`Distance step alone: scipy sqrtm ${fmt(pyRes.distance)} s vs ${fmt(main.distance)} s (${(pyRes.distance / main.distance).toFixed(2)}×); statistics: ${fmt(main.stats)} s vs ${fmt(pyRes.stats)} s.`);
  console.log(`Relative difference to scipy's FID: default ${(Math.abs(chol.value - pyRes.fid) / pyRes.fid).toExponential(2)}${eigh ? `, eigh ${(Math.abs(eigh.det.value - pyRes.fid) / pyRes.fid).toExponential(2)}` : ""}.`);
  console.log(`CPU seconds (all threads): @vsd/eval default ${fmt(main.cpu)}${single ? ` (1 thread: ${fmt(single.cpu)})` : ""}, scipy path ${fmt(pyRes.cpu)}, LAPACK reference ${fmt(pyRes.cpuSym)}.`);
} else if (!peer.ok) console.log(`numpy/scipy rows skipped: ${peer.error}`);

console.log(`\n@vsd/eval default route by stage, ${threads} thread(s) (a separate run of the distance from the same statistics; s)`);
printBenchTable(
  ["stage", "time"],
  [
    ["statistics of A (mean, centred rank-256 updates of Σ)", fmt(statsA)],
    ["statistics of B", fmt(statsB)],
    ...stages.map(([name, s]) => [name, fmt(s)]),
    ["distance, sum of stages", fmt(stages.reduce((a, [, s]) => a + s, 0))],
  ],
);
console.log(`(stage-run tr√ = ${check.toFixed(6)}, end-to-end ${chol.traceSqrtProduct.toFixed(6)}; load average now ${load()})`);

// ---- 2. eigensolvers --------------------------------------------------------------------------
const sub = new Float64Array(eigD * eigD);
for (let i = 0; i < eigD; i++) for (let j = 0; j < eigD; j++) sub[i * eigD + j] = sa.sigma[i * d + j]!;
t = performance.now();
const ours = symmetricEigen(sub, eigD, { vectors: true });
const oursS = sec(t);
t = performance.now();
const oursValues = symmetricEigenvalues(sub, eigD);
const oursValuesS = sec(t);
const rows2D = Array.from({ length: eigD }, (_, i) => Array.from(sub.subarray(i * eigD, (i + 1) * eigD)));
t = performance.now();
const ml = new EigenvalueDecomposition(new Matrix(rows2D), { assumeSymmetric: true });
const mlS = sec(t);
const mlVals = ml.realEigenvalues.slice().sort((p, q) => p - q);
let maxDiff = 0;
let maxDiffValues = 0;
for (let i = 0; i < eigD; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(mlVals[i]! - ours.values[i]!));
  maxDiffValues = Math.max(maxDiffValues, Math.abs(oursValues[i]! - ours.values[i]!));
}
console.log(`\nSymmetric eigensolvers, d = ${eigD} (s)`);
printBenchTable(["implementation", "with vectors", "eigenvalues only"], [
  ["@vsd/eval symmetricEigen (tred2/tql2, SIMD dot/axpy/rotations) / symmetricEigenvalues (blocked, SIMD)", fmt(oursS), oursValuesS.toFixed(3)],
  ["ml-matrix EigenvalueDecomposition (JAMA port)", fmt(mlS), "–"],
  ...(pyRes ? [["numpy.linalg.eigh / eigvalsh (LAPACK)", fmt(pyRes.eigh), pyRes.eigvalsh.toFixed(3)]] : []),
]);
console.log(`max |Δ eigenvalue|: ml-matrix vs ours ${maxDiff.toExponential(2)}, our two routes ${maxDiffValues.toExponential(2)}`);
rmSync(dir, { recursive: true, force: true });
