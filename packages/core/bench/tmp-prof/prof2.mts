
import { initBackend } from "../../src/backend.js";
import { syntheticStationary } from "../../src/data/synthetic-field.js";
import { probeEquivariance } from "../../src/probe/equivariance-probe.js";
import { patchOrderDecomposition } from "../../src/probe/test-fixtures.js";
await initBackend({ log: false });
const ds = syntheticStationary({ n: 2000, nTest: 1 });
const dec = patchOrderDecomposition(28, 4, "raster");
let last = "start", lt = performance.now();
const mark = (s: string) => { if (s !== last) { console.log(last, (performance.now() - lt).toFixed(0)); last = s; lt = performance.now(); } };
await probeEquivariance(dec, ds, { method: "transfer", budget: 20, subtasks: "all", onProgress: (_d, _t, s) => mark(s) });
mark("end");
