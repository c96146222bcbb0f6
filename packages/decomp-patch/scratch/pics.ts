import { writeFileSync } from "node:fs";
import { initBackend } from "@vsd/core";
import { orderPathPng, makeOrder, lossHeatmapPng } from "../src/index.js";
await initBackend({ log: false });
for (const o of ["raster", "snake", "hilbert", "spiral", "column"] as const) writeFileSync(`/tmp/order-${o}.png`, await orderPathPng(makeOrder(o, 7, 7), 7, 7, { title: o }));
writeFileSync(`/tmp/order-hilbert-5x8.png`, await orderPathPng(makeOrder("hilbert", 5, 8), 5, 8, { title: "hilbert 5×8" }));
writeFileSync(`/tmp/heat.png`, await lossHeatmapPng(Array.from({ length: 49 }, (_, i) => i / 10), 7, 7));
