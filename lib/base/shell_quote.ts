/**
 * Quoting for commands we print for people to paste into a POSIX shell.
 *
 * @module
 */

/**
 * `text` as one POSIX shell word: unchanged when it holds only characters no shell treats
 * specially, else in single quotes (a `'` inside written as `'\''`).
 *
 * @param text Any string (a path, an origin).
 * @returns The shell word.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellQuote } from "./shell_quote.ts";
 * assert.equal(shellQuote("/var/lib/carbon-ops/ledger"), "/var/lib/carbon-ops/ledger");
 * assert.equal(shellQuote("/a b"), "'/a b'");
 * assert.equal(shellQuote("it's"), "'it'\\''s'");
 * ```
 */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
