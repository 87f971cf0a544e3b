/**
 * The cloud instance catalog: looks an instance type up in the embedded CCF-derived data
 * (`lib/cloud/data/`) and falls back, flagged, when it is not there.
 *
 * Ids are `provider:type`: `aws:m5.large`, `gcp:n2-standard-4`, `azure:Standard_D4s_v5`.
 * Case rules per provider:
 * - `aws`: types are lower case (`m5.large`, `db.r5.large`); any case is accepted.
 * - `gcp`: machine types are lower case (`n2-standard-4`); any case is accepted, and so is the
 *   metadata server's path form (`projects/123/machineTypes/n2-standard-4`: the last segment).
 * - `azure`: ARM/IMDS size names (`Standard_D4s_v5`), compared case-insensitively; the
 *   `Standard_` prefix may be left out and CCF's spaced names (`D4s v5`) are accepted.
 * The provider part is case-insensitive too. The result always carries the canonical spelling.
 *
 * Fallback chain, each step flagged in the result:
 * 1. `exact`: the type is in the catalog: its own coefficients, memory watts and embodied share.
 * 2. `provider_average`: the provider is known but the type is not: CCF's provider average
 *    per-vCPU min/max (from microarchitectures.json), for the vCPUs given (or unknown, `null`:
 *    the caller must then supply them), memory from the size given on GCP (every GB is charged)
 *    and none on AWS and Azure (the excess rule needs the family's largest size), embodied from
 *    the provider's median per vCPU-hour.
 * 3. `null`: the provider has no coefficients: the caller keeps the generic CPU power model.
 *
 * @module
 */

import { CLOUD_DATA_VERSION, PROVIDER_CONSTANTS } from "./data/constants_gen.ts";
import { AWS_INSTANCES } from "./data/instances_aws_gen.ts";
import { AZURE_INSTANCES } from "./data/instances_azure_gen.ts";
import { GCP_INSTANCES } from "./data/instances_gcp_gen.ts";
import type { CloudProvider, InstanceRow } from "./data/types.ts";

/** Every provider with embedded coefficients. */
const CLOUD_PROVIDERS: readonly CloudProvider[] = Object.freeze(["aws", "gcp", "azure"]);

/**
 * Which step of the fallback chain produced a spec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type InstanceMatch, lookupInstance } from "./instance_catalog.ts";
 * const match: InstanceMatch | undefined = lookupInstance("aws:m5.large")?.match;
 * assert.equal(match, "exact");
 * ```
 */
export type InstanceMatch = "exact" | "provider_average";

/**
 * What the embodied figure of a spec rests on.
 * - `host_share`: the host's total (`platformKgco2e`) shared by vCPUs (`vcpus / platformVcpus`);
 * - `per_vcpu_fallback`: no source has a value: the provider's median g per vCPU-hour;
 * - `null` in {@link InstanceSpec.embodied}: nothing (a fallback spec without vCPUs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * const embodied = lookupInstance("aws:m5.large")?.embodied;
 * assert.equal(embodied?.kind, "host_share");
 * ```
 */
export type InstanceEmbodied =
  | {
    /** The host's total shared by vCPUs. */
    readonly kind: "host_share";
    /** TE: the host's manufacturing emissions, kgCO2e. */
    readonly platformKgco2e: number;
    /** ToR: vCPUs on the host. */
    readonly platformVcpus: number;
    /** The data's method key (`ccf_teads_component_model`, `ccf_coefficients_2026_platform_total`). */
    readonly method: string;
  }
  | {
    /** The provider's median per vCPU-hour. */
    readonly kind: "per_vcpu_fallback";
    /** Median g per vCPU-hour over the provider's sourced non-GPU types. */
    readonly gPerVcpuHour: number;
    /** p10 of that distribution. */
    readonly p10GPerVcpuHour: number;
    /** p90 of that distribution. */
    readonly p90GPerVcpuHour: number;
  };

/**
 * An instance type's coefficients, as the power and embodied models use them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type InstanceSpec, lookupInstance } from "./instance_catalog.ts";
 * const spec: InstanceSpec | null = lookupInstance("gcp:n2-standard-4");
 * assert.equal(spec?.vcpus, 4);
 * assert.deepEqual(spec?.microarchitectures, ["Cascade Lake"]);
 * ```
 */
export interface InstanceSpec {
  /** Canonical id, `provider:type`. */
  readonly id: string;
  /** The provider. */
  readonly provider: CloudProvider;
  /** Canonical type name (as given, trimmed, when not in the catalog). */
  readonly instanceType: string;
  /** Which fallback step produced it. */
  readonly match: InstanceMatch;
  /** vCPUs, or null when a fallback was asked for without them. */
  readonly vcpus: number | null;
  /** Memory, GB, or null when unknown. */
  readonly memoryGb: number | null;
  /** Candidate microarchitectures (`["provider average"]` for the fallback). */
  readonly microarchitectures: readonly string[];
  /** Watts per vCPU at idle (host share, before PUE). */
  readonly minWPerVcpu: number;
  /** Watts per vCPU at 100 % (host share, before PUE). */
  readonly maxWPerVcpu: number;
  /** How the per-vCPU figures were chosen (`ccf_app`, `provider_mean`, ...). */
  readonly coefficientBasis: string;
  /** CCF's constant memory watts (before PUE). */
  readonly memoryW: number;
  /** The embodied basis, or null when there is none. */
  readonly embodied: InstanceEmbodied | null;
  /** GPUs on the type (their power is not in this model: flagged). */
  readonly gpuCount: number;
  /** Source ids (keys of `CLOUD_SOURCES`). */
  readonly sourceIds: readonly string[];
  /** What the figure could not use or assumed (`instance_type_not_in_catalog`, ...). */
  readonly flags: readonly string[];
  /** Release of the embedded data (`CLOUD_DATA_VERSION`). */
  readonly dataVersion: string;
}

/**
 * Options of {@link lookupInstance}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LookupInstanceOptions, lookupInstance } from "./instance_catalog.ts";
 * const options: LookupInstanceOptions = { vcpus: 8, memoryGb: 32 };
 * assert.equal(lookupInstance("gcp:n9-custom-8", options)?.memoryW, 32 * 0.392);
 * ```
 */
export interface LookupInstanceOptions {
  /** The VM's vCPUs, for a type not in the catalog (default: unknown, `vcpus: null`). */
  readonly vcpus?: number;
  /** The VM's memory, GB, for a type not in the catalog (default: unknown). */
  readonly memoryGb?: number;
  /** Whether to fall back to the provider average (default true; false: null instead). */
  readonly fallback?: boolean;
}

const TABLES: Readonly<Record<CloudProvider, readonly InstanceRow[]>> = {
  aws: AWS_INSTANCES,
  gcp: GCP_INSTANCES,
  azure: AZURE_INSTANCES,
};
let index: Map<string, InstanceRow> | null = null;

function rowIndex(): Map<string, InstanceRow> {
  if (index !== null) return index;
  index = new Map();
  for (const provider of CLOUD_PROVIDERS) {
    for (const row of TABLES[provider]) index.set(`${provider}:${row[0].toLowerCase()}`, row);
  }
  return index;
}

/**
 * Splits `provider:type` into its parts and applies the provider's case rules (module doc).
 * Returns the provider in lower case (any string: an unknown provider is not an error here)
 * and the lookup key of the type.
 *
 * @param id `provider:type`.
 * @throws {TypeError} When the id has no `provider:` part or no type.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseInstanceId } from "./instance_catalog.ts";
 * assert.deepEqual(parseInstanceId("AWS:M5.Large"), { provider: "aws", typeKey: "m5.large" });
 * assert.deepEqual(parseInstanceId("azure:D4s v5"), {
 *   provider: "azure", typeKey: "standard_d4s_v5",
 * });
 * assert.deepEqual(parseInstanceId("gcp:zones/europe-west1-b/machineTypes/e2-small"), {
 *   provider: "gcp", typeKey: "e2-small",
 * });
 * assert.throws(() => parseInstanceId("m5.large"), TypeError);
 * ```
 */
export function parseInstanceId(id: string): { provider: string; typeKey: string } {
  const colon = id.indexOf(":");
  const provider = colon > 0 ? id.slice(0, colon).trim().toLowerCase() : "";
  let type = colon > 0 ? id.slice(colon + 1).trim() : "";
  if (provider === "" || type === "") {
    throw new TypeError(
      `instance type "${id}" is not provider:type: write it as aws:m5.large, ` +
        `gcp:n2-standard-4 or azure:Standard_D4s_v5`,
    );
  }
  if (provider === "gcp") type = type.slice(type.lastIndexOf("/") + 1);
  if (provider === "azure") {
    type = type.replace(/\s+/g, "_");
    if (!/^(standard|basic)_/i.test(type)) type = `Standard_${type}`;
  }
  return { provider, typeKey: type.toLowerCase() };
}

function isProvider(p: string): p is CloudProvider {
  return (CLOUD_PROVIDERS as readonly string[]).includes(p);
}

function checkSize(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
}

/**
 * Looks an instance type up, falling back as the module doc describes.
 *
 * @param id `provider:type` (case rules in the module doc).
 * @param options vCPUs and memory for a type not in the catalog, and whether to fall back.
 * @returns The spec, or null when the provider has no coefficients (or `fallback` is false
 *   and the type is unknown): the caller then keeps the generic model.
 * @throws {TypeError} When the id is not `provider:type`.
 * @throws {RangeError} When `vcpus` or `memoryGb` is given but not a positive number.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupInstance } from "./instance_catalog.ts";
 * const m5 = lookupInstance("aws:M5.LARGE");
 * assert.equal(m5?.id, "aws:m5.large");
 * assert.equal(m5?.minWPerVcpu, 0.65);
 * assert.equal(m5?.memoryW, 2.472);
 * const unknown = lookupInstance("aws:m99.large", { vcpus: 2 });
 * assert.equal(unknown?.match, "provider_average");
 * assert.equal(unknown?.maxWPerVcpu, 3.5);
 * assert.ok(unknown?.flags.includes("instance_type_not_in_catalog"));
 * assert.equal(lookupInstance("oci:VM.Standard3.Flex"), null);
 * ```
 */
export function lookupInstance(
  id: string,
  options: LookupInstanceOptions = {},
): InstanceSpec | null {
  const { provider, typeKey } = parseInstanceId(id);
  checkSize("vcpus", options.vcpus);
  checkSize("memoryGb", options.memoryGb);
  if (!isProvider(provider)) return null;
  const row = rowIndex().get(`${provider}:${typeKey}`);
  if (row !== undefined) return exactSpec(provider, row);
  if (options.fallback === false) return null;
  const given = id.slice(id.indexOf(":") + 1).trim();
  return averageSpec(
    provider,
    provider === "gcp" ? given.slice(given.lastIndexOf("/") + 1) : given,
    options,
  );
}

function exactSpec(provider: CloudProvider, row: InstanceRow): InstanceSpec {
  const [type, vcpus, memoryGb, arch, min, max, basis, memoryW, platformKg, platformVcpus] = row;
  const [, , , , , , , , , , method, gpuCount, refs] = row;
  const c = PROVIDER_CONSTANTS[provider];
  const flags: string[] = [];
  let embodied: InstanceEmbodied;
  if (platformKg !== null && platformVcpus !== null && method !== null) {
    embodied = { kind: "host_share", platformKgco2e: platformKg, platformVcpus, method };
  } else {
    embodied = fallbackEmbodied(provider);
    flags.push("embodied_per_vcpu_fallback");
  }
  if (gpuCount > 0) flags.push("gpu_power_not_included");
  if (basis.startsWith("provider_")) flags.push("microarchitecture_without_coefficient");
  return {
    id: `${provider}:${type}`,
    provider,
    instanceType: type,
    match: "exact",
    vcpus,
    memoryGb,
    microarchitectures: arch.split("|"),
    minWPerVcpu: min,
    maxWPerVcpu: max,
    coefficientBasis: basis,
    memoryW,
    embodied,
    gpuCount,
    sourceIds: [...refs.split("+"), ...c.sourceRefs.filter((s) => !refs.split("+").includes(s))],
    flags,
    dataVersion: CLOUD_DATA_VERSION,
  };
}

function fallbackEmbodied(provider: CloudProvider): InstanceEmbodied {
  const c = PROVIDER_CONSTANTS[provider];
  return {
    kind: "per_vcpu_fallback",
    gPerVcpuHour: c.embodiedFallbackGPerVcpuHour,
    p10GPerVcpuHour: c.embodiedFallbackP10,
    p90GPerVcpuHour: c.embodiedFallbackP90,
  };
}

function averageSpec(
  provider: CloudProvider,
  type: string,
  options: LookupInstanceOptions,
): InstanceSpec {
  const c = PROVIDER_CONSTANTS[provider];
  const vcpus = options.vcpus ?? null;
  const memoryGb = options.memoryGb ?? null;
  const flags = ["instance_type_not_in_catalog", "provider_average_microarchitecture"];
  if (vcpus === null) flags.push("vcpus_unknown");
  let memoryW = 0;
  if (c.memoryRule === "all_memory" && memoryGb !== null) memoryW = memoryGb * c.memoryWPerGb;
  else flags.push("memory_power_unknown");
  if (vcpus !== null) flags.push("embodied_per_vcpu_fallback");
  else flags.push("embodied_unknown");
  return {
    id: `${provider}:${type}`,
    provider,
    instanceType: type,
    match: "provider_average",
    vcpus,
    memoryGb,
    microarchitectures: ["provider average"],
    minWPerVcpu: c.averageMinWPerVcpu,
    maxWPerVcpu: c.averageMaxWPerVcpu,
    coefficientBasis: `provider_${c.averageStatistic}`,
    memoryW,
    embodied: vcpus === null ? null : fallbackEmbodied(provider),
    gpuCount: 0,
    sourceIds: c.sourceRefs,
    flags,
    dataVersion: CLOUD_DATA_VERSION,
  };
}

/**
 * How many instance types the catalog holds for a provider.
 *
 * @param provider The provider.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instanceTypeCount } from "./instance_catalog.ts";
 * assert.ok(instanceTypeCount("aws") > 1000);
 * ```
 */
export function instanceTypeCount(provider: CloudProvider): number {
  return TABLES[provider].length;
}
