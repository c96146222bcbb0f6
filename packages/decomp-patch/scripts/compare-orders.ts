/**
 * What the patch order costs in likelihood (paper, Question 2), on MNIST.
 *
 *   pnpm exec tsx --conditions=@vsd/source packages/decomp-patch/scripts/compare-orders.ts \
 *     [--orders raster,snake,hilbert] [--steps 400] [--batch 32] [--size S] [--limit 10000] [--out reports/patch-orders]
 *
 * For each order: the same model (same seed, size and steps) is trained with
 * core's `train`, scored with the exact NLL on the test split, and its loss by
 * position is drawn as a heat-map next to a picture of the order. The report
 * also has the loss by group (row-start, order-break, interior, …) and a grid
 * of samples per order.
 */
import { parseArgs } from "node:util";
import { imageGridPng, initBackend, loadMnist, makeBatch, markdownTable, Rng, train, writeReport, type ModelSize } from "@vsd/core";
import { lossesByPosition, lossHeatmapPng, orderPathPng, PATCH_GROUPS, PatchDecomposition, type OrderName, type PatchArModel } from "../src/index.js";

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "raster,snake,hilbert" },
    steps: { type: "string", default: "400" },
    batch: { type: "string", default: "32" },
    size: { type: "string", default: "S" },
    limit: { type: "string", default: "10000" },
    test: { type: "string", default: "500" },
    seed: { type: "string", default: "0" },
    out: { type: "string", default: "reports/patch-orders" },
  },
});
const info = await initBackend();
const orders = args.orders.split(",") as OrderName[];
const steps = Number(args.steps);
const batchSize = Number(args.batch);
const seed = Number(args.seed);
const size = (Number.isNaN(Number(args.size)) ? args.size : Number(args.size)) as ModelSize;
const data = loadMnist({ limit: Number(args.limit), seed });
const nTest = Math.min(Number(args.test), data.test.n);

const results: Record<string, unknown>[] = [];
const images: Record<string, Uint8Array> = {};
for (const order of orders) {
  const d = new PatchDecomposition({ order, patchSize: 4 });
  await d.prepare(data, { rng: new Rng(seed) });
  const model = d.createModel({ shape: data, seed, size }) as PatchArModel;
  const run = await train(model, data, { steps, batchSize, seed, label: `patch ${order}` });
  const test = makeBatch(data, data.test, Int32Array.from({ length: nTest }, (_, i) => i));
  const nll = await model.nll(test, new Rng(seed));
  const perStep = model.positionLosses(test.pixels, nTest);
  test.images.dispose();
  const byGroup: Record<string, number> = {};
  for (const g of PATCH_GROUPS) {
    const idx = d.steps.filter((s) => s.group === g).map((s) => s.step);
    if (idx.length > 0) byGroup[g] = idx.reduce((a, s) => a + perStep[s]!, 0) / idx.length / Math.LN2;
  }
  const orderBreaks = d.steps.filter((s) => s.orderBreak).map((s) => s.step);
  const samples = await model.sample(16, new Rng(seed + 1));
  images[`order-${order}.png`] = await orderPathPng(d.order, d.grid.rows, d.grid.cols, { title: `${order} order` });
  images[`loss-${order}.png`] = await lossHeatmapPng(lossesByPosition(perStep, d.order), d.grid.rows, d.grid.cols, {
    title: `${order}: test loss by position`,
  });
  images[`samples-${order}.png`] = imageGridPng(samples, { cols: 8, scale: 2 });
  samples.dispose();
  results.push({
    order,
    testBitsPerDim: nll.bitsPerDim,
    bound: nll.bound,
    lossByGroupBitsPerDim: byGroup,
    orderBreakSteps: orderBreaks.length,
    orderBreakLossBitsPerDim: orderBreaks.length > 0 ? orderBreaks.reduce((a, s) => a + perStep[s]!, 0) / orderBreaks.length / Math.LN2 : null,
    finalTrainLoss: run.losses[run.losses.length - 1]! / Math.LN2,
    trainSeconds: run.seconds,
    flops: run.flops ?? null,
    params: model.numParams(),
  });
  model.dispose();
}

const groupCols = PATCH_GROUPS.filter((g) => results.some((r) => g in (r.lossByGroupBitsPerDim as Record<string, number>)));
const table = markdownTable(
  ["order", "test bits/dim (exact)", ...groupCols.map((g) => `${g}`), "order-break steps"],
  results.map((r) => [
    r.order as string,
    (r.testBitsPerDim as number).toFixed(4),
    ...groupCols.map((g) => {
      const v = (r.lossByGroupBitsPerDim as Record<string, number>)[g];
      return v === undefined ? "—" : v.toFixed(3);
    }),
    String(r.orderBreakSteps),
  ]),
);
const markdown = [
  "# Patch order vs likelihood (MNIST)",
  "",
  `${steps} steps × batch ${batchSize}, model size ${String(size)}, 4×4 patches (7×7 grid), seed ${seed}, ` +
    `${data.train.n} train / ${nTest} test images, backend ${info.name}.`,
  "",
  "Test NLL is exact (the model is a proper distribution over 8-bit images). Group columns: mean test loss of the subtasks in that group, bits/dim.",
  "",
  table,
  "",
  ...orders.flatMap((o) => [`## ${o}`, "", `![order](order-${o}.png) ![loss](loss-${o}.png)`, "", `![samples](samples-${o}.png)`, ""]),
].join("\n");
const written = await writeReport(args.out, { results: { orders: results }, markdown, images, seed, config: { steps, batchSize, size, limit: Number(args.limit), nTest } });
console.log(table);
console.log(`report: ${written.dir}`);
