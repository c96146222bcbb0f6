import { defineDecompositionPlugin } from "@vsd/core";
import { LearnableDecomposition, type LearnableDecompositionOptions } from "./learnable-decomposition.js";

/** Plugin factory: `createVsd({ plugins: [learnableDecomposition({ bins: 16 })] })`. */
export const learnableDecomposition = defineDecompositionPlugin<LearnableDecompositionOptions>({
  name: "@vsd/decomp-learnable",
  id: "learnable",
  create: (options) => new LearnableDecomposition(options ?? {}),
});
