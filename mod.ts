/**
 * carbon-ops: measured energy, honest carbon estimates, and a signed, hash-chained audit ledger.
 *
 * The root holds the main job: measure with `EnergyLogger`, estimate with `CarbonEstimator`,
 * record with the ledger (`generateSigningKey`, `initLedger`, `LedgerWriter`, `verifyLedger`,
 * `writeCheckpoint`), plus the types their signatures use. Each area has a fuller entry point:
 * `@carbon-ops/carbon-ops/energy` (also `GovernorClient`, `runMeasured`),
 * `@carbon-ops/carbon-ops/energy/rapl` (the RAPL energy sources),
 * `@carbon-ops/carbon-ops/carbon`, `@carbon-ops/carbon-ops/carbon/providers`,
 * `@carbon-ops/carbon-ops/ledger` and `@carbon-ops/carbon-ops/ledger/legacy`. See docs/api.md.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator, VERSION } from "@carbon-ops/carbon-ops";
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * const estimate = new CarbonEstimator({ region: "FR" }).estimateFromEnergy(1000);
 * assert.ok(estimate.grams > 0);
 * ```
 *
 * @module
 */

export { VERSION } from "./lib/base/version.ts";
export type { Clock } from "./lib/base/clock.ts";

// Energy: measure, attribute to this process tree, per record or per span.
export {
  type AttributionMode,
  type CpuMetrics,
  type CpuTimeScope,
  type EnergyDetails,
  type EnergyEvidence,
  type EnergyEvidenceKind,
  EnergyLogger,
  type EnergySpan,
  type EnergySummary,
  type GpuReading,
  type IdlePolicy,
  type MemoryMetrics,
  type MetricRecord,
  type MetricsSummary,
  type MonitorResult,
  type RaplBackend,
  type ResolvedTdp,
} from "./lib/energy/mod.ts";

// Carbon: grams of CO2e with provenance and a confidence interval.
export {
  CarbonEstimate,
  CarbonEstimator,
  type CarbonEstimatorOptions,
  type ChainResult,
  type CommonEstimateOptions,
  type EnergySourceKind,
  type EstimateFields,
  type EstimateMeta,
  type EstimateOptions,
  type EstimationMethod,
  type IntensityBasis,
  type IntensityProvider,
  type IntensityQueryOptions,
  type IntensityReading,
  type LedgerBodyOptions,
  type PowerSample,
  type ProviderAttempt,
  ProviderChain,
  type PueProfile,
  type QualityFlag,
  RegionCatalog,
  type RegionFigure,
  type RegionKind,
  type RegionLocation,
  type RegionLookup,
  type SamplingScheme,
  type SciResult,
  type SourceInfo,
  type SpanEstimateOptions,
  type TimeInput,
  UnknownRegionError,
} from "./lib/carbon/mod.ts";

// Ledger: signed, hash-chained records, checkpoints, verification.
export {
  type AppendResult,
  type Checkpoint,
  type CheckpointInput,
  type CheckpointStatus,
  type CompromisedKey,
  generateSigningKey,
  initLedger,
  type InitResult,
  type JsonValue,
  type KeyRole,
  type KeySeen,
  LedgerWriter,
  type RecordBody,
  type RepairInfo,
  type SigningKey,
  type TrustedKey,
  type TrustFile,
  type VerifyingKey,
  type VerifyIssue,
  verifyLedger,
  type VerifyReport,
  type VerifyStatus,
  type VerifyTotals,
  type WitnessKey,
  writeCheckpoint,
  type WrittenCheckpoint,
} from "./lib/ledger/mod.ts";
