/**
 * The cloud context of a command (`run`, `report`, the governor's instance source): from the
 * loaded config, which cloud instance this host is (config `cloud.instanceType`/`cloud.provider`,
 * else detected through the per-boot location cache) and which grid region the estimate uses (the
 * detected cloud region when the user did not set `carbon.region` and the catalog knows it), with
 * the source of each and one human line saying so.
 *
 * Detection is the one `carbon-ops where` does (DMI first, then the metadata service of the
 * provider DMI names), with one difference: `cloud.metadata: "auto"` never asks a metadata service
 * on a host whose DMI names no cloud, even when `cloud.metadataUrl` is set; only `"always"` does.
 * A command that runs unattended on a laptop must never wait on a metadata address.
 *
 * @module
 */

import { ConfigError } from "../base/errors.ts";
import type { RegionCatalog } from "../carbon/catalog.ts";
import { loadCatalog } from "../carbon/user_file.ts";
import { cloudFromDmi, readDmi } from "../cloud/dmi.ts";
import { CLOUD_PROVIDERS, type CloudProvider, type MetadataFetch } from "../cloud/imds.ts";
import {
  applyOverrides,
  detectLocation,
  type HostLocation,
  type LocatedValue,
} from "../cloud/location.ts";
import { cachedLocation, defaultLocationCachePath } from "../cloud/location_cache.ts";
import { type Config, CONFIG_SCHEMA } from "../config/schema.ts";

/**
 * The cloud instance a command models: canonical `provider:type` and where it came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CloudInstance } from "./cloud_context.ts";
 * const vm: CloudInstance = { id: "aws:m5.large", provider: "aws", type: "m5.large", source: "metadata" };
 * assert.equal(vm.id, `${vm.provider}:${vm.type}`);
 * ```
 */
export interface CloudInstance {
  /** `provider:type`, e.g. `aws:m5.large` (the form `EnergyLogger`'s `instance` takes). */
  readonly id: string;
  /** `aws`, `gcp` or `azure`. */
  readonly provider: CloudProvider;
  /** The provider's instance type, e.g. `m5.large`, `Standard_D4s_v5`. */
  readonly type: string;
  /** Where the type came from: `config`, `dmi` or `metadata`. */
  readonly source: LocatedValue["source"];
}

/**
 * The grid region an estimate uses and why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CloudRegion } from "./cloud_context.ts";
 * const r: CloudRegion = { id: "aws:eu-west-1", source: "detected", reason: "detected by the metadata service" };
 * assert.equal(r.source, "detected");
 * ```
 */
export interface CloudRegion {
  /** The region for `carbon.region`: the catalog id when detected (`aws:eu-west-1`). */
  readonly id: string;
  /**
   * `config` (the user set `carbon.region`: flag, environment or config file), `detected` (the
   * host's cloud region, found in the catalog) or `default` (the schema's `global-average`).
   */
  readonly source: "config" | "detected" | "default";
  /** One phrase on why this region (e.g. why a detected one was not used). */
  readonly reason: string;
}

/**
 * What `resolveCloudContext` found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CloudContext } from "./cloud_context.ts";
 * const none: CloudContext = {
 *   location: null,
 *   instance: null,
 *   region: { id: "global-average", source: "default", reason: "the default region" },
 *   cache: "skipped",
 *   cacheDetail: "detection not needed",
 *   line: "no cloud instance: the generic CPU model, region global-average (the default region)",
 *   notes: [],
 * };
 * assert.equal(none.instance, null);
 * ```
 */
export interface CloudContext {
  /** The detected location with the config's values applied; null when nothing was detected. */
  readonly location: HostLocation | null;
  /** The instance whose power and embodied models apply, or null (generic CPU model). */
  readonly instance: CloudInstance | null;
  /** The region the estimate uses. */
  readonly region: CloudRegion;
  /**
   * The per-boot cache: `hit`, `stored`, `not-stored`, `failed` (as `cachedLocation` says), or
   * `skipped` (not consulted: a host whose DMI names no cloud, or nothing left to detect).
   */
  readonly cache: "hit" | "stored" | "not-stored" | "failed" | "skipped";
  /** The cache file, or why it was not used or written. */
  readonly cacheDetail: string;
  /**
   * One line for people, e.g. `detected aws m5.large in aws:eu-west-1 (DMI, metadata service)`.
   */
  readonly line: string;
  /** Other things worth saying (DMI unreadable, metadata failed, region not in the catalog). */
  readonly notes: readonly string[];
}

/**
 * Options of `resolveCloudContext`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CloudContextOptions } from "./cloud_context.ts";
 * const options: CloudContextOptions = { regionSet: true };
 * assert.equal(options.catalog, undefined);
 * ```
 */
export interface CloudContextOptions {
  /**
   * Whether the user set `carbon.region` (e.g. `--region` was given). Default: the config's
   * `carbon.region` differs from the schema default (`global-average`), since config layering
   * does not record where a value came from.
   */
  readonly regionSet?: boolean;
  /** Catalog a detected region is checked against (default: the embedded one plus `carbon.intensityFile`). */
  readonly catalog?: RegionCatalog;
  /** Environment for the default cache path (`XDG_STATE_HOME`, `HOME`; default empty). */
  readonly env?: Readonly<Record<string, string>>;
  /** User id that picks the default cache path (default: the process's). */
  readonly uid?: number;
  /** The fetch for metadata requests (default: a direct connection, bypassing proxies). */
  readonly fetch?: MetadataFetch;
}

const SOURCE_WORDS: Readonly<Record<LocatedValue["source"], string>> = {
  dmi: "DMI",
  metadata: "metadata service",
  config: "config",
};

/** `aws:m5.large` names the provider; `m5.large` does not. */
function splitProvider(raw: string, key: string): { provider?: CloudProvider; value: string } {
  const m = /^([a-z]+):(.+)$/i.exec(raw);
  if (!m) return { value: raw };
  const p = m[1].toLowerCase();
  if (!(CLOUD_PROVIDERS as readonly string[]).includes(p)) {
    throw new ConfigError(
      `${key} ${JSON.stringify(raw)} names an unknown provider '${m[1]}'; write one of ` +
        `${CLOUD_PROVIDERS.join(", ")} before the colon, or the bare name`,
      { source: key, key },
    );
  }
  return { provider: p as CloudProvider, value: m[2] };
}

/** `cloud.metadataUrl` as a plain `http://host:port` base, or undefined when unset. */
function metadataBase(raw: string | null): string | undefined {
  if (raw === null || raw === "") return undefined;
  let u: URL | null = null;
  try {
    u = new URL(raw);
  } catch {
    u = null;
  }
  if (u === null || u.protocol !== "http:" || (u.pathname !== "/" && u.pathname !== "")) {
    throw new ConfigError(
      `cloud.metadataUrl must be a plain http:// base URL such as http://127.0.0.1:8169, ` +
        `got ${JSON.stringify(raw)}`,
      { source: "cloud.metadataUrl", key: "cloud.metadataUrl" },
    );
  }
  return `http://${u.host}`;
}

function instanceOf(location: HostLocation | null): CloudInstance | null {
  const p = location?.provider;
  const t = location?.instanceType;
  if (!p || !t) return null;
  const provider = p.value as CloudProvider;
  return { id: `${provider}:${t.value}`, provider, type: t.value, source: t.source };
}

/** The sources that gave the provider, instance type and region, in that order, once each. */
function sourceWords(location: HostLocation): string {
  const words = [location.provider, location.instanceType, location.region]
    .filter((v): v is LocatedValue => v !== null)
    .map((v) => SOURCE_WORDS[v.source]);
  return [...new Set(words)].join(", ");
}

function humanLine(
  location: HostLocation | null,
  instance: CloudInstance | null,
  region: CloudRegion,
): string {
  const regionPart = region.source === "detected"
    ? `in ${region.id}`
    : `region ${region.id} (${region.reason})`;
  if (location?.provider) {
    const type = instance?.type ?? "(instance type unknown)";
    const sources = sourceWords(location);
    const where = region.source === "detected"
      ? ` ${regionPart} (${sources})`
      : ` (${sources}); ${regionPart}`;
    return `detected ${location.provider.value} ${type}${where}`;
  }
  if (instance) return `instance ${instance.id} (config); ${regionPart}`;
  const why = location === null ? "no detection" : `not a cloud VM: ${location.dmi}`;
  return `${why}; generic CPU model, ${regionPart}`;
}

/**
 * Resolves the cloud instance and grid region of a command from its loaded config: the instance
 * from `cloud.instanceType` (with `cloud.provider` for a bare type), else detected; the region from
 * `carbon.region` when the user set it, else the detected cloud region when the catalog has it,
 * else the configured default. Detection goes through the per-boot cache (`cloud.cachePath`) and
 * never contacts a metadata address on a host whose DMI names no cloud unless `cloud.metadata` is
 * `always`; a DMI directory that cannot be read is a note, never an error.
 *
 * @param config The loaded config (`cloud`, `carbon.region`, `carbon.intensityFile`, `energy.procRoot`).
 * @param options Whether the region was set, the catalog, cache path inputs, the metadata fetch.
 * @throws ConfigError when `cloud.metadataUrl` is not a plain http:// URL or `cloud.instanceType`
 *   names an unknown provider.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCloudContext } from "./cloud_context.ts";
 * import { loadConfig } from "../config/load.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/dmi`);
 * await Deno.writeTextFile(`${dir}/dmi/sys_vendor`, "LENOVO\n");
 * const config = await loadConfig({
 *   env: { CARBON_OPS_CONFIG: "" },
 *   flags: { cloud: { dmiRoot: `${dir}/dmi`, cachePath: `${dir}/location.json` } },
 * });
 * const requests: string[] = [];
 * const fetch = (url: string) => (requests.push(url), Promise.resolve(new Response("")));
 * const here = await resolveCloudContext(config, { fetch });
 * assert.equal(here.instance, null);
 * assert.deepEqual([here.region.id, here.region.source], ["global-average", "default"]);
 * assert.match(here.line, /not a cloud VM/);
 * assert.deepEqual(requests, []); // a laptop: no metadata request
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveCloudContext(
  config: Config,
  options: CloudContextOptions = {},
): Promise<CloudContext> {
  const cloud = config.cloud;
  const notes: string[] = [];
  const configType = cloud.instanceType === null || cloud.instanceType === ""
    ? null
    : splitProvider(cloud.instanceType, "cloud.instanceType");
  const configRegion = cloud.region === null || cloud.region === ""
    ? null
    : splitProvider(cloud.region, "cloud.region");
  const overrides = {
    provider: cloud.provider ?? configType?.provider ?? configRegion?.provider ?? null,
    instanceType: configType?.value ?? null,
    region: configRegion?.value ?? null,
    zone: cloud.zone,
  };
  const defaultRegion = CONFIG_SCHEMA.carbon.region.default;
  const regionSet = options.regionSet ?? config.carbon.region !== defaultRegion;
  const metadataUrl = metadataBase(cloud.metadataUrl);
  const mode = cloud.metadata;

  let location: HostLocation | null = null;
  let cache: CloudContext["cache"] = "skipped";
  let cacheDetail = "";
  if (overrides.instanceType !== null && overrides.provider !== null && regionSet) {
    cacheDetail = "instance type and region configured: nothing to detect";
  } else {
    try {
      const verdict = cloudFromDmi(await readDmi(cloud.dmiRoot));
      const detect = () =>
        detectLocation({
          dmiRoot: cloud.dmiRoot,
          metadataUrl,
          metadata: mode,
          timeoutMs: cloud.metadataTimeoutMs,
          fetch: options.fetch,
        });
      if (verdict.provider === null && mode !== "always") {
        // No metadata request is possible here: detection is a few file reads, nothing to cache.
        location = await detect();
        cacheDetail = "not a cloud VM: nothing worth caching";
      } else {
        const path = cloud.cachePath ??
          defaultLocationCachePath({ uid: options.uid, env: options.env ?? {} });
        const r = await cachedLocation(detect, {
          path,
          // the key `carbon-ops where` uses for the same inputs, so both share the cache
          key: `dmi=${cloud.dmiRoot} metadata=${metadataUrl ?? "link-local"} mode=${mode}`,
          procRoot: config.energy.procRoot,
        });
        location = r.location;
        cache = r.cache;
        cacheDetail = r.detail;
        if (r.cache === "failed") notes.push(`location cache: ${r.detail}`);
      }
    } catch (err) {
      notes.push(
        `cloud detection skipped: ${(err as Error).message}; set cloud.instanceType and ` +
          "carbon.region, or cloud.dmiRoot",
      );
    }
  }
  if (location !== null) {
    location = applyOverrides(location, overrides);
    if (location.metadata.status === "failed") {
      notes.push(`metadata service: ${location.metadata.detail}`);
    }
    notes.push(...location.notes);
  }
  let instance = instanceOf(location);
  if (instance === null && overrides.instanceType !== null) {
    if (overrides.provider === null) {
      notes.push(
        `cloud.instanceType ${overrides.instanceType} names no provider and none was detected: ` +
          "write it as provider:type (aws:m5.large) or set cloud.provider",
      );
    } else {
      instance = {
        id: `${overrides.provider}:${overrides.instanceType}`,
        provider: overrides.provider,
        type: overrides.instanceType,
        source: "config",
      };
    }
  }

  let region: CloudRegion;
  const detectedId = location?.regionId ?? null;
  if (regionSet) {
    region = { id: config.carbon.region, source: "config", reason: "carbon.region" };
    if (detectedId !== null && detectedId !== config.carbon.region.toLowerCase()) {
      notes.push(`the host is in ${detectedId}; carbon.region ${config.carbon.region} is used`);
    }
  } else if (detectedId !== null) {
    const catalog = options.catalog ??
      await loadCatalog({ intensityFile: config.carbon.intensityFile });
    const id = catalog.resolveId(detectedId);
    if (id !== undefined) {
      region = { id, source: "detected", reason: `detected (${sourceWords(location!)})` };
    } else {
      region = {
        id: config.carbon.region,
        source: "default",
        reason: `detected region ${detectedId} is not in the carbon catalog ` +
          "(see carbon-ops regions); set carbon.region",
      };
      notes.push(region.reason);
    }
  } else {
    region = {
      id: config.carbon.region,
      source: "default",
      reason: location?.provider
        ? "the cloud region is unknown (no metadata answer); set carbon.region"
        : "the default region",
    };
  }
  return {
    location,
    instance,
    region,
    cache,
    cacheDetail,
    line: humanLine(location, instance, region),
    notes,
  };
}

/**
 * The config with `carbon.region` replaced by the context's region (what the estimator reads).
 *
 * @param config The loaded config.
 * @param context From `resolveCloudContext`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withCloudRegion } from "./cloud_context.ts";
 * import { loadConfig } from "../config/load.ts";
 * const config = await loadConfig({ env: { CARBON_OPS_CONFIG: "" } });
 * const region = { id: "aws:eu-west-1", source: "detected" as const, reason: "detected (metadata service)" };
 * assert.equal(withCloudRegion(config, { region }).carbon.region, "aws:eu-west-1");
 * assert.equal(config.carbon.region, "global-average"); // the loaded config is not changed
 * ```
 */
export function withCloudRegion(config: Config, context: Pick<CloudContext, "region">): Config {
  return { ...config, carbon: { ...config.carbon, region: context.region.id } };
}
