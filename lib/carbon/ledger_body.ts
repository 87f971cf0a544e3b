/**
 * Ledger emission bodies (schemas/emission.v1.json, `carbon-ops/emission/v1`) from estimates,
 * with quantities as exact decimal strings.
 *
 * @module
 */

import { VERSION } from "../base/version.ts";
import type { EstimateFields } from "./estimate.ts";

/** Options of `toLedgerBody`: what the estimate itself does not know. */
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
}

/**
 * A finite number as an exact decimal string with at most `digits` fraction digits, in the
 * ledger grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?` (no exponent, no trailing zeros).
 *
 * @param x Finite number with |x| < 1e21.
 * @param digits Fraction digits to round to (0..20).
 * @example
 * ```ts
 * import { toDecimalString } from "./estimate.ts";
 * console.log(toDecimalString(1.5e-7, 9), toDecimalString(2.50, 3)); // "0.00000015" "2.5"
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
 * The emission body for an estimate (see `CarbonEstimate.toLedgerBody`).
 *
 * @param e The estimate.
 * @param options Reporting entity, place, scope, allocation, labels.
 * @throws RangeError when the estimate cannot be recorded in schema v1.
 * @example
 * ```ts
 * import { CarbonEstimator } from "./estimator.ts";
 * import { emissionBody } from "./ledger_body.ts";
 * const e = await new CarbonEstimator({ region: "DE" }).estimateOverSpan({
 *   startTs: "2025-01-01T00:00:00Z", endTs: "2025-01-01T01:00:00Z", energyWh: 100,
 * });
 * console.log(emissionBody(e, { reportingEntity: "Example Ltd" }).result);
 * ```
 */
export function emissionBody(
  e: EstimateFields & { readonly energyKwh: number },
  options: LedgerBodyOptions,
): Record<string, unknown> {
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
  const place = Object.fromEntries(
    Object.entries({
      host: options.place?.host,
      site: options.place?.site,
      cloud_account: options.place?.cloudAccount,
      cloud_region: options.place?.cloudRegion,
    }).filter(([, v]) => v !== undefined && v !== ""),
  );
  if (Object.keys(place).length === 0) place.site = e.region;
  const energyCoverage = options.energyCoveragePct ?? 100;
  if (!(energyCoverage >= 0 && energyCoverage <= 100)) {
    throw new RangeError(`energyCoveragePct must be from 0 to 100, got ${energyCoverage}`);
  }
  const assumptions = [...e.flags];
  if (e.coverage < 1) {
    assumptions.push(
      `intensity readings cover ${round(e.coverage * 100, 4)}% of the activity period`,
    );
  }
  if (e.gases === "CO2") assumptions.push("factor covers CO2 only, not CO2e");
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
      source: e.energySource,
      coverage_pct: energyCoverage,
      ...(options.evidence ? { evidence: options.evidence.map((e) => ({ ...e })) } : {}),
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
    quality: e.qualityFlag,
    ...(assumptions.length > 0 ? { assumptions } : {}),
    tool: { name: "carbon-ops", version: VERSION },
    ...(options.labels ? { labels: { ...options.labels } } : {}),
  };
}
