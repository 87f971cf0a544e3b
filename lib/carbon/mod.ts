/**
 * Carbon estimation: grid intensity with provenance (embedded dataset, user file, providers),
 * time-aligned spans, log-normal and Monte Carlo confidence intervals, SCI.
 *
 * @example
 * ```ts
 * import { CarbonEstimator } from "./mod.ts";
 * const estimate = new CarbonEstimator({ region: "FR" }).estimateFromEnergy(1000, {
 *   method: "monte_carlo",
 *   samples: 10_000,
 * });
 * console.log(estimate.toDict());
 * ```
 *
 * @module
 */

export type {
  IntensityBasis,
  IntensityProvider,
  IntensityQueryOptions,
  IntensityReading,
  RegionLocation,
} from "./provider.ts";
export type { PueProfile, RegionFigure, RegionKind, SourceInfo } from "./data/types.ts";
export {
  type EmbeddedCatalogOptions,
  GLOBAL_AVERAGE,
  RegionCatalog,
  type RegionLookup,
  UnknownRegionError,
} from "./catalog.ts";
export {
  loadCatalog,
  loadUserIntensityFile,
  parseUserIntensityFile,
  type UserIntensityData,
} from "./user_file.ts";
export { readingFromFigure, StaticProvider, YEAR_MS } from "./static_provider.ts";
export { type ChainResult, type ProviderAttempt, ProviderChain } from "./chain.ts";
export {
  CarbonEstimate,
  type EstimateFields,
  type EstimateMeta,
  type LedgerBodyOptions,
  type QualityFlag,
  toDecimalString,
} from "./estimate.ts";
export {
  CarbonEstimator,
  type CarbonEstimatorOptions,
  type CommonEstimateOptions,
  type EstimateOptions,
  type SpanEstimateOptions,
} from "./estimator.ts";
export type { TimeInput } from "./_validate.ts";
export { type PowerSample } from "./span.ts";
export { emissionBody } from "./ledger_body.ts";
export { type EmbodiedInput, embodiedShareG, sci, type SciInput, type SciResult } from "./sci.ts";
export {
  analyticalInterval,
  ENERGY_UNCERTAINTY,
  type EnergySourceKind,
  type EstimationMethod,
  type IntensityGroup,
  type Interval,
  type IntervalInput,
  METHODS,
  monteCarloInterval,
  type SamplingScheme,
  temporalUncertainty,
} from "./uncertainty.ts";
export { normalCdf, normalQuantile, Xoshiro128, zForConfidence } from "./stats.ts";
