export { residualQuantize, type ResidualQuantization } from "./residual-quantize.js";
export { depthLossWeights, optimalLatentCoefficients, type DepthLossWeighting } from "./depth-loss-weights.js";
