/**
 * Ledger emission bodies (schemas/emission.v1.json, `carbon-ops/emission/v1`) from estimates,
 * with quantities as exact decimal strings.
 *
 * @module
 */

import type { EnergyEvidence } from "../base/energy_evidence.ts";
import { VERSION } from "../base/version.ts";
import type { JsonValue } from "../ledger/canonical_json.ts";
import type { RecordBody } from "../ledger/record.ts";
import type { EmbodiedEmission } from "./embodied_estimate.ts";
import type { EnergyModelInfo, EstimateFields } from "./estimate_fields.ts";
import { mapEnergyEvidence } from "./evidence.ts";

/**
 * Options of `toLedgerBody`: what the estimate itself does not know.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator } from "./estimator.ts";
 * import { emissionBody, type LedgerBodyOptions } from "./ledger_body.ts";
 * const e = await new CarbonEstimator({ region: "DE" }).estimateOverSpan({
 *   startTs: "2025-01-01T00:00:00Z",
 *   endTs: "2025-01-01T01:00:00Z",
 *   energyWh: 100,
 * });
 * const options: LedgerBodyOptions = { reportingEntity: "Example Ltd", scope: 3 };
 * const body = emissionBody(e, options);
 * assert.equal(body.reporting_entity, "Example Ltd");
 * assert.equal(body.scope, 3);
 * ```
 */
export interface LedgerBodyOptions {
  /** Reporting entity (required), e.g. `Example Ltd`. */
  readonly reportingEntity: string;
  /** Where the energy was used: at least one of host, site, cloudAccount, cloudRegion. */
  readonly place?: { host?: string; site?: string; cloudAccount?: string; cloudRegion?: string };
  /** GHG scope (default: 3 for cloud regions, else 2). */
  readonly scope?: 1 | 2 | 3;
  /** Scope 3 category (default 1, purchased cloud services, when scope is 3). */
  readonly scope3Category?: number;
  /** Allocation rule (default `whole_host`) and ratio (exact decimal 0..1). */
  readonly allocation?: {
    rule: "whole_host" | "cpu_time_share" | "energy_share" | "fixed_share";
    ratio?: string;
  };
  /** Reporting period, `YYYY`, `YYYY-Qn` or `YYYY-MM`. */
  readonly reportingPeriod?: string;
  /** Labels (string values). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Evidence: name and SHA-256 hex of input files. */
  readonly evidence?: readonly { name: string; sha256: string }[];
  /**
   * Coverage of the activity period by valid energy samples, percent (default 100: the energy
   * figure is taken to cover the whole period). Intensity coverage goes into `assumptions`.
   */
  readonly energyCoveragePct?: number;
  /** True when the region is a cloud region (drives the default scope). */
  readonly cloud?: boolean;
  /** More assumptions in plain words (after the estimate's own), at most 64 kept in all. */
  readonly assumptions?: readonly string[];
  /**
   * Embodied emissions to record in the body's `embodied` block (default: the estimate's own,
   * `EstimateFields.embodied`; none: no block). Its level must be the estimate's.
   */
  readonly embodied?: EmbodiedEmission;
  /**
   * The power model to name in `activity.model` (default: the estimate's `energyModel`, else
   * the instance model its energy evidence names, else none).
   */
  readonly energyModel?: EnergyModelInfo;
}

/**
 * A finite number as an exact decimal string with at most `digits` fraction digits, in the
 * ledger grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?` (no exponent, no trailing zeros).
 *
 * @param x Finite number with |x| < 1e21.
 * @param digits Fraction digits to round to (0..20).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toDecimalString } from "./ledger_body.ts";
 * assert.equal(toDecimalString(1.5e-7, 9), "0.00000015");
 * assert.equal(toDecimalString(2.50, 3), "2.5");
 * assert.throws(() => toDecimalString(Infinity, 3), RangeError);
 * ```
 */
export function toDecimalString(x: number, digits: number): string {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) {
    throw new RangeError(`cannot write ${x} as an exact decimal string`);
  }
  let s = x.toFixed(digits);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

/**
 * The emission body for an estimate (see `CarbonEstimate.toLedgerBody`). `activity.source`,
 * `activity.simulated` and `quality` come from the estimate's energy evidence through
 * `mapEnergyEvidence` (simulated energy is signed `quality: "simulated"`, never measured).
 *
 * @param e The estimate.
 * @param options Reporting entity, place, scope, allocation, labels.
 * @throws RangeError when the estimate cannot be recorded in schema v1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator } from "./estimator.ts";
 * import { emissionBody } from "./ledger_body.ts";
 * const e = await new CarbonEstimator({ region: "DE" }).estimateOverSpan({
 *   startTs: "2025-01-01T00:00:00Z",
 *   endTs: "2025-01-01T01:00:00Z",
 *   energyWh: 100,
 * });
 * const body = emissionBody(e, { reportingEntity: "Example Ltd" });
 * assert.equal(body.schema, "carbon-ops/emission/v1");
 * assert.equal((body.result as { co2e_g: string }).co2e_g, "42.7575");
 * assert.equal(body.quality, "estimated");
 * ```
 */
export function emissionBody(
  e: EstimateFields & { readonly energyKwh: number },
  options: LedgerBodyOptions,
): RecordBody {
  const round = (x: number, d: number) => Number(toDecimalString(x, d));
  if (e.startTs === null || e.endTs === null) {
    throw new RangeError(
      "an emission record needs the activity period: estimate over a span or give startTs/endTs",
    );
  }
  if (e.factorYear === null) {
    throw new RangeError(`the factor for ${e.region} has no data year; schema v1 needs one`);
  }
  if (e.basis !== "lifecycle" && e.basis !== "direct") {
    throw new RangeError(
      `a ${e.basis}-basis factor cannot be recorded in emission schema v1 (lifecycle or ` +
        `direct only); choose a region or provider with an average factor`,
    );
  }
  const scope = options.scope ?? (options.cloud ? 3 : 2);
  const place: { [key: string]: JsonValue } = {};
  for (
    const [k, v] of Object.entries({
      host: options.place?.host,
      site: options.place?.site,
      cloud_account: options.place?.cloudAccount,
      cloud_region: options.place?.cloudRegion,
    })
  ) if (v !== undefined && v !== "") place[k] = v;
  if (Object.keys(place).length === 0) place.site = e.region;
  const energyCoverage = options.energyCoveragePct ?? 100;
  if (!(energyCoverage >= 0 && energyCoverage <= 100)) {
    throw new RangeError(`energyCoveragePct must be from 0 to 100, got ${energyCoverage}`);
  }
  const evidence = mapEnergyEvidence(e.energyEvidence);
  const assumptions = [...e.flags];
  if (e.energyEvidence.kinds.length > 1) {
    assumptions.push(
      `energy from ${e.energyEvidence.kinds.join(" + ")}: counter readings cover ${
        round(e.energyEvidence.measuredFraction * 100, 4)
      }% of the activity period, the rest is modelled`,
    );
  }
  if (evidence.simulated) {
    assumptions.push("the energy comes from a SIMULATED source: it is not a measurement");
  }
  if (e.coverage < 1) {
    assumptions.push(
      `intensity readings cover ${round(e.coverage * 100, 4)}% of the activity period`,
    );
  }
  if (e.gases === "CO2") assumptions.push("factor covers CO2 only, not CO2e");
  const model = options.energyModel ?? e.energyModel ?? evidenceModel(e.energyEvidence);
  if (model !== undefined) assumptions.push(modelAssumption(model));
  assumptions.push(...(options.assumptions ?? []));
  const embodied = options.embodied ?? e.embodied;
  if (embodied !== undefined && embodied.confidenceLevelPct !== e.meta.confidenceLevelPct) {
    throw new RangeError(
      `the embodied interval is at ${embodied.confidenceLevelPct} %, the estimate at ` +
        `${e.meta.confidenceLevelPct} %: one record states one confidence level`,
    );
  }
  return {
    schema: "carbon-ops/emission/v1",
    reporting_entity: options.reportingEntity,
    source: place,
    activity_period: { start: e.startTs, end: e.endTs },
    ...(options.reportingPeriod ? { reporting_period: options.reportingPeriod } : {}),
    scope,
    ...(scope === 3 ? { scope3_category: options.scope3Category ?? 1 } : {}),
    ...(scope === 2 ? { scope2_method: "location" } : {}),
    gases: "CO2e",
    activity: {
      energy_kwh: toDecimalString(e.energyKwh, 12),
      source: evidence.activitySource,
      ...(evidence.simulated ? { simulated: true } : {}),
      coverage_pct: energyCoverage,
      ...(options.evidence ? { evidence: options.evidence.map((e) => ({ ...e })) } : {}),
      ...(model !== undefined ? { model: modelBlock(model) } : {}),
    },
    emission_factor: {
      value: toDecimalString(e.intensityGPerKwh, 6),
      unit: "gCO2e/kWh",
      dataset: e.dataset,
      version: e.datasetVersion,
      year: e.factorYear,
      region: e.region,
      basis: e.basis === "direct" ? "direct_combustion" : "lifecycle",
      instrument: "grid_average",
      gwp_set: "IPCC GWP100 (as published by the dataset)",
    },
    pue: { value: toDecimalString(e.pue, 6), source: e.pueSource },
    allocation: { ...(options.allocation ?? { rule: "whole_host" }) },
    method: {
      formula: "CO2e_g = energy_kWh x PUE x factor_gCO2e_per_kWh, summed over time buckets",
    },
    result: {
      co2e_g: toDecimalString(e.grams, 6),
      interval: {
        lower_g: toDecimalString(e.meta.ciLowerG, 6),
        upper_g: toDecimalString(e.meta.ciUpperG, 6),
      },
      confidence_level_pct: e.meta.confidenceLevelPct,
      uncertainty_method: e.meta.method,
      ...(e.meta.seed !== undefined ? { seed: e.meta.seed } : {}),
    },
    ...(embodied !== undefined ? { embodied: embodiedBlock(embodied) } : {}),
    quality: e.qualityFlag,
    ...(assumptions.length > 0 ? { assumptions: assumptions.slice(0, 64) } : {}),
    tool: { name: "carbon-ops", version: VERSION },
    ...(options.labels ? { labels: { ...options.labels } } : {}),
  };
}

/** The instance power model the energy evidence names (the energy logger's), if any. */
function evidenceModel(evidence: EnergyEvidence): EnergyModelInfo | undefined {
  const m = evidence.model;
  if (m === undefined || evidence.kind !== "model") return undefined;
  return {
    name: m.name,
    instanceId: m.instanceId,
    utilizationPct: null,
    utilizationAssumed: false,
    powerW: null,
    flags: m.flags,
  };
}

function modelAssumption(model: EnergyModelInfo): string {
  const at = model.utilizationPct === null
    ? "at the measured CPU utilisation"
    : `at ${model.utilizationPct}% CPU utilisation${model.utilizationAssumed ? " (assumed)" : ""}`;
  const flags = model.flags.length > 0 ? `; flags: ${model.flags.join(", ")}` : "";
  return `energy from the instance power model ${model.name} for ${model.instanceId} ${at}${flags}`
    .slice(0, 1024);
}

function modelBlock(model: EnergyModelInfo): { [key: string]: JsonValue } {
  return {
    name: model.name,
    instance_type: model.instanceId,
    ...(model.utilizationPct !== null ? { utilization_pct: model.utilizationPct } : {}),
    ...(model.utilizationAssumed ? { utilization_assumed: true } : {}),
  };
}

/**
 * The body's `embodied` block (schemas/emission.v1.json): grams and bounds as exact decimal
 * strings at 6 fraction digits (as `result`), the share of the host at 9.
 *
 * @param m The embodied figure.
 * @throws {RangeError} On a non-finite figure.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embodiedForInstance } from "./embodied_estimate.ts";
 * import { embodiedBlock } from "./ledger_body.ts";
 * const block = embodiedBlock(embodiedForInstance("aws:m5.large", 3_600_000)!);
 * assert.equal(block.co2e_g, "0.957465");
 * assert.equal(block.share_of_host, "0.020833333");
 * assert.equal(block.lifespan_hours, "35040");
 * ```
 */
export function embodiedBlock(m: EmbodiedEmission): { [key: string]: JsonValue } {
  return {
    co2e_g: toDecimalString(m.co2eG, 6),
    ci_lower_g: toDecimalString(m.ciLowerG, 6),
    ci_upper_g: toDecimalString(m.ciUpperG, 6),
    confidence_level_pct: m.confidenceLevelPct,
    method: m.method,
    model: m.model,
    data_version: m.dataVersion,
    instance_type: m.instanceId,
    ...(m.shareOfHost !== null ? { share_of_host: toDecimalString(m.shareOfHost, 9) } : {}),
    lifespan_hours: toDecimalString(m.lifespanHours, 6),
    ...(m.flags.length > 0 ? { flags: m.flags.slice(0, 64).map((f) => f.slice(0, 1024)) } : {}),
  };
}
