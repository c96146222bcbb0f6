import { defineDecompositionPlugin } from "@vsd/core";
import { NoiseDecomposition, type NoiseDecompositionOptions } from "./noise-decomposition.js";

/** Plugin factory: `createVsd({ plugins: [noiseDecomposition({ bins: 16 })] })`. */
export const noiseDecomposition = defineDecompositionPlugin<NoiseDecompositionOptions>({
  name: "@vsd/decomp-noise",
  id: "noise",
  create: (options) => new NoiseDecomposition(options ?? {}),
});
