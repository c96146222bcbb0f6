import { defineDecompositionPlugin } from "@vsd/core";
import { PatchDecomposition, type PatchDecompositionOptions } from "./patch-decomposition.js";

/**
 * The plugin factory: `createVsd({ plugins: [patchDecomposition({ order: "hilbert" })] })`.
 * Also the package's default export, for plugin discovery.
 */
export const patchDecomposition = defineDecompositionPlugin<PatchDecompositionOptions>({
  name: "@vsd/decomp-patch",
  id: "patch",
  create: (options?: PatchDecompositionOptions) => new PatchDecomposition(options ?? {}),
});
