import { initBackend, syntheticStationary, probeEquivariance } from "@vsd/core";
import { PatchDecomposition } from "../src/index.js";
await initBackend({ log: false });
const data = syntheticStationary({ n: 1500, nTest: 10, seed: 1 });
for (const pe of ["coords", "none"] as const) for (const order of ["raster", "snake", "hilbert"] as const) {
  const t0 = Date.now();
  const d = new PatchDecomposition({ order, positionEncoding: pe });
  await d.prepare(data, {} as never);
  const r = await probeEquivariance(d, data, { subtasks: "all", pairsPerSubtask: 1500, bootstrapSamples: 100 });
  const g = Object.fromEntries(r.groups.map((x) => [x.group, Object.fromEntries(Object.entries(x.values).map(([k, v]) => [k, +v.value.toFixed(3)]))]));
  console.log(pe, order, r.nonEquivariance.statistic, r.nonEquivariance.value.toFixed(3), Date.now() - t0, "ms");
  console.log(JSON.stringify(g));
}
