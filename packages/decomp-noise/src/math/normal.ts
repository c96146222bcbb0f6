import erfc from "@stdlib/math-base-special-erfc";
import erfcinv from "@stdlib/math-base-special-erfcinv";

/**
 * Standard normal helpers in tail-accurate form, on top of stdlib's erfc and
 * erfcinv (double precision, Boost/Cephes-derived).
 */

/** Upper tail Q(x) = P(Z > x) = ½ erfc(x/√2). */
export function normalUpperTail(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** Φ(x) = P(Z ≤ x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** z with Q(z) = q, i.e. Φ⁻¹(1 − q) = √2·erfcinv(2q); accurate for q near 0. */
export function normalUpperQuantile(q: number): number {
  return Math.SQRT2 * erfcinv(2 * q);
}

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}
