/**
 * The fields of a carbon estimate (`CarbonEstimate` holds them; `emissionBody` reads them).
 *
 * @module
 */

import type { EnergyEvidence } from "../base/energy_evidence.ts";
import type { EmbodiedEmission } from "./embodied_estimate.ts";
import type { QualityFlag } from "./evidence.ts";
import type { IntensityBasis } from "./provider.ts";
import type { EnergySourceKind, EstimationMethod, SamplingScheme } from "./uncertainty.ts";

/**
 * Interval metadata (Python `meta`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator } from "./estimator.ts";
 * import type { EstimateMeta } from "./estimate_fields.ts";
 * const meta: EstimateMeta = new CarbonEstimator({ region: "FR" }).estimateFromEnergy(1000).meta;
 * assert.ok(meta.ciLowerG < meta.ciUpperG);
 * ```
 */
export interface EstimateMeta {
  /** Method that produced the interval. */
  readonly method: EstimationMethod;
  /** Lower bound, g. */
  readonly ciLowerG: number;
  /** Upper bound, g. */
  readonly ciUpperG: number;
  /** Confidence level actually computed, percent. */
  readonly confidenceLevelPct: number;
  /** Monte Carlo only: sample count. */
  readonly samples?: number;
  /** Monte Carlo only: PRNG seed (xoshiro128**), to reproduce the figure. */
  readonly seed?: number;
  /** Monte Carlo only: sampling scheme. */
  readonly sampling?: SamplingScheme;
}

/**
 * The power model an estimate's energy came from, when a model named in the record produced it
 * (a cloud instance's `ccf-linear@<data version>`): written as the record's `activity.model`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyModelInfo } from "./estimate_fields.ts";
 * const model: EnergyModelInfo = {
 *   name: "ccf-linear@2026-12-02",
 *   instanceId: "aws:m5.large",
 *   utilizationPct: 50,
 *   utilizationAssumed: false,
 *   powerW: 7.382,
 *   flags: [],
 * };
 * assert.equal(model.name.split("@")[0], "ccf-linear");
 * ```
 */
export interface EnergyModelInfo {
  /** Model name with its data version, e.g. `ccf-linear@2026-12-02`. */
  readonly name: string;
  /** Canonical instance id the coefficients belong to, e.g. `aws:m5.large`. */
  readonly instanceId: string;
  /** CPU utilisation the power was computed at, percent, or null when it varied (measured). */
  readonly utilizationPct: number | null;
  /** True when the utilisation is an assumption (CCF's 50 %), not a measurement. */
  readonly utilizationAssumed: boolean;
  /** Modelled IT power (before PUE), W, or null when it varied. */
  readonly powerW: number | null;
  /** What the model could not use or assumed (`instance_type_not_in_catalog`, ...). */
  readonly flags: readonly string[];
}

/**
 * Everything an estimate holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator } from "./estimator.ts";
 * import type { EstimateFields } from "./estimate_fields.ts";
 * const e: EstimateFields = new CarbonEstimator({ region: "FR" }).estimateFromEnergy(1000);
 * assert.equal(e.energySource, "model");
 * assert.equal(e.energyEvidence.kind, "model");
 * ```
 */
export interface EstimateFields {
  /** Point estimate (median of the log-normal model), gCO2e. */
  readonly grams: number;
  /** Effective intensity, grams / energy with PUE, gCO2e/kWh. */
  readonly intensityGPerKwh: number;
  /** IT energy, Wh. */
  readonly energyWh: number;
  /** PUE used. */
  readonly pue: number;
  /** Where the PUE comes from (profile id and source). */
  readonly pueSource: string;
  /** Canonical region id used. */
  readonly region: string;
  /** Region as requested. */
  readonly requestedRegion: string;
  /** Provider(s) that gave the intensity, e.g. `static`. */
  readonly source: string;
  /** Dataset(s) of the factor, e.g. `ember`. */
  readonly dataset: string;
  /** Dataset version(s). */
  readonly datasetVersion: string;
  /** Data year of the factor (the earliest when several). */
  readonly factorYear: number | null;
  /** Basis of the factor. */
  readonly basis: IntensityBasis;
  /** Gases the factor covers. */
  readonly gases: "CO2e" | "CO2";
  /** Attribution texts the licences of the figures require. */
  readonly attribution: readonly string[];
  /** Activity period start, RFC 3339 UTC, or null when unknown. */
  readonly startTs: string | null;
  /** Activity period end, or null. */
  readonly endTs: string | null;
  /** Combined 1-sigma relative uncertainty, percent (100 x sigma of ln grams). */
  readonly uncertaintyPct: number;
  /** Components of the uncertainty, percent (1 sigma of ln). */
  readonly uncertaintyComponentsPct: {
    readonly energy: number;
    readonly intensity: number;
    readonly pue: number;
  };
  /** Data quality. */
  readonly qualityFlag: QualityFlag;
  /** Fraction (0..1) of the span covered by real intensity readings (1 without a span). */
  readonly coverage: number;
  /** Energy source kind the uncertainty was taken for (from `energyEvidence`). */
  readonly energySource: EnergySourceKind;
  /** Where the energy figure came from, typed (kind, simulated, measured fraction). */
  readonly energyEvidence: EnergyEvidence;
  /** Number of time buckets (1 without a span). */
  readonly buckets: number;
  /** Interval metadata. */
  readonly meta: EstimateMeta;
  /** Assumptions and data-quality flags, e.g. `annual_average_factor`. */
  readonly flags: readonly string[];
  /** The power model that produced the energy, when one is named (absent otherwise). */
  readonly energyModel?: EnergyModelInfo;
  /**
   * Embodied emissions of the instance over the activity, beside `grams` (which stays the
   * operational figure), when an instance is known (absent otherwise).
   */
  readonly embodied?: EmbodiedEmission;
}
