/**
 * A minimal WebAssembly assembler for the float64 SIMD kernels of this package.
 *
 * Why: the kernels (packed GEMM tiles, symmetric matrix–vector products) need
 * `f64x2` SIMD, which plain JavaScript cannot express, and the package should
 * ship neither a binary blob nor a build toolchain. Kernel bodies are written in
 * the linear (flat) form of the WebAssembly text format — one instruction with
 * its immediates after another, `;;` comments — and encoded here into a module
 * binary at load time (a few kilobytes, assembled once per process).
 *
 * Supported: the instructions listed in {@link OPCODES}; `block`/`loop`/`if`
 * without results, optionally labelled (`loop $k` … `br_if $k`); memory
 * immediates `offset=N` / `align=N`; one imported memory `env.memory`.
 * Encoding follows the WebAssembly core specification §5 (binary format) and the
 * fixed-width SIMD proposal's opcode table.
 */

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** One exported function: named parameters and locals, flat-text body. */
export interface WasmFunctionSource {
  readonly name: string;
  readonly params: readonly (readonly [string, ValType])[];
  readonly results?: readonly ValType[];
  readonly locals?: readonly (readonly [string, ValType])[];
  readonly body: string;
}

export interface WasmMemorySpec {
  readonly initialPages: number;
  readonly maximumPages?: number;
  readonly shared?: boolean;
}

type Imm = "none" | "local" | "i32" | "f64" | "mem" | "lane" | "label" | "block" | "func";

interface Op {
  readonly code: readonly number[];
  readonly imm: Imm;
  /** log2 of the natural alignment, for memory instructions. */
  readonly align?: number;
}

const op = (imm: Imm, ...code: number[]): Op => ({ code, imm });
const mem = (align: number, ...code: number[]): Op => ({ code, imm: "mem", align });
const simd = (n: number): number[] => [0xfd, ...uleb(n)];

/** The instructions the kernels use (core spec §5.4; SIMD proposal opcode table). */
export const OPCODES: Readonly<Record<string, Op>> = {
  unreachable: op("none", 0x00),
  nop: op("none", 0x01),
  block: op("block", 0x02),
  loop: op("block", 0x03),
  if: op("block", 0x04),
  else: op("none", 0x05),
  end: op("none", 0x0b),
  br: op("label", 0x0c),
  br_if: op("label", 0x0d),
  return: op("none", 0x0f),
  call: op("func", 0x10),
  drop: op("none", 0x1a),
  select: op("none", 0x1b),
  "local.get": op("local", 0x20),
  "local.set": op("local", 0x21),
  "local.tee": op("local", 0x22),
  "i32.load": mem(2, 0x28),
  "f64.load": mem(3, 0x2b),
  "i32.store": mem(2, 0x36),
  "f64.store": mem(3, 0x39),
  "i32.const": op("i32", 0x41),
  "f64.const": op("f64", 0x44),
  "i32.eqz": op("none", 0x45),
  "i32.eq": op("none", 0x46),
  "i32.ne": op("none", 0x47),
  "i32.lt_s": op("none", 0x48),
  "i32.lt_u": op("none", 0x49),
  "i32.gt_s": op("none", 0x4a),
  "i32.gt_u": op("none", 0x4b),
  "i32.le_s": op("none", 0x4c),
  "i32.le_u": op("none", 0x4d),
  "i32.ge_s": op("none", 0x4e),
  "i32.ge_u": op("none", 0x4f),
  "f64.eq": op("none", 0x61),
  "f64.ne": op("none", 0x62),
  "f64.lt": op("none", 0x63),
  "f64.gt": op("none", 0x64),
  "f64.le": op("none", 0x65),
  "f64.ge": op("none", 0x66),
  "i32.add": op("none", 0x6a),
  "i32.sub": op("none", 0x6b),
  "i32.mul": op("none", 0x6c),
  "i32.div_s": op("none", 0x6d),
  "i32.and": op("none", 0x71),
  "i32.or": op("none", 0x72),
  "i32.shl": op("none", 0x74),
  "i32.shr_s": op("none", 0x75),
  "i32.shr_u": op("none", 0x76),
  "f64.abs": op("none", 0x99),
  "f64.neg": op("none", 0x9a),
  "f64.sqrt": op("none", 0x9f),
  "f64.add": op("none", 0xa0),
  "f64.sub": op("none", 0xa1),
  "f64.mul": op("none", 0xa2),
  "f64.div": op("none", 0xa3),
  "f64.min": op("none", 0xa4),
  "f64.max": op("none", 0xa5),
  "v128.load": { code: simd(0x00), imm: "mem", align: 4 },
  "v128.load64_splat": { code: simd(0x0a), imm: "mem", align: 3 },
  "v128.store": { code: simd(0x0b), imm: "mem", align: 4 },
  "f64x2.splat": op("none", ...simd(0x14)),
  "f64x2.extract_lane": op("lane", ...simd(0x21)),
  "f64x2.replace_lane": op("lane", ...simd(0x22)),
  "f64x2.neg": op("none", ...simd(0xed)),
  "f64x2.add": op("none", ...simd(0xf0)),
  "f64x2.sub": op("none", ...simd(0xf1)),
  "f64x2.mul": op("none", ...simd(0xf2)),
  "f64x2.div": op("none", ...simd(0xf3)),
};

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function f64Bytes(x: number): number[] {
  return Array.from(new Uint8Array(new Float64Array([x]).buffer));
}

/** Encodes one function body; throws with the offending token on malformed text. */
function encodeBody(fn: WasmFunctionSource, funcIndex: ReadonlyMap<string, number>): number[] {
  const localIndex = new Map<string, number>();
  fn.params.forEach(([n], i) => localIndex.set(n, i));
  const locals = fn.locals ?? [];
  locals.forEach(([n], i) => {
    if (localIndex.has(n)) throw new Error(`${fn.name}: duplicate local ${n}`);
    localIndex.set(n, fn.params.length + i);
  });
  const out: number[] = [];
  // Locals, run-length encoded by type.
  const groups: number[][] = [];
  for (const [, t] of locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === VALTYPE[t]) last[0]!++;
    else groups.push([1, VALTYPE[t]]);
  }
  out.push(...uleb(groups.length));
  for (const [count, t] of groups) out.push(...uleb(count!), t!);

  const tokens = fn.body
    .split("\n")
    .map((line) => line.replace(/;;.*$/, ""))
    .join(" ")
    .split(/\s+/)
    .filter((t) => t.length > 0);
  const labels: (string | undefined)[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${fn.name}: ${msg} (token ${i}: ${tokens.slice(Math.max(0, i - 4), i + 2).join(" ")})`);
  };
  const next = (): string => tokens[i++] ?? fail("unexpected end of body");
  while (i < tokens.length) {
    const mnemonic = next();
    const spec = OPCODES[mnemonic] ?? fail(`unknown instruction ${mnemonic}`);
    out.push(...spec.code);
    switch (spec.imm) {
      case "none":
        if (mnemonic === "end") {
          if (labels.length === 0) fail("end without block");
          labels.pop();
        }
        break;
      case "local": {
        const t = next();
        const idx = t.startsWith("$") ? localIndex.get(t.slice(1)) : Number(t);
        if (idx === undefined || !Number.isInteger(idx)) fail(`unknown local ${t}`);
        out.push(...uleb(idx!));
        break;
      }
      case "i32": {
        const v = Number(next());
        if (!Number.isInteger(v)) fail("bad i32 constant");
        out.push(...sleb(v));
        break;
      }
      case "f64":
        out.push(...f64Bytes(Number(next())));
        break;
      case "lane": {
        const v = Number(next());
        if (!(v === 0 || v === 1)) fail("bad lane");
        out.push(v);
        break;
      }
      case "mem": {
        let offset = 0;
        let align = spec.align!;
        while (i < tokens.length && /^(offset|align)=/.test(tokens[i]!)) {
          const [k, v] = tokens[i++]!.split("=") as [string, string];
          if (k === "offset") offset = Number(v);
          else align = Math.log2(Number(v));
        }
        out.push(...uleb(align), ...uleb(offset));
        break;
      }
      case "block": {
        let label: string | undefined;
        if (i < tokens.length && tokens[i]!.startsWith("$")) label = next().slice(1);
        labels.push(label);
        out.push(0x40);
        break;
      }
      case "label": {
        const t = next();
        let depth: number;
        if (t.startsWith("$")) {
          const at = labels.lastIndexOf(t.slice(1));
          if (at < 0) fail(`unknown label ${t}`);
          depth = labels.length - 1 - at;
        } else depth = Number(t);
        out.push(...uleb(depth));
        break;
      }
      case "func": {
        const t = next();
        const idx = funcIndex.get(t.replace(/^\$/, ""));
        if (idx === undefined) fail(`unknown function ${t}`);
        out.push(...uleb(idx!));
        break;
      }
    }
  }
  if (labels.length !== 0) fail("unclosed block");
  out.push(0x0b);
  return [...uleb(out.length), ...out];
}

/** Assembles a module that imports `env.memory` and exports every function. */
export function assembleModule(fns: readonly WasmFunctionSource[], memory: WasmMemorySpec): Uint8Array<ArrayBuffer> {
  const funcIndex = new Map(fns.map((f, k) => [f.name, k] as const));
  const types = fns.map((f) => [
    0x60,
    ...vec(f.params.map(([, t]) => [VALTYPE[t]])),
    ...vec((f.results ?? []).map((t) => [VALTYPE[t]])),
  ]);
  const limits =
    memory.maximumPages === undefined
      ? [0x00, ...uleb(memory.initialPages)]
      : [memory.shared ? 0x03 : 0x01, ...uleb(memory.initialPages), ...uleb(memory.maximumPages)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, k) => uleb(k)))),
    ...section(7, vec(fns.map((f, k) => [...name(f.name), 0x00, ...uleb(k)]))),
    ...section(10, vec(fns.map((f) => encodeBody(f, funcIndex)))),
  ];
  return new Uint8Array(bytes);
}
