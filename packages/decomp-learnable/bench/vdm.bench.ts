/**
 * VDM training-step throughput: learned schedule vs fixed cosine schedule on
 * the same MLP denoiser (issue 7).
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/decomp-learnable/bench/vdm.bench.ts
 *
 * Both models are `VdmModel`s of this package with identical denoisers (same
 * seed, width, depth); the fixed one uses the truncated cosine schedule with the
 * same endpoints, implemented here from REFERENCES §1.3 on core/diffusion. The
 * learned step adds the schedule network's forward/VJP, the per-example
 * gradients w.r.t. γ and γ′, and the second optimiser (variance objective).
 * Timing: CPU time of this process (wasm runs on one thread, so it is what the
 * wall time would be on an idle machine), minimum over repetitions.
 * No PyTorch column: the comparison asked for is learned vs fixed inside the
 * SDK (PyTorch has no reference implementation of VDM's variance update, vdm#1).
 */
import { Rng, initBackend, makeBatch, syntheticStationary, type Batch } from "@vsd/core";
import { VdmModel } from "../src/vdm/vdm-model.js";

await initBackend({ prefer: "wasm" });

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const configs = [
  { name: "8×8, MLP 256×3, batch 64", rows: 4, cell: 2, width: 256, depth: 3, batch: 64 },
  { name: "16×16, MLP 512×3, batch 64", rows: 8, cell: 2, width: 512, depth: 3, batch: 64 },
];
const reps = Number(process.env["VSD_BENCH_REPS"] ?? 15);
const rows: string[][] = [];
for (const c of configs) {
  const data = syntheticStationary({ n: 256, nTest: 16, rows: c.rows, cols: c.rows, cell: c.cell, channels: 1, seed: 0 });
  const shape = { height: data.height, width: data.width, channels: 1 };
  const batches: Batch[] = Array.from({ length: 4 }, (_, i) => makeBatch(data, data.train, new Rng(i).sample(data.train.n, c.batch)));
  const time = (schedule: "learned" | "cosine"): number => {
    const m = new VdmModel({ shape, seed: 1, width: c.width, depth: c.depth, schedule });
    const rng = new Rng(2);
    for (let i = 0; i < 3; i++) m.trainStep(batches[i % 4]!, rng);
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = cpuMs();
      m.trainStep(batches[i % 4]!, rng);
      best = Math.min(best, cpuMs() - t0);
    }
    m.dispose();
    return best;
  };
  const fixed = time("cosine");
  const learned = time("learned");
  for (const b of batches) b.images.dispose();
  rows.push([c.name, fixed.toFixed(1), learned.toFixed(1), (1000 / fixed).toFixed(1), (1000 / learned).toFixed(1), (learned / fixed).toFixed(2)]);
}
const header = ["config", "fixed ms/step", "learned ms/step", "fixed steps/s", "learned steps/s", "learned/fixed time"];
console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
