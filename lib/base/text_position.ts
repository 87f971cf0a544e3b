/**
 * Line and column of an offset in a text, for error messages that point into a file
 * (`file:line:column`).
 *
 * @module
 */

/**
 * A 1-based line and column; the column counts UTF-16 code units from the line start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TextPosition } from "./text_position.ts";
 * import { textPosition } from "./text_position.ts";
 * const at: TextPosition = textPosition("a\r\nbc", 4);
 * assert.deepEqual(at, { line: 2, column: 2 });
 * assert.equal(`config.jsonc:${at.line}:${at.column}`, "config.jsonc:2:2");
 * ```
 */
export interface TextPosition {
  /** 1-based line number (lines end at "\n"). */
  readonly line: number;
  /** 1-based column, in UTF-16 code units. */
  readonly column: number;
}

/**
 * The 1-based line and column of the UTF-16 `offset` in `text` (clamped to the text, so the end
 * of input has a position too). A "\r\n" ends a line like "\n" does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textPosition } from "./text_position.ts";
 * const text = '{\n  "a": 1,\n  "b": x\n}';
 * assert.deepEqual(textPosition(text, text.indexOf("x")), { line: 3, column: 8 });
 * assert.deepEqual(textPosition(text, 0), { line: 1, column: 1 });
 * assert.deepEqual(textPosition("ab", 99), { line: 1, column: 3 });
 * ```
 */
export function textPosition(text: string, offset: number): TextPosition {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf("\n"); nl !== -1 && nl < end; nl = text.indexOf("\n", nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: end - lineStart + 1 };
}
