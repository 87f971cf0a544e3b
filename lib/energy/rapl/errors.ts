/**
 * The error an energy backend throws when it cannot start, with a reason callers branch on
 * (the factory tries the next backend on `not-found`/`unsupported`, stops on `invalid-option`).
 *
 * @module
 */

/**
 * Why a backend could not start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergySourceFailure } from "./errors.ts";
 * import { EnergySourceError } from "./errors.ts";
 * const tryNext: EnergySourceFailure[] = ["not-found", "unsupported"];
 * const err = new EnergySourceError("no zones", { backend: "sysfs", reason: "not-found" });
 * assert.ok(tryNext.includes(err.reason));
 * ```
 */
export type EnergySourceFailure =
  | "not-found"
  | "permission"
  | "unsupported"
  | "invalid-option"
  | "io";

/**
 * A backend could not be opened. The message says what failed and what to do next.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EnergySourceError } from "./errors.ts";
 * const err = new EnergySourceError("no powercap zones under /x", {
 *   backend: "sysfs",
 *   reason: "not-found",
 *   path: "/x",
 * });
 * assert.equal(err.reason, "not-found");
 * assert.equal(err.name, "EnergySourceError");
 * assert.equal(err.path, "/x");
 * ```
 */
export class EnergySourceError extends Error {
  /** Which backend failed. */
  readonly backend: "sysfs" | "msr" | "sim" | "instance" | "any";
  /** Category of failure. */
  readonly reason: EnergySourceFailure;
  /** The file or directory involved, when there is one. */
  readonly path: string | undefined;
  /**
   * Creates the error.
   *
   * @param message What failed and what to do next.
   * @param details `backend`, `reason` (required), `path` (default none) and the standard `cause`.
   */
  constructor(
    message: string,
    details: {
      backend: "sysfs" | "msr" | "sim" | "instance" | "any";
      reason: EnergySourceFailure;
      path?: string;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = "EnergySourceError";
    this.backend = details.backend;
    this.reason = details.reason;
    this.path = details.path;
  }
}

/**
 * The errno-style code of a file-system error (`EACCES`, `ENOENT`, ...), or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorCode } from "./errors.ts";
 * let code: string | undefined;
 * try {
 *   Deno.readFileSync("/nonexistent/x");
 * } catch (e) {
 *   code = errorCode(e);
 * }
 * assert.equal(code, "ENOENT");
 * assert.equal(errorCode(new Error("plain")), undefined);
 * ```
 */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  if (err instanceof Deno.errors.PermissionDenied) return "EACCES";
  if (err instanceof Deno.errors.NotFound) return "ENOENT";
  return undefined;
}

/**
 * The explanation given whenever an energy counter is not readable for permission reasons:
 * why (Platypus, CVE-2020-8694) and the safe way forward (the governor as root, the socket).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { platypusHint } from "./errors.ts";
 * const hint = platypusHint("/sys/class/powercap/intel-rapl:0/energy_uj");
 * assert.match(hint, /^permission denied reading \/sys\/class\/powercap\/intel-rapl:0\/energy_uj/);
 * assert.match(hint, /CVE-2020-8694/);
 * ```
 */
export function platypusHint(path: string): string {
  return `permission denied reading ${path}: since the Platypus fix (CVE-2020-8694, Nov 2020) ` +
    "RAPL energy counters are readable by root only, because unprivileged high-rate energy " +
    "readings are a power side channel that can leak secrets. Run the carbon-ops governor as " +
    "root (see deploy/ for the systemd unit) and let users read energy through its socket " +
    "(group carbon-users); do not loosen the counter file's permissions.";
}
