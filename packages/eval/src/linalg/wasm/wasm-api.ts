/**
 * The pieces of the WebAssembly JS API the kernels use, typed here because the
 * SDK compiles against lib "ES2023", which has no WebAssembly types (the same
 * approach as core's wasm-api.ts, which does not cover Memory).
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
export type WasmModule = object;
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
