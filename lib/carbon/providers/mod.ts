/**
 * Live grid-intensity providers (`@carbon-ops/carbon-ops/carbon/providers`): Electricity Maps,
 * WattTime and the UK Carbon Intensity API, each an `IntensityProvider` for
 * `CarbonEstimator`'s `provider` option (usually inside a `ProviderChain` ahead of the embedded
 * data). They time out, retry with backoff, cache, and answer "no reading" with the reason
 * reported to `onDiagnostic` instead of throwing. `LiveProvider` is their base class, for a
 * provider of your own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UkCarbonIntensityProvider } from "./mod.ts";
 * const uk = new UkCarbonIntensityProvider({ timeoutMs: 2000 });
 * assert.equal(uk.name, "ukcarbonintensity");
 * ```
 *
 * @module
 */

export { type ElectricityMapsOptions, ElectricityMapsProvider } from "./electricity_maps.ts";
export { type WattTimeOptions, WattTimeProvider } from "./watttime.ts";
export { type UkCarbonIntensityOptions, UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
export {
  type FetchContext,
  LiveProvider,
  type LiveProviderOptions,
  type LiveProviderStats,
  type ZoneRef,
} from "./live_provider.ts";
export type { DiagnosticsCallback, FailureKind, ProviderFailure } from "./failure.ts";
export type { Outcome } from "./failure.ts";
export { type CacheStats, TtlLruCache, type TtlLruCacheOptions } from "./ttl_lru_cache.ts";
export type { FetchFn, HttpText } from "./http_fetch.ts";
export type { RandomSource } from "../../base/prng.ts";
export type { Clock } from "../../base/clock.ts";
export type {
  IntensityBasis,
  IntensityProvider,
  IntensityQueryOptions,
  IntensityReading,
  QueryFailure,
  RegionLocation,
} from "../provider.ts";
