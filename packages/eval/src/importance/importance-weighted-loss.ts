import type { Subtask } from "@vsd/core";
import { VsdError } from "@vsd/core";

/**
 * Laplace density over log-SNR, p(λ) = exp(−|λ − μ|/b)/(2b) (Hang, Gu et al. 2024,
 * "Improved Noise Schedule for Diffusion Training", arXiv 2407.03297; REFERENCES §1.4).
 * Written here so eval does not depend on a decomposition plugin.
 */
export function laplaceDensity(lambda: number, mu = 0, b = 0.5): number {
  if (!(b > 0)) throw new VsdError("INVALID_RANGE", `laplaceDensity: scale b must be > 0, got ${b}.`);
  return Math.exp(-Math.abs(lambda - mu) / b) / (2 * b);
}

/** Options of {@link importanceWeightedLoss}. */
export interface ImportanceOptions {
  /**
   * Importance coefficient per subtask: by subtask key, or a function of the subtask.
   * When absent, subtasks with a `logSnr` parameter get the Laplace density (VSD Q6).
   */
  readonly coefficients?: Readonly<Record<string, number>> | ((subtask: Subtask) => number);
  /** Location μ of the default Laplace importance. @default 0 */
  readonly laplaceMu?: number;
  /** Scale b of the default Laplace importance. @default 0.5 */
  readonly laplaceB?: number;
}

export interface ImportanceWeightedLoss {
  /** Σᵢ wᵢ·lossᵢ with wᵢ = cᵢ/Σc over the subtasks scored. */
  readonly value: number;
  /** Normalised weight per subtask key (sums to 1). */
  readonly weights: Readonly<Record<string, number>>;
  /** Where the coefficients came from. */
  readonly source: "laplace" | "user";
  readonly laplace?: { readonly mu: number; readonly b: number };
}

/**
 * The paper's "importance weighted loss" (VSD Question 6): per-subtask losses
 * combined with importance coefficients instead of equal weights, because the
 * subtasks of a non-equivariant decomposition matter unequally for the result.
 * For noise decompositions the default coefficient of a subtask at log-SNR λ is
 * the Laplace density p(λ) (μ = 0, b = 0.5), normalised over the subtasks given;
 * any other decomposition needs `coefficients`.
 *
 * @param losses loss per subtask key (e.g. nats/dim from `GenerativeModel.subtaskLoss`).
 * @param subtasks the subtasks to combine; every key must have a loss.
 */
export function importanceWeightedLoss(
  losses: Readonly<Record<string, number>>,
  subtasks: readonly Subtask[],
  options: ImportanceOptions = {},
): ImportanceWeightedLoss {
  if (subtasks.length === 0) throw new VsdError("INVALID_ARGUMENT", "importanceWeightedLoss: no subtasks.");
  const mu = options.laplaceMu ?? 0;
  const b = options.laplaceB ?? 0.5;
  const user = options.coefficients;
  const coeff = new Float64Array(subtasks.length);
  for (let i = 0; i < subtasks.length; i++) {
    const s = subtasks[i]!;
    let c: number | undefined;
    if (typeof user === "function") c = user(s);
    else if (user) c = user[s.key];
    else {
      const lambda = s.params["logSnr"];
      if (lambda === undefined) {
        throw new VsdError(
          "INVALID_ARGUMENT",
          `importanceWeightedLoss: subtask "${s.key}" has no logSnr parameter, so there is no default importance; pass coefficients.`,
        );
      }
      c = laplaceDensity(lambda, mu, b);
    }
    if (c === undefined || !Number.isFinite(c) || c < 0) {
      throw new VsdError("INVALID_ARGUMENT", `importanceWeightedLoss: coefficient of "${s.key}" must be a finite number ≥ 0, got ${c}.`);
    }
    coeff[i] = c;
  }
  let total = 0;
  for (const c of coeff) total += c;
  if (!(total > 0)) throw new VsdError("INVALID_ARGUMENT", "importanceWeightedLoss: all coefficients are 0.");
  const weights: Record<string, number> = {};
  let value = 0;
  for (let i = 0; i < subtasks.length; i++) {
    const s = subtasks[i]!;
    const loss = losses[s.key];
    if (loss === undefined || !Number.isFinite(loss)) {
      throw new VsdError("NON_FINITE", `importanceWeightedLoss: loss of subtask "${s.key}" is ${loss}.`);
    }
    const w = coeff[i]! / total;
    weights[s.key] = w;
    value += w * loss;
  }
  return user ? { value, weights, source: "user" } : { value, weights, source: "laplace", laplace: { mu, b } };
}
