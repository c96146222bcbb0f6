import { type F64Kernels, packPanels, TILE } from "./wasm/f64-kernels.js";
import { tridiagonalizeInPlace } from "./tridiagonalize.js";
import { tridiagonalEigenvalues } from "./tridiagonal-ql.js";

/** Inner-dimension block of the two products (packed operands of KC·stride doubles each). */
export const CONGRUENCE_BLOCK = 256;

/**
 * Eigenvalues (ascending) of the r×r matrix M = G·S·Gᵀ, all operands in kernel
 * memory with row stride `ld` doubles (≥ paddedStride(max(r, d)), padding zero):
 * G r×d at `g`, S symmetric d×d at `s` (full, both triangles; overwritten), scratch
 * `w` (d×d, zeroed) and `m` (r×r), `packA`/`packB` of CONGRUENCE_BLOCK·ld doubles,
 * `work` of tridiagonalWorkspace(r). `m` may alias `s`.
 *
 * `trapezoidal`: G is upper-trapezoidal (G[k][i] = 0 for i < k, as Lᵀ of a
 * Cholesky factor): blocks of zeros are skipped and S's symmetry is used, d³/2
 * multiply-adds in all (see congruenceTrapezoidal); a dense G costs r·d² + r²·d/2.
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
  if (trapezoidal) congruenceTrapezoidal(k, buffers, r, d, ld);
  else congruenceDense(k, buffers, r, d, ld);
}

/**
 * Dense G: W = G·S (r·d² multiply-adds), then the upper triangle of M = W·Gᵀ.
 */
function congruenceDense(k: F64Kernels, buffers: CongruenceBuffers, r: number, d: number, ld: number): void {
  const { g, s, w, m, packA, packB } = buffers;
  const f = k.f64;
  const KC = CONGRUENCE_BLOCK;
  const dTiles = Math.ceil(d / TILE);
  for (let i0 = 0; i0 < d; i0 += KC) {
    const kc = Math.min(KC, d - i0);
    packPanels(f, packA / 8, f, g / 8 + i0, ld, 1, r, kc); // G[row][i0 + q]
    packPanels(f, packB / 8, f, s / 8 + i0 * ld, 1, ld, d, kc); // S[i0 + q][col]
    k.gebp(packA, packB, kc, w, ld * 8, Math.ceil(r / TILE), dTiles, -(1 << 30), 1);
  }
  if (m === s) f.fill(0, m / 8, m / 8 + r * ld + ld);
  for (let j0 = 0; j0 < d; j0 += KC) {
    const kc = Math.min(KC, d - j0);
    packPanels(f, packA / 8, f, w / 8 + j0, ld, 1, r, kc); // W[row][j0 + q]
    packPanels(f, packB / 8, f, g / 8 + j0, ld, 1, r, kc); // G[col][j0 + q]
    k.gebp(packA, packB, kc, m, ld * 8, Math.ceil(r / TILE), Math.ceil(r / TILE), 0, 1);
  }
}

/**
 * Upper-trapezoidal G = Lᵀ (L d×r lower-trapezoidal, from a Cholesky factor).
 * With S = Ā + Āᵀ, Ā = the lower triangle of S with its diagonal halved,
 * M = Lᵀ S L = Y + Yᵀ for Y = Lᵀ (Ā L). X = Ā L is lower-trapezoidal (Ā and L
 * both lower): d³/6 multiply-adds; Y = Lᵀ X: d³/3 — together d³/2, against
 * d³/2 + d³/3 for W = S L then Lᵀ W (the symmetry of S halves the first product;
 * the same saving as LAPACK dsygst's blocked reduction). S is overwritten by Ā.
 */
function congruenceTrapezoidal(k: F64Kernels, buffers: CongruenceBuffers, r: number, d: number, ld: number): void {
  const { g, s, w: x, m, packA, packB } = buffers;
  const f = k.f64;
  const KC = CONGRUENCE_BLOCK;
  const s0 = s / 8;
  for (let i = 0; i < d; i++) {
    f[s0 + i * ld + i] = 0.5 * f[s0 + i * ld + i]!;
    f.fill(0, s0 + i * ld + i + 1, s0 + i * ld + d);
  }
  // X = Ā·L: for inner block [k0, k1), rows i ≥ k0 of Ā and columns j < k1 of L are the nonzeros.
  for (let k0 = 0; k0 < d; k0 += KC) {
    const kc = Math.min(KC, d - k0);
    const i0 = k0 - (k0 % TILE);
    const rows = d - i0;
    const cols = Math.min(r, k0 + kc);
    packPanels(f, packA / 8, f, s0 + i0 * ld + k0, ld, 1, rows, kc); // Ā[i0 + row][k0 + q]
    packPanels(f, packB / 8, f, g / 8 + k0, ld, 1, cols, kc); // L[k0 + q][col] = G[col][k0 + q]
    k.gebp(packA, packB, kc, x + i0 * ld * 8, ld * 8, Math.ceil(rows / TILE), Math.ceil(cols / TILE), -(1 << 30), 1);
  }
  // Y = Lᵀ·X (full r×r): for inner block [k0, k1), rows i < k1 of Lᵀ and columns j < k1 of X.
  const m0 = m / 8;
  f.fill(0, m0, m0 + r * ld + ld);
  for (let k0 = 0; k0 < d; k0 += KC) {
    const kc = Math.min(KC, d - k0);
    const n1 = Math.min(r, k0 + kc);
    packPanels(f, packA / 8, f, g / 8 + k0, ld, 1, n1, kc); // Lᵀ[row][k0 + q]
    packPanels(f, packB / 8, f, x / 8 + k0 * ld, 1, ld, n1, kc); // X[k0 + q][col]
    k.gebp(packA, packB, kc, m, ld * 8, Math.ceil(n1 / TILE), Math.ceil(n1 / TILE), -(1 << 30), 1);
  }
  // Upper triangle of M = Y + Yᵀ, in place, tile by tile (the lower half is only read).
  const T = 32;
  for (let i0 = 0; i0 < r; i0 += T) {
    const i1 = Math.min(r, i0 + T);
    for (let j0 = i0; j0 < r; j0 += T) {
      const j1 = Math.min(r, j0 + T);
      for (let i = i0; i < i1; i++) {
        const row = m0 + i * ld;
        for (let j = Math.max(j0, i); j < j1; j++) f[row + j] = f[row + j]! + f[m0 + j * ld + i]!;
      }
    }
  }
}
