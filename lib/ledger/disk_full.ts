/**
 * Naming the real cause of a failed ledger file write: a full disk (ENOSPC) is reported as
 * "disk full while <step>", never as an fsync failure, so the operator knows that freeing space
 * and re-running the same command is the whole fix.
 *
 * @module
 */

import { LedgerError } from "./ledger_error.ts";

/**
 * True when `err` is a full file system (ENOSPC, or EDQUOT: quota exhausted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDiskFull } from "./disk_full.ts";
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * assert.equal(isDiskFull(full), true);
 * assert.equal(isDiskFull(new Deno.errors.PermissionDenied("denied")), false);
 * ```
 */
export function isDiskFull(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return code === "ENOSPC" || code === "EDQUOT" || /\(os error (28|122)\)/.test(err.message);
}

/**
 * The `LedgerError` WRITE_FAILED for a failed write during `step` (e.g. "moving 12 torn bytes to
 * quarantine"): "disk full while <step>" for ENOSPC, "<step> failed: <message>" otherwise, with
 * `hint` (what to do next) and the original error as `cause`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFailed } from "./disk_full.ts";
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * const e = writeFailed("writing checkpoints/00000000000000000002.note", full, "free space and retry");
 * assert.equal(e.code, "WRITE_FAILED");
 * assert.match(e.message, /^disk full while writing checkpoints\/0+2\.note/);
 * assert.equal(e.cause, full);
 * ```
 */
export function writeFailed(step: string, err: unknown, hint: string): LedgerError {
  const why = err instanceof Error ? err.message : String(err);
  const message = isDiskFull(err) ? `disk full while ${step} (${why})` : `${step} failed: ${why}`;
  return new LedgerError("WRITE_FAILED", message, { hint, cause: err });
}
