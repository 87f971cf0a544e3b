/**
 * The result of an estimate: grams with interval and provenance, `toDict()` with the Python
 * package's keys and `toLedgerBody()` producing a ledger emission body (schemas/emission.v1.json).
 *
 * @module
 */

import type { EnergyEvidence } from "../base/energy_evidence.ts";
import type { RecordBody } from "../ledger/record.ts";
import type { EmbodiedEmission } from "./embodied_estimate.ts";
import type { EnergyModelInfo, EstimateFields, EstimateMeta } from "./estimate_fields.ts";
import type { QualityFlag } from "./evidence.ts";
import { emissionBody, type LedgerBodyOptions, toDecimalString } from "./ledger_body.ts";
import type { IntensityBasis } from "./provider.ts";
import { sci, type SciResult } from "./sci.ts";
import type { EnergySourceKind } from "./uncertainty.ts";

const round = (x: number, d: number) => Number(toDecimalString(x, d));

/**
 * Operational plus embodied emissions with the interval of the sum (`CarbonEstimate.total`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator } from "./estimator.ts";
 * import type { EmissionTotal } from "./estimate.ts";
 * const t: EmissionTotal = new CarbonEstimator({ region: "FR" }).estimateFromEnergy(1000).total();
 * assert.equal(t.embodiedG, 0);
 * ```
 */
export interface EmissionTotal {
  /** Operational (`grams`) + embodied, gCO2e. */
  readonly co2eG: number;
  /** Operational part, g. */
  readonly operationalG: number;
  /** Embodied part, g (0 without an embodied figure). */
  readonly embodiedG: number;
  /** Lower bound of the sum at `confidenceLevelPct`, g. */
  readonly ciLowerG: number;
  /** Upper bound of the sum, g. */
  readonly ciUpperG: number;
  /** Confidence level of the bounds, percent (the estimate's). */
  readonly confidenceLevelPct: number;
}

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
  readonly energyModel?: EnergyModelInfo;
  readonly embodied?: EmbodiedEmission;

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

  /**
   * This estimate with the cloud instance's power model and embodied figure attached (a new
   * frozen estimate; `grams` and its interval stay the operational figure). The embodied
   * interval should be at this estimate's confidence level (`embodiedForInstance` with
   * `confidenceLevelPct: meta.confidenceLevelPct`).
   *
   * @param instance `energyModel` (named in the record's `activity.model`) and/or `embodied`
   *   (the record's `embodied` block); an absent member keeps this estimate's.
   * @throws {RangeError} When the embodied level differs from this estimate's.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { embodiedForInstance } from "./embodied_estimate.ts";
   * import { CarbonEstimator } from "./estimator.ts";
   * const e = new CarbonEstimator({ region: "aws:eu-west-1" }).estimateFromPowerTime(7.382, 3600);
   * const m = embodiedForInstance("aws:m5.large", 3_600_000)!;
   * const both = e.withCloudInstance({ embodied: m });
   * assert.equal(both.grams, e.grams);
   * assert.equal(both.total().co2eG, e.grams + m.co2eG);
   * ```
   */
  withCloudInstance(
    instance: { energyModel?: EnergyModelInfo; embodied?: EmbodiedEmission },
  ): CarbonEstimate {
    const embodied = instance.embodied ?? this.embodied;
    if (embodied !== undefined && embodied.confidenceLevelPct !== this.meta.confidenceLevelPct) {
      throw new RangeError(
        `the embodied interval is at ${embodied.confidenceLevelPct} %, the estimate at ` +
          `${this.meta.confidenceLevelPct} %: compute it with confidenceLevelPct ` +
          `${this.meta.confidenceLevelPct}`,
      );
    }
    const energyModel = instance.energyModel ?? this.energyModel;
    return new CarbonEstimate({
      ...this,
      ...(energyModel !== undefined ? { energyModel } : {}),
      ...(embodied !== undefined ? { embodied } : {}),
    });
  }

  /**
   * Operational plus embodied emissions, with the interval of the sum: the two are independent
   * log-normals (operational with this estimate's combined sigma, `uncertaintyPct`; embodied
   * with its own), and the bounds are the exact quantiles of their sum (numerical integration,
   * as `sci`). Without an embodied figure this is `grams` with its own interval.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { embodiedForInstance } from "./embodied_estimate.ts";
   * import { CarbonEstimator } from "./estimator.ts";
   * const e = new CarbonEstimator({ region: "aws:eu-west-1" }).estimateFromPowerTime(7.382, 3600)
   *   .withCloudInstance({ embodied: embodiedForInstance("aws:m5.large", 3_600_000)! });
   * const t = e.total();
   * assert.ok(t.ciLowerG < t.co2eG && t.co2eG < t.ciUpperG);
   * assert.ok(t.ciUpperG < e.meta.ciUpperG + e.embodied!.ciUpperG); // errors partly cancel
   * ```
   */
  total(): EmissionTotal {
    const m = this.embodied;
    const level = this.meta.confidenceLevelPct;
    if (m === undefined) {
      return {
        co2eG: this.grams,
        operationalG: this.grams,
        embodiedG: 0,
        ciLowerG: this.meta.ciLowerG,
        ciUpperG: this.meta.ciUpperG,
        confidenceLevelPct: level,
      };
    }
    const s = this.sci({ functionalUnits: 1, embodiedG: m.co2eG, embodiedSigma: m.sigmaLn });
    return {
      co2eG: this.grams + m.co2eG,
      operationalG: this.grams,
      embodiedG: m.co2eG,
      ciLowerG: s.ciLowerGPerUnit,
      ciUpperG: s.ciUpperGPerUnit,
      confidenceLevelPct: level,
    };
  }

  /**
   * JSON-able record with the Python package's snake_case keys (and a few more). With a cloud
   * instance attached (`withCloudInstance`) it also has `energy_model`, and with an embodied
   * figure `operational`, `embodied` and `total`, each `{co2e_g, ci_lower_g, ci_upper_g,
   * confidence_level_pct}` (`embodied` with its provenance); `grams` stays operational.
   */
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
      ...this.#instanceDict(),
    };
  }

  #instanceDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const model = this.energyModel;
    if (model !== undefined) {
      out.energy_model = {
        name: model.name,
        instance_type: model.instanceId,
        utilization_pct: model.utilizationPct,
        utilization_assumed: model.utilizationAssumed,
        power_w: model.powerW === null ? null : round(model.powerW, 6),
        flags: [...model.flags],
      };
    }
    const m = this.embodied;
    if (m === undefined) return out;
    const t = this.total();
    const level = this.meta.confidenceLevelPct;
    out.operational = {
      co2e_g: round(this.grams, 6),
      ci_lower_g: round(this.meta.ciLowerG, 6),
      ci_upper_g: round(this.meta.ciUpperG, 6),
      confidence_level_pct: level,
    };
    out.embodied = {
      co2e_g: round(m.co2eG, 6),
      ci_lower_g: round(m.ciLowerG, 6),
      ci_upper_g: round(m.ciUpperG, 6),
      confidence_level_pct: m.confidenceLevelPct,
      sigma_ln: round(m.sigmaLn, 6),
      g_per_hour: round(m.gPerHour, 9),
      method: m.method,
      model: m.model,
      data_version: m.dataVersion,
      instance_type: m.instanceId,
      share_of_host: m.shareOfHost === null ? null : round(m.shareOfHost, 9),
      lifespan_hours: m.lifespanHours,
      flags: [...m.flags],
    };
    out.total = {
      co2e_g: round(t.co2eG, 6),
      ci_lower_g: round(t.ciLowerG, 6),
      ci_upper_g: round(t.ciUpperG, 6),
      confidence_level_pct: level,
    };
    return out;
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
