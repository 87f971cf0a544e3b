/**
 * The instance power model (pure): Cloud Carbon Footprint's linear model for a cloud VM.
 *
 * ```text
 * cpuW    = vCPUs x (minWPerVcpu + u x (maxWPerVcpu - minWPerVcpu))     u = utilisation / 100
 * memoryW = CCF's memory rule for the type (instance_catalog.ts: GCP every GB x 0.392 W;
 *           AWS and Azure the GB above the family's SPECpower GB per chip x 0.392 W)
 * totalW  = cpuW + memoryW                                              (IT power, before PUE)
 * ```
 *
 * PUE is NOT applied here: the estimator applies the region's PUE profile (lib/carbon), as for
 * every other energy source, so a CCF-compatible figure is `totalW x hours x ccfPue / 1000`.
 * The model is named `ccf-linear@<data version>` in records ({@link CCF_LINEAR_MODEL}).
 *
 * Uncertainty: 1-sigma of ln(power), log-normal like every sigma in lib/carbon; derivation in
 * {@link instancePowerSigma}.
 *
 * @module
 */

import { CLOUD_DATA_VERSION, PROVIDER_CONSTANTS, UNCERTAINTY_STATS } from "./data/constants_gen.ts";
import type { Quantiles } from "./data/types.ts";
import type { InstanceMatch, InstanceSpec } from "./instance_catalog.ts";

/**
 * The model name written into records: `ccf-linear@<data version>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CCF_LINEAR_MODEL } from "./instance_power.ts";
 * assert.equal(CCF_LINEAR_MODEL, "ccf-linear@2026-12-02");
 * ```
 */
export const CCF_LINEAR_MODEL = `ccf-linear@${CLOUD_DATA_VERSION}`;

/** z of the 90th percentile of the standard normal: p10..p90 spans 2z sigmas. */
const Z90 = 1.2815515655446004;

/**
 * Options of {@link instancePower} and {@link instancePowerSigma}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { instancePower, type InstancePowerOptions } from "./instance_power.ts";
 * const spec = lookupInstance("aws:m99.large");
 * const options: InstancePowerOptions = { vcpus: 2 };
 * assert.equal(instancePower(spec!, 0, options).cpuW, 2 * 0.74);
 * ```
 */
export interface InstancePowerOptions {
  /** vCPUs when the spec has none (a fallback spec; default: the spec's, else a RangeError). */
  readonly vcpus?: number;
  /**
   * True when the utilisation is an assumption (CCF's default 50 %), not a measurement: the
   * sigma then also covers 10..90 % utilisation as its p10..p90 (default false).
   */
  readonly utilizationAssumed?: boolean;
}

/**
 * Modelled power of an instance at one utilisation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { type InstancePower, instancePower } from "./instance_power.ts";
 * const p: InstancePower = instancePower(lookupInstance("aws:m5.large")!, 50);
 * assert.equal(p.cpuW, 4.91);
 * assert.equal(p.memoryW, 2.472);
 * ```
 */
export interface InstancePower {
  /** The spec's canonical id. */
  readonly instanceId: string;
  /** Which catalog step the coefficients came from. */
  readonly match: InstanceMatch;
  /** vCPUs used. */
  readonly vcpus: number;
  /** Utilisation used, percent 0..100. */
  readonly utilizationPct: number;
  /** CPU (host-share) watts, before PUE. */
  readonly cpuW: number;
  /** Memory watts (CCF's rule), before PUE. */
  readonly memoryW: number;
  /** cpuW + memoryW: IT power, before PUE. */
  readonly totalW: number;
  /** 1-sigma of ln(totalW). */
  readonly sigmaLn: number;
  /** `ccf-linear@<data version>`. */
  readonly model: string;
  /** The spec's flags, plus `utilization_assumed` when so. */
  readonly flags: readonly string[];
}

function checkUtilization(utilizationPct: number): number {
  if (!Number.isFinite(utilizationPct) || utilizationPct < 0 || utilizationPct > 100) {
    throw new RangeError(
      `utilisation must be a percentage from 0 to 100, got ${utilizationPct}`,
    );
  }
  return utilizationPct;
}

function resolveVcpus(spec: InstanceSpec, options: InstancePowerOptions): number {
  const vcpus = spec.vcpus ?? options.vcpus;
  if (vcpus === undefined) {
    throw new RangeError(
      `vCPUs of ${spec.id} are unknown: pass the VM's vCPU count (options.vcpus)`,
    );
  }
  if (!(Number.isFinite(vcpus) && vcpus > 0)) {
    throw new RangeError(`vcpus must be a positive number, got ${vcpus}`);
  }
  return vcpus;
}

/**
 * CCF's linear power of an instance at `utilizationPct` (module doc), with its sigma.
 *
 * @param spec From `lookupInstance`.
 * @param utilizationPct The VM's CPU utilisation, 0..100.
 * @param options vCPUs for a spec without them; whether the utilisation is assumed.
 * @throws {RangeError} On a utilisation outside 0..100 or unknown vCPUs.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { CCF_LINEAR_MODEL, instancePower } from "./instance_power.ts";
 * const p = instancePower(lookupInstance("aws:m5.large")!, 50);
 * // 2 vCPUs x (0.65 + 0.5 x (4.26 - 0.65)) W + 2.472 W memory
 * assert.equal(Math.round(p.totalW * 1000) / 1000, 7.382);
 * assert.equal(p.model, CCF_LINEAR_MODEL);
 * assert.ok(p.sigmaLn > 0.3 && p.sigmaLn < 0.4);
 * ```
 */
export function instancePower(
  spec: InstanceSpec,
  utilizationPct: number,
  options: InstancePowerOptions = {},
): InstancePower {
  const u = checkUtilization(utilizationPct) / 100;
  const vcpus = resolveVcpus(spec, options);
  const cpuW = vcpus * (spec.minWPerVcpu + u * (spec.maxWPerVcpu - spec.minWPerVcpu));
  const flags = options.utilizationAssumed === true
    ? [...spec.flags, "utilization_assumed"]
    : spec.flags;
  return {
    instanceId: spec.id,
    match: spec.match,
    vcpus,
    utilizationPct,
    cpuW,
    memoryW: spec.memoryW,
    totalW: cpuW + spec.memoryW,
    sigmaLn: instancePowerSigma(spec, utilizationPct, options),
    model: CCF_LINEAR_MODEL,
    flags,
  };
}

function lerp(a: Quantiles, b: Quantiles, t: number): Quantiles {
  return {
    p10: a.p10 + t * (b.p10 - a.p10),
    median: a.median + t * (b.median - a.median),
    p90: a.p90 + t * (b.p90 - a.p90),
  };
}

/**
 * 1-sigma of ln(power) of the CCF linear model for a spec at a utilisation.
 *
 * Derivation (from `constants.json` -> `uncertainty`, embedded as `UNCERTAINTY_STATS`):
 *
 * 1. **Model error, `sModel`.** The only published comparison of CCF's per-instance figure with
 *    an independent per-instance figure is `ccf_vs_teads_same_instance`: CCF / Teads for the
 *    same EC2 type (n = 597) at idle, 50 % and 100 %, as p10 / median / p90 of the ratio. The
 *    quantiles are interpolated linearly in utilisation between those three points. Then
 *    - spread `S = (ln p90 - ln p10) / (2 x 1.2816)`: the 1-sigma of ln(CCF / Teads) (p10..p90
 *      of a normal is 2 x 1.2816 sigma). Both models err per instance; with independent errors
 *      of equal size, each model's share is `S / sqrt 2`;
 *    - offset `B = |ln median|`: the models disagree systematically (Teads is about 1.8 x CCF
 *      under load). We cannot tell which is right, so we put the truth at the geometric middle:
 *      CCF is off by `B / 2`, counted as one more 1-sigma term;
 *    - `sModel = sqrt(S^2 / 2 + (B / 2)^2)`: 0.315 at idle, 0.355 at 50 % and at 100 %.
 *    Those statistics are for EC2; GCP and Azure use the same coefficients and method, so
 *    the same sigma applies (no independent per-instance figure exists for them).
 * 2. **Unknown microarchitecture, `sFamily`** (the provider-average fallback, and types whose
 *    CPU has no coefficient: Graviton 1, Apple, Grace, Axion): the instance-weighted RMS of
 *    ln(P_family(u) / P_average(u)) over the provider's microarchitectures that have their own
 *    coefficient (microarchitectures.json), where P(u) = min + u x (max - min) per vCPU: how
 *    far the real family's line can sit from the average's.
 * 3. **Assumed utilisation, `sUtil`** (`utilizationAssumed`): 10 % and 90 % utilisation taken
 *    as the p10 and p90: `ln(P(90 %) / P(10 %)) / (2 x 1.2816)` with this spec's own line.
 *
 * sigma = sqrt(sModel^2 + sFamily^2 + sUtil^2).
 *
 * @param spec From `lookupInstance`.
 * @param utilizationPct The utilisation, 0..100.
 * @param options `utilizationAssumed` (default false); `vcpus` is not needed here.
 * @throws {RangeError} On a utilisation outside 0..100.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { instancePowerSigma } from "./instance_power.ts";
 * const exact = instancePowerSigma(lookupInstance("aws:m5.large")!, 50);
 * assert.equal(Math.round(exact * 1000) / 1000, 0.355);
 * const average = instancePowerSigma(lookupInstance("aws:m99.large")!, 50);
 * assert.ok(average > exact);
 * const assumed = instancePowerSigma(lookupInstance("aws:m5.large")!, 50, {
 *   utilizationAssumed: true,
 * });
 * assert.ok(assumed > exact);
 * ```
 */
export function instancePowerSigma(
  spec: InstanceSpec,
  utilizationPct: number,
  options: InstancePowerOptions = {},
): number {
  const u = checkUtilization(utilizationPct) / 100;
  const s = UNCERTAINTY_STATS;
  const q = u <= 0.5
    ? lerp(s.ccfVsTeadsIdle, s.ccfVsTeads50, u / 0.5)
    : lerp(s.ccfVsTeads50, s.ccfVsTeads100, (u - 0.5) / 0.5);
  const spread = (Math.log(q.p90) - Math.log(q.p10)) / (2 * Z90);
  const offset = Math.abs(Math.log(q.median));
  const sModel2 = spread * spread / 2 + (offset / 2) ** 2;
  let sFamily2 = 0;
  if (spec.match === "provider_average" || spec.coefficientBasis.startsWith("provider_")) {
    sFamily2 = familySpreadLn(spec, u) ** 2;
  }
  let sUtil2 = 0;
  if (options.utilizationAssumed === true) {
    const line = (x: number) =>
      spec.minWPerVcpu + x * (spec.maxWPerVcpu - spec.minWPerVcpu) +
      spec.memoryW / (spec.vcpus ?? options.vcpus ?? 1);
    sUtil2 = (Math.log(line(0.9) / line(0.1)) / (2 * Z90)) ** 2;
  }
  return Math.sqrt(sModel2 + sFamily2 + sUtil2);
}

function familySpreadLn(spec: InstanceSpec, u: number): number {
  const c = PROVIDER_CONSTANTS[spec.provider];
  const avg = c.averageMinWPerVcpu + u * (c.averageMaxWPerVcpu - c.averageMinWPerVcpu);
  let weight = 0;
  let sum = 0;
  for (const m of c.microarchitectures) {
    if (m.basis.startsWith("provider_") || m.instances <= 0) continue;
    const p = m.minWPerVcpu + u * (m.maxWPerVcpu - m.minWPerVcpu);
    sum += m.instances * Math.log(p / avg) ** 2;
    weight += m.instances;
  }
  return weight > 0 ? Math.sqrt(sum / weight) : 0;
}

/**
 * Energy of a constant power over a duration, in microjoules (the project's energy unit),
 * rounded to the nearest microjoule. IT energy: PUE is not applied.
 *
 * @param power From {@link instancePower}.
 * @param durationMs Duration, ms (>= 0).
 * @throws {RangeError} On a negative or non-finite duration.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { instanceEnergyUj, instancePower } from "./instance_power.ts";
 * const p = instancePower(lookupInstance("aws:m5.large")!, 0);
 * // (1.3 W + 2.472 W) x 1 s = 3.772 J
 * assert.equal(instanceEnergyUj(p, 1000), 3_772_000n);
 * ```
 */
export function instanceEnergyUj(power: InstancePower, durationMs: number): bigint {
  if (!(Number.isFinite(durationMs) && durationMs >= 0)) {
    throw new RangeError(`durationMs must be a non-negative number, got ${durationMs}`);
  }
  return BigInt(Math.round(power.totalW * durationMs * 1000));
}
