/**
 * The error ledger operations throw when they refuse to act (so callers can branch on `code`).
 *
 * @module
 */

/**
 * Why a ledger operation refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LedgerError, type LedgerErrorCode } from "./ledger_error.ts";
 * const code: LedgerErrorCode = "KEY_RETIRED";
 * assert.equal(new LedgerError(code, "key was rotated away").code, "KEY_RETIRED");
 * ```
 */
export type LedgerErrorCode =
  | "NOT_A_LEDGER"
  | "ALREADY_INITIALISED"
  | "HEAD_INVALID"
  | "BODY_INVALID"
  | "CORRECTION_TARGET"
  | "FSYNC_FAILED"
  | "WRITER_FAILED"
  | "CHAIN_INVALID"
  | "CHECKPOINT_CONFLICT"
  | "WRITE_FAILED"
  | "KEY_RETIRED";

/**
 * A ledger operation refused to act; nothing unlinked or unsynced was acknowledged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LedgerError } from "./ledger_error.ts";
 * const e = new LedgerError("HEAD_INVALID", "last record is not canonical", { hint: "run 'carbon-ops ledger verify'" });
 * assert.equal(e.code, "HEAD_INVALID");
 * assert.equal(e.message, "last record is not canonical; run 'carbon-ops ledger verify'");
 * assert.deepEqual(e.problems, []);
 * ```
 */
export class LedgerError extends Error {
  /** Stable reason. */
  readonly code: LedgerErrorCode;
  /** Next step for the user. */
  readonly hint: string | undefined;
  /** Problems found (e.g. body schema violations). */
  readonly problems: readonly string[];
  /**
   * Creates the error.
   *
   * @param code Reason.
   * @param message What failed.
   * @param options `hint`, `problems` (default none) and `cause`.
   */
  constructor(
    code: LedgerErrorCode,
    message: string,
    options: { hint?: string; problems?: readonly string[]; cause?: unknown } = {},
  ) {
    super(options.hint ? `${message}; ${options.hint}` : message, { cause: options.cause });
    this.name = "LedgerError";
    this.code = code;
    this.hint = options.hint;
    this.problems = options.problems ?? [];
  }
}
