/**
 * Builds the configured intensity providers by name, in order (`carbon.providers`). Live names:
 * `electricitymaps`, `watttime`, `ukcarbonintensity`; other names (such as `static`) come from
 * the caller. A misspelt name is a `ConfigError` with a "did you mean".
 *
 * @module
 */

import { ConfigError } from "../../base/errors.ts";
import type { IntensityProvider } from "../provider.ts";
import { ElectricityMapsProvider } from "./electricity_maps.ts";
import type { LiveProvider, LiveProviderOptions } from "./live_provider.ts";
import {
  checkProviderList,
  checkProviderName,
  isLiveProviderName,
  LIVE_PROVIDER_NAMES,
  type LiveProviderName,
} from "./provider_names.ts";
import { UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
import { WattTimeProvider } from "./watttime.ts";

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
  return checkProviderList(settings.providers, Object.keys(others)).map((name) =>
    isLiveProviderName(name) ? createLiveProvider(name, settings, options) : others[name]()
  );
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
