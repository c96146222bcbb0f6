import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { VsdError } from "../errors.js";
import type { AdamW } from "./adamw.js";
import type { ParamStore, WeightMap } from "./param-store.js";
import { writeFileAtomic } from "../io.js";

/** File names inside a model-state directory. */
export const MODEL_STATE_MANIFEST = "model-state.json";
export const MODEL_STATE_DATA = "model-state.bin";
const FORMAT = "vsd-model-state";
const VERSION = 1;

interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset into the data file, in float32 elements. */
  offset: number;
}

interface Manifest {
  format: typeof FORMAT;
  version: number;
  /** Total float32 elements in the data file (detects truncation). */
  length: number;
  params: TensorEntry[];
  optimizer?: {
    step: number;
    learningRate: number;
    /** Parameter names in the optimiser's variable order. */
    variables: string[];
    m: TensorEntry[];
    v: TensorEntry[];
  };
  meta?: unknown;
}

export interface SaveModelStateOptions {
  readonly params: ParamStore;
  readonly optimizer?: AdamW;
  /** Any JSON-serialisable data (step, config, RNG state, …). */
  readonly meta?: unknown;
}

export interface LoadModelStateOptions {
  readonly params: ParamStore;
  readonly optimizer?: AdamW;
}

/**
 * Saves weights (and optionally AdamW moments) to `dir` as one JSON manifest
 * and one little-endian float32 data file. Each file is written atomically;
 * the data file first, then the manifest that describes it.
 */
export async function saveModelState(dir: string, options: SaveModelStateOptions): Promise<void> {
  const { params, optimizer } = options;
  const chunks: Float32Array[] = [];
  let offset = 0;
  const push = (name: string, shape: readonly number[], data: Float32Array): TensorEntry => {
    const e = { name, shape: [...shape], offset };
    chunks.push(data);
    offset += data.length;
    return e;
  };
  const weights = params.getWeights();
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    length: 0,
    params: Object.entries(weights).map(([name, w]) => push(name, w.shape, w.data)),
  };
  if (optimizer) {
    const names = optimizer.variables.map((v) => {
      const n = params.nameOf(v);
      if (n === undefined) {
        throw new VsdError("INVALID_ARGUMENT", `saveModelState: optimizer variable "${v.name}" is not in the given ParamStore.`);
      }
      return n;
    });
    const st = optimizer.getState();
    manifest.optimizer = {
      step: st.step,
      learningRate: st.learningRate,
      variables: names,
      m: names.map((n, i) => push(`${n}/m`, optimizer.variables[i]!.shape, st.m[i]!)),
      v: names.map((n, i) => push(`${n}/v`, optimizer.variables[i]!.shape, st.v[i]!)),
    };
  }
  if (options.meta !== undefined) manifest.meta = options.meta;
  manifest.length = offset;
  const all = new Float32Array(offset);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  try {
    writeFileAtomic(join(dir, MODEL_STATE_DATA), toLittleEndianBytes(all));
    writeFileAtomic(join(dir, MODEL_STATE_MANIFEST), JSON.stringify(manifest, null, 1));
  } catch (e) {
    // writeFileAtomic throws IO_ERROR itself, except when its temp-file cleanup fails too.
    if (VsdError.isInstance(e)) throw e;
    throw new VsdError("IO_ERROR", `Could not write model state to ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Restores what `saveModelState` wrote into `params` (and `optimizer`), and
 * returns the saved `meta`. Names, shapes or the optimiser's variables that
 * differ from the model → `CHECKPOINT_MISMATCH`; nothing is changed then.
 */
export async function loadModelState(dir: string, options: LoadModelStateOptions): Promise<unknown> {
  const { params, optimizer } = options;
  let manifestText: string;
  let bytes: Buffer;
  try {
    manifestText = await readFile(join(dir, MODEL_STATE_MANIFEST), "utf8");
    bytes = await readFile(join(dir, MODEL_STATE_DATA));
  } catch (e) {
    throw new VsdError("IO_ERROR", `Could not read model state from ${dir}: ${(e as Error).message}`, { cause: e });
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText) as Manifest;
  } catch (e) {
    throw new VsdError("CORRUPT_FILE", `${join(dir, MODEL_STATE_MANIFEST)} is not valid JSON.`, { cause: e });
  }
  if (manifest.format !== FORMAT || manifest.version !== VERSION || !Array.isArray(manifest.params)) {
    throw new VsdError("CORRUPT_FILE", `${join(dir, MODEL_STATE_MANIFEST)} is not a ${FORMAT} v${VERSION} manifest.`);
  }
  if (bytes.length !== manifest.length * 4) {
    throw new VsdError(
      "CORRUPT_FILE",
      `${join(dir, MODEL_STATE_DATA)} has ${bytes.length} bytes, the manifest expects ${manifest.length * 4}.`,
    );
  }
  const all = fromLittleEndianBytes(bytes);
  const slice = (e: TensorEntry) => all.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1));

  const weights: WeightMap = {};
  for (const e of manifest.params) weights[e.name] = { shape: e.shape, data: slice(e) };

  let optState: Parameters<AdamW["setState"]>[0] | undefined;
  if (optimizer) {
    const saved = manifest.optimizer;
    if (!saved) throw new VsdError("CHECKPOINT_MISMATCH", `${dir} holds no optimizer state, but an optimizer was given.`);
    const names = optimizer.variables.map((v) => params.nameOf(v) ?? `<${v.name} not in ParamStore>`);
    if (names.length !== saved.variables.length || names.some((n, i) => n !== saved.variables[i])) {
      throw new VsdError(
        "CHECKPOINT_MISMATCH",
        `Optimizer variables differ: saved [${saved.variables.join(", ")}], model [${names.join(", ")}].`,
      );
    }
    optState = { step: saved.step, learningRate: saved.learningRate, m: saved.m.map(slice), v: saved.v.map(slice) };
  }
  // setWeights validates everything before writing; validate optimizer moments too before touching anything.
  if (optimizer && optState) {
    optimizer.variables.forEach((v, i) => {
      if (optState.m[i]!.length !== v.size || optState.v[i]!.length !== v.size) {
        throw new VsdError("CHECKPOINT_MISMATCH", `Optimizer moments for "${params.nameOf(v) ?? v.name}" have the wrong size.`);
      }
    });
  }
  params.setWeights(weights);
  if (optimizer && optState) optimizer.setState(optState);
  return manifest.meta;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toLittleEndianBytes(a: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  a.forEach((x, i) => dv.setFloat32(i * 4, x, true));
  return out;
}

function fromLittleEndianBytes(b: Uint8Array): Float32Array {
  const out = new Float32Array(b.length / 4);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}
