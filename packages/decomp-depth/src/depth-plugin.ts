import { defineDecompositionPlugin } from "@vsd/core";
import { DepthDecomposition, type DepthDecompositionOptions } from "./depth-decomposition.js";

/** Plugin factory of the depth decomposition: `createVsd({ plugins: [depthDecomposition({ tokenizer: { depth: 8 } })] })`. */
export const depthDecomposition = defineDecompositionPlugin<DepthDecompositionOptions>({
  name: "@vsd/decomp-depth",
  id: "depth",
  create: (options?: DepthDecompositionOptions) => new DepthDecomposition(options),
});
