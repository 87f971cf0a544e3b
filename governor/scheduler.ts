/**
 * Deadline-based ticking on the monotonic clock: tick k is due at `start + k * interval`, so
 * lateness never accumulates into drift. Deadlines already passed when a tick finishes are
 * skipped (counted as missed) instead of being run in a burst.
 *
 * @module
 */

import type { Clock } from "../lib/base/clock.ts";

/** A tick may start this early (timer granularity); it counts as on time. */
const EARLY_TOLERANCE_NS = 1_000_000n;

/**
 * Options of {@link Scheduler}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SchedulerOptions } from "./scheduler.ts";
 * import { Scheduler } from "./scheduler.ts";
 * import { VirtualClock } from "../lib/base/clock.ts";
 * const options: SchedulerOptions = { intervalMs: 250, window: 8 };
 * const s = new Scheduler(new VirtualClock(), () => {}, options);
 * assert.equal(s.stats().intervalMs, 250);
 * assert.equal(s.stats().ticks, 0);
 * ```
 */
export interface SchedulerOptions {
  /** Tick period in milliseconds (default 100, i.e. 10 Hz). */
  readonly intervalMs?: number;
  /** How many recent ticks the lateness and duration percentiles cover (default 4096). */
  readonly window?: number;
}

/**
 * Percentiles over the recent window plus the all-time maximum, in milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LatencySummary } from "./scheduler.ts";
 * import { LatencyRing } from "./scheduler.ts";
 * const ring = new LatencyRing(2);
 * ring.add(4);
 * const summary: LatencySummary = ring.summary();
 * assert.deepEqual(summary, { p50Ms: 4, p99Ms: 4, maxMs: 4, window: 1 });
 * ```
 */
export interface LatencySummary {
  /** Median over the window. */
  readonly p50Ms: number;
  /** 99th percentile over the window. */
  readonly p99Ms: number;
  /** Largest value since start. */
  readonly maxMs: number;
  /** Number of values the percentiles are computed from. */
  readonly window: number;
}

/**
 * Scheduler figures for `stats`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SchedulerStats } from "./scheduler.ts";
 * import { Scheduler } from "./scheduler.ts";
 * import { VirtualClock } from "../lib/base/clock.ts";
 * const stop = new AbortController();
 * const s = new Scheduler(new VirtualClock(), () => stop.abort(), { intervalMs: 100 });
 * await s.run(stop.signal);
 * const stats: SchedulerStats = s.stats();
 * assert.equal(stats.ticks, 1);
 * assert.equal(stats.overruns, 0);
 * ```
 */
export interface SchedulerStats {
  /** Configured period. */
  readonly intervalMs: number;
  /** Ticks run. */
  readonly ticks: number;
  /** Ticks that ended after the next deadline had already passed. */
  readonly overruns: number;
  /** Deadlines skipped because of overruns. */
  readonly missedTicks: number;
  /** How late each tick started relative to its deadline. */
  readonly lateness: LatencySummary;
  /** How long each tick's work took. */
  readonly duration: LatencySummary;
  /** Monotonic time the last tick started (ns), or null before the first. */
  readonly lastTickMonoNs: bigint | null;
}

/**
 * What the tick function learns about its tick.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TickInfo } from "./scheduler.ts";
 * import { Scheduler } from "./scheduler.ts";
 * import { VirtualClock } from "../lib/base/clock.ts";
 * const stop = new AbortController();
 * const ticks: TickInfo[] = [];
 * const s = new Scheduler(new VirtualClock(), (t) => {
 *   ticks.push(t);
 *   if (ticks.length === 2) stop.abort();
 * }, { intervalMs: 100 });
 * await s.run(stop.signal);
 * assert.deepEqual(ticks.map((t) => t.index), [0, 1]);
 * assert.equal(ticks[1].deadlineNs - ticks[0].deadlineNs, 100_000_000n);
 * ```
 */
export interface TickInfo {
  /** Tick number since start (deadline index, includes skipped ones). */
  readonly index: number;
  /** The deadline (ns, monotonic). */
  readonly deadlineNs: bigint;
  /** The time the tick actually started (ns, monotonic). */
  readonly monoNs: bigint;
}

/**
 * A fixed-size ring of recent values with percentile queries: bounded memory for any uptime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LatencyRing } from "./scheduler.ts";
 * const ring = new LatencyRing(4);
 * for (const v of [1, 2, 3, 4, 5]) ring.add(v);
 * assert.deepEqual(ring.summary(), { p50Ms: 3, p99Ms: 5, maxMs: 5, window: 4 }); // 1 fell out
 * ```
 */
export class LatencyRing {
  readonly #values: Float64Array;
  #count = 0;
  #next = 0;
  #max = 0;

  /**
   * Creates an empty ring.
   *
   * @param size Values kept (the window).
   */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`window must be >= 1, got ${size}`);
    }
    this.#values = new Float64Array(size);
  }

  /** Records one value. */
  add(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count++;
    if (value > this.#max) this.#max = value;
  }

  /** p50/p99 (nearest rank) over the window and the all-time max. */
  summary(): LatencySummary {
    if (this.#count === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 0 };
    const sorted = this.#values.slice(0, this.#count).sort();
    const rank = (p: number) => sorted[Math.min(this.#count - 1, Math.ceil(p * this.#count) - 1)];
    return { p50Ms: rank(0.5), p99Ms: rank(0.99), maxMs: this.#max, window: this.#count };
  }
}

/**
 * Runs `tick` every `intervalMs` on `clock` until the signal aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Scheduler } from "./scheduler.ts";
 * import { VirtualClock } from "../lib/base/clock.ts";
 * let n = 0;
 * const stop = new AbortController();
 * const clock = new VirtualClock();
 * const s = new Scheduler(clock, () => {
 *   if (++n === 3) stop.abort();
 * }, { intervalMs: 10 });
 * await s.run(stop.signal);
 * assert.equal(s.stats().ticks, 3);
 * assert.equal(s.stats().intervalMs, 10);
 * ```
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #tick: (info: TickInfo) => void | Promise<void>;
  readonly #intervalNs: bigint;
  readonly #intervalMs: number;
  readonly #lateness: LatencyRing;
  readonly #duration: LatencyRing;
  #ticks = 0;
  #overruns = 0;
  #missed = 0;
  #lastTickNs: bigint | null = null;

  /**
   * Creates a scheduler; nothing runs until {@link Scheduler.run}.
   *
   * @param clock Monotonic time and sleeping.
   * @param tick Work done at each deadline; an exception stops `run` with that error.
   * @param options See {@link SchedulerOptions}.
   */
  constructor(
    clock: Clock,
    tick: (info: TickInfo) => void | Promise<void>,
    options: SchedulerOptions = {},
  ) {
    const intervalMs = options.intervalMs ?? 100;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
    }
    this.#clock = clock;
    this.#tick = tick;
    this.#intervalMs = intervalMs;
    this.#intervalNs = BigInt(Math.round(intervalMs * 1e6));
    this.#lateness = new LatencyRing(options.window ?? 4096);
    this.#duration = new LatencyRing(options.window ?? 4096);
  }

  /** Ticks now, then at each deadline, until `signal` aborts. Resolves when stopped. */
  async run(signal: AbortSignal): Promise<void> {
    const startNs = this.#clock.monoNs();
    let index = 0;
    while (!signal.aborted) {
      const deadlineNs = startNs + BigInt(index) * this.#intervalNs;
      let now = this.#clock.monoNs();
      // Timers have millisecond granularity and fire up to ~1 ms after their time: sleep whole
      // milliseconds and accept waking up to 1 ms early (counted as on time) rather than always
      // rounding up and being late by 1-2 ms.
      while (now < deadlineNs - EARLY_TOLERANCE_NS) {
        try {
          await this.#clock.sleep(Math.max(1, Math.floor(Number(deadlineNs - now) / 1e6)), signal);
        } catch {
          if (signal.aborted) return;
        }
        if (signal.aborted) return;
        now = this.#clock.monoNs();
      }
      this.#lateness.add(now > deadlineNs ? Number(now - deadlineNs) / 1e6 : 0);
      this.#lastTickNs = now;
      const pending = this.#tick({ index, deadlineNs, monoNs: now });
      if (pending) await pending;
      const end = this.#clock.monoNs();
      this.#duration.add(Number(end - now) / 1e6);
      this.#ticks++;
      // the first deadline at or after `end`; deadlines before it are skipped
      const sinceStart = end - startNs;
      const nextIndex = Number(
        (sinceStart + this.#intervalNs - 1n) / this.#intervalNs,
      );
      if (nextIndex > index + 1) {
        this.#overruns++;
        this.#missed += nextIndex - index - 1;
      }
      index = Math.max(index + 1, nextIndex);
    }
  }

  /** Tick counts and latency summaries. */
  stats(): SchedulerStats {
    return {
      intervalMs: this.#intervalMs,
      ticks: this.#ticks,
      overruns: this.#overruns,
      missedTicks: this.#missed,
      lateness: this.#lateness.summary(),
      duration: this.#duration.summary(),
      lastTickMonoNs: this.#lastTickNs,
    };
  }
}
