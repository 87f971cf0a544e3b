/**
 * Pure retry arithmetic: exponential backoff with full jitter, `Retry-After` parsing, and a small
 * seeded generator for the jitter (randomness is injected, never global).
 *
 * @module
 */

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A seeded generator (mulberry32): the same seed gives the same sequence.
 *
 * @param seed Any integer (only the low 32 bits are used).
 * @example
 * ```ts
 * import { seededRandom } from "./backoff.ts";
 * const a = seededRandom(7), b = seededRandom(7);
 * console.log(a() === b()); // true
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Backoff settings. */
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
 * import { backoffDelayMs } from "./backoff.ts";
 * console.log(backoffDelayMs(3, () => 0.5, { baseDelayMs: 100 })); // 400
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
 * import { parseRetryAfterMs } from "./backoff.ts";
 * console.log(parseRetryAfterMs("2", 0)); // 2000
 * console.log(parseRetryAfterMs("Thu, 01 Jan 1970 00:00:05 GMT", 1000)); // 4000
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
