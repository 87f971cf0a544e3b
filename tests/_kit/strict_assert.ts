/** Short-named wrappers over node:assert/strict, as the energy source tests use them. */
import assert from "node:assert/strict";

/** Deep strict equality (`assert.deepStrictEqual`). */
export function assertEqual(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** `text` matches `re` (`assert.match`). */
export function assertMatch(text: string, re: RegExp): void {
  assert.match(text, re);
}
