/**
 * Builds the configured intensity providers by name, in order (`carbon.providers`). Live names:
 * `electricitymaps`, `watttime`, `ukcarbonintensity`; other names (such as `static`) come from
 * the caller. A misspelt name is a `ConfigError` with a "did you mean".
 *
 * @module
 */

import { ConfigError } from "../../base/errors.ts";
import { didYouMean } from "../../base/suggest.ts";
import type { IntensityProvider } from "../provider.ts";
import { ElectricityMapsProvider } from "./electricity_maps.ts";
import type { LiveProvider, LiveProviderOptions } from "./live_provider.ts";
import { UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
import { WattTimeProvider } from "./watttime.ts";

/**
 * Names of the live providers this module builds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIVE_PROVIDER_NAMES } from "./factory.ts";
 * assert.deepEqual([...LIVE_PROVIDER_NAMES], ["electricitymaps", "watttime", "ukcarbonintensity"]);
 * ```
 */
export const LIVE_PROVIDER_NAMES: readonly ["electricitymaps", "watttime", "ukcarbonintensity"] =
  Object.freeze(["electricitymaps", "watttime", "ukcarbonintensity"] as const);

/**
 * A live provider name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIVE_PROVIDER_NAMES, type LiveProviderName } from "./factory.ts";
 * const name: LiveProviderName = "watttime";
 * assert.ok(LIVE_PROVIDER_NAMES.includes(name));
 * ```
 */
export type LiveProviderName = (typeof LIVE_PROVIDER_NAMES)[number];

/**
 * The `carbon.*` settings the factory reads (a loaded `Config["carbon"]` fits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createProviders, type ProviderSettings } from "./factory.ts";
 * const settings: ProviderSettings = {
 *   providers: ["electricitymaps"],
 *   electricityMapsToken: "token",
 *   electricityMapsUrl: "https://api.electricitymap.org",
 *   wattTimeUsername: null,
 *   wattTimePassword: null,
 *   wattTimeUrl: "https://api.watttime.org",
 *   ukCarbonIntensityUrl: "https://api.carbonintensity.org.uk",
 *   providerTimeoutMs: 5000,
 * };
 * assert.equal(createProviders(settings)[0].name, "electricitymaps");
 * ```
 */
export interface ProviderSettings {
  /** Provider names in order (`carbon.providers`). */
  readonly providers: readonly string[];
  /** Electricity Maps token (`carbon.electricityMapsToken`), null when unset. */
  readonly electricityMapsToken: string | null;
  /** Electricity Maps base URL (`carbon.electricityMapsUrl`). */
  readonly electricityMapsUrl: string;
  /** WattTime username (`carbon.wattTimeUsername`), null when unset. */
  readonly wattTimeUsername: string | null;
  /** WattTime password (`carbon.wattTimePassword`), null when unset. */
  readonly wattTimePassword: string | null;
  /** WattTime base URL (`carbon.wattTimeUrl`). */
  readonly wattTimeUrl: string;
  /** UK Carbon Intensity API base URL (`carbon.ukCarbonIntensityUrl`). */
  readonly ukCarbonIntensityUrl: string;
  /** Timeout per request attempt, ms (`carbon.providerTimeoutMs`). */
  readonly providerTimeoutMs: number;
  /** Electricity Maps endpoint (`carbon.electricityMapsEndpoint`, default `auto`). */
  readonly electricityMapsEndpoint?: "auto" | "past-range" | "history";
  /** `region=CODE` pairs (`carbon.wattTimeRegionMap`, default none). */
  readonly wattTimeRegionMap?: readonly string[];
  /** WattTime signal (`carbon.wattTimeSignalType`, default `co2_moer`). */
  readonly wattTimeSignalType?: "co2_moer" | "co2_aoer";
}

/**
 * Options of the factory: shared provider options plus where other names come from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createProviders, type ProviderFactoryOptions } from "./factory.ts";
 * const options: ProviderFactoryOptions = {
 *   env: (name) => ({ WATTTIME_USER: "u", WATTTIME_PASSWORD: "p" })[name],
 *   others: { static: () => ({ name: "static", intensityForSpan: () => Promise.resolve(null) }) },
 * };
 * const providers = createProviders({
 *   providers: ["watttime", "static"],
 *   electricityMapsToken: null,
 *   electricityMapsUrl: "https://api.electricitymap.org",
 *   wattTimeUsername: null,
 *   wattTimePassword: null,
 *   wattTimeUrl: "https://api.watttime.org",
 *   ukCarbonIntensityUrl: "https://api.carbonintensity.org.uk",
 *   providerTimeoutMs: 5000,
 * }, options);
 * assert.deepEqual(providers.map((p) => p.name), ["watttime", "static"]);
 * ```
 */
export interface ProviderFactoryOptions extends LiveProviderOptions {
  /**
   * Reads an environment variable, for the providers' conventional names `WATTTIME_USER` and
   * `WATTTIME_PASSWORD` (used only when both config values are unset). Default: none read.
   */
  readonly env?: (name: string) => string | undefined;
  /** Builders for non-live names, e.g. `{ static: () => staticProvider }` (default none). */
  readonly others?: Readonly<Record<string, () => IntensityProvider>>;
}

/**
 * Normalises and checks a provider name: exact (case-insensitive) names only, otherwise a
 * `ConfigError` naming the closest known names.
 *
 * @param name As written in the config, env or a flag.
 * @param known Accepted names.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../../base/errors.ts";
 * import { checkProviderName } from "./factory.ts";
 * assert.equal(checkProviderName("WattTime", ["watttime", "static"]), "watttime");
 * assert.throws(() => checkProviderName("wattime", ["watttime", "static"]), (e: unknown) => {
 *   assert.ok(e instanceof ConfigError);
 *   assert.match(e.message, /did you mean watttime\?/);
 *   return true;
 * });
 * ```
 */
export function checkProviderName(name: string, known: readonly string[]): string {
  const lower = name.trim().toLowerCase();
  const match = known.find((k) => k.toLowerCase() === lower);
  if (match !== undefined) return match;
  const hint = didYouMean(name, known);
  throw new ConfigError(
    `unknown intensity provider "${name}"${hint === undefined ? "" : `; ${hint}`} ` +
      `(known: ${known.join(", ")})`,
    { source: "configuration", key: "carbon.providers" },
  );
}

/**
 * Builds one live provider from the settings.
 *
 * @param name `electricitymaps`, `watttime` or `ukcarbonintensity` (case-insensitive).
 * @param settings The `carbon.*` settings.
 * @param options Shared provider options and `env` (see {@link ProviderFactoryOptions}).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLiveProvider } from "./factory.ts";
 * const uk = createLiveProvider("ukcarbonintensity", {
 *   providers: ["ukcarbonintensity"], electricityMapsToken: null,
 *   electricityMapsUrl: "https://api.electricitymap.org", wattTimeUsername: null,
 *   wattTimePassword: null, wattTimeUrl: "https://api.watttime.org",
 *   ukCarbonIntensityUrl: "https://api.carbonintensity.org.uk", providerTimeoutMs: 5000,
 * });
 * assert.equal(uk.name, "ukcarbonintensity");
 * ```
 */
export function createLiveProvider(
  name: string,
  settings: ProviderSettings,
  options: ProviderFactoryOptions = {},
): LiveProvider {
  const which = checkProviderName(name, LIVE_PROVIDER_NAMES) as LiveProviderName;
  const { env, others: _others, ...shared } = options;
  const common: LiveProviderOptions = {
    ...shared,
    timeoutMs: shared.timeoutMs ?? settings.providerTimeoutMs,
  };
  try {
    switch (which) {
      case "electricitymaps":
        return new ElectricityMapsProvider({
          ...common,
          token: settings.electricityMapsToken,
          baseUrl: settings.electricityMapsUrl,
          ...(settings.electricityMapsEndpoint
            ? { endpoint: settings.electricityMapsEndpoint }
            : {}),
        });
      case "watttime": {
        const fromConfig = settings.wattTimeUsername !== null || settings.wattTimePassword !== null;
        return new WattTimeProvider({
          ...common,
          username: fromConfig ? settings.wattTimeUsername : env?.("WATTTIME_USER"),
          password: fromConfig ? settings.wattTimePassword : env?.("WATTTIME_PASSWORD"),
          baseUrl: settings.wattTimeUrl,
          ...(settings.wattTimeSignalType ? { signalType: settings.wattTimeSignalType } : {}),
          regionMap: parseRegionMap(settings.wattTimeRegionMap ?? []),
        });
      }
      case "ukcarbonintensity":
        return new UkCarbonIntensityProvider({ ...common, baseUrl: settings.ukCarbonIntensityUrl });
    }
  } catch (err) {
    if (err instanceof TypeError) {
      const key = err.message.split(":")[0];
      throw new ConfigError(err.message.slice(key.length + 1).trim(), {
        source: "configuration",
        key,
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Builds every provider named in `settings.providers`, in order. Live names are built here;
 * other names (e.g. `static`) by `options.others`. Unknown or repeated names are a `ConfigError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createProviders } from "./factory.ts";
 * const flat = { name: "static", intensityForSpan: () => Promise.resolve(null) };
 * const providers = createProviders({
 *   providers: ["ukcarbonintensity", "static"], electricityMapsToken: null,
 *   electricityMapsUrl: "https://api.electricitymap.org", wattTimeUsername: null,
 *   wattTimePassword: null, wattTimeUrl: "https://api.watttime.org",
 *   ukCarbonIntensityUrl: "https://api.carbonintensity.org.uk", providerTimeoutMs: 5000,
 * }, { others: { static: () => flat } });
 * assert.deepEqual(providers.map((p) => p.name), ["ukcarbonintensity", "static"]);
 * ```
 */
export function createProviders(
  settings: ProviderSettings,
  options: ProviderFactoryOptions = {},
): IntensityProvider[] {
  const others = options.others ?? {};
  const known = [...LIVE_PROVIDER_NAMES, ...Object.keys(others).filter((k) => !isLive(k))];
  const seen = new Set<string>();
  const out: IntensityProvider[] = [];
  for (const raw of settings.providers) {
    const name = checkProviderName(raw, known);
    if (seen.has(name)) {
      throw new ConfigError(`provider "${name}" is listed twice; list each provider once`, {
        source: "configuration",
        key: "carbon.providers",
      });
    }
    seen.add(name);
    out.push(isLive(name) ? createLiveProvider(name, settings, options) : others[name]());
  }
  return out;
}

/**
 * Parses `region=CODE` pairs (`carbon.wattTimeRegionMap`) into a map, or throws a `ConfigError`
 * naming the bad entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../../base/errors.ts";
 * import { parseRegionMap } from "./factory.ts";
 * assert.deepEqual(parseRegionMap(["aws:us-west-1=CAISO_NORTH"]), {
 *   "aws:us-west-1": "CAISO_NORTH",
 * });
 * assert.throws(() => parseRegionMap(["bad"]), ConfigError);
 * ```
 */
export function parseRegionMap(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^\s*([^=\s][^=]*?)\s*=\s*([A-Za-z0-9_]+)\s*$/.exec(pair);
    if (!m) {
      throw new ConfigError(
        `"${pair}" is not region=WATTTIME_REGION (e.g. aws:us-west-1=CAISO_NORTH)`,
        { source: "configuration", key: "carbon.wattTimeRegionMap" },
      );
    }
    out[m[1]] = m[2];
  }
  return out;
}

function isLive(name: string): name is LiveProviderName {
  return (LIVE_PROVIDER_NAMES as readonly string[]).includes(name);
}

/**
 * Names of the live providers that map `region` on their own (`gb:london` to
 * `ukcarbonintensity`, `CAISO_NORTH` to `watttime`, `SE-SE3` to `electricitymaps`), whether or
 * not they are configured. No I/O: for "which provider serves it" in error messages.
 *
 * @param region Region id as the user gave it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveProvidersServing } from "./factory.ts";
 * assert.deepEqual(liveProvidersServing("gb:london"), ["ukcarbonintensity"]);
 * assert.deepEqual(liveProvidersServing("watttime:CAISO_NORTH"), ["watttime"]);
 * assert.deepEqual(liveProvidersServing("SE-SE4"), ["electricitymaps"]);
 * assert.deepEqual(liveProvidersServing("Frnace"), []);
 * ```
 */
export function liveProvidersServing(region: string): LiveProviderName[] {
  const probes: Record<LiveProviderName, LiveProvider> = {
    electricitymaps: new ElectricityMapsProvider({ cacheMaxEntries: 1 }),
    watttime: new WattTimeProvider({ cacheMaxEntries: 1 }),
    ukcarbonintensity: new UkCarbonIntensityProvider({ cacheMaxEntries: 1 }),
  };
  return LIVE_PROVIDER_NAMES.filter((n) => probes[n].servesRegion(region));
}
