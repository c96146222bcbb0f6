import { describeDecompositionContract } from "@vsd/core/testing";
import { depthDecomposition } from "./index.js";

describeDecompositionContract("depth", () => depthDecomposition({ tokenizer: { depth: 3, codebookSize: 16, hidden: 16, latentDim: 4 }, batchSize: 8 }));
describeDecompositionContract("depth (per-depth codebooks, separate heads)", () =>
  depthDecomposition({ tokenizer: { depth: 2, codebookSize: 8, hidden: 16, latentDim: 4, sharedCodebook: false }, batchSize: 8, priorForm: "separate" }),
);
