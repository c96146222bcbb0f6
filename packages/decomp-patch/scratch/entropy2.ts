import { initBackend, Rng, makeBatch } from "@vsd/core";
import { PatchArModel, mixtureLogProb, sampleMixture } from "../src/index.js";
await initBackend({ log: false });
const lr = Number(process.argv[2] ?? 0.01);
const steps = Number(process.argv[3] ?? 300);
const P = [Math.log(0.6), Math.log(0.4), -0.5, 0.3, -3, -2.5];
let H = 0;
for (let x = 0; x < 256; x++) { const lp = mixtureLogProb(P, [x], 2, 1); H -= Math.exp(lp) * lp / Math.LN2; }
console.log("entropy", H);
const rng0 = new Rng(7);
const n = 4096, h = 4, w = 4;
const px1 = new Uint8Array(1);
const draw = (count: number) => { const px = new Uint8Array(count * h * w); for (let i = 0; i < px.length; i++) px[i] = sampleMixture(P, 2, 1, rng0, 1, px1)[0]!; return px; };
const data = { name: "iid", height: h, width: w, channels: 1, train: { n, pixels: draw(n) }, test: { n: 512, pixels: draw(512) } };
const model = new PatchArModel({ shape: data, seed: 1, patchSize: 2, dim: 16, layers: 1, heads: 2, mixtures: 3, learningRate: lr });
const rng = new Rng(2);
const t0 = Date.now();
for (let step = 0; step < steps; step++) {
  const b = makeBatch(data, data.train, rng.sample(n, 64));
  const s = model.trainStep(b, rng);
  b.images.dispose();
  if (step % 50 === 0) console.log(step, (s.loss / Math.LN2).toFixed(3), Date.now() - t0);
}
const tb = makeBatch(data, data.test, Int32Array.from({ length: 512 }, (_, i) => i));
console.log("test", (await model.nll(tb, rng)).bitsPerDim);
