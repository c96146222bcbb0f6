/**
 * The few pieces of the WebAssembly JS API that VSD uses, typed here because
 * the SDK compiles against lib "ES2023", which has no WebAssembly types.
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance; module: WasmModule }>;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
