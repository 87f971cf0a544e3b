/**
 * A bounded cache with a time-to-live per entry and least-recently-used eviction, counting hits,
 * misses, evictions and expirations. Time comes from an injected `Clock` (monotonic), so tests
 * drive expiry with a fake clock.
 *
 * @module
 */

import type { Clock } from "../../base/clock.ts";

/**
 * Counters since the cache was created (or `resetStats`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import { type CacheStats, TtlLruCache } from "./ttl_lru_cache.ts";
 * const cache = new TtlLruCache<string>(new VirtualClock(), { maxEntries: 1 });
 * cache.set("a", "x");
 * cache.set("b", "y");
 * const stats: CacheStats = cache.stats();
 * assert.equal(stats.evictions, 1);
 * assert.equal(stats.size, 1);
 * ```
 */
export interface CacheStats {
  /** Lookups that found a live entry. */
  readonly hits: number;
  /** Lookups that found nothing or an expired entry. */
  readonly misses: number;
  /** Entries dropped because the cache was full (least recently used first). */
  readonly evictions: number;
  /** Entries dropped because their TTL had passed (counted when found expired). */
  readonly expirations: number;
  /** Entries held now. */
  readonly size: number;
  /** Most entries held at once. */
  readonly maxEntries: number;
}

/**
 * Options of {@link TtlLruCache}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import { TtlLruCache, type TtlLruCacheOptions } from "./ttl_lru_cache.ts";
 * const clock = new VirtualClock();
 * const options: TtlLruCacheOptions = { maxEntries: 8, defaultTtlMs: 1000 };
 * const cache = new TtlLruCache<number>(clock, options);
 * cache.set("a", 1);
 * await clock.sleep(1000);
 * assert.equal(cache.get("a"), undefined);
 * assert.equal(cache.stats().expirations, 1);
 * ```
 */
export interface TtlLruCacheOptions {
  /** Most entries held (default 1024). Must be an integer >= 1. */
  readonly maxEntries?: number;
  /** TTL used by `set` when none is given, ms (default 3,600,000 = 1 h). */
  readonly defaultTtlMs?: number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresNs: bigint;
}

/**
 * TTL + LRU cache keyed by string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TtlLruCache } from "./ttl_lru_cache.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const cache = new TtlLruCache<number>(new VirtualClock(), { maxEntries: 2 });
 * cache.set("a", 1, 60_000);
 * assert.equal(cache.get("a"), 1);
 * assert.equal(cache.get("b"), undefined);
 * assert.equal(cache.stats().hits, 1);
 * assert.equal(cache.stats().misses, 1);
 * ```
 */
export class TtlLruCache<V> {
  readonly #clock: Clock;
  readonly #maxEntries: number;
  readonly #defaultTtlMs: number;
  readonly #entries = new Map<string, Entry<V>>();
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #expirations = 0;

  /**
   * Creates an empty cache.
   *
   * @param clock Time source (its `monoNs` decides expiry).
   * @param options `maxEntries` (default 1024), `defaultTtlMs` (default 1 h).
   */
  constructor(clock: Clock, options: TtlLruCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 1024;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`cache maxEntries must be an integer >= 1, got ${maxEntries}`);
    }
    const ttl = options.defaultTtlMs ?? 3_600_000;
    if (!Number.isFinite(ttl) || ttl <= 0) {
      throw new RangeError(`cache defaultTtlMs must be a positive number of ms, got ${ttl}`);
    }
    this.#clock = clock;
    this.#maxEntries = maxEntries;
    this.#defaultTtlMs = ttl;
  }

  /** The live value for `key` (marking it most recently used), or `undefined`. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#entries.delete(key);
    if (entry.expiresNs <= this.#clock.monoNs()) {
      this.#expirations++;
      this.#misses++;
      return undefined;
    }
    this.#entries.set(key, entry);
    this.#hits++;
    return entry.value;
  }

  /** Whether a live entry exists, without counting a hit or miss or touching recency. */
  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresNs > this.#clock.monoNs();
  }

  /**
   * Stores `value` for `ttlMs` (default: the cache's `defaultTtlMs`), evicting the least
   * recently used entries when full. A `ttlMs` of 0 or less stores nothing.
   */
  set(key: string, value: V, ttlMs: number = this.#defaultTtlMs): void {
    this.#entries.delete(key);
    if (!(ttlMs > 0)) return;
    const expiresNs = this.#clock.monoNs() + BigInt(Math.ceil(ttlMs * 1e6));
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
      this.#evictions++;
    }
    this.#entries.set(key, { value, expiresNs });
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Removes every entry (statistics are kept). */
  clear(): void {
    this.#entries.clear();
  }

  /** Current counters. */
  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      expirations: this.#expirations,
      size: this.#entries.size,
      maxEntries: this.#maxEntries,
    };
  }

  /** Sets the counters back to zero. */
  resetStats(): void {
    this.#hits = 0;
    this.#misses = 0;
    this.#evictions = 0;
    this.#expirations = 0;
  }
}
