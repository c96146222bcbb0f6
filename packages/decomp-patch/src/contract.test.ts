import { describeDecompositionContract } from "@vsd/core/testing";
import { patchDecomposition } from "./index.js";

// Core's contract suite, on the default 8×8×1 contract set (2×2 grid of 4×4 patches) and a 2-pixel-patch hilbert grid.
describeDecompositionContract("patch (raster)", () => patchDecomposition({ patchSize: 4 }));
describeDecompositionContract("patch (hilbert, p = 2, context 2)", () => patchDecomposition({ patchSize: 2, order: "hilbert", context: 2 }));
