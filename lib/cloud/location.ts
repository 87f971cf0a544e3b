/**
 * Where am I: the cloud provider, instance type, region and zone of this host, each with its
 * source (DMI, the metadata service, or config). DMI is read first; a metadata service is asked
 * only when DMI names its provider, or when the user enabled metadata (a metadata URL was set),
 * once per service with a short timeout and no retry. A host whose DMI is not a cloud never
 * contacts a metadata address.
 *
 * @module
 */

import { cloudFromDmi, readDmi } from "./dmi.ts";
import {
  CLOUD_PROVIDERS,
  type CloudProvider,
  type ImdsAnswer,
  type ImdsOptions,
  METADATA_BASE_URL,
  type MetadataFetch,
} from "./imds.ts";
import { queryAws } from "./imds_aws.ts";
import { queryAzure } from "./imds_azure.ts";
import { queryGcp } from "./imds_gcp.ts";

/**
 * Where a value came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LocationSource } from "./location.ts";
 * const source: LocationSource = "metadata";
 * assert.equal(source, "metadata");
 * ```
 */
export type LocationSource = "dmi" | "metadata" | "config";

/**
 * A detected value and its source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LocatedValue } from "./location.ts";
 * const region: LocatedValue = { value: "eu-west-1", source: "metadata" };
 * assert.equal(region.source, "metadata");
 * ```
 */
export interface LocatedValue {
  /** The value, e.g. `m5.large`, `eu-west-1`. */
  readonly value: string;
  /** Where it came from. */
  readonly source: LocationSource;
}

/**
 * What happened with the metadata service: `ok` (it answered), `failed` (asked, no usable answer:
 * the detail says why), or `skipped` (not asked: the detail says why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetadataOutcome } from "./location.ts";
 * const skipped: MetadataOutcome = { status: "skipped", provider: null, detail: "not a cloud VM" };
 * assert.equal(skipped.status, "skipped");
 * ```
 */
export interface MetadataOutcome {
  /** `ok`, `failed` or `skipped`. */
  readonly status: "ok" | "failed" | "skipped";
  /** The service that answered (ok) or was asked last (failed); null when skipped. */
  readonly provider: CloudProvider | null;
  /** How the values were read, why it failed, or why it was not asked. */
  readonly detail: string;
}

/**
 * The host's location: each field null when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HostLocation } from "./location.ts";
 * const here: HostLocation = {
 *   provider: null,
 *   instanceType: null,
 *   region: null,
 *   zone: null,
 *   regionId: null,
 *   dmi: 'sys_vendor "QEMU" is not a known cloud',
 *   metadata: { status: "skipped", provider: null, detail: "DMI names no cloud" },
 *   notes: [],
 * };
 * assert.equal(here.regionId, null);
 * ```
 */
export interface HostLocation {
  /** `aws`, `gcp` or `azure`. */
  readonly provider: LocatedValue | null;
  /** The provider's instance type, e.g. `m5.large`, `n2-standard-4`, `Standard_D4s_v5`. */
  readonly instanceType: LocatedValue | null;
  /** The provider's region name, e.g. `eu-west-1`, `europe-west1`, `westeurope`. */
  readonly region: LocatedValue | null;
  /** The zone, e.g. `eu-west-1a`, `europe-west1-b`, or Azure's `1`. */
  readonly zone: LocatedValue | null;
  /**
   * The region as the carbon catalog names cloud regions (`aws:eu-west-1`): made here, checked by
   * the caller against the catalog (this area does not import it).
   */
  readonly regionId: string | null;
  /** What DMI said, in one line. */
  readonly dmi: string;
  /** What happened with the metadata service. */
  readonly metadata: MetadataOutcome;
  /** Other things worth saying (e.g. DMI and metadata disagree). */
  readonly notes: readonly string[];
}

/**
 * Options of `detectLocation`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DetectOptions } from "./location.ts";
 * const options: DetectOptions = { dmiRoot: "/tmp/fake-dmi", metadata: "never" };
 * assert.equal(options.timeoutMs, undefined);
 * ```
 */
export interface DetectOptions {
  /** DMI directory (default `/sys/class/dmi/id`). */
  readonly dmiRoot?: string;
  /** Metadata base URL for every provider (default `METADATA_BASE_URL`, 169.254.169.254). */
  readonly metadataUrl?: string;
  /**
   * When to ask a metadata service (default `auto`): `auto` only the provider DMI names;
   * `always` also on a host whose DMI names no cloud (then AWS, GCP, Azure in turn until one
   * answers); `never` not at all.
   */
  readonly metadata?: "auto" | "always" | "never";
  /** Longest wait for each metadata request, in ms (default 300). */
  readonly timeoutMs?: number;
  /** The fetch for metadata requests (default `directFetch`). */
  readonly fetch?: MetadataFetch;
}

const QUERIES: Readonly<Record<CloudProvider, (o: ImdsOptions) => Promise<ImdsAnswer>>> = {
  aws: queryAws,
  gcp: queryGcp,
  azure: queryAzure,
};

/**
 * The catalog's id of a cloud region: `provider:region`, lower case (`aws:eu-west-1`,
 * `gcp:europe-west1`, `azure:westeurope`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cloudRegionId } from "./location.ts";
 * assert.equal(cloudRegionId("azure", "WestEurope"), "azure:westeurope");
 * assert.equal(cloudRegionId("aws", "eu-west-1"), "aws:eu-west-1");
 * ```
 */
export function cloudRegionId(provider: string, region: string): string {
  return `${provider}:${region}`.toLowerCase();
}

/**
 * Detects the host's location: DMI first, then the metadata service as `options.metadata` allows.
 * Never throws for a missing DMI directory or an unreachable service (the outcome says so); throws
 * only when the DMI directory exists but cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectLocation } from "./location.ts";
 * const dmiRoot = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dmiRoot}/sys_vendor`, "QEMU\n");
 * const requests: string[] = [];
 * const fetch = (url: string) => (requests.push(url), Promise.resolve(new Response("")));
 * const here = await detectLocation({ dmiRoot, fetch });
 * assert.equal(here.provider, null);
 * assert.equal(here.metadata.status, "skipped");
 * assert.deepEqual(requests, []); // not a cloud: no metadata request at all
 * await Deno.remove(dmiRoot, { recursive: true });
 * ```
 */
export async function detectLocation(options: DetectOptions = {}): Promise<HostLocation> {
  const verdict = cloudFromDmi(await readDmi(options.dmiRoot ?? "/sys/class/dmi/id"));
  const mode = options.metadata ?? "auto";
  const imds: ImdsOptions = {
    baseUrl: options.metadataUrl ?? METADATA_BASE_URL,
    timeoutMs: options.timeoutMs ?? 300,
    fetch: options.fetch,
  };
  let candidates: readonly CloudProvider[] = [];
  let skipped = "";
  if (mode === "never") skipped = "metadata turned off";
  else if (verdict.provider !== null) candidates = [verdict.provider];
  else if (mode === "always") candidates = CLOUD_PROVIDERS;
  else skipped = "DMI names no cloud; set a metadata URL to ask anyway";

  let metadata: MetadataOutcome = { status: "skipped", provider: null, detail: skipped };
  let answer: Extract<ImdsAnswer, { ok: true }> | null = null;
  const failures: string[] = [];
  for (const provider of candidates) {
    const a = await QUERIES[provider](imds);
    if (a.ok) {
      answer = a;
      metadata = { status: "ok", provider, detail: `${a.via} at ${imds.baseUrl}` };
      break;
    }
    failures.push(`${provider}: ${a.reason}`);
    metadata = { status: "failed", provider, detail: failures.join("; ") };
  }

  const notes: string[] = [];
  const providerName = verdict.provider ?? answer?.provider ?? null;
  const provider: LocatedValue | null = providerName === null ? null : {
    value: providerName,
    source: verdict.provider !== null ? "dmi" : "metadata",
  };
  let instanceType: LocatedValue | null = null;
  if (answer?.instanceType) instanceType = { value: answer.instanceType, source: "metadata" };
  else if (verdict.instanceType) instanceType = { value: verdict.instanceType, source: "dmi" };
  if (
    answer?.instanceType && verdict.instanceType && answer.instanceType !== verdict.instanceType
  ) {
    notes.push(
      `DMI product_name says ${verdict.instanceType} but the metadata service says ` +
        `${answer.instanceType}; using the metadata service's`,
    );
  }
  const region: LocatedValue | null = answer?.region
    ? { value: answer.region, source: "metadata" }
    : null;
  const zone: LocatedValue | null = answer?.zone
    ? { value: answer.zone, source: "metadata" }
    : null;
  if (provider !== null && region === null) {
    notes.push("DMI does not give the region; it needs the metadata service or config");
  }
  return withRegionId({
    provider,
    instanceType,
    region,
    zone,
    regionId: null,
    dmi: verdict.reason,
    metadata,
    notes,
  });
}

function withRegionId(location: HostLocation): HostLocation {
  const { provider, region } = location;
  const regionId = provider && region ? cloudRegionId(provider.value, region.value) : null;
  return { ...location, regionId };
}

/**
 * Values the user set (config keys `cloud.provider`, `cloud.instanceType`, `cloud.region`,
 * `cloud.zone`); each replaces the detected one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LocationOverrides } from "./location.ts";
 * const overrides: LocationOverrides = { region: "eu-west-1" };
 * assert.equal(overrides.provider, undefined);
 * ```
 */
export interface LocationOverrides {
  /** `aws`, `gcp` or `azure` (default: detected). */
  readonly provider?: CloudProvider | null;
  /** Instance type (default: detected). */
  readonly instanceType?: string | null;
  /** Provider region name (default: detected). */
  readonly region?: string | null;
  /** Zone (default: detected). */
  readonly zone?: string | null;
}

/**
 * Applies the user's values over a detected location (pure); each set value gets the source
 * `config`, and the catalog region id is recomputed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyOverrides, type HostLocation } from "./location.ts";
 * const detected: HostLocation = {
 *   provider: { value: "aws", source: "dmi" },
 *   instanceType: { value: "m5.large", source: "dmi" },
 *   region: null,
 *   zone: null,
 *   regionId: null,
 *   dmi: 'sys_vendor "Amazon EC2" (AWS Nitro)',
 *   metadata: { status: "failed", provider: "aws", detail: "timed out" },
 *   notes: [],
 * };
 * const here = applyOverrides(detected, { region: "eu-west-1" });
 * assert.deepEqual(here.region, { value: "eu-west-1", source: "config" });
 * assert.equal(here.regionId, "aws:eu-west-1");
 * ```
 */
export function applyOverrides(location: HostLocation, overrides: LocationOverrides): HostLocation {
  const pick = (set: string | null | undefined, detected: LocatedValue | null) =>
    set === null || set === undefined || set === ""
      ? detected
      : { value: set, source: "config" as const };
  return withRegionId({
    ...location,
    provider: pick(overrides.provider, location.provider),
    instanceType: pick(overrides.instanceType, location.instanceType),
    region: pick(overrides.region, location.region),
    zone: pick(overrides.zone, location.zone),
  });
}

/**
 * The location as JSON for output and the cache file (snake_case keys).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HostLocation, locationJson } from "./location.ts";
 * const here: HostLocation = {
 *   provider: { value: "gcp", source: "dmi" },
 *   instanceType: { value: "n2-standard-4", source: "metadata" },
 *   region: { value: "europe-west1", source: "metadata" },
 *   zone: { value: "europe-west1-b", source: "metadata" },
 *   regionId: "gcp:europe-west1",
 *   dmi: 'sys_vendor "Google" (GCE)',
 *   metadata: { status: "ok", provider: "gcp", detail: "GCE metadata server" },
 *   notes: [],
 * };
 * const json = locationJson(here);
 * assert.deepEqual(json.instance_type, { value: "n2-standard-4", source: "metadata" });
 * assert.equal(json.region_id, "gcp:europe-west1");
 * ```
 */
export function locationJson(location: HostLocation): LocationJson {
  return {
    provider: location.provider,
    instance_type: location.instanceType,
    region: location.region,
    zone: location.zone,
    region_id: location.regionId,
    dmi: location.dmi,
    metadata: location.metadata,
    notes: location.notes,
  };
}

/**
 * The JSON form of a `HostLocation` (see `locationJson`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LocationJson } from "./location.ts";
 * const json: Pick<LocationJson, "region_id"> = { region_id: "azure:westeurope" };
 * assert.equal(json.region_id, "azure:westeurope");
 * ```
 */
export interface LocationJson {
  /** Provider and source. */
  readonly provider: LocatedValue | null;
  /** Instance type and source. */
  readonly instance_type: LocatedValue | null;
  /** Region and source. */
  readonly region: LocatedValue | null;
  /** Zone and source. */
  readonly zone: LocatedValue | null;
  /** Catalog region id, e.g. `aws:eu-west-1`. */
  readonly region_id: string | null;
  /** What DMI said. */
  readonly dmi: string;
  /** What happened with the metadata service. */
  readonly metadata: MetadataOutcome;
  /** Other remarks. */
  readonly notes: readonly string[];
}

/**
 * Reads a location back from its JSON form, checking every field; throws `TypeError` naming the
 * first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { locationFromJson } from "./location.ts";
 * const here = locationFromJson({
 *   provider: null,
 *   instance_type: null,
 *   region: null,
 *   zone: null,
 *   region_id: null,
 *   dmi: "no DMI directory",
 *   metadata: { status: "skipped", provider: null, detail: "DMI names no cloud" },
 *   notes: [],
 * });
 * assert.equal(here.metadata.status, "skipped");
 * assert.throws(() => locationFromJson({ provider: 3 }), /provider/);
 * ```
 */
export function locationFromJson(json: unknown): HostLocation {
  if (typeof json !== "object" || json === null) throw new TypeError("location is not an object");
  const j = json as Record<string, unknown>;
  const value = (key: string): LocatedValue | null => {
    const v = j[key];
    if (v === null) return null;
    const o = v as Record<string, unknown> | undefined;
    if (
      typeof o !== "object" || typeof o.value !== "string" ||
      !["dmi", "metadata", "config"].includes(o.source as string)
    ) throw new TypeError(`location field ${key} is not {value, source} or null`);
    return { value: o.value, source: o.source as LocationSource };
  };
  const provider = value("provider");
  if (provider && !(CLOUD_PROVIDERS as readonly string[]).includes(provider.value)) {
    throw new TypeError(`location field provider is not one of ${CLOUD_PROVIDERS.join(", ")}`);
  }
  const m = j.metadata as Record<string, unknown> | null | undefined;
  if (
    typeof m !== "object" || m === null ||
    !["ok", "failed", "skipped"].includes(m.status as string) ||
    typeof m.detail !== "string" ||
    !(m.provider === null || (CLOUD_PROVIDERS as readonly unknown[]).includes(m.provider))
  ) throw new TypeError("location field metadata is not {status, provider, detail}");
  if (typeof j.dmi !== "string") throw new TypeError("location field dmi is not a string");
  if (!Array.isArray(j.notes) || !j.notes.every((n) => typeof n === "string")) {
    throw new TypeError("location field notes is not a list of strings");
  }
  return withRegionId({
    provider,
    instanceType: value("instance_type"),
    region: value("region"),
    zone: value("zone"),
    regionId: null,
    dmi: j.dmi,
    metadata: {
      status: m.status as MetadataOutcome["status"],
      provider: m.provider as CloudProvider | null,
      detail: m.detail,
    },
    notes: j.notes as string[],
  });
}
