/**
 * Carbon estimation (`@carbon-ops/carbon-ops/carbon`): grams of CO2e for an amount of energy or a
 * span of time, with the grid intensity's provenance and a confidence interval; the embedded,
 * sourced region catalog (plus a user intensity file); the provider interface and chain for
 * intensity over time; and the Software Carbon Intensity (SCI) score.
 *
 * Live providers (Electricity Maps, WattTime, UK Carbon Intensity) are in
 * `@carbon-ops/carbon-ops/carbon/providers`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator, RegionCatalog } from "./mod.ts";
 * const estimator = new CarbonEstimator({ region: "FR", catalog: RegionCatalog.embedded() });
 * const estimate = estimator.estimateFromEnergy(1000, { method: "monte_carlo", samples: 10_000 });
 * assert.ok(estimate.grams > 0);
 * assert.ok(estimate.meta.ciLowerG < estimate.grams && estimate.grams < estimate.meta.ciUpperG);
 * ```
 *
 * @module
 */

export {
  CarbonEstimator,
  type CarbonEstimatorOptions,
  type CommonEstimateOptions,
  type EstimateOptions,
  type SpanEstimateOptions,
} from "./estimator.ts";
export { CarbonEstimate, type EmissionTotal } from "./estimate.ts";
export type { EnergyModelInfo, EstimateFields, EstimateMeta } from "./estimate_fields.ts";
export {
  EMBODIED_MODEL,
  type EmbodiedEmission,
  type EmbodiedEmissionOptions,
  embodiedForInstance,
} from "./embodied_estimate.ts";
export type { QualityFlag } from "./evidence.ts";
export type { LedgerBodyOptions } from "./ledger_body.ts";
export type { EnergySourceKind, EstimationMethod, SamplingScheme } from "./uncertainty.ts";
export type { TimeInput } from "./_validate.ts";
export type { PowerSample } from "./span.ts";
export {
  AmbiguousRegionError,
  type EmbeddedCatalogOptions,
  GLOBAL_AVERAGE,
  type KnownPlace,
  placeHint,
  RegionCatalog,
  type RegionLookup,
  type RegionMatch,
  UnknownRegionError,
} from "./catalog.ts";
export type { PueProfile, RegionFigure, RegionKind, SourceInfo } from "./data/types.ts";
export { loadCatalog, loadUserIntensityFile, type UserIntensityData } from "./user_file.ts";
export type {
  IntensityBasis,
  IntensityProvider,
  IntensityQueryOptions,
  IntensityReading,
  QueryFailure,
  RegionLocation,
} from "./provider.ts";
export { StaticProvider } from "./static_provider.ts";
export {
  attemptReasons,
  type ChainResult,
  NO_DATA_KINDS,
  type ProviderAttempt,
  ProviderChain,
} from "./chain.ts";
export { type EmbodiedInput, embodiedShareG, sci, type SciInput, type SciResult } from "./sci.ts";
