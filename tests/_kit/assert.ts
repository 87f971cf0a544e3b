/**
 * The assertions `node:assert/strict` does not have, for every test: approximate equality, an
 * upper bound, and "throws (or rejects) this error type with this text". Everything else is
 * `import assert from "node:assert/strict"`.
 *
 * @module
 */
import assert from "node:assert/strict";

/** |actual - expected| <= tolerance (default 1e-9). */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-9,
  message?: string,
): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${message ? message + ": " : ""}expected ${expected} +/- ${tolerance}, got ${actual}`,
  );
}

/** `actual <= bound`. */
export function assertLessOrEqual(actual: number, bound: number, message?: string): void {
  assert.ok(actual <= bound, message ?? `${actual} > ${bound}`);
}

function checkCaught(
  caught: unknown,
  type: abstract new (...args: never[]) => Error,
  includes: string | undefined,
): Error {
  assert.ok(caught instanceof type, `expected ${type.name}, got ${String(caught)}`);
  if (includes !== undefined) {
    assert.ok(caught.message.includes(includes), `"${caught.message}" lacks "${includes}"`);
  }
  return caught;
}

/** `fn` throws an instance of `type` whose message contains `includes` (when given). */
export function assertThrows(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  includes?: string,
): Error {
  try {
    fn();
  } catch (err) {
    return checkCaught(err, type, includes);
  }
  return checkCaught(undefined, type, includes);
}

/** `fn` rejects with an instance of `type` whose message contains `includes` (when given). */
export async function assertRejects(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return checkCaught(err, type, includes);
  }
  return checkCaught(undefined, type, includes);
}
