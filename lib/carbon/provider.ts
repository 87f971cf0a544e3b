/**
 * The grid-intensity provider interface. A provider answers one question: "what was the grid
 * carbon intensity in this region during this span of time?" with zero or more readings, each
 * covering a period and carrying its provenance and uncertainty. Static (embedded) data, live
 * APIs (Electricity Maps, WattTime, UK Carbon Intensity) and the fallback chain all implement it.
 *
 * Contract for implementations:
 * - Return the readings whose periods overlap `[startMs, endMs)`, sorted by `startMs`,
 *   non-overlapping. A reading may extend beyond the span (e.g. a 30-minute period that starts
 *   before it, or an annual average); the estimator clips. Gaps are allowed (the estimator's
 *   `missingPolicy` decides what happens to them).
 * - Return `null` for "no reading": unknown region, not configured (no API key), network error,
 *   timeout, rate limit, malformed body. Do not throw for those; the chain falls through to the
 *   next provider. Say why through `options.onFailure` (a failure whose `kind` is
 *   `unknown_region` or `empty` means "not covered / no data"; any other kind is an error). The
 *   chain also turns a thrown error into an error attempt.
 * - Honour `options.signal`: abort promptly and return `null` (or reject with the abort reason).
 * - Read the intensity *for the time of the span* (history / past-range endpoints), never
 *   "latest", unless the span is current and the API only offers "latest".
 *
 * @module
 */

/**
 * What the intensity figure counts.
 * - `lifecycle`: combustion plus upstream and construction, CO2e GWP100 (Ember, Electricity Maps).
 * - `direct`: stack (operational) emissions only (Google region figures, EPA eGRID, UK CI API).
 * - `marginal`: marginal operating emissions rate (WattTime MOER); not an average factor.
 * - `mixed`: a constant whose inputs mix bases (e.g. Cloud Carbon Footprint's regional constants).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IntensityBasis } from "./provider.ts";
 * const averages: IntensityBasis[] = ["lifecycle", "direct", "mixed"];
 * const basis: IntensityBasis = "marginal";
 * assert.ok(!averages.includes(basis));
 * ```
 */
export type IntensityBasis = "lifecycle" | "direct" | "marginal" | "mixed";

/**
 * Where a region is, so that a live provider can map it to its own zone. Produced by the region
 * lookup (embedded dataset plus user file) and passed to every provider by the chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RegionLocation } from "./provider.ts";
 * const location: RegionLocation = { id: "aws:eu-west-3", countryCode: "FR" };
 * assert.equal(location.electricityMapsZone ?? location.countryCode, "FR");
 * assert.equal(location.latitude, undefined);
 * ```
 */
export interface RegionLocation {
  /** Canonical region id as resolved, e.g. `FR`, `aws:eu-west-3`, `US-CAL-CISO`. */
  readonly id: string;
  /** ISO 3166-1 alpha-2 country code when known, e.g. `FR`. */
  readonly countryCode?: string;
  /** Electricity Maps zone when known, e.g. `FR`, `US-CAL-CISO`, `SE-SE3`. */
  readonly electricityMapsZone?: string;
  /** Latitude in degrees when known (WattTime can locate by coordinates). */
  readonly latitude?: number;
  /** Longitude in degrees when known. */
  readonly longitude?: number;
}

/**
 * One intensity figure valid for a period. All times are Unix epoch milliseconds, UTC.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IntensityReading } from "./provider.ts";
 * const reading: IntensityReading = {
 *   startMs: 0,
 *   endMs: 1_800_000,
 *   intensityGPerKwh: 180,
 *   source: "uk_carbon_intensity",
 *   dataset: "uk_carbon_intensity",
 *   datasetVersion: "v2",
 *   year: 1970,
 *   basis: "direct",
 *   zone: "GB",
 *   uncertaintyPct: 10,
 *   measured: true,
 * };
 * assert.equal((reading.endMs - reading.startMs) / 60_000, 30);
 * ```
 */
export interface IntensityReading {
  /** Start of the period this figure covers (inclusive). */
  readonly startMs: number;
  /** End of the period this figure covers (exclusive); `endMs > startMs`. */
  readonly endMs: number;
  /** The intensity, gCO2e/kWh (g CO2/kWh when `gases` is `"CO2"`), finite and >= 0. */
  readonly intensityGPerKwh: number;
  /** Name of the provider that produced it, e.g. `static`, `electricity_maps`, `watttime`. */
  readonly source: string;
  /** Dataset the figure comes from, e.g. `ember`, `electricity_maps`, `epa_egrid2022`. */
  readonly dataset: string;
  /** Dataset version or edition, e.g. `co2.js@27cbe83 (2025-08-03)` or an API version `v3`. */
  readonly datasetVersion: string;
  /** Data year of the figure (for hourly data, the year of `startMs`). */
  readonly year: number;
  /** What the figure counts. */
  readonly basis: IntensityBasis;
  /** Provider's zone / region code the figure was read for, e.g. `FR`, `CAISO_NORTH`. */
  readonly zone: string;
  /**
   * Relative standard uncertainty (1 sigma) in percent, interpreted as 100 x sigma of ln(value)
   * (log-normal error model). E.g. 15 for an Ember country annual average.
   */
  readonly uncertaintyPct: number;
  /**
   * Absolute 1-sigma floor in gCO2e/kWh for low-carbon grids (default 0: none). The estimator
   * uses max(uncertaintyPct/100, floor / intensity) as the log-sigma.
   */
  readonly uncertaintyFloorGPerKwh?: number;
  /**
   * Length of time the figure is an average over, when longer than its reading period: about a
   * year (31,536,000,000 ms) for annual datasets. The estimator then adds the hour-to-hour
   * variability of the grid to the uncertainty. Default: `endMs - startMs`.
   */
  readonly averagingPeriodMs?: number;
  /** True when the value was measured/reported for this period; false for estimates/forecasts. */
  readonly measured: boolean;
  /** Gases covered: `CO2e` (default) or `CO2` (e.g. eGRID CO2 rates, WattTime). */
  readonly gases?: "CO2e" | "CO2";
  /** Licence of the figure, e.g. `CC BY 4.0`, `ODbL 1.0`. */
  readonly licence?: string;
  /** Attribution text required by the licence. */
  readonly attribution?: string;
}

/**
 * Options for one provider query.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IntensityQueryOptions } from "./provider.ts";
 * const controller = new AbortController();
 * const options: IntensityQueryOptions = { signal: controller.signal, location: { id: "FR" } };
 * controller.abort();
 * assert.equal(options.signal?.aborted, true);
 * ```
 */
export interface IntensityQueryOptions {
  /** Abort the query (timeouts are the provider's own; this is the caller's cancel). */
  readonly signal?: AbortSignal;
  /** Where the region is, when the lookup knows (lets live providers map to their zones). */
  readonly location?: RegionLocation;
  /**
   * Told why this query ends with "no reading" (default: nobody). The chain passes one per
   * query, so concurrent queries never mix up their reasons.
   */
  readonly onFailure?: (failure: QueryFailure) => void;
}

/**
 * Why one query gave "no reading", as a provider reports it to `IntensityQueryOptions.onFailure`.
 * `kind` is `unknown_region` or `empty` when the provider does not cover the region or has no
 * data for the span; any other kind (`http`, `timeout`, `network`, `malformed`, `auth`,
 * `rate_limited`, `not_configured`, ...) is a failure of the provider.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { QueryFailure } from "./provider.ts";
 * const failure: QueryFailure = { kind: "http", message: "HTTP 500", status: 500, attempts: 3 };
 * assert.equal(failure.attempts, 3);
 * ```
 */
export interface QueryFailure {
  /** Failure kind, e.g. `http`, `timeout`, `unknown_region` (see docs/carbon-providers.md). */
  readonly kind: string;
  /** One sentence: what failed and what to do. */
  readonly message: string;
  /** HTTP status of the last response, when there was one. */
  readonly status?: number;
  /** HTTP attempts made for the failing request (1 = no retry). */
  readonly attempts?: number;
}

/**
 * A source of grid carbon intensity for a region over a span of time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IntensityProvider, IntensityReading } from "./provider.ts";
 * const flat: IntensityProvider = {
 *   name: "flat",
 *   intensityForSpan(_region, startMs, endMs) {
 *     const reading: IntensityReading = {
 *       startMs, endMs, intensityGPerKwh: 100, source: "flat", dataset: "example",
 *       datasetVersion: "1", year: 2025, basis: "lifecycle", zone: "XX", uncertaintyPct: 10,
 *       measured: false,
 *     };
 *     return Promise.resolve([reading]);
 *   },
 * };
 * const readings = await flat.intensityForSpan("XX", 0, 3_600_000, {});
 * assert.equal(readings?.length, 1);
 * assert.equal(readings?.[0].intensityGPerKwh, 100);
 * ```
 */
export interface IntensityProvider {
  /** Stable provider name, used in `source` and in the chain's attempt log. */
  readonly name: string;
  /**
   * Readings overlapping `[startMs, endMs)`, or `null` for "no reading".
   *
   * @param region Region id as the user gave it (or as resolved, see `options.location`).
   * @param startMs Span start, Unix epoch ms (inclusive).
   * @param endMs Span end, Unix epoch ms (exclusive), `> startMs`.
   * @param options `signal` and `location` (both optional).
   */
  intensityForSpan(
    region: string,
    startMs: number,
    endMs: number,
    options?: IntensityQueryOptions,
  ): Promise<IntensityReading[] | null>;
  /**
   * Optional: true when `region` is one of this provider's own region ids (e.g. `gb:london`,
   * `CAISO_NORTH`, `SE-SE3`) that it can map without the region catalog. The estimator accepts
   * such a region even when the embedded catalog does not know it. No I/O.
   *
   * @param region Region id as the user gave it.
   */
  servesRegion?(region: string): boolean;
}
