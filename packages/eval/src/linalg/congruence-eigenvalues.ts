import { type F64Kernels, packPanels, TILE } from "./wasm/f64-kernels.js";
import { tridiagonalizeInPlace } from "./tridiagonalize.js";
import { tridiagonalEigenvalues } from "./tridiagonal-ql.js";

/** Inner-dimension block of the two products (packed operands of KC·stride doubles each). */
export const CONGRUENCE_BLOCK = 256;

/**
 * Eigenvalues (ascending) of the r×r matrix M = G·S·Gᵀ, all operands in kernel
 * memory with row stride `ld` doubles (≥ paddedStride(max(r, d)), padding zero):
 * G r×d at `g`, S symmetric d×d at `s` (full, both triangles), scratch `w` (W = G·S,
 * r×d) and `m` (M, r×r) zeroed, `packA`/`packB` of CONGRUENCE_BLOCK·ld doubles,
 * `work` of tridiagonalWorkspace(r). `m` may alias `s` (S is not read after W).
 *
 * `trapezoidal`: G is upper-trapezoidal (G[k][i] = 0 for i < k, as Lᵀ of a
 * Cholesky factor), so blocks of zeros are skipped: W costs d³/2 instead of r·d²
 * multiply-adds and M about d³/3.
 *
 * Only the upper triangle of M is formed (its lower half is M's mirror); the
 * spectrum comes from the blocked Householder tridiagonalisation and implicit QL.
 */
export function congruenceEigenvalues(
  k: F64Kernels,
  buffers: CongruenceBuffers,
  r: number,
  d: number,
  ld: number,
  trapezoidal: boolean,
): Float64Array {
  congruenceProduct(k, buffers, r, d, ld, trapezoidal);
  const { diag, off } = tridiagonalizeInPlace(k, buffers.m, r, ld, buffers.work);
  return tridiagonalEigenvalues(diag, off);
}

/** Kernel-memory byte addresses used by {@link congruenceEigenvalues}. */
export interface CongruenceBuffers {
  readonly g: number;
  readonly s: number;
  readonly w: number;
  readonly m: number;
  readonly packA: number;
  readonly packB: number;
  readonly work: number;
}

/** The first half of {@link congruenceEigenvalues}: the upper triangle of M = G·S·Gᵀ into `m`. */
export function congruenceProduct(
  k: F64Kernels,
  buffers: CongruenceBuffers,
  r: number,
  d: number,
  ld: number,
  trapezoidal: boolean,
): void {
  const { g, s, w, m, packA, packB } = buffers;
  const f = k.f64;
  const KC = CONGRUENCE_BLOCK;
  const dTiles = Math.ceil(d / TILE);
  // W = G·S: inner index i in blocks; only rows k < i0 + kc of a trapezoidal G are nonzero there.
  for (let i0 = 0; i0 < d; i0 += KC) {
    const kc = Math.min(KC, d - i0);
    const rows = trapezoidal ? Math.min(r, i0 + kc) : r;
    packPanels(f, packA / 8, f, g / 8 + i0, ld, 1, rows, kc); // G[row][i0 + q]
    packPanels(f, packB / 8, f, s / 8 + i0 * ld, 1, ld, d, kc); // S[i0 + q][col]
    k.gebp(packA, packB, kc, w, ld * 8, Math.ceil(rows / TILE), dTiles, -(1 << 30), 1);
  }
  if (m === s) f.fill(0, m / 8, m / 8 + r * ld + ld);
  // M = W·Gᵀ, upper tiles: inner index j in blocks; only columns l < j0 + kc of a trapezoidal G contribute.
  for (let j0 = 0; j0 < d; j0 += KC) {
    const kc = Math.min(KC, d - j0);
    const cols = trapezoidal ? Math.min(r, j0 + kc) : r;
    packPanels(f, packA / 8, f, w / 8 + j0, ld, 1, r, kc); // W[row][j0 + q]
    packPanels(f, packB / 8, f, g / 8 + j0, ld, 1, cols, kc); // G[col][j0 + q]
    k.gebp(packA, packB, kc, m, ld * 8, Math.ceil(r / TILE), Math.ceil(cols / TILE), 0, 1);
  }
}
