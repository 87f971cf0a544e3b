/**
 * Time, injected. Production code takes a `Clock`; tests pass a `FakeClock` (tests/kit).
 *
 * @module
 */

/** Wall and monotonic time plus sleeping. */
export interface Clock {
  /** Wall-clock time in milliseconds since the Unix epoch (for timestamps only). */
  nowMs(): number;
  /** Monotonic time in nanoseconds (for intervals, deadlines, rates). */
  monoNs(): bigint;
  /** Resolves after `ms` milliseconds of this clock's time, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const monoOriginMs = performance.timeOrigin;

/**
 * The real clock: `Date.now()`, `performance.now()` and timers.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * const t0 = systemClock.monoNs();
 * await systemClock.sleep(1);
 * console.log(systemClock.monoNs() > t0);
 * ```
 */
export const systemClock: Clock = Object.freeze({
  nowMs: () => Date.now(),
  monoNs: () => BigInt(Math.round((performance.now() + monoOriginMs) * 1e6)),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
});

/**
 * Formats epoch milliseconds as RFC 3339 UTC with milliseconds and `Z`.
 *
 * @example
 * ```ts
 * import { rfc3339 } from "./clock.ts";
 * console.log(rfc3339(0)); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
