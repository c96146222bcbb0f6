import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, makeBatch, syntheticStationary, type Batch, type ImageDataset } from "@vsd/core";
import type { GammaSchedule } from "../schedule/gamma-schedule.js";
import { VdmModel } from "./vdm-model.js";

function meanVar(e: Float64Array): { mean: number; variance: number } {
  let mean = 0;
  for (const v of e) mean += v;
  mean /= e.length;
  let variance = 0;
  for (const v of e) variance += (v - mean) ** 2;
  return { mean, variance: variance / (e.length - 1) };
}

function trained(data: ImageDataset, schedule: "learned" | "cosine"): VdmModel {
  const m = new VdmModel({ shape: { height: 4, width: 4, channels: 1 }, seed: 1, size: "XS", schedule });
  const rng = new Rng(2);
  for (let s = 0; s < 400; s++) {
    const b = makeBatch(data, data.train, rng.sample(data.train.n, 32));
    m.trainStep(b, rng);
    b.images.dispose();
  }
  return m;
}

/**
 * Two models trained separately for the same steps on the same batches: one
 * with the learned schedule, one with the fixed cosine schedule (same denoiser
 * architecture and seed, same endpoints). Variance: each model's single-draw
 * diffusion-term estimator under its own schedule. ELBO: each model's expected
 * diffusion term, estimated for both with the learned schedule as the
 * (unbiased, low-variance) sampler, since the expectation does not depend on
 * the schedule (VDM §5.1); the prior and reconstruction terms are identical
 * (same endpoints).
 */
describe.skipIf(!process.env.VSD_SLOW)("VDM estimator variance, separately trained models (VSD_SLOW)", () => {
  it("the learned-schedule model's ELBO estimator has lower variance than the cosine model's at about the same ELBO", () => {
    const data = syntheticStationary({ n: 512, nTest: 64, rows: 2, cols: 2, cell: 2, channels: 1, seed: 0 });
    const before = tf.memory().numTensors;
    const test: Batch = makeBatch(data, data.test, Int32Array.from({ length: 64 }, (_, i) => i));
    const learned = trained(data, "learned");
    const cosine = trained(data, "cosine");
    const sampler: GammaSchedule = learned.schedule;
    const own = { learned: meanVar(learned.diffusionEstimates(test, new Rng(5), 16)), cosine: meanVar(cosine.diffusionEstimates(test, new Rng(5), 16)) };
    const elbo = {
      learned: meanVar(learned.diffusionEstimates(test, new Rng(6), 64, sampler)),
      cosine: meanVar(cosine.diffusionEstimates(test, new Rng(6), 64, sampler)),
    };
    const toBits = (nats: number) => nats / (16 * Math.LN2);
    const se = Math.sqrt(elbo.learned.variance / 4096 + elbo.cosine.variance / 4096);
    console.log(
      `[vdm variance, separate models] estimator variance (own schedule): learned ${own.learned.variance.toFixed(1)}, cosine ${own.cosine.variance.toFixed(1)}; ` +
        `E[L_diff] (learned-schedule sampler, 4096 draws): learned model ${elbo.learned.mean.toFixed(2)} nats (${toBits(elbo.learned.mean).toFixed(3)} bits/dim), ` +
        `cosine model ${elbo.cosine.mean.toFixed(2)} nats (${toBits(elbo.cosine.mean).toFixed(3)} bits/dim), s.e. of the difference ${se.toFixed(2)} nats`,
    );
    expect(own.learned.variance * 5).toBeLessThan(own.cosine.variance);
    // "About the same ELBO": the two models' diffusion terms within 0.5 bits/dim.
    expect(Math.abs(toBits(elbo.learned.mean - elbo.cosine.mean))).toBeLessThan(0.5);
    test.images.dispose();
    learned.dispose();
    cosine.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
