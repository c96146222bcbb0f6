import * as tf from "@tensorflow/tfjs-core";
import { pixelsToTensor, gatherPixels, type ImageDataset } from "../dataset.js";
import type { Decomposition, Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";
import { applyStandardizer, fitStandardizer, selectRows, type PairSet } from "./pair-set.js";
import type { ResolvedProbeOptions } from "./probe-options.js";

/**
 * Calls `decomposition.pairs` on `images` in chunks of `imageBatch` images and
 * copies the result into Float64 rows, checking what a faulty plugin could get
 * wrong: rank, matching row counts, finite values. Disposes every tensor it
 * receives.
 */
export function collectPairs(
  decomposition: Decomposition,
  images: tf.Tensor4D,
  subtask: Subtask,
  rng: Rng,
  imageBatch: number,
): PairSet {
  const total = images.shape[0];
  const conds: Float32Array[] = [];
  const targs: Float32Array[] = [];
  let dc = -1;
  let dt = -1;
  let n = 0;
  for (let start = 0; start < total; start += imageBatch) {
    const size = Math.min(imageBatch, total - start);
    const chunk = size === total ? images : tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]);
    let out;
    try {
      out = decomposition.pairs(chunk, subtask, rng);
    } finally {
      if (chunk !== images) chunk.dispose();
    }
    try {
      const { condition, target } = out ?? {};
      if (!(condition instanceof tf.Tensor) || !(target instanceof tf.Tensor)) {
        throw new VsdError("CONTRACT_VIOLATION", `pairs() for subtask "${subtask.key}" did not return {condition, target} tensors.`);
      }
      if (condition.rank !== 2 || target.rank !== 2) {
        throw new VsdError(
          "INVALID_SHAPE",
          `pairs() for subtask "${subtask.key}" returned condition [${condition.shape}] and target [${target.shape}]; both must be 2-D [n, d].`,
        );
      }
      if (condition.shape[0] !== target.shape[0]) {
        throw new VsdError(
          "INVALID_SHAPE",
          `pairs() for subtask "${subtask.key}" returned ${condition.shape[0]} conditions but ${target.shape[0]} targets.`,
        );
      }
      const cdim = condition.shape[1]!;
      const tdim = target.shape[1]!;
      if (dc >= 0 && (cdim !== dc || tdim !== dt)) {
        throw new VsdError("INVALID_SHAPE", `pairs() for subtask "${subtask.key}" changed its dims between calls.`);
      }
      dc = cdim;
      dt = tdim;
      if (tdim === 0) throw new VsdError("INVALID_SHAPE", `pairs() for subtask "${subtask.key}" returned 0-dim targets.`);
      conds.push(condition.dataSync() as Float32Array);
      targs.push(target.dataSync() as Float32Array);
      n += condition.shape[0];
    } finally {
      out?.condition?.dispose?.();
      out?.target?.dispose?.();
    }
  }
  const condition = new Float64Array(n * dc);
  const target = new Float64Array(n * dt);
  let oc = 0;
  let ot = 0;
  for (let i = 0; i < conds.length; i++) {
    condition.set(conds[i]!, oc);
    target.set(targs[i]!, ot);
    oc += conds[i]!.length;
    ot += targs[i]!.length;
  }
  for (const arr of [condition, target]) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i]!)) {
        throw new VsdError("NON_FINITE", `pairs() for subtask "${subtask.key}" returned a non-finite value.`);
      }
    }
  }
  return { n, dc, dt, condition, target };
}

/** Fit and held-out pairs of every chosen subtask, in the probe's space. */
export interface ProbeData {
  readonly subtasks: readonly Subtask[];
  readonly fit: readonly PairSet[];
  readonly heldOut: readonly PairSet[];
  readonly dc: number;
  readonly dt: number;
  /** Per-subtask floor on the residual variance of each target dim, in the probe's space. */
  readonly floors: readonly Float64Array[];
  readonly fitImages: number;
  readonly heldOutImages: number;
  readonly notes: readonly string[];
}

/** Fewest fit pairs any method accepts; the linear fit needs more when dc is large. */
export const MIN_FIT_PAIRS = 8;
export const MIN_HELD_OUT_PAIRS = 4;

/**
 * Draws the images once (seeded), splits them into fit and held-out images
 * (the same split for every subtask, so no model ever sees a held-out image),
 * and collects each subtask's pairs with a stream derived from its key.
 */
export function gatherProbeData(
  decomposition: Decomposition,
  dataset: ImageDataset,
  subtasks: readonly Subtask[],
  options: ResolvedProbeOptions,
  rng: Rng,
  minFitPairs: (dc: number) => number,
): ProbeData {
  const split = dataset.train;
  if (split.n < 2) {
    throw new VsdError("EMPTY_DATASET", `Dataset "${dataset.name}" has ${split.n} training images; the probe needs pairs to fit and to hold out.`);
  }
  const notes: string[] = [];
  const nImages = Math.min(options.pairsPerSubtask, split.n);
  if (nImages < options.pairsPerSubtask) {
    notes.push(`pairsPerSubtask ${options.pairsPerSubtask} capped at the ${split.n} training images`);
  }
  const order = rng.derive("images").sample(split.n, nImages);
  const nHeld = Math.round(nImages * options.heldOutFraction);
  const nFit = nImages - nHeld;
  if (nHeld < MIN_HELD_OUT_PAIRS || nFit < MIN_FIT_PAIRS) {
    throw new VsdError(
      "INSUFFICIENT_DATA",
      `${nImages} images split ${nFit} fit / ${nHeld} held out; the probe needs at least ${MIN_FIT_PAIRS} fit and ${MIN_HELD_OUT_PAIRS} held-out images.`,
    );
  }
  const fitImages = pixelsToTensor(gatherPixels(split, dataset, order.subarray(0, nFit)), dataset, nFit);
  const heldImages = pixelsToTensor(gatherPixels(split, dataset, order.subarray(nFit)), dataset, nHeld);
  const fit: PairSet[] = [];
  const heldOut: PairSet[] = [];
  let dc = -1;
  let dt = -1;
  let pairsPerImage = 1;
  try {
    subtasks.forEach((s, i) => {
      const r = rng.derive(`pairs/${s.key}`);
      let f = collectPairs(decomposition, fitImages, s, r.derive("fit"), options.imageBatch);
      let h = collectPairs(decomposition, heldImages, s, r.derive("held-out"), options.imageBatch);
      if (i === 0) {
        dc = f.dc;
        dt = f.dt;
      }
      for (const p of [f, h]) {
        if (p.dc !== dc || p.dt !== dt) {
          throw new VsdError(
            "INVALID_SHAPE",
            `Subtask "${s.key}" gives ${p.dc}→${p.dt} pairs but "${subtasks[0]!.key}" gives ${dc}→${dt}; every subtask of a decomposition must share the pair shapes.`,
          );
        }
      }
      if (i === 0) pairsPerImage = f.n / nFit;
      // Some decompositions give several pairs per image; keep the budget.
      if (f.n > nFit) f = selectRows(f, r.derive("cap-fit").sample(f.n, nFit));
      if (h.n > nHeld) h = selectRows(h, r.derive("cap-held").sample(h.n, nHeld));
      const need = minFitPairs(dc);
      if (f.n < need || h.n < MIN_HELD_OUT_PAIRS) {
        throw new VsdError(
          "INSUFFICIENT_DATA",
          `Subtask "${s.key}" has ${f.n} fit and ${h.n} held-out pairs; the fit needs at least ${need} (condition dim ${dc}) and evaluation at least ${MIN_HELD_OUT_PAIRS}.`,
        );
      }
      fit.push(f);
      heldOut.push(h);
      options.onProgress?.(i + 1, subtasks.length, "pairs");
    });
  } finally {
    fitImages.dispose();
    heldImages.dispose();
  }
  const floors: Float64Array[] = [];
  if (options.space === "standardized") {
    const minStd = Math.sqrt(options.varianceFloor);
    for (let i = 0; i < fit.length; i++) {
      const st = fitStandardizer(fit[i]!, minStd);
      fit[i] = applyStandardizer(fit[i]!, st);
      heldOut[i] = applyStandardizer(heldOut[i]!, st);
      floors.push(st.targetStd.map((s) => options.varianceFloor / (s * s)));
    }
  } else {
    for (let i = 0; i < fit.length; i++) floors.push(new Float64Array(dt).fill(options.varianceFloor));
  }
  if (pairsPerImage !== 1) {
    notes.push(`the decomposition gives ${pairsPerImage.toFixed(2)} pairs per image; each subtask keeps at most ${nFit} fit and ${nHeld} held-out pairs`);
  }
  return { subtasks, fit, heldOut, dc, dt, floors, fitImages: nFit, heldOutImages: nHeld, notes };
}
