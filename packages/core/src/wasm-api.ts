/**
 * The few pieces of the WebAssembly JS API that VSD uses, typed here because
 * the SDK compiles against lib "ES2023", which has no WebAssembly types.
 * Exported from @vsd/core for packages with wasm kernels of their own.
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export type WasmModule = object;
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance; module: WasmModule }>;
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The parts of tfjs-backend-wasm's Emscripten module that hold its memory. */
export interface TfjsWasmModuleLike {
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
}

/**
 * The WebAssembly memory of a tfjs wasm backend's module (its heap), so a VSD
 * kernel can run on tensors where they lie: the threaded build exports it as
 * `wasmMemory`, the single-threaded one as `asm.memory`. `shared` is true for
 * the threaded build (a SharedArrayBuffer that worker threads can use too).
 */
export function tfjsHeapMemory(module: TfjsWasmModuleLike): { memory: WasmMemory; shared: boolean } | undefined {
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!memory) return undefined;
  return { memory, shared: typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer };
}
