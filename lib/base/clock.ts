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

/**
 * A clock for virtual time: it moves only through `advance` or `sleep`, and `sleep` returns at
 * once after moving the clock, so simulated hours run in milliseconds. Used by the aliasing
 * demo's default mode and by simulations; tests may use it too.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "./clock.ts";
 * const clock = new VirtualClock();
 * await clock.sleep(15_000);
 * console.log(clock.monoNs()); // 15000000000n
 * ```
 */
export class VirtualClock implements Clock {
  #monoNs: bigint;
  #wallMs: number;

  /**
   * Creates a virtual clock.
   *
   * @param options `monoNs` start (default 0n) and `wallMs` start (default 2026-01-01T00:00:00Z).
   */
  constructor(options: { monoNs?: bigint; wallMs?: number } = {}) {
    this.#monoNs = options.monoNs ?? 0n;
    this.#wallMs = options.wallMs ?? Date.UTC(2026, 0, 1);
  }

  /** Wall time in epoch milliseconds. */
  nowMs(): number {
    return this.#wallMs;
  }

  /** Monotonic time in nanoseconds. */
  monoNs(): bigint {
    return this.#monoNs;
  }

  /** Moves time forward by `ms` and resolves at once (rejects if `signal` already aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.advance(ms);
    return Promise.resolve();
  }

  /** Moves time forward by `ms` milliseconds (exact to the nanosecond). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock by ${ms} ms`);
    this.#monoNs += BigInt(Math.round(ms * 1e6));
    this.#wallMs += ms;
  }
}
