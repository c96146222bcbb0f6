import { defineDecompositionPlugin } from "@vsd/core";
import { LearnableDecomposition, type LearnableDecompositionOptions } from "./learnable-decomposition.js";
import { SdsbDecomposition, type SdsbDecompositionOptions } from "./sdsb/sdsb-decomposition.js";

/** Plugin factory: `createVsd({ plugins: [learnableDecomposition({ bins: 16 })] })`. */
export const learnableDecomposition = defineDecompositionPlugin<LearnableDecompositionOptions>({
  name: "@vsd/decomp-learnable",
  id: "learnable",
  create: (options) => new LearnableDecomposition(options ?? {}),
});

/** Plugin factory for the S-DSB bridge steps: `createVsd({ plugins: [sdsbDecomposition({ model: { steps: 8 } })] })`. */
export const sdsbDecomposition = defineDecompositionPlugin<SdsbDecompositionOptions>({
  name: "@vsd/decomp-learnable",
  id: "sdsb",
  create: (options) => new SdsbDecomposition(options ?? {}),
});
