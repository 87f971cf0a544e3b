/** Re-exports of node:assert/strict under the names the provider tests use. */
import assertStrict from "node:assert/strict";

/** Asserts a truthy value. */
export function assert(value: unknown, message?: string): asserts value {
  assertStrict.ok(value, message);
}

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assertStrict.deepStrictEqual(actual, expected, message);
}

/** `actual <= expected`. */
export function assertLessOrEqual(actual: number, expected: number, message?: string): void {
  assertStrict.ok(actual <= expected, message ?? `${actual} > ${expected}`);
}

/** Approximate equality within `epsilon`. */
export function assertAlmostEquals(actual: number, expected: number, epsilon = 1e-9): void {
  assertStrict.ok(
    Math.abs(actual - expected) <= epsilon,
    `${actual} != ${expected} +/- ${epsilon}`,
  );
}
