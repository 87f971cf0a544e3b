/**
 * Assembles a `CarbonEstimate` from bucket groups (private to the estimator): the interval,
 * the provenance strings, the quality flag.
 *
 * @module
 */

import type { RegionLookup } from "./catalog.ts";
import type { ProviderAttempt } from "./chain.ts";
import type { EnergyEvidence } from "../base/energy_evidence.ts";
import { CarbonEstimate } from "./estimate.ts";
import { evidenceFlags, mapEnergyEvidence, type QualityFlag } from "./evidence.ts";
import type { IntensityReading } from "./provider.ts";
import {
  analyticalInterval,
  type EnergySourceKind,
  type EstimationMethod,
  type IntensityGroup,
  intensitySigma,
  monteCarloInterval,
  pueSigmaUsed,
  type SamplingScheme,
  temporalUncertainty,
} from "./uncertainty.ts";

/**
 * Method, level and energy uncertainty after defaults.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { singleEnergyEvidence } from "../base/energy_evidence.ts";
 * import type { Resolved } from "./_build_estimate.ts";
 * const resolved: Resolved = {
 *   method: "analytical_truncated",
 *   level: 95,
 *   evidence: singleEnergyEvidence("rapl"),
 *   energySource: "rapl",
 *   energySigma: 0.05,
 * };
 * assert.equal(resolved.evidence.kind, resolved.energySource);
 * ```
 */
export interface Resolved {
  method: EstimationMethod;
  level: number;
  evidence: EnergyEvidence;
  energySource: EnergySourceKind;
  energySigma: number;
}

const DAY_MS = 86_400_000;

export function buildEstimate(a: {
  r: Resolved;
  lookup: RegionLookup;
  pue: { pue: number; sigma: number; source: string };
  energyWh: number;
  grams: number;
  groups: IntensityGroup[];
  readings: IntensityReading[];
  coverage: number;
  buckets: number;
  startMs: number | undefined;
  endMs: number | undefined;
  flags: string[];
  mc: { samples: number; seed: number; sampling: SamplingScheme };
}): CarbonEstimate {
  const input = {
    groups: a.groups,
    energySigma: a.r.energySigma,
    pueSigma: a.pue.sigma,
    pue: a.pue.pue,
    confidenceLevelPct: a.r.level,
  };
  const analytical = analyticalInterval(input);
  let meta;
  let sigma = analytical.sigma;
  if (a.r.method === "monte_carlo") {
    const { samples, seed, sampling } = a.mc;
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer from 0 to 4294967295, got ${seed}`);
    }
    const mc = monteCarloInterval(input, { samples, seed, sampling });
    sigma = mc.sigma;
    meta = {
      method: a.r.method,
      ciLowerG: mc.lowerG,
      ciUpperG: mc.upperG,
      confidenceLevelPct: a.r.level,
      samples,
      seed,
      sampling,
    };
  } else {
    meta = {
      method: a.r.method,
      ciLowerG: analytical.lowerG,
      ciUpperG: analytical.upperG,
      confidenceLevelPct: a.r.level,
    };
  }
  const rd = a.readings;
  const uniq = (xs: string[]) => [...new Set(xs)].join(", ");
  const bases = new Set(rd.map((x) => x.basis));
  const years = rd.map((x) => x.year).filter((y) => y > 0);
  const energyWithPueKwh = a.energyWh * a.pue.pue / 1000;
  const quality: QualityFlag = a.lookup.fallback
    ? "fallback"
    : mapEnergyEvidence(a.r.evidence).quality;
  return new CarbonEstimate({
    grams: a.grams,
    intensityGPerKwh: energyWithPueKwh > 0 ? a.grams / energyWithPueKwh : rd[0].intensityGPerKwh,
    energyWh: a.energyWh,
    pue: a.pue.pue,
    pueSource: a.pue.source,
    region: a.lookup.figure.id,
    requestedRegion: a.lookup.requested,
    source: uniq(rd.map((x) => x.source)),
    dataset: uniq(rd.map((x) => x.dataset)),
    datasetVersion: uniq(rd.map((x) => x.datasetVersion)),
    factorYear: years.length ? Math.min(...years) : null,
    basis: bases.size === 1 ? rd[0].basis : "mixed",
    gases: rd.some((x) => x.gases === "CO2") ? "CO2" : "CO2e",
    attribution: [...new Set(rd.map((x) => x.attribution).filter((x): x is string => !!x))],
    startTs: a.startMs === undefined ? null : new Date(a.startMs).toISOString(),
    endTs: a.endMs === undefined ? null : new Date(a.endMs).toISOString(),
    uncertaintyPct: sigma * 100,
    uncertaintyComponentsPct: {
      energy: a.r.energySigma * 100,
      intensity: intensitySigma(a.groups) * 100,
      pue: pueSigmaUsed(input) * 100,
    },
    qualityFlag: quality,
    coverage: a.coverage,
    energySource: a.r.energySource,
    energyEvidence: a.r.evidence,
    buckets: a.buckets,
    meta,
    flags: [
      ...(a.lookup.fallback ? [`fallback_for_unknown_region:${a.lookup.requested}`] : []),
      ...a.lookup.figure.flags,
      ...a.flags,
      ...evidenceFlags(a.r.evidence),
    ],
  });
}

/**
 * 1-sigma of ln(intensity) for a reading used over a span of `durationMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readingSigma } from "./_build_estimate.ts";
 * const hourly = {
 *   startMs: 0,
 *   endMs: 3_600_000,
 *   intensityGPerKwh: 50,
 *   source: "x",
 *   dataset: "x",
 *   datasetVersion: "1",
 *   year: 2025,
 *   basis: "lifecycle" as const,
 *   zone: "X",
 *   uncertaintyPct: 10,
 *   uncertaintyFloorGPerKwh: 10,
 *   measured: true,
 * };
 * assert.equal(readingSigma(hourly, 3_600_000, false), 0.2); // the 10 g floor wins over 10 %
 * assert.equal(readingSigma({ ...hourly, uncertaintyFloorGPerKwh: 0 }, 3_600_000, false), 0.1);
 * ```
 */
export function readingSigma(
  rd: IntensityReading,
  durationMs: number | undefined,
  stepped: boolean,
): number {
  const rel = rd.uncertaintyPct / 100;
  const floor = rd.uncertaintyFloorGPerKwh ?? 0;
  const base = floor > 0 && rd.intensityGPerKwh > 0
    ? Math.max(rel, floor / rd.intensityGPerKwh)
    : rel;
  const averaging = rd.averagingPeriodMs ?? rd.endMs - rd.startMs;
  let t = 0;
  if (averaging > DAY_MS) t = temporalUncertainty(durationMs);
  else if (stepped) t = 0.33; // a short reading carried into a bucket it does not cover
  return t === 0 ? base : Math.hypot(base, t);
}

export function nextCovered(reading: Int32Array): Int32Array {
  const out = new Int32Array(reading.length);
  let n = -1;
  for (let k = reading.length - 1; k >= 0; k--) {
    if (reading[k] >= 0) n = reading[k];
    out[k] = n;
  }
  return out;
}

export function describe(attempts: readonly ProviderAttempt[]): string {
  return attempts.map((a) => `${a.provider} ${a.outcome}${a.error ? ` (${a.error})` : ""}`).join(
    "; ",
  );
}
