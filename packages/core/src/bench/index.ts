// Public surface of "@vsd/core/bench": plumbing shared by the `bench/*.bench.ts` scripts (Node only).
export { runPythonPeer, type PythonPeerOptions, type PythonPeerResult } from "./python-peer.js";
export { fixed, formatBenchTable, printBenchTable } from "./bench-table.js";
export { median } from "./median.js";
