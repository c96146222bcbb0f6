/**
 * Learns a schedule on a synthetic 4×4 set and writes its report folder.
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/decomp-learnable/scripts/schedule-report.ts [outDir] [steps]
 */
import { Rng, initBackend, syntheticStationary } from "@vsd/core";
import { LearnableDecomposition } from "../src/learnable-decomposition.js";
import { writeScheduleReport } from "../src/report/write-schedule-report.js";

await initBackend();
const out = process.argv[2] ?? "reports/learnable-schedule";
const steps = Number(process.argv[3] ?? 300);
const data = syntheticStationary({ n: 512, nTest: 64, rows: 2, cols: 2, cell: 2, channels: 1, seed: 0 });
const d = new LearnableDecomposition({ bins: 8 });
await d.prepare(data, { rng: new Rng(0), steps });
const r = await writeScheduleReport(out, d.learned!, 0);
console.log(`wrote ${r.files.length} files to ${r.dir}`);
console.log(d.subtasks().map((s) => `${s.key}: λ=${s.params["logSnr"]!.toFixed(2)}`).join("\n"));
