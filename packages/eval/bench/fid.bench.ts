/**
 * FID benchmark (issue 8).
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/eval/bench/fid.bench.ts
 *   (FID_BENCH_N / FID_BENCH_D override n = 5000 per side and d = 2048)
 *
 * 1. FID from features, n per side, d dims: float64 JS (blocked covariance, then the
 *    "eigh" and the "cholesky" routes) vs pytorch-fid's path in numpy/scipy
 *    (np.mean, np.cov, scipy.linalg.sqrtm of Σ1Σ2) on the same float32 features.
 * 2. Symmetric eigen-decomposition with vectors: ml-matrix's EigenvalueDecomposition
 *    (JAMA port) vs this package's `symmetricEigen` vs numpy.linalg.eigh.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { hashFeatures } from "../scripts/hash-features.js";
import { frechetDistanceDetailed } from "../src/fid/frechet-distance.js";
import { featureStatistics } from "../src/linalg/feature-statistics.js";
import { symmetricEigen } from "../src/linalg/symmetric-eigen.js";

const n = Number(process.env.FID_BENCH_N ?? 5000);
const d = Number(process.env.FID_BENCH_D ?? 2048);
const eigD = Number(process.env.EIG_BENCH_D ?? 512);
const dir = mkdtempSync(join(tmpdir(), "vsd-fid-bench-"));

const xa = hashFeatures(101, n, d);
const xb = hashFeatures(102, n, d, 1.2, 0.1);
writeFileSync(join(dir, "a.f32"), xa);
writeFileSync(join(dir, "b.f32"), xb);

const py = String.raw`
import sys, time, json
import numpy as np
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
x = s1[:eig_d, :eig_d].copy()
t3 = time.perf_counter(); np.linalg.eigh(x); t4 = time.perf_counter()
print(json.dumps({"stats": t1 - t0, "distance": t2 - t1, "fid": fid, "eigh": t4 - t3, "cpu": c2 - c0}))
`;

interface PyResult {
  stats: number;
  distance: number;
  fid: number;
  eigh: number;
  cpu: number;
}
let pyRes: PyResult | undefined;
let pyNote = "";
const r = spawnSync("/usr/bin/python3", ["-c", py, String(n), String(d), String(eigD), dir], { encoding: "utf8" });
if (r.status === 0) pyRes = JSON.parse(r.stdout.trim().split("\n").pop()!) as PyResult;
else pyNote = `numpy/scipy column skipped: ${(r.stderr || r.error?.message || "python3 failed").split("\n").slice(-2).join(" ")}`;

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const sa = featureStatistics(xa, d);
const sb = featureStatistics(xb, d);
const t1 = performance.now();
const eigh = frechetDistanceDetailed(sa.mu, sa.sigma, sb.mu, sb.sigma, { method: "eigh" });
const t2 = performance.now();
const cpu2 = process.cpuUsage(cpu0);
const cpu2b = process.cpuUsage();
const chol = frechetDistanceDetailed(sa.mu, sa.sigma, sb.mu, sb.sigma, { method: "cholesky" });
const t3 = performance.now();
const cpu3 = process.cpuUsage(cpu2b);
const cpuS = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const jsStats = (t1 - t0) / 1000;
const eighS = (t2 - t1) / 1000;
const cholS = (t3 - t2) / 1000;

const fmt = (x: number) => x.toFixed(2);
console.log(`\nFID from features: n = ${n} per side, d = ${d} (2 cores shared; times in s)`);
console.log("| implementation | statistics (μ, Σ) | Fréchet distance | total | FID | ratio to scipy (total) |");
console.log("|---|---|---|---|---|---|");
const pyTotal = pyRes ? pyRes.stats + pyRes.distance : Number.NaN;
const ratio = (x: number) => (pyRes ? (x / pyTotal).toFixed(2) : "n/a");
console.log(`| @vsd/eval fid(), method "eigh" (default) | ${fmt(jsStats)} | ${fmt(eighS)} | ${fmt(jsStats + eighS)} | ${eigh.value.toFixed(6)} | ${ratio(jsStats + eighS)} |`);
console.log(`| @vsd/eval fid(), method "cholesky" | ${fmt(jsStats)} | ${fmt(cholS)} | ${fmt(jsStats + cholS)} | ${chol.value.toFixed(6)} | ${ratio(jsStats + cholS)} |`);
if (pyRes) {
  console.log(`| pytorch-fid path (numpy/scipy sqrtm) | ${fmt(pyRes.stats)} | ${fmt(pyRes.distance)} | ${fmt(pyTotal)} | ${pyRes.fid.toFixed(6)} | 1.00 |`);
  console.log(`\n(ratio < 1 means faster than scipy) distance-only ratios: eigh ${(eighS / pyRes.distance).toFixed(2)}, cholesky ${(cholS / pyRes.distance).toFixed(2)}`);
  console.log(`relative difference to scipy: eigh ${(Math.abs(eigh.value - pyRes.fid) / pyRes.fid).toExponential(2)}, cholesky ${(Math.abs(chol.value - pyRes.fid) / pyRes.fid).toExponential(2)}`);
  console.log(`CPU seconds (all threads; fairer than wall time on a loaded machine): eigh route incl. statistics ${fmt(cpuS(cpu2))}, cholesky distance ${fmt(cpuS(cpu3))}, scipy path ${fmt(pyRes.cpu)}`);
} else console.log(pyNote);

// ---- 2. eigensolvers ----------------------------------------------------------------------
const sub = new Float64Array(eigD * eigD);
for (let i = 0; i < eigD; i++) for (let j = 0; j < eigD; j++) sub[i * eigD + j] = sa.sigma[i * d + j]!;
let t = performance.now();
const ours = symmetricEigen(sub, eigD, { vectors: true });
const oursS = (performance.now() - t) / 1000;
const rows2D = Array.from({ length: eigD }, (_, i) => Array.from(sub.subarray(i * eigD, (i + 1) * eigD)));
t = performance.now();
const ml = new EigenvalueDecomposition(new Matrix(rows2D), { assumeSymmetric: true });
const mlS = (performance.now() - t) / 1000;
const mlVals = ml.realEigenvalues.slice().sort((p, q) => p - q);
let maxDiff = 0;
for (let i = 0; i < eigD; i++) maxDiff = Math.max(maxDiff, Math.abs(mlVals[i]! - ours.values[i]!));
console.log(`\nSymmetric eigen-decomposition with vectors, d = ${eigD} (s)`);
console.log("| implementation | time | ratio to ours |");
console.log("|---|---|---|");
console.log(`| @vsd/eval symmetricEigen | ${fmt(oursS)} | 1.00 |`);
console.log(`| ml-matrix EigenvalueDecomposition | ${fmt(mlS)} | ${(mlS / oursS).toFixed(2)} |`);
if (pyRes) console.log(`| numpy.linalg.eigh (LAPACK) | ${fmt(pyRes.eigh)} | ${(pyRes.eigh / oursS).toFixed(2)} |`);
console.log(`max |Δ eigenvalue| ours vs ml-matrix: ${maxDiff.toExponential(2)}`);
rmSync(dir, { recursive: true, force: true });
