/**
 * Shared machinery of the live intensity providers (Electricity Maps, WattTime, UK Carbon
 * Intensity): credentials check, zone mapping, a day-paged TTL+LRU cache, batched range requests
 * with timeouts and bounded retries, and "no reading" (`null`) with the reason recorded instead of
 * an exception. Subclasses only map regions and speak their API.
 *
 * @module
 */

import { type Clock, systemClock } from "../../base/clock.ts";
import type {
  IntensityProvider,
  IntensityQueryOptions,
  IntensityReading,
  RegionLocation,
} from "../provider.ts";
import { type RandomSource, seededRandom } from "../../base/prng.ts";
import {
  type DiagnosticsCallback,
  fail,
  type Outcome,
  type ProviderFailure,
  succeed,
} from "./failure.ts";
import { type FetchFn, getText, type HttpPolicy, type HttpText } from "./http_fetch.ts";
import { batchPages, DAY_MS, pageOf, pageStarts, tidyReadings } from "./span_pages.ts";
import { CoolDown } from "./cool_down.ts";
import { KeyedLock } from "./keyed_lock.ts";
import { type CacheStats, TtlLruCache } from "./ttl_lru_cache.ts";

/**
 * Options every live provider accepts. All have defaults.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import type { ProviderFailure } from "./failure.ts";
 * import type { LiveProviderOptions } from "./live_provider.ts";
 * import { UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
 * const seen: ProviderFailure[] = [];
 * const options: LiveProviderOptions = {
 *   clock: new VirtualClock(),
 *   fetch: () => Promise.resolve(new Response("down", { status: 500 })),
 *   maxAttempts: 2,
 *   onDiagnostic: (f) => seen.push(f),
 * };
 * const uk = new UkCarbonIntensityProvider(options);
 * assert.equal(await uk.intensityForSpan("GB", Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 1)), null);
 * assert.equal(seen[0].kind, "http");
 * assert.equal(seen[0].attempts, 2);
 * ```
 */
export interface LiveProviderOptions {
  /** Time for TTLs, backoff sleeps and "now" (default the system clock). */
  readonly clock?: Clock;
  /** Jitter source (default: a generator seeded once from `crypto.getRandomValues`). */
  readonly random?: RandomSource;
  /** Transport (default `globalThis.fetch`). */
  readonly fetch?: FetchFn;
  /** Timeout of one HTTP attempt, ms (default 5000; config `carbon.providerTimeoutMs`). */
  readonly timeoutMs?: number;
  /** Total attempts per request, first included (default 3). */
  readonly maxAttempts?: number;
  /** Backoff scale of the first retry, ms (default 200). */
  readonly baseDelayMs?: number;
  /** Backoff cap before jitter, ms (default 5000). */
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` obeyed, ms (default 30,000); longer ends as `rate_limited`. */
  readonly maxRetryAfterMs?: number;
  /** Largest response body read, bytes (default 8 MiB); larger fails as `malformed`. */
  readonly maxBodyBytes?: number;
  /** A cache to share between providers (default: a private one). */
  readonly cache?: TtlLruCache<readonly IntensityReading[]>;
  /** Pages (UTC days per zone) held by the private cache (default 512). */
  readonly cacheMaxEntries?: number;
  /** TTL of pages that ended more than a day ago, ms (default 6 h). */
  readonly cacheTtlMs?: number;
  /** TTL of pages within the last day (still being filled in), ms (default 5 min). */
  readonly recentCacheTtlMs?: number;
  /** After a timeout, network error, 429 or 5xx, send no request for this long, ms (default 60,000; 0: off). */
  readonly coolDownMs?: number;
  /** Longest time one query may take, all requests and retries included, ms (default 30,000). */
  readonly queryTimeoutMs?: number;
  /** Longest span served, in days (default 370); longer spans get "no reading". */
  readonly maxSpanDays?: number;
  /** 1-sigma relative uncertainty in percent to put on readings (default: per provider). */
  readonly uncertaintyPct?: number;
  /** Called with every failure, as it happens. */
  readonly onDiagnostic?: DiagnosticsCallback;
}

/**
 * Counters of one provider.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LiveProviderStats } from "./live_provider.ts";
 * import { UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
 * const uk = new UkCarbonIntensityProvider();
 * await uk.intensityForSpan("FR", 0, 3_600_000); // not in Great Britain: no request
 * const stats: LiveProviderStats = uk.stats();
 * assert.equal(stats.queries, 1);
 * assert.equal(stats.requests, 0);
 * assert.equal(stats.failures, 1);
 * ```
 */
export interface LiveProviderStats {
  /** Spans asked for. */
  readonly queries: number;
  /** HTTP requests made (each may have retried). */
  readonly requests: number;
  /** Queries answered with "no reading". */
  readonly failures: number;
  /** Page cache counters. */
  readonly cache: CacheStats;
}

/**
 * What a subclass gets for talking to its API.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FetchContext } from "./live_provider.ts";
 * const controller = new AbortController();
 * const ctx: FetchContext = { signal: controller.signal };
 * assert.equal(ctx.signal?.aborted, false);
 * ```
 */
export interface FetchContext {
  /** The caller's cancel signal. */
  readonly signal: AbortSignal | undefined;
}

/**
 * A mapped zone: the provider's code and the cache key part that identifies it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ZoneRef } from "./live_provider.ts";
 * const zone: ZoneRef = { zone: "CAISO_NORTH", cacheKey: "CAISO_NORTH/co2_moer" };
 * assert.ok(zone.cacheKey.startsWith(zone.zone));
 * ```
 */
export interface ZoneRef {
  /** Provider's own code, e.g. `DE`, `CAISO_NORTH`, `national`. */
  readonly zone: string;
  /** Distinguishes cached pages (zone plus any variant such as signal type). */
  readonly cacheKey: string;
}

const RECENT_WINDOW_MS = DAY_MS;

/**
 * Highest intensity accepted from an API, g/kWh. The dirtiest grids average about 1,300 (oil and
 * lignite) and marginal rates stay under about 1,000; 5,000 leaves room for any real hour and
 * still rejects unit mix-ups (kg, lb/MWh taken as g/kWh x 1000) and junk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_PLAUSIBLE_G_PER_KWH } from "./live_provider.ts";
 * assert.equal(MAX_PLAUSIBLE_G_PER_KWH, 5000);
 * assert.ok(1300 < MAX_PLAUSIBLE_G_PER_KWH && 1300 * 1000 > MAX_PLAUSIBLE_G_PER_KWH);
 * ```
 */
export const MAX_PLAUSIBLE_G_PER_KWH = 5000;

/**
 * Base class of the live providers: implements `intensityForSpan` once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import { UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
 * const body = JSON.stringify({
 *   data: [
 *     { from: "2025-01-01T00:00Z", to: "2025-01-01T00:30Z", intensity: { forecast: 150, actual: 140 } },
 *     { from: "2025-01-01T00:30Z", to: "2025-01-01T01:00Z", intensity: { forecast: 160, actual: null } },
 *   ],
 * });
 * let requests = 0;
 * const fetch = () => (requests++, Promise.resolve(new Response(body)));
 * const uk = new UkCarbonIntensityProvider({ clock: new VirtualClock(), fetch });
 * const span = [Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 1)] as const;
 * const readings = await uk.intensityForSpan("GB", ...span);
 * assert.deepEqual(readings?.map((r) => [r.intensityGPerKwh, r.measured]), [[140, true], [160, false]]);
 * await uk.intensityForSpan("GB", ...span); // served from the page cache
 * assert.equal(requests, 1);
 * assert.equal(uk.lastError, undefined);
 * ```
 */
export abstract class LiveProvider implements IntensityProvider {
  /** Stable provider name (also the `source` of its readings). */
  abstract readonly name: string;
  /** Length of the API's periods, ms: "now" is rounded up to it when clamping requests. */
  protected abstract readonly periodMs: number;
  /** Most days (pages) one request may cover. */
  protected abstract readonly maxPagesPerRequest: number;
  /** Whether periods after "now" may be requested (forecasts). */
  protected readonly allowFuture: boolean = false;

  /** Time source. */
  protected readonly clock: Clock;
  /** Default uncertainty override, if the user gave one. */
  protected readonly uncertaintyOverridePct: number | undefined;
  readonly #policy: HttpPolicy;
  readonly #cache: TtlLruCache<readonly IntensityReading[]>;
  readonly #cacheTtlMs: number;
  readonly #recentCacheTtlMs: number;
  readonly #maxSpanDays: number;
  readonly #onDiagnostic: DiagnosticsCallback | undefined;
  #lastError: ProviderFailure | undefined;
  readonly #zoneLocks = new KeyedLock();
  readonly #coolDown: CoolDown;
  readonly #queryTimeoutMs: number;
  #queries = 0;
  #requests = 0;
  #failures = 0;

  /**
   * Sets up the HTTP policy, cache and diagnostics shared by every live provider.
   *
   * @param options See {@link LiveProviderOptions}; every field has a default.
   */
  constructor(options: LiveProviderOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const random = options.random ?? seededRandom(crypto.getRandomValues(new Uint32Array(1))[0]);
    this.#policy = {
      clock: this.clock,
      random,
      timeoutMs: options.timeoutMs ?? 5000,
      maxAttempts: options.maxAttempts ?? 3,
      baseDelayMs: options.baseDelayMs ?? 200,
      maxDelayMs: options.maxDelayMs ?? 5000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    };
    this.#cache = options.cache ??
      new TtlLruCache(this.clock, { maxEntries: options.cacheMaxEntries ?? 512 });
    this.#cacheTtlMs = options.cacheTtlMs ?? 6 * 3_600_000;
    this.#recentCacheTtlMs = options.recentCacheTtlMs ?? 5 * 60_000;
    this.#maxSpanDays = options.maxSpanDays ?? 370;
    this.uncertaintyOverridePct = options.uncertaintyPct;
    this.#onDiagnostic = options.onDiagnostic;
    this.#coolDown = new CoolDown(this.clock, options.coolDownMs ?? 60_000);
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
  }

  /** The most recent failure (kept until the next failure), or `undefined`. */
  get lastError(): ProviderFailure | undefined {
    return this.#lastError;
  }

  /** Query, request, failure and cache counters. */
  stats(): LiveProviderStats {
    return {
      queries: this.#queries,
      requests: this.#requests,
      failures: this.#failures,
      cache: this.#cache.stats(),
    };
  }

  /** Why the provider cannot be used (e.g. no API key), or `undefined` when configured. */
  protected abstract configurationProblem(): string | undefined;

  /** Maps the user's region to the provider's zone. */
  protected abstract resolveZone(
    region: string,
    location: RegionLocation | undefined,
    ctx: FetchContext,
  ): Promise<Outcome<ZoneRef>>;

  /** Fetches readings for `[startMs, endMs)` (page-aligned, within the request limit). */
  protected abstract fetchRange(
    zone: ZoneRef,
    startMs: number,
    endMs: number,
    ctx: FetchContext,
  ): Promise<Outcome<IntensityReading[]>>;

  /**
   * GETs a URL with this provider's timeout/retry policy, counting the request; refused without
   * a request while the provider cools down after a transient failure.
   */
  protected async httpGet(
    url: string,
    headers: Record<string, string>,
    ctx: FetchContext,
  ): Promise<Outcome<HttpText>> {
    const blocked = this.#coolDown.blocked();
    if (blocked !== undefined) {
      return fail(blocked.kind, blocked.message, {
        url,
        ...(blocked.status === undefined ? {} : { status: blocked.status }),
      });
    }
    this.#requests++;
    const got = await getText(url, { headers, policy: this.#policy, signal: ctx.signal });
    this.#coolDown.record(
      got.ok ? "ok" : got.failure,
      got.ok ? undefined : got.failure.retryAfterMs,
    );
    return got;
  }

  /** Readings overlapping `[startMs, endMs)`, or `null` with `lastError` saying why. */
  async intensityForSpan(
    region: string,
    startMs: number,
    endMs: number,
    options: IntensityQueryOptions = {},
  ): Promise<IntensityReading[] | null> {
    this.#queries++;
    try {
      const out = await this.#query(region, startMs, endMs, options);
      if (out.ok) return out.value;
      return this.#record(out.failure, options);
    } catch (err) {
      // A bug or an unexpected transport error: still "no reading", never an exception.
      const why = err instanceof Error ? err.message : String(err);
      return this.#record({ kind: "network", message: `unexpected error: ${why}` }, options);
    }
  }

  /**
   * True when `region` is one of this provider's own ids (see `ownsRegion`), which it maps
   * without the region catalog. No I/O; says nothing about credentials.
   *
   * @param region Region id as the user gave it.
   */
  servesRegion(region: string): boolean {
    return typeof region === "string" && region.trim() !== "" && this.ownsRegion(region.trim());
  }

  /** Whether `region` (trimmed, non-empty) maps to a zone of this provider on its own. */
  protected abstract ownsRegion(region: string): boolean;

  async #query(
    region: string,
    startMs: number,
    endMs: number,
    options: IntensityQueryOptions,
  ): Promise<Outcome<IntensityReading[]>> {
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
      return fail("invalid_span", `span must have finite times with end > start`);
    }
    const problem = this.configurationProblem();
    if (problem !== undefined) return fail("not_configured", problem);
    const pages = pageStarts(startMs, endMs, DAY_MS);
    if (pages.length > this.#maxSpanDays) {
      return fail(
        "invalid_span",
        `span covers ${pages.length} days, more than the ${this.#maxSpanDays} allowed; split it`,
      );
    }
    if (options.signal?.aborted) return fail("aborted", "query aborted by the caller");
    const deadline = AbortSignal.timeout(this.#queryTimeoutMs);
    const ctx: FetchContext = {
      signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
    };
    const out = await this.#queryIn(region, startMs, endMs, pages, options, ctx);
    if (!out.ok && out.failure.kind === "aborted" && deadline.aborted && !options.signal?.aborted) {
      return fail(
        "timeout",
        `query took longer than ${this.#queryTimeoutMs} ms in all (requests and retries)`,
      );
    }
    return out;
  }

  async #queryIn(
    region: string,
    startMs: number,
    endMs: number,
    pages: readonly number[],
    options: IntensityQueryOptions,
    ctx: FetchContext,
  ): Promise<Outcome<IntensityReading[]>> {
    const zoned = await this.resolveZone(region, options.location, ctx);
    if (!zoned.ok) return zoned;
    const zone = zoned.value;
    // One query per zone at a time: a concurrent query for the same days waits and then finds
    // them in the cache instead of fetching them again.
    const found = await this.#zoneLocks.run(zone.cacheKey, () => this.#pages(zone, pages, ctx));
    if (!found.ok) return found;
    const tidy = tidyReadings(found.value, startMs, endMs);
    if (tidy.length === 0) {
      return fail(
        "empty",
        `no values for ${zone.zone} between ${new Date(startMs).toISOString()} and ` +
          `${new Date(endMs).toISOString()}`,
      );
    }
    return succeed(tidy);
  }

  /** Readings of the given pages: cached ones, and the missing ones fetched in batches. */
  async #pages(
    zone: ZoneRef,
    pages: readonly number[],
    ctx: FetchContext,
  ): Promise<Outcome<IntensityReading[]>> {
    const found: IntensityReading[] = [];
    const missing: number[] = [];
    for (const page of pages) {
      const hit = this.#cache.get(this.#key(zone, page));
      if (hit === undefined) missing.push(page);
      else found.push(...hit);
    }
    const nowMs = this.clock.nowMs();
    const horizonMs = this.allowFuture
      ? Number.POSITIVE_INFINITY
      : Math.ceil(nowMs / this.periodMs) * this.periodMs;
    for (const batch of batchPages(missing, DAY_MS, this.maxPagesPerRequest)) {
      const to = Math.min(batch.endMs, horizonMs);
      if (to <= batch.startMs) continue; // entirely in the future: no data yet, nothing cached
      const got = await this.fetchRange(zone, batch.startMs, to, ctx);
      if (!got.ok) return got;
      for (const r of got.value) {
        const g = r.intensityGPerKwh;
        if (!(Number.isFinite(g) && g >= 0 && r.endMs > r.startMs)) {
          return fail("malformed", `provider produced an invalid reading at ${r.startMs}`);
        }
        if (g > MAX_PLAUSIBLE_G_PER_KWH) {
          return fail(
            "malformed",
            `implausible intensity ${g} g/kWh at ${new Date(r.startMs).toISOString()} (above ` +
              `${MAX_PLAUSIBLE_G_PER_KWH}); the whole answer is rejected`,
          );
        }
      }
      const byPage = new Map<number, IntensityReading[]>(batch.pages.map((p) => [p, []]));
      for (const r of got.value) byPage.get(pageOf(r.startMs, DAY_MS))?.push(Object.freeze(r));
      for (const [page, readings] of byPage) {
        const complete = page + DAY_MS <= horizonMs;
        const recent = page + DAY_MS > nowMs - RECENT_WINDOW_MS;
        const ttl = !complete || recent ? this.#recentCacheTtlMs : this.#cacheTtlMs;
        this.#cache.set(this.#key(zone, page), Object.freeze(readings), ttl);
        found.push(...readings);
      }
    }
    return succeed(found);
  }

  #key(zone: ZoneRef, page: number): string {
    return `${this.name}|${zone.cacheKey}|${page}`;
  }

  #record(
    failure: Omit<ProviderFailure, "provider" | "atMs">,
    options: IntensityQueryOptions,
  ): null {
    const full: ProviderFailure = { provider: this.name, atMs: this.clock.nowMs(), ...failure };
    this.#failures++;
    this.#lastError = full;
    for (const tell of [this.#onDiagnostic, options.onFailure]) {
      try {
        tell?.(full);
      } catch {
        // a faulty callback must not turn "no reading" into an exception
      }
    }
    return null;
  }
}
