/**
 * Embodied emissions of a cloud instance as the estimator reports them: SCI's M from the cloud
 * catalog's model (`lib/cloud/embodied.ts`), with a central interval at a confidence level
 * taken from its log-normal sigma, named by model and data version. The figure is reported
 * beside the operational one (estimates, emission records' `embodied` block, `ledger totals`),
 * never inside it.
 *
 * ```text
 * M      = host kgCO2e x 1000 x (hours / lifespan hours) x (instance vCPUs / host vCPUs)
 * bounds = M x exp(-/+ z x sigmaLn)         z = the normal quantile of the level (1.96 at 95 %)
 * ```
 *
 * @module
 */

import { CLOUD_DATA_VERSION } from "../cloud/data/constants_gen.ts";
import { type EmbodiedEstimate, instanceEmbodied } from "../cloud/embodied.ts";
import { lookupInstance } from "../cloud/instance_catalog.ts";
import { checkLevel } from "./_validate.ts";
import { zForConfidence } from "./stats.ts";

/**
 * The embodied model's name in estimates and records: `ccf-embodied@<data version>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EMBODIED_MODEL } from "./embodied_estimate.ts";
 * assert.equal(EMBODIED_MODEL, "ccf-embodied@2026-12-02");
 * ```
 */
export const EMBODIED_MODEL = `ccf-embodied@${CLOUD_DATA_VERSION}`;

/**
 * An instance's embodied emissions over a duration, with its interval and provenance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EmbodiedEmission, embodiedForInstance } from "./embodied_estimate.ts";
 * const m: EmbodiedEmission | null = embodiedForInstance("aws:m5.large", 3_600_000);
 * assert.equal(m?.instanceId, "aws:m5.large");
 * assert.ok(m !== null && m.ciLowerG < m.co2eG && m.co2eG < m.ciUpperG);
 * ```
 */
export interface EmbodiedEmission {
  /** Canonical instance id, `provider:type` (`aws:m5.large`). */
  readonly instanceId: string;
  /** M over the duration, gCO2e (the median of the log-normal model). */
  readonly co2eG: number;
  /** Lower bound at `confidenceLevelPct`, g. */
  readonly ciLowerG: number;
  /** Upper bound at `confidenceLevelPct`, g. */
  readonly ciUpperG: number;
  /** Confidence level of the bounds, percent. */
  readonly confidenceLevelPct: number;
  /** 1-sigma of ln(M) (`lib/cloud/embodied.ts` `embodiedSigma` derives it). */
  readonly sigmaLn: number;
  /** M per instance-hour, g. */
  readonly gPerHour: number;
  /** Time the instance was reserved, ms. */
  readonly durationMs: number;
  /** `host_share:<data method>` or `per_vcpu_fallback`. */
  readonly method: string;
  /** {@link EMBODIED_MODEL}. */
  readonly model: string;
  /** Release of the embedded cloud data (`CLOUD_DATA_VERSION`). */
  readonly dataVersion: string;
  /** The instance's share of its host (vCPUs / host vCPUs), or null for the per-vCPU fallback. */
  readonly shareOfHost: number | null;
  /** The host's expected life, hours. */
  readonly lifespanHours: number;
  /** What the figure could not use or assumed (`embodied_per_vcpu_fallback`, ...). */
  readonly flags: readonly string[];
}

/**
 * Options of {@link embodiedForInstance} and {@link embodiedEmission}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EmbodiedEmissionOptions, embodiedForInstance } from "./embodied_estimate.ts";
 * const options: EmbodiedEmissionOptions = { confidenceLevelPct: 90, vcpus: 4 };
 * const m = embodiedForInstance("aws:m99.xlarge", 3_600_000, options);
 * assert.equal(m?.confidenceLevelPct, 90);
 * assert.equal(m?.method, "per_vcpu_fallback");
 * ```
 */
export interface EmbodiedEmissionOptions {
  /** Confidence level of the interval, percent, 50 <= level < 100 (default 95). */
  readonly confidenceLevelPct?: number;
  /** The VM's vCPUs, for a type not in the catalog (default: unknown, then no figure). */
  readonly vcpus?: number;
  /** The VM's memory, GB, for a type not in the catalog (default: unknown). */
  readonly memoryGb?: number;
}

/**
 * The estimator's form of the cloud model's embodied figure: the interval at the level, the
 * model name and data version.
 *
 * @param m From `instanceEmbodied` (`lib/cloud/embodied.ts`).
 * @param durationMs The duration `m` was computed for, ms.
 * @param options `confidenceLevelPct` (default 95).
 * @throws {RangeError} On a level outside 50..<100.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instanceEmbodied } from "../cloud/embodied.ts";
 * import { lookupInstance } from "../cloud/instance_catalog.ts";
 * import { embodiedEmission } from "./embodied_estimate.ts";
 * const m = instanceEmbodied(lookupInstance("aws:m5.large")!, 3_600_000)!;
 * const e = embodiedEmission(m, 3_600_000, { confidenceLevelPct: 95 });
 * assert.equal(e.co2eG, m.grams);
 * assert.equal(e.ciUpperG, m.grams * Math.exp(1.959963984540054 * m.sigmaLn));
 * ```
 */
export function embodiedEmission(
  m: EmbodiedEstimate,
  durationMs: number,
  options: Pick<EmbodiedEmissionOptions, "confidenceLevelPct"> = {},
): EmbodiedEmission {
  const level = checkLevel(options.confidenceLevelPct ?? 95);
  const z = zForConfidence(level);
  return {
    instanceId: m.instanceId,
    co2eG: m.grams,
    ciLowerG: m.grams * Math.exp(-z * m.sigmaLn),
    ciUpperG: m.grams * Math.exp(z * m.sigmaLn),
    confidenceLevelPct: level,
    sigmaLn: m.sigmaLn,
    gPerHour: m.gPerHour,
    durationMs,
    method: m.method,
    model: EMBODIED_MODEL,
    dataVersion: CLOUD_DATA_VERSION,
    shareOfHost: m.shareOfHost,
    lifespanHours: m.lifespanHours,
    flags: m.flags,
  };
}

/**
 * Embodied emissions of an instance type over a duration, with its interval: the call the
 * `estimate`, `run` and `report` commands make once they know the instance (a flag, the config,
 * or `lib/cloud` detection). Catalog lookup and fallbacks as `lookupInstance` (flagged).
 *
 * @param instanceId `provider:type` (`aws:m5.large`, `gcp:n2-standard-4`, `azure:Standard_D4s_v5`).
 * @param durationMs Time the instance was reserved, ms (>= 0).
 * @param options Level (default 95 %), vCPUs and memory for a type not in the catalog.
 * @returns The figure, or null when nothing is known: a provider without coefficients, or a type
 *   not in the catalog without `vcpus`.
 * @throws {TypeError} When the id is not `provider:type`.
 * @throws {RangeError} On a negative duration, non-positive vCPUs or memory, or a bad level.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embodiedForInstance } from "./embodied_estimate.ts";
 * const m = embodiedForInstance("aws:m5.large", 3_600_000)!;
 * // 1,610.379 kg x 1000 x (1 h / 35,040 h) x (2 / 96)
 * assert.equal(m.co2eG.toFixed(3), "0.957");
 * assert.equal(m.shareOfHost, 2 / 96);
 * assert.equal(embodiedForInstance("aws:m99.large", 3_600_000), null); // vCPUs unknown
 * assert.equal(embodiedForInstance("oci:VM.Standard3.Flex", 3_600_000), null);
 * ```
 */
export function embodiedForInstance(
  instanceId: string,
  durationMs: number,
  options: EmbodiedEmissionOptions = {},
): EmbodiedEmission | null {
  const level = checkLevel(options.confidenceLevelPct ?? 95);
  const spec = lookupInstance(instanceId, {
    ...(options.vcpus !== undefined ? { vcpus: options.vcpus } : {}),
    ...(options.memoryGb !== undefined ? { memoryGb: options.memoryGb } : {}),
  });
  if (spec === null) return null;
  const m = instanceEmbodied(
    spec,
    durationMs,
    options.vcpus !== undefined ? { vcpus: options.vcpus } : {},
  );
  return m === null ? null : embodiedEmission(m, durationMs, { confidenceLevelPct: level });
}
