/**
 * Where text goes: stdout, stderr, a log, or a buffer in tests. Shared by the CLI shell and the
 * governor daemon's log.
 *
 * @module
 */

/**
 * Somewhere text goes: stdout, stderr, or a buffer in tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TextSink } from "./text_sink.ts";
 * const parts: string[] = [];
 * const sink: TextSink = { write: (text) => void parts.push(text) };
 * sink.write("hello\n");
 * assert.deepEqual(parts, ["hello\n"]);
 * ```
 */
export interface TextSink {
  /** Writes `text` as-is (add your own newline). */
  write(text: string): void;
}
