/**
 * Pure retry arithmetic: exponential backoff with full jitter and `Retry-After` parsing. The
 * jitter's randomness is injected (a `RandomSource`, e.g. `seededRandom` from lib/base/prng.ts).
 *
 * @module
 */

import type { RandomSource } from "../../base/prng.ts";

/**
 * Backoff settings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BackoffOptions, backoffDelayMs } from "./backoff.ts";
 * const options: BackoffOptions = { baseDelayMs: 100, maxDelayMs: 1000 };
 * assert.equal(backoffDelayMs(10, () => 0.5, options), 500);
 * ```
 */
export interface BackoffOptions {
  /** Delay scale of the first retry, ms (default 200). */
  readonly baseDelayMs?: number;
  /** Largest delay before jitter, ms (default 5000). */
  readonly maxDelayMs?: number;
}

/**
 * Delay before retry number `retry` (0 for the first retry): "full jitter",
 * `random() * min(maxDelayMs, baseDelayMs * 2^retry)`.
 *
 * @param retry 0-based retry number.
 * @param random Uniform [0, 1) source.
 * @param options `baseDelayMs` (default 200), `maxDelayMs` (default 5000).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelayMs } from "./backoff.ts";
 * assert.equal(backoffDelayMs(3, () => 0.5, { baseDelayMs: 100 }), 400);
 * assert.equal(backoffDelayMs(0, () => 0), 0);
 * ```
 */
export function backoffDelayMs(
  retry: number,
  random: RandomSource,
  options: BackoffOptions = {},
): number {
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, Math.min(retry, 30)));
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return Math.floor(unit * ceiling);
}

/**
 * The wait a `Retry-After` header asks for, in ms: delta-seconds (`"120"`) or an HTTP-date
 * relative to `nowMs`. `undefined` when absent or unparseable; never negative.
 *
 * @param value Header value or `null`.
 * @param nowMs Current wall-clock time, Unix epoch ms.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRetryAfterMs } from "./backoff.ts";
 * assert.equal(parseRetryAfterMs("2", 0), 2000);
 * assert.equal(parseRetryAfterMs("Thu, 01 Jan 1970 00:00:05 GMT", 1000), 4000);
 * assert.equal(parseRetryAfterMs("soon", 0), undefined);
 * ```
 */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  if (!/^[A-Za-z]{3}/.test(text)) return undefined; // HTTP-dates start with a day name
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
