/**
 * The result of an estimate: grams with interval and provenance, `toDict()` with the Python
 * package's keys and `toLedgerBody()` producing a ledger emission body (schemas/emission.v1.json).
 *
 * @module
 */

import type { EnergyEvidence } from "../base/energy_evidence.ts";
import type { RecordBody } from "../ledger/record.ts";
import type { EstimateFields, EstimateMeta } from "./estimate_fields.ts";
import type { QualityFlag } from "./evidence.ts";
import { emissionBody, type LedgerBodyOptions, toDecimalString } from "./ledger_body.ts";
import type { IntensityBasis } from "./provider.ts";
import { sci, type SciResult } from "./sci.ts";
import type { EnergySourceKind } from "./uncertainty.ts";

const round = (x: number, d: number) => Number(toDecimalString(x, d));

/**
 * One carbon estimate. Built by `CarbonEstimator`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator } from "./estimator.ts";
 * const e = new CarbonEstimator({ region: "FR" }).estimateFromEnergy(1000);
 * assert.ok(e.meta.ciLowerG < e.grams && e.grams < e.meta.ciUpperG);
 * assert.equal(e.toDict().carbon_emissions_gco2, Number(e.grams.toFixed(6)));
 * assert.equal(e.qualityFlag, "estimated");
 * ```
 */
export class CarbonEstimate implements EstimateFields {
  readonly grams!: number;
  readonly intensityGPerKwh!: number;
  readonly energyWh!: number;
  readonly pue!: number;
  readonly pueSource!: string;
  readonly region!: string;
  readonly requestedRegion!: string;
  readonly source!: string;
  readonly dataset!: string;
  readonly datasetVersion!: string;
  readonly factorYear!: number | null;
  readonly basis!: IntensityBasis;
  readonly gases!: "CO2e" | "CO2";
  readonly attribution!: readonly string[];
  readonly startTs!: string | null;
  readonly endTs!: string | null;
  readonly uncertaintyPct!: number;
  readonly uncertaintyComponentsPct!: EstimateFields["uncertaintyComponentsPct"];
  readonly qualityFlag!: QualityFlag;
  readonly coverage!: number;
  readonly energySource!: EnergySourceKind;
  readonly energyEvidence!: EnergyEvidence;
  readonly buckets!: number;
  readonly meta!: EstimateMeta;
  readonly flags!: readonly string[];

  /**
   * Freezes `fields` into an estimate.
   *
   * @param fields Every field (see `EstimateFields`).
   */
  constructor(fields: EstimateFields) {
    Object.assign(this, fields);
    Object.freeze(this);
  }

  /** IT energy, kWh. */
  get energyKwh(): number {
    return this.energyWh / 1000;
  }

  /** Energy including facility overhead (energy x PUE), kWh. */
  get energyWithPueKwh(): number {
    return this.energyWh * this.pue / 1000;
  }

  /**
   * SCI rate for this estimate's energy and intensity, beside (not instead of) `grams`, with an
   * interval: E x I carries this estimate's combined uncertainty (`uncertaintyPct`) at its
   * confidence level.
   *
   * @param options `functionalUnits` (R, required), `embodiedG` (M, default 0),
   *   `embodiedSigma` (1-sigma of ln M, default 0), `functionalUnit`.
   */
  sci(
    options: {
      functionalUnits: number;
      embodiedG?: number;
      embodiedSigma?: number;
      functionalUnit?: string;
    },
  ): SciResult {
    return sci({
      energyKwh: this.energyWithPueKwh,
      intensityGPerKwh: this.intensityGPerKwh,
      operationalSigma: this.uncertaintyPct / 100,
      confidenceLevelPct: this.meta.confidenceLevelPct,
      ...options,
    });
  }

  /** JSON-able record with the Python package's snake_case keys (and a few more). */
  toDict(): Record<string, unknown> {
    const g = this.grams;
    return {
      grams: round(g, 6),
      intensity_g_per_kwh: round(this.intensityGPerKwh, 4),
      energy_kwh: round(this.energyKwh, 9),
      total_energy_with_pue_kwh: round(this.energyWithPueKwh, 9),
      pue_used: this.pue,
      pue_source: this.pueSource,
      source: this.source,
      region: this.region,
      requested_region: this.requestedRegion,
      dataset: this.dataset,
      dataset_version: this.datasetVersion,
      factor_year: this.factorYear,
      basis: this.basis,
      gases: this.gases,
      start_ts: this.startTs,
      end_ts: this.endTs,
      uncertainty_pct: round(this.uncertaintyPct, 2),
      uncertainty_components_pct: {
        energy: round(this.uncertaintyComponentsPct.energy, 2),
        intensity: round(this.uncertaintyComponentsPct.intensity, 2),
        pue: round(this.uncertaintyComponentsPct.pue, 2),
      },
      quality_flag: this.qualityFlag,
      coverage: round(this.coverage, 6),
      coverage_pct: round(this.coverage * 100, 4),
      energy_source: this.energySource,
      energy_evidence: {
        kind: this.energyEvidence.kind,
        simulated: this.energyEvidence.simulated,
        measured_fraction: round(this.energyEvidence.measuredFraction, 6),
        ...(this.energyEvidence.meter
          ? {
            meter: {
              point: this.energyEvidence.meter.point,
              accuracy_class_pct: this.energyEvidence.meter.accuracyClassPct,
            },
          }
          : {}),
      },
      buckets: this.buckets,
      meta: {
        method: this.meta.method,
        ci_lower_g: round(this.meta.ciLowerG, 6),
        ci_upper_g: round(this.meta.ciUpperG, 6),
        confidence_level_pct: this.meta.confidenceLevelPct,
        ...(this.meta.samples !== undefined ? { samples: this.meta.samples } : {}),
        ...(this.meta.seed !== undefined ? { seed: this.meta.seed } : {}),
        ...(this.meta.sampling !== undefined ? { sampling: this.meta.sampling } : {}),
      },
      energy_consumed_wh: round(this.energyWh, 6),
      energy_consumed_kwh: round(this.energyKwh, 9),
      carbon_emissions_gco2: round(g, 6),
      carbon_emissions_kgco2: round(g / 1000, 9),
      carbon_emissions_tonnes: round(g / 1e6, 12),
      carbon_intensity_used_gco2_kwh: round(this.intensityGPerKwh, 4),
      flags: [...this.flags],
      attribution: [...this.attribution],
    };
  }

  /**
   * A ledger emission body (schemas/emission.v1.json, `carbon-ops/emission/v1`), quantities
   * as exact decimal strings.
   *
   * @param options Reporting entity, place, scope, allocation, labels (see `LedgerBodyOptions`).
   * @throws RangeError when the estimate cannot be recorded in schema v1 (no activity period,
   *   a factor without a year, a marginal or mixed-basis factor).
   */
  toLedgerBody(options: LedgerBodyOptions): RecordBody {
    return emissionBody(this, options);
  }
}
