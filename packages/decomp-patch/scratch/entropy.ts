import { initBackend, Rng, makeBatch } from "@vsd/core";
import { PatchArModel } from "../src/index.js";
await initBackend({ log: false });
const lr = Number(process.argv[2] ?? 0.03);
const rng0 = new Rng(7);
const n = 4096, h = 4, w = 4;
const draw = (count: number) => { const px = new Uint8Array(count * h * w); for (let i = 0; i < px.length; i++) { const u = rng0.uniform(); px[i] = u < 0.5 ? 0 : u < 0.75 ? 128 : 255; } return px; };
const data = { name: "iid", height: h, width: w, channels: 1, train: { n, pixels: draw(n) }, test: { n: 512, pixels: draw(512) } };
const model = new PatchArModel({ shape: data, seed: 1, patchSize: 2, dim: 16, layers: 1, heads: 2, mixtures: 3, learningRate: lr });
const rng = new Rng(2);
const t0 = Date.now();
for (let step = 0; step < 301; step++) {
  const b = makeBatch(data, data.train, rng.sample(n, 64));
  const s = model.trainStep(b, rng);
  b.images.dispose();
  if (step % 50 === 0) console.log(step, (s.loss / Math.LN2).toFixed(3), Date.now() - t0);
}
