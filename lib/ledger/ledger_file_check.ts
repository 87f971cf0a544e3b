/**
 * Checks a ledger file before it is opened: it must be a regular file the process can read. A
 * FIFO would block `open(2)` forever, a socket or device is not a ledger, a directory fails late
 * with EISDIR; and a permission error must say who owns the file and what to do.
 *
 * @module
 */

import { describeFileKind } from "../base/file_kind.ts";
import { permissionDeniedDetails } from "../base/permission_denied.ts";

/**
 * Why a ledger file cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LedgerFileErrorCode } from "./ledger_file_check.ts";
 * const code: LedgerFileErrorCode = "LEDGER_NOT_REGULAR";
 * assert.equal(code, "LEDGER_NOT_REGULAR");
 * ```
 */
export type LedgerFileErrorCode = "LEDGER_NOT_REGULAR" | "LEDGER_UNREADABLE" | "LEDGER_MISSING";

/**
 * A ledger file that is not a readable regular file. `message` says what it is and what to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LedgerFileError } from "./ledger_file_check.ts";
 * const e = new LedgerFileError("LEDGER_MISSING", "x is missing", "run 'ledger init'");
 * assert.equal(e.message, "x is missing; run 'ledger init'");
 * assert.equal(e.code, "LEDGER_MISSING");
 * ```
 */
export class LedgerFileError extends Error {
  /** Stable reason. */
  readonly code: LedgerFileErrorCode;
  /** What to do next. */
  readonly hint: string;
  /**
   * Creates the error.
   *
   * @param code Reason.
   * @param message What failed.
   * @param hint What to do next.
   * @param cause The OS error, if any.
   */
  constructor(code: LedgerFileErrorCode, message: string, hint: string, cause?: unknown) {
    super(`${message}; ${hint}`, { cause });
    this.name = "LedgerFileError";
    this.code = code;
    this.hint = hint;
  }
}

function unreadable(path: string, cause: unknown): LedgerFileError {
  const { reason, nextStep } = permissionDeniedDetails(path);
  return new LedgerFileError(
    "LEDGER_UNREADABLE",
    `cannot read ${path}: ${reason}`,
    `${nextStep}; or verify a copy`,
    cause,
  );
}

/**
 * Stats `path` (following symlinks) and throws `LedgerFileError` unless it is a regular file:
 * LEDGER_MISSING, LEDGER_NOT_REGULAR (FIFO, socket, device, directory) or LEDGER_UNREADABLE.
 * Never opens the file, so a FIFO cannot block it.
 *
 * @returns The file's info.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLedgerFile, LedgerFileError } from "./ledger_file_check.ts";
 * const dir = Deno.makeTempDirSync();
 * assert.throws(() => checkLedgerFile(dir), (e) => e instanceof LedgerFileError && e.code === "LEDGER_NOT_REGULAR");
 * Deno.writeTextFileSync(`${dir}/ledger.jsonl`, "");
 * assert.equal(checkLedgerFile(`${dir}/ledger.jsonl`).size, 0);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function checkLedgerFile(path: string): Deno.FileInfo {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new LedgerFileError(
        "LEDGER_MISSING",
        `${path} does not exist`,
        "check the ledger directory, or create a ledger with 'carbon-ops ledger init'",
        err,
      );
    }
    if (err instanceof Deno.errors.PermissionDenied) throw unreadable(path, err);
    throw err;
  }
  if (!info.isFile) {
    throw new LedgerFileError(
      "LEDGER_NOT_REGULAR",
      `${path} is ${describeFileKind(info)}, not a regular file`,
      "a ledger is a regular file written by 'carbon-ops ledger append'; point at the ledger " +
        "directory itself, or copy the ledger to a regular file and verify the copy",
    );
  }
  return info;
}

/**
 * Opens `path` for reading after `checkLedgerFile`: a FIFO or device is refused before `open`,
 * and a permission error becomes LEDGER_UNREADABLE with the owner, mode and what to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLedgerFileSync } from "./ledger_file_check.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "ab");
 * using file = openLedgerFileSync(path);
 * assert.equal(file.statSync().size, 2);
 * Deno.removeSync(path);
 * ```
 */
export function openLedgerFileSync(path: string): Deno.FsFile {
  checkLedgerFile(path);
  try {
    return Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) throw unreadable(path, err);
    throw err;
  }
}
