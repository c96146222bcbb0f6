import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "../errors.js";
import { AdamW } from "../nn/adamw.js";
import type { Rng } from "../rng.js";
import { BatchedGaussianMlp } from "./batched-gaussian-mlp.js";
import type { ProbeData } from "./collect-pairs.js";
import type { ProbeMatrix } from "./equivariance-report.js";
import type { MethodOutcome, ProbeStatistic } from "./method-outcome.js";
import { fitLinearGaussian } from "./linear-gaussian.js";
import type { PairSet } from "./pair-set.js";
import type { ResolvedProbeOptions } from "./probe-options.js";
import { GapAccumulator, medianOffDiagonal } from "./transfer-gaps.js";
import { UNGROUPED } from "./groups.js";

/** Rows of pairs fed to one batched model: `[M, B, ·]` inputs, targets and floors. */
interface BatchArrays {
  x: Float32Array;
  y: Float32Array;
  floor: Float32Array;
}

/**
 * Fills row `row` of model `m`'s batch with fit pair `i` of subtask `s`;
 * `oneHot` > 0 appends a one-hot of `s` (the shared model's subtask input).
 */
function putRow(
  out: BatchArrays,
  data: ProbeData,
  sets: readonly PairSet[],
  s: number,
  i: number,
  slot: number,
  inDim: number,
  oneHot: number,
): void {
  const p = sets[s]!;
  const { dc, dt } = p;
  const xo = slot * inDim;
  for (let j = 0; j < dc; j++) out.x[xo + j] = p.condition[i * dc + j]!;
  if (oneHot > 0) {
    for (let j = 0; j < oneHot; j++) out.x[xo + dc + j] = 0;
    out.x[xo + dc + s] = 1;
  }
  const f = data.floors[s]!;
  for (let j = 0; j < dt; j++) {
    out.y[slot * dt + j] = p.target[i * dt + j]!;
    out.floor[slot * dt + j] = f[j]!;
  }
}

function batchTensors(a: BatchArrays, m: number, b: number, inDim: number, dt: number) {
  return {
    x: tf.tensor3d(a.x, [m, b, inDim]),
    y: tf.tensor3d(a.y, [m, b, dt]),
    floor: tf.tensor3d(a.floor, [m, b, dt]),
  };
}

function allocBatch(rows: number, inDim: number, dt: number): BatchArrays {
  return { x: new Float32Array(rows * inDim), y: new Float32Array(rows * dt), floor: new Float32Array(rows * dt) };
}

/**
 * Trains `model` (M batched conditionals) for `steps` steps; model m's batch
 * row r comes from `pick(m, r, rng)` → [subtask, fit pair index].
 */
function trainModels(
  model: BatchedGaussianMlp,
  data: ProbeData,
  steps: number,
  batch: number,
  pick: (m: number, rng: Rng) => [number, number],
  oneHot: number,
  lr: number,
  rng: Rng,
  onStep?: (step: number) => void,
): void {
  const M = model.models;
  const dt = data.dt;
  const opt = new AdamW(model.params, { learningRate: lr });
  const arrays = allocBatch(M * batch, model.inDim, dt);
  try {
    for (let step = 0; step < steps; step++) {
      for (let m = 0; m < M; m++) {
        for (let r = 0; r < batch; r++) {
          const [s, i] = pick(m, rng);
          putRow(arrays, data, data.fit, s, i, m * batch + r, model.inDim, oneHot);
        }
      }
      const t = batchTensors(arrays, M, batch, model.inDim, dt);
      try {
        // Sum over models of each model's mean NLL per dim: independent per model under Adam.
        opt.step(() => tf.tidy(() => tf.div(tf.sum(tf.mean(model.nll(t.x, t.y, t.floor), 1)), dt) as tf.Scalar));
      } finally {
        tf.dispose([t.x, t.y, t.floor]);
      }
      onStep?.(step + 1);
    }
  } finally {
    opt.dispose();
  }
}

/** Per-pair NLL (nats) of subtask k's held-out pairs under each of the M models: M arrays. */
function evaluateOn(model: BatchedGaussianMlp, data: ProbeData, k: number, oneHot: number): Float64Array[] {
  const p = data.heldOut[k]!;
  const M = model.models;
  const out = Array.from({ length: M }, () => new Float64Array(p.n));
  const chunk = 1024;
  for (let start = 0; start < p.n; start += chunk) {
    const n = Math.min(chunk, p.n - start);
    const a = allocBatch(n, model.inDim, data.dt);
    for (let i = 0; i < n; i++) putRow(a, data, data.heldOut, k, start + i, i, model.inDim, oneHot);
    const v = tf.tidy(() => {
      const t = batchTensors(a, 1, n, model.inDim, data.dt);
      const tile = <T extends tf.Tensor>(x: T): T => tf.tile(x, [M, 1, 1]) as T;
      return model.nll(tile(t.x), tile(t.y), tile(t.floor));
    });
    const values = v.dataSync();
    v.dispose();
    for (let m = 0; m < M; m++) out[m]!.set(values.subarray(m * n, (m + 1) * n), start);
  }
  return out;
}

/** Held-out NLL of each subtask under its own model of a per-subtask batch (model k on subtask k). */
function evaluateOwn(model: BatchedGaussianMlp, data: ProbeData): Float64Array[] {
  const T = data.subtasks.length;
  const nMax = Math.max(...data.heldOut.map((p) => p.n));
  const a = allocBatch(T * nMax, model.inDim, data.dt);
  data.heldOut.forEach((p, k) => {
    for (let i = 0; i < p.n; i++) putRow(a, data, data.heldOut, k, i, k * nMax + i, model.inDim, 0);
    // Padding rows keep floor 1 so their (ignored) NLL stays finite.
    for (let i = p.n; i < nMax; i++) a.floor.fill(1, (k * nMax + i) * data.dt, (k * nMax + i + 1) * data.dt);
  });
  const v = tf.tidy(() => {
    const t = batchTensors(a, T, nMax, model.inDim, data.dt);
    return model.nll(t.x, t.y, t.floor);
  });
  const values = v.dataSync();
  v.dispose();
  return data.heldOut.map((p, k) => Float64Array.from(values.subarray(k * nMax, k * nMax + p.n)));
}

/**
 * The fit pairs of `members` pooled into one set; with `oneHot` = T the
 * condition gets a one-hot of the subtask appended (the shared model's input).
 */
function poolPairs(data: ProbeData, members: readonly number[], oneHot: number): PairSet {
  const dc = data.dc + oneHot;
  const dt = data.dt;
  const n = members.reduce((a, s) => a + data.fit[s]!.n, 0);
  const condition = new Float64Array(n * dc);
  const target = new Float64Array(n * dt);
  let row = 0;
  for (const s of members) {
    const p = data.fit[s]!;
    for (let i = 0; i < p.n; i++, row++) {
      condition.set(p.condition.subarray(i * p.dc, (i + 1) * p.dc), row * dc);
      if (oneHot > 0) condition[row * dc + p.dc + s] = 1;
      target.set(p.target.subarray(i * dt, (i + 1) * dt), row * dt);
    }
  }
  return { n, dc, dt, condition, target };
}

/** Mean of the members' variance floors. */
function poolFloors(data: ProbeData, members: readonly number[]): Float64Array {
  const f = new Float64Array(data.dt);
  for (const s of members) for (let j = 0; j < f.length; j++) f[j]! += data.floors[s]![j]! / members.length;
  return f;
}

/** Initialises model m of `model` from the ridge fit of the pooled pairs of `units[m]`. */
function initModels(model: BatchedGaussianMlp, data: ProbeData, units: readonly (readonly number[])[], oneHot: number, o: ResolvedProbeOptions): void {
  if (oneHot > 0) model.zeroInputRows(data.dc, data.dc + oneHot);
  const floors = units.map((mem) => poolFloors(data, mem));
  const fits = units.map((mem, m) => fitLinearGaussian(poolPairs(data, mem, oneHot), { ridge: Math.max(o.ridge, 1e-6), varianceFloor: floors[m]! }));
  model.initFromLinear(fits, floors);
}

/** Training units for `transfer`: one per subtask, or one per group. */
function transferUnits(data: ProbeData, unit: "subtask" | "group"): { names: string[]; members: number[][] } {
  if (unit === "subtask") return { names: data.subtasks.map((s) => s.key), members: data.subtasks.map((_, i) => [i]) };
  const names = [...new Set(data.subtasks.map((s) => s.group ?? UNGROUPED))];
  if (names.length < 2) {
    throw new VsdError("INVALID_ARGUMENT", `transferUnit "group" needs at least 2 groups among the chosen subtasks; found ${names.length}.`);
  }
  return { names, members: names.map((g) => data.subtasks.flatMap((s, i) => ((s.group ?? UNGROUPED) === g ? [i] : []))) };
}

function runTransfer(data: ProbeData, o: ResolvedProbeOptions, rng: Rng): MethodOutcome {
  const T = data.subtasks.length;
  const units = transferUnits(data, o.transferUnit);
  const M = units.names.length;
  const model = new BatchedGaussianMlp(rng.derive("init"), M, data.dc, o.hiddenUnits, data.dt, o.variance);
  try {
    initModels(model, data, units.members, 0, o);
    const batchRng = rng.derive("batches");
    trainModels(
      model,
      data,
      o.budget,
      o.batchSize,
      (m, r) => {
        const mem = units.members[m]!;
        const s = mem.length === 1 ? mem[0]! : mem[r.int(mem.length)]!;
        return [s, r.int(data.fit[s]!.n)];
      },
      0,
      o.learningRate,
      batchRng,
      (s) => o.onProgress?.(s, o.budget, "train"),
    );
    const unitOf = new Int32Array(T);
    units.members.forEach((mem, u) => mem.forEach((k) => (unitOf[k] = u)));
    const acc = new GapAccumulator(M, T, data.dt);
    for (let k = 0; k < T; k++) {
      const rows = evaluateOn(model, data, k, 0);
      const own = unitOf[k]!;
      acc.setOwn(k, rows[own]!);
      for (let u = 0; u < M; u++) acc.add(u, k, rows[u]!, u !== own);
    }
    const r = acc.result();
    const keys = data.subtasks.map((s) => s.key);
    const matrix: ProbeMatrix = {
      name: "gap-mlp",
      title: `Transfer gap, MLP Gaussian conditionals per ${o.transferUnit} (row: fitted on, column: evaluated on)`,
      unit: "bits/dim",
      rowKeys: units.names,
      colKeys: keys,
      values: r.gap,
    };
    const stat: ProbeStatistic = {
      name: "gap-mlp",
      unit: "bits/dim",
      description: `mean off-diagonal transfer gap, MLP conditionals per ${o.transferUnit}`,
      columns: r.offDiagonalPerPair,
      ...(o.transferUnit === "subtask" ? { median: medianOffDiagonal(r.gap) } : {}),
    };
    return {
      matrices: [matrix],
      statistics: [stat],
      notes: [
        `transfer: ${M} MLPs started from their linear-Gaussian fits (${o.hiddenUnits} hidden, ${o.variance} variance, ${model.numParams() / M} parameters each), ${o.budget} Adam steps of ${o.batchSize} pairs each, learning rate ${o.learningRate}`,
        "intervals: bootstrap over held-out images (not over training runs)",
      ],
    };
  } finally {
    model.dispose();
  }
}

/** The shared model's fit-pair sampler: B pairs from each subtask, stratified. */
function stratifiedPick(data: ProbeData, batch: number): (m: number, r: Rng) => [number, number] {
  let row = 0;
  const T = data.subtasks.length;
  return (_m, r) => {
    const s = Math.floor(row / batch) % T;
    row = (row + 1) % (T * batch);
    return [s, r.int(data.fit[s]!.n)];
  };
}

function runSharedVsSeparate(data: ProbeData, o: ResolvedProbeOptions, rng: Rng): MethodOutcome {
  const T = data.subtasks.length;
  const dt = data.dt;
  const separate = new BatchedGaussianMlp(rng.derive("init/separate"), T, data.dc, o.hiddenUnits, dt, o.variance);
  const shared = new BatchedGaussianMlp(rng.derive("init/shared"), 1, data.dc + T, o.hiddenUnits, dt, o.variance);
  try {
    const all = data.subtasks.map((_, i) => i);
    initModels(separate, data, all.map((i) => [i]), 0, o);
    initModels(shared, data, [all], T, o);
    // Equal compute: T models × S steps × B pairs = one model × S steps × (T·B) pairs.
    trainModels(separate, data, o.budget, o.batchSize, (m, r) => [m, r.int(data.fit[m]!.n)], 0, o.learningRate, rng.derive("batches/separate"), (s) =>
      o.onProgress?.(s, 2 * o.budget, "train"),
    );
    trainModels(shared, data, o.budget, T * o.batchSize, stratifiedPick(data, o.batchSize), T, o.learningRate, rng.derive("batches/shared"), (s) =>
      o.onProgress?.(o.budget + s, 2 * o.budget, "train"),
    );
    const own = evaluateOwn(separate, data);
    const scale = 1 / (dt * Math.LN2);
    const sharedMean: number[] = [];
    const separateMean: number[] = [];
    const columns = data.subtasks.map((_, k) => {
      const sh = evaluateOn(shared, data, k, T)[0]!;
      const se = own[k]!;
      const c = new Float64Array(sh.length);
      let a = 0;
      let b = 0;
      for (let i = 0; i < c.length; i++) {
        c[i] = (sh[i]! - se[i]!) * scale;
        a += sh[i]! * scale;
        b += se[i]! * scale;
      }
      sharedMean.push(a / c.length);
      separateMean.push(b / c.length);
      return c;
    });
    const keys = data.subtasks.map((s) => s.key);
    const conflict = sharedMean.map((v, k) => v - separateMean[k]!);
    return {
      matrices: [
        {
          name: "shared-vs-separate",
          title: "Held-out NLL of the shared and the separate models, and their difference (conflict)",
          unit: "bits/dim",
          rowKeys: ["shared", "separate", "conflict"],
          colKeys: keys,
          values: [sharedMean, separateMean, conflict],
        },
      ],
      statistics: [
        {
          name: "conflict",
          unit: "bits/dim",
          description: "mean per-subtask conflict, shared − separate held-out NLL (positive: conflict, negative: subtasks help each other)",
          columns,
        },
      ],
      notes: [
        `shared-vs-separate: ${T} separate MLPs × ${o.budget} steps × ${o.batchSize} pairs against one shared MLP (one-hot subtask input, ${shared.numParams()} parameters vs ${separate.numParams() / T} per separate model) × ${o.budget} steps × ${T * o.batchSize} pairs: equal pairs processed, equal optimizer steps per model`,
        "intervals: bootstrap over held-out images (not over training runs)",
      ],
    };
  } finally {
    separate.dispose();
    shared.dispose();
  }
}

function runGradientConflict(data: ProbeData, o: ResolvedProbeOptions, rng: Rng): MethodOutcome {
  const T = data.subtasks.length;
  const dt = data.dt;
  const half = Math.max(1, Math.floor(o.batchSize / 2));
  const model = new BatchedGaussianMlp(rng.derive("init/shared"), 1, data.dc + T, o.hiddenUnits, dt, o.variance);
  const opt = new AdamW(model.params, { learningRate: o.learningRate });
  const sum = new Float64Array(T * T);
  const sumSq = new Float64Array(T * T);
  const columns = Array.from({ length: T }, () => new Float64Array(o.budget));
  const batchRng = rng.derive("batches");
  const inDim = model.inDim;
  // Copy c < T: subtask c, first half-batch; copy T + c: subtask c, second half.
  const arrays = allocBatch(2 * T * half, inDim, dt);
  try {
    initModels(model, data, [data.subtasks.map((_, i) => i)], T, o);
    for (let step = 0; step < o.budget; step++) {
      for (let c = 0; c < 2 * T; c++) {
        const s = c % T;
        for (let r = 0; r < half; r++) putRow(arrays, data, data.fit, s, batchRng.int(data.fit[s]!.n), c * half + r, inDim, T);
      }
      const cos = tf.tidy(() => {
        const t = batchTensors(arrays, 2 * T, half, inDim, dt);
        const tiled = model.params.map((p) => tf.tile(p, [2 * T, 1, 1]));
        // Gradients of each copy's loss with respect to its own copy of the shared weights:
        // one batched backward pass gives every subtask's gradient.
        const grads = tf.grads((...ps: tf.Tensor[]) => tf.sum(tf.mean(model.nll(t.x, t.y, t.floor, ps), 1)))(tiled);
        // Only the weights every subtask shares: the one-hot rows of the input and skip
        // kernels belong to one subtask each and would make any two gradients look orthogonal.
        const shared = grads.map((g, i) => (i === 0 || i === 6 ? tf.slice(g, [0, 0, 0], [-1, data.dc, -1]) : g));
        const flat = tf.concat(shared.map((g) => tf.reshape(g, [2 * T, -1])), 1);
        const unit = tf.div(flat, tf.add(tf.norm(flat, "euclidean", 1, true), 1e-12));
        const g1 = tf.slice(unit, [0, 0], [T, -1]);
        const g2 = tf.slice(unit, [T, 0], [T, -1]);
        return tf.matMul(g1, tf.transpose(g2));
      });
      const c = cos.dataSync();
      cos.dispose();
      for (let i = 0; i < T * T; i++) {
        sum[i]! += c[i]!;
        sumSq[i]! += c[i]! * c[i]!;
      }
      for (let k = 0; k < T; k++) {
        // Within-subtask agreement (two half-batches) minus mean cross-subtask agreement.
        let cross = 0;
        for (let t = 0; t < T; t++) if (t !== k) cross += 0.5 * (c[t * T + k]! + c[k * T + t]!);
        columns[k]![step] = c[k * T + k]! - cross / (T - 1);
      }
      // Train the shared model on the whole batch so the gradients follow a training run.
      const t = batchTensors(arrays, 2 * T, half, inDim, dt);
      try {
        const flatX = tf.reshape(t.x, [1, 2 * T * half, inDim]) as tf.Tensor3D;
        const flatY = tf.reshape(t.y, [1, 2 * T * half, dt]) as tf.Tensor3D;
        const flatF = tf.reshape(t.floor, [1, 2 * T * half, dt]);
        try {
          opt.step(() => tf.tidy(() => tf.div(tf.mean(model.nll(flatX, flatY, flatF)), dt) as tf.Scalar));
        } finally {
          tf.dispose([flatX, flatY, flatF]);
        }
      } finally {
        tf.dispose([t.x, t.y, t.floor]);
      }
      o.onProgress?.(step + 1, o.budget, "train");
    }
  } finally {
    opt.dispose();
    model.dispose();
  }
  const n = o.budget;
  const mean: number[][] = [];
  const std: number[][] = [];
  for (let t = 0; t < T; t++) {
    mean.push([]);
    std.push([]);
    for (let k = 0; k < T; k++) {
      const m = sum[t * T + k]! / n;
      mean[t]!.push(m);
      std[t]!.push(Math.sqrt(Math.max(0, sumSq[t * T + k]! / n - m * m)));
    }
  }
  const keys = data.subtasks.map((s) => s.key);
  return {
    matrices: [
      {
        name: "cosine-mean",
        title: "Gradient cosine similarity, mean over batches (diagonal: two half-batches of one subtask)",
        unit: "cosine",
        rowKeys: keys,
        colKeys: keys,
        values: mean,
      },
      { name: "cosine-std", title: "Gradient cosine similarity, std over batches", unit: "cosine", rowKeys: keys, colKeys: keys, values: std },
    ],
    statistics: [
      {
        name: "gradient-disagreement",
        unit: "cosine",
        description:
          "mean over subtasks of within-subtask gradient cosine minus mean cross-subtask cosine (0: subtasks pull the shared model the same way up to sampling noise)",
        columns,
      },
    ],
    notes: [
      `gradient-conflict: one shared MLP (one-hot subtask input, started from the pooled linear fit), ${n} batches of ${2 * half} pairs per subtask split in two halves; cosines of the per-subtask gradients with respect to the weights all subtasks share (one-hot rows excluded); the model trains on each batch (Adam, learning rate ${o.learningRate})`,
      "intervals: bootstrap over batches",
    ],
  };
}

/** The neural probe methods (transfer, shared-vs-separate, gradient-conflict). */
export async function runNeuralProbe(data: ProbeData, options: ResolvedProbeOptions, rng: Rng): Promise<MethodOutcome> {
  switch (options.method) {
    case "transfer":
      return runTransfer(data, options, rng);
    case "shared-vs-separate":
      return runSharedVsSeparate(data, options, rng);
    case "gradient-conflict":
      return runGradientConflict(data, options, rng);
    default:
      throw new VsdError("INVALID_ARGUMENT", `runNeuralProbe cannot run method "${options.method}".`);
  }
}
