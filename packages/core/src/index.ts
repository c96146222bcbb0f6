// reflect-metadata must load before tsyringe is used anywhere.
import "reflect-metadata";

export { VsdError, check, type VsdErrorCode } from "./errors.js";
export { Rng, createRng } from "./rng.js";
export {
  type ImageDataset,
  type ImageSplit,
  type ImageShape,
  type Batch,
  imageDims,
  pixelsToTensor,
  tensorToPixels,
  gatherPixels,
  makeBatch,
} from "./dataset.js";
export type {
  Subtask,
  SubtaskPairs,
  Decomposition,
  PrepareOptions,
  ModelOptions,
  ModelSize,
  GenerativeModel,
  StepStats,
  NllResult,
  SampleOptions,
} from "./decomposition.js";
export {
  DECOMPOSITION,
  type DecompositionPlugin,
  type DecompositionPluginFactory,
  type Vsd,
  createVsd,
  defineDecompositionPlugin,
  assertDecomposition,
} from "./plugin.js";
export {
  discoverPlugins,
  isPluginPackage,
  workspaceMembers,
  SOURCE_CONDITION,
  PLUGIN_KEYWORD,
  type DiscoverPluginsOptions,
  type DiscoveredPlugin,
  type DiscoveredPlugins,
  type SkippedPlugin,
} from "./discover.js";
export {
  initBackend,
  backendInfo,
  BACKEND_ORDER,
  type BackendName,
  type BackendInfo,
  type BackendAttempt,
  type InitBackendOptions,
} from "./backend.js";
export { resolveWasmThreads } from "./wasm-threads.js";
export { wasmFmaAvailable } from "./wasm-matmul.js";
export { WasmKernelPool, MAX_TASKS as MAX_KERNEL_TASKS, TASK_ARGS as MAX_KERNEL_TASK_ARGS } from "./wasm-kernel-pool.js";
export { wasmApi, tfjsHeapMemory, type WasmMemory, type WasmModule, type WasmInstance } from "./wasm-api.js";
export * from "./nn/index.js";
export * from "./data/index.js";
export * from "./report/index.js";
export * from "./train/index.js";
export * from "./probe/index.js";
export * from "./diffusion/index.js";
export * from "./reference/index.js";
