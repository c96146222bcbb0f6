import type { ModelSize } from "../decomposition.js";

/** [width, depth] of a denoiser for each named `ModelSize`. */
export type DenoiserSizeTable = Readonly<Record<Exclude<ModelSize, number>, readonly [number, number]>>;

/**
 * Hidden width and layer count of the MLP denoisers of the diffusion models
 * (`@vsd/decomp-noise`'s MLP, `@vsd/decomp-learnable`'s VDM): one table, so a
 * fixed- and a learned-schedule model of one size train the same network.
 */
export const MLP_DENOISER_SIZES: DenoiserSizeTable = {
  XS: [64, 2],
  S: [256, 3],
  M: [512, 3],
  L: [1024, 4],
  XL: [2048, 4],
};

/**
 * [width, depth] for `size`: a named row of `table` (an unknown name falls back
 * to "S"), or for a number s the "S" row with width max(8, round(s·width_S));
 * an explicit `width`/`depth` overrides either. Callers validate the result.
 */
export function denoiserWidthDepth(
  size: ModelSize,
  table: DenoiserSizeTable = MLP_DENOISER_SIZES,
  overrides: { readonly width?: number | undefined; readonly depth?: number | undefined } = {},
): [number, number] {
  let [width, depth] = typeof size === "number" ? [Math.max(8, Math.round(table.S[0] * size)), table.S[1]] : table[size] ?? table.S;
  if (overrides.width !== undefined) width = overrides.width;
  if (overrides.depth !== undefined) depth = overrides.depth;
  return [width, depth];
}
