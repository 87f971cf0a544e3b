/**
 * Embodied emissions of a cloud instance (pure): SCI's M for the time the instance was reserved,
 * as Cloud Carbon Footprint computes it.
 *
 * ```text
 * M = TE x (TiR / EL) x (RR / ToR)
 *   TE  = the host's manufacturing emissions (platformKgco2e, g = kg x 1000)
 *   TiR = hours the instance was reserved (the whole instance-hour, whatever the utilisation)
 *   EL  = the host's expected life, 35,040 h (4 years)
 *   RR / ToR = the instance's share of the host: its vCPUs / the host's vCPUs
 * ```
 *
 * When no source has a host total for the type, the provider's median g per vCPU-hour stands
 * in (`vCPUs x median x hours`), flagged. Uncertainty: 1-sigma of ln(M), derivation in
 * {@link embodiedSigma}.
 *
 * @module
 */

import { PROVIDER_CONSTANTS, UNCERTAINTY_STATS } from "./data/constants_gen.ts";
import type { InstanceEmbodied, InstanceSpec } from "./instance_catalog.ts";

const Z90 = 1.2815515655446004;
const MS_PER_HOUR = 3_600_000;

/**
 * The embodied share of an instance over a duration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { type EmbodiedEstimate, instanceEmbodied } from "./embodied.ts";
 * const e: EmbodiedEstimate | null = instanceEmbodied(lookupInstance("aws:m5.large")!, 3_600_000);
 * assert.equal(e?.shareOfHost, 2 / 96);
 * ```
 */
export interface EmbodiedEstimate {
  /** The spec's canonical id. */
  readonly instanceId: string;
  /** M over the duration, gCO2e. */
  readonly grams: number;
  /** M per instance-hour, gCO2e. */
  readonly gPerHour: number;
  /** 1-sigma of ln(M). */
  readonly sigmaLn: number;
  /** `host_share:<data method>` or `per_vcpu_fallback`. */
  readonly method: string;
  /** RR / ToR, or null for the per-vCPU fallback. */
  readonly shareOfHost: number | null;
  /** EL, hours. */
  readonly lifespanHours: number;
  /** The spec's flags. */
  readonly flags: readonly string[];
}

/**
 * Options of {@link instanceEmbodied}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { type EmbodiedOptions, instanceEmbodied } from "./embodied.ts";
 * const options: EmbodiedOptions = { vcpus: 4 };
 * assert.equal(instanceEmbodied(lookupInstance("aws:m99.xlarge")!, 3_600_000, options)?.grams,
 *   4 * 0.6371);
 * ```
 */
export interface EmbodiedOptions {
  /** vCPUs when the spec has none (a fallback spec; default: the spec's, else null result). */
  readonly vcpus?: number;
}

/**
 * 1-sigma of ln(M) for an embodied basis. Derivation (from `constants.json` -> `uncertainty`
 * and `embodied`, embedded as `UNCERTAINTY_STATS` and `PROVIDER_CONSTANTS`):
 *
 * - The only published comparison of two independent host totals for the same types is
 *   `aws_2026_embodied_vs_ccf`: ccf-coefficients' 2026 platform totals / CCF's component-model
 *   totals, n = 492, p10 / median / p90 = 0.563 / 0.745 / 1.576. As for the power model,
 *   `S = (ln p90 - ln p10) / (2 x 1.2816)` = 0.402 is the 1-sigma of the log ratio and
 *   `B = |ln median|` = 0.294 the systematic disagreement.
 * - `ccf_teads_component_model` (documented method): half of each, like the power model:
 *   `sqrt(S^2 / 2 + (B / 2)^2)` = 0.320.
 * - `ccf_coefficients_2026_platform_total` (method not documented): the whole disagreement,
 *   `sqrt(S^2 + B^2)` = 0.498.
 * - `per_vcpu_fallback`: the spread of the provider's g per vCPU-hour over its sourced types,
 *   `(ln p90 - ln p10) / (2 x 1.2816)` (AWS 0.445, GCP 0.667, Azure 0.664), combined with the
 *   component model's 0.320: AWS 0.548, GCP 0.740, Azure 0.737.
 *
 * @param embodied The spec's embodied basis.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { embodiedSigma } from "./embodied.ts";
 * const spec = lookupInstance("aws:m5.large")!;
 * assert.equal(Math.round(embodiedSigma(spec.embodied!) * 1000) / 1000, 0.32);
 * ```
 */
export function embodiedSigma(embodied: InstanceEmbodied): number {
  const q = UNCERTAINTY_STATS.embodied2026VsCcf;
  const spread = (Math.log(q.p90) - Math.log(q.p10)) / (2 * Z90);
  const offset = Math.abs(Math.log(q.median));
  const componentModel = Math.sqrt(spread * spread / 2 + (offset / 2) ** 2);
  if (embodied.kind === "host_share") {
    return embodied.method === "ccf_teads_component_model"
      ? componentModel
      : Math.hypot(spread, offset);
  }
  const fallback = (Math.log(embodied.p90GPerVcpuHour) - Math.log(embodied.p10GPerVcpuHour)) /
    (2 * Z90);
  return Math.hypot(fallback, componentModel);
}

/**
 * SCI's M for an instance over `durationMs` (module doc), with its sigma.
 *
 * @param spec From `lookupInstance`.
 * @param durationMs Time the instance was reserved, ms (>= 0).
 * @param options vCPUs for a fallback spec without them.
 * @returns The estimate, or null when nothing is known (a fallback spec and no vCPUs).
 * @throws {RangeError} On a negative or non-finite duration, or non-positive vCPUs.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * import { instanceEmbodied } from "./embodied.ts";
 * const e = instanceEmbodied(lookupInstance("aws:m5.large")!, 3_600_000);
 * // 1,610.379 kg x 1000 x (1 h / 35,040 h) x (2 / 96)
 * assert.equal(Math.round(e!.grams * 1000) / 1000, 0.957);
 * assert.equal(e!.method, "host_share:ccf_teads_component_model");
 * assert.equal(instanceEmbodied(lookupInstance("aws:m99.large")!, 3_600_000), null);
 * ```
 */
export function instanceEmbodied(
  spec: InstanceSpec,
  durationMs: number,
  options: EmbodiedOptions = {},
): EmbodiedEstimate | null {
  if (!(Number.isFinite(durationMs) && durationMs >= 0)) {
    throw new RangeError(`durationMs must be a non-negative number, got ${durationMs}`);
  }
  if (options.vcpus !== undefined && !(Number.isFinite(options.vcpus) && options.vcpus > 0)) {
    throw new RangeError(`vcpus must be a positive number, got ${options.vcpus}`);
  }
  const c = PROVIDER_CONSTANTS[spec.provider];
  const vcpus = spec.vcpus ?? options.vcpus ?? null;
  let basis = spec.embodied;
  if (basis === null && vcpus !== null) {
    basis = {
      kind: "per_vcpu_fallback",
      gPerVcpuHour: c.embodiedFallbackGPerVcpuHour,
      p10GPerVcpuHour: c.embodiedFallbackP10,
      p90GPerVcpuHour: c.embodiedFallbackP90,
    };
  }
  if (basis === null || vcpus === null) return null;
  const hours = durationMs / MS_PER_HOUR;
  let gPerHour: number;
  let share: number | null = null;
  let method: string;
  if (basis.kind === "host_share") {
    share = vcpus / basis.platformVcpus;
    gPerHour = basis.platformKgco2e * 1000 / c.lifespanHours * share;
    method = `host_share:${basis.method}`;
  } else {
    gPerHour = vcpus * basis.gPerVcpuHour;
    method = "per_vcpu_fallback";
  }
  const flags = basis.kind === "per_vcpu_fallback" &&
      !spec.flags.includes("embodied_per_vcpu_fallback")
    ? [...spec.flags.filter((f) => f !== "embodied_unknown"), "embodied_per_vcpu_fallback"]
    : spec.flags;
  return {
    instanceId: spec.id,
    grams: gPerHour * hours,
    gPerHour,
    sigmaLn: embodiedSigma(basis),
    method,
    shareOfHost: share,
    lifespanHours: c.lifespanHours,
    flags,
  };
}
