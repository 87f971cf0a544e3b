/**
 * Live grid-intensity providers (Electricity Maps, WattTime, UK Carbon Intensity API) and their
 * shared machinery: timeouts, bounded retries with backoff and jitter, a TTL+LRU cache, and
 * "no reading" with the reason recorded instead of an exception.
 *
 * @example
 * ```ts
 * import { UkCarbonIntensityProvider } from "./mod.ts";
 * const uk = new UkCarbonIntensityProvider({ timeoutMs: 2000 });
 * console.log(uk.name); // "ukcarbonintensity"
 * ```
 *
 * @module
 */

export { backoffDelayMs, parseRetryAfterMs, type RandomSource, seededRandom } from "./backoff.ts";
export { checkBaseUrl } from "./base_url.ts";
export {
  ELECTRICITY_MAPS_UNCERTAINTY,
  type ElectricityMapsOptions,
  ElectricityMapsProvider,
} from "./electricity_maps.ts";
export {
  checkProviderName,
  createLiveProvider,
  createProviders,
  LIVE_PROVIDER_NAMES,
  type LiveProviderName,
  parseRegionMap,
  type ProviderFactoryOptions,
  type ProviderSettings,
} from "./factory.ts";
export type { DiagnosticsCallback, FailureKind, ProviderFailure } from "./failure.ts";
export { type FetchFn, getText, type HttpPolicy, type HttpText } from "./http_fetch.ts";
export {
  LiveProvider,
  type LiveProviderOptions,
  type LiveProviderStats,
  MAX_PLAUSIBLE_G_PER_KWH,
} from "./live_provider.ts";
export { type CacheStats, TtlLruCache, type TtlLruCacheOptions } from "./ttl_lru_cache.ts";
export {
  UK_CARBON_INTENSITY_UNCERTAINTY,
  type UkCarbonIntensityOptions,
  UkCarbonIntensityProvider,
} from "./uk_carbon_intensity.ts";
export { UK_REGIONS, ukAreaFor } from "./uk_regions.ts";
export {
  LB_PER_MWH_TO_G_PER_KWH,
  WATTTIME_UNCERTAINTY,
  type WattTimeOptions,
  WattTimeProvider,
} from "./watttime.ts";
export type { BackoffOptions } from "./backoff.ts";
export type { Outcome } from "./failure.ts";
export type { FetchContext, ZoneRef } from "./live_provider.ts";
export type { UkArea } from "./uk_regions.ts";
export type { Clock } from "../../base/clock.ts";
export type {
  IntensityBasis,
  IntensityProvider,
  IntensityQueryOptions,
  IntensityReading,
  RegionLocation,
} from "../provider.ts";
