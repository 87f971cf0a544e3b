/**
 * Time, injected. Production code takes a `Clock`; simulations and tests pass a `VirtualClock`.
 *
 * @module
 */

/**
 * Wall and monotonic time plus sleeping.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Clock, VirtualClock } from "./clock.ts";
 * const clock: Clock = new VirtualClock({ monoNs: 5n });
 * await clock.sleep(2);
 * assert.equal(clock.monoNs(), 2_000_005n);
 * ```
 */
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
 * import assert from "node:assert/strict";
 * import { systemClock } from "./clock.ts";
 * const t0 = systemClock.monoNs();
 * await systemClock.sleep(1);
 * assert.ok(systemClock.monoNs() > t0);
 * assert.ok(Math.abs(systemClock.nowMs() - Date.now()) < 1_000);
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
 * import assert from "node:assert/strict";
 * import { rfc3339 } from "./clock.ts";
 * assert.equal(rfc3339(0), "1970-01-01T00:00:00.000Z");
 * ```
 */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * THE virtual clock (for simulations, the aliasing demo and every test): time moves only through
 * `advance` or `sleep`, never with the wall.
 *
 * Two ways to sleep, chosen with `sleep`:
 * - `"instant"` (default): `sleep` moves the clock forward by its delay and resolves at once, so
 *   simulated hours run in milliseconds;
 * - `"manual"`: `sleep` waits until `advance` passes its deadline; sleepers wake in deadline
 *   order, each one's continuation running before the next wakes, so a scheduler can be driven
 *   tick by tick. `lateWakeMs` makes every such wake-up late by that much (timer slack).
 *
 * Every delay asked of `sleep` is kept in `sleeps`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "./clock.ts";
 * const clock = new VirtualClock();
 * await clock.sleep(15_000);
 * assert.equal(clock.monoNs(), 15_000_000_000n);
 * assert.equal(clock.nowMs(), Date.UTC(2026, 0, 1) + 15_000);
 *
 * const manual = new VirtualClock({ sleep: "manual" });
 * let woke = false;
 * const sleeping = manual.sleep(100).then(() => woke = true);
 * await manual.advance(99);
 * assert.equal(woke, false);
 * await manual.advance(1);
 * await sleeping;
 * assert.equal(woke, true);
 * assert.deepEqual(manual.sleeps, [100]);
 * ```
 */
export class VirtualClock implements Clock {
  #monoNs: bigint;
  #wallMs: number;
  readonly #manual: boolean;
  readonly #lateWakeNs: bigint;
  #sleepers: { dueNs: bigint; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Every delay asked of `sleep`, in ms, in call order. */
  readonly sleeps: number[] = [];

  /**
   * Creates a virtual clock.
   *
   * @param options `monoNs` start (default 0n), `wallMs` start (default 2026-01-01T00:00:00Z),
   *   `sleep` (`"instant"`, the default, or `"manual"`) and `lateWakeMs` (manual sleeps only:
   *   how late every wake-up is, default 0).
   */
  constructor(
    options: {
      monoNs?: bigint;
      wallMs?: number;
      sleep?: "instant" | "manual";
      lateWakeMs?: number;
    } = {},
  ) {
    this.#monoNs = options.monoNs ?? 0n;
    this.#wallMs = options.wallMs ?? Date.UTC(2026, 0, 1);
    this.#manual = options.sleep === "manual";
    this.#lateWakeNs = toNs(options.lateWakeMs ?? 0);
  }

  /** Wall time in epoch milliseconds. */
  nowMs(): number {
    return this.#wallMs;
  }

  /** Monotonic time in nanoseconds. */
  monoNs(): bigint {
    return this.#monoNs;
  }

  /**
   * Sleeps `ms` of virtual time: at once (instant clocks: time moves forward by `ms`), or until
   * `advance` passes the deadline (manual clocks). Rejects with the signal's reason when `signal`
   * aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.sleeps.push(ms);
    const delayMs = Math.max(0, ms); // like setTimeout: a deadline already passed is due now
    if (!this.#manual) {
      this.#move(toNs(delayMs), delayMs);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = { dueNs: this.#monoNs + toNs(delayMs) + this.#lateWakeNs, resolve, reject };
      this.#sleepers.push(entry);
      signal?.addEventListener("abort", () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== entry);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Number of sleeps waiting for `advance` (always 0 on an instant clock). */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /**
   * Moves time forward by `ms` milliseconds (exact to the nanosecond), waking the sleepers whose
   * deadline it passes in deadline order and letting each one's continuation run before waking
   * the next. Time has moved when this returns if nothing was asleep; await it otherwise.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock by ${ms} ms`);
    const targetNs = this.#monoNs + toNs(ms);
    const wallTargetMs = this.#wallMs + ms;
    for (;;) {
      this.#sleepers.sort((a, b) => (a.dueNs < b.dueNs ? -1 : a.dueNs > b.dueNs ? 1 : 0));
      const next = this.#sleepers[0];
      if (!next || next.dueNs > targetNs) break;
      this.#sleepers.shift();
      this.#move(next.dueNs - this.#monoNs, Number(next.dueNs - this.#monoNs) / 1e6);
      next.resolve();
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await new Promise((r) => setTimeout(r, 0));
    }
    this.#monoNs = targetNs > this.#monoNs ? targetNs : this.#monoNs;
    this.#wallMs = wallTargetMs > this.#wallMs ? wallTargetMs : this.#wallMs;
  }

  #move(ns: bigint, ms: number): void {
    this.#monoNs += ns;
    this.#wallMs += ms;
  }
}

function toNs(ms: number): bigint {
  if (!(ms >= 0)) throw new RangeError(`cannot move a clock by ${ms} ms`);
  return BigInt(Math.round(ms * 1e6));
}
