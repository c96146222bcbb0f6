/**
 * The one error type of the SDK. Every misuse and environment failure is a
 * `VsdError` with a machine-readable `code`, a message that says what was wrong
 * and what was expected, and the underlying `cause` when there is one.
 *
 * `VsdError.isInstance` works across duplicated package copies (the marker is a
 * `Symbol.for`), following vercel/ai's `AISDKError`.
 */
const marker = Symbol.for("@vsd/core:VsdError");

export type VsdErrorCode =
  | "INVALID_ARGUMENT"
  | "INVALID_SHAPE"
  | "INVALID_RANGE"
  | "EMPTY_DATASET"
  | "CORRUPT_FILE"
  | "IO_ERROR"
  | "BACKEND_UNAVAILABLE"
  | "PLUGIN_NOT_FOUND"
  | "PLUGIN_INVALID"
  | "CONTRACT_VIOLATION"
  | "NON_FINITE"
  | "CHECKPOINT_MISMATCH"
  | "NOT_SUPPORTED"
  | "INSUFFICIENT_DATA";

export class VsdError extends Error {
  private readonly [marker] = true;
  readonly code: VsdErrorCode;
  override readonly cause?: unknown;

  constructor(code: VsdErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message);
    this.name = "VsdError";
    this.code = code;
    if (options.cause !== undefined) this.cause = options.cause;
  }

  static isInstance(error: unknown): error is VsdError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[marker] === true
    );
  }
}

/** Throws `INVALID_ARGUMENT` unless `condition` holds. */
export function check(condition: unknown, code: VsdErrorCode, message: string): asserts condition {
  if (!condition) throw new VsdError(code, message);
}
