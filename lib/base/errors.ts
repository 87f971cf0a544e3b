/**
 * Error types that callers (and `main.ts`) branch on. Everything else uses the built-in
 * `Error`, `TypeError`, `RangeError` with a `cause` chain.
 *
 * @module
 */

/**
 * The command line was wrong: unknown command, bad option, missing argument. `main.ts` exits 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./errors.ts";
 * const err = new UsageError("unknown option --jsno", { hint: "did you mean --json?" });
 * assert.equal(err.name, "UsageError");
 * assert.equal(err.hint, "did you mean --json?");
 * assert.equal(err.usage, undefined);
 * ```
 */
export class UsageError extends Error {
  /** A short next step for the user, such as a "did you mean" suggestion. */
  readonly hint: string | undefined;
  /** Usage line of the command the error belongs to, printed under the message. */
  readonly usage: string | undefined;
  /**
   * Creates a usage error.
   *
   * @param message What was wrong.
   * @param options `hint` (default none), `usage` (default none) and the standard `cause`.
   */
  constructor(message: string, options: { hint?: string; usage?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "UsageError";
    this.hint = options.hint;
    this.usage = options.usage;
  }
}

/**
 * Configuration could not be loaded or validated. Names the place: a file with line and column,
 * an environment variable, or a flag. `main.ts` exits 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "./errors.ts";
 * const err = new ConfigError("expected an integer", {
 *   source: "/etc/carbon-ops/config.jsonc",
 *   line: 3,
 *   column: 18,
 *   key: "governor.intervalMs",
 * });
 * assert.equal(
 *   err.message,
 *   "/etc/carbon-ops/config.jsonc:3:18: governor.intervalMs: expected an integer",
 * );
 * assert.equal(err.line, 3);
 * ```
 */
export class ConfigError extends Error {
  /** Where the bad value came from: a file path, an environment variable name, or a flag. */
  readonly source: string;
  /** 1-based line in `source` when it is a file. */
  readonly line: number | undefined;
  /** 1-based column in `source` when it is a file. */
  readonly column: number | undefined;
  /** Dotted config key, e.g. `governor.intervalMs`, when known. */
  readonly key: string | undefined;
  /**
   * Creates a configuration error that names its place.
   *
   * @param problem What is wrong and what is expected.
   * @param place `source` (required), `line`, `column`, `key` (default unknown) and `cause`.
   */
  constructor(
    problem: string,
    place: { source: string; line?: number; column?: number; key?: string; cause?: unknown },
  ) {
    const where = place.line === undefined
      ? place.source
      : `${place.source}:${place.line}:${place.column ?? 1}`;
    const key = place.key === undefined ? "" : ` ${place.key}:`;
    super(`${where}:${key} ${problem}`, { cause: place.cause });
    this.name = "ConfigError";
    this.source = place.source;
    this.line = place.line;
    this.column = place.column;
    this.key = place.key;
  }
}
