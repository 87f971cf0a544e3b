/** Small assertion helpers for the carbon tests, on top of node:assert/strict. */
import strict from "node:assert/strict";

/** Asserts a truthy value. */
export function assert(value: unknown, message?: string): asserts value {
  strict.ok(value, message);
}

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  strict.deepStrictEqual(actual, expected, message);
}

/** |actual - expected| <= tolerance. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance: number,
  message?: string,
): void {
  strict.ok(
    Math.abs(actual - expected) <= tolerance,
    `${message ? message + ": " : ""}expected ${expected} +/- ${tolerance}, got ${actual}`,
  );
}

/** `fn` throws an instance of `type` whose message contains `includes` (when given). */
export function assertThrows(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  includes?: string,
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  strict.ok(caught instanceof type, `expected ${type.name}, got ${String(caught)}`);
  if (includes !== undefined) {
    strict.ok(caught.message.includes(includes), `"${caught.message}" lacks "${includes}"`);
  }
  return caught;
}

/** `fn` rejects with an instance of `type` whose message contains `includes` (when given). */
export async function assertRejects(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  includes?: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  strict.ok(caught instanceof type, `expected ${type.name}, got ${String(caught)}`);
  if (includes !== undefined) {
    strict.ok(caught.message.includes(includes), `"${caught.message}" lacks "${includes}"`);
  }
  return caught;
}

/** `text` matches `re`. */
export function assertMatch(text: string, re: RegExp): void {
  strict.match(text, re);
}
