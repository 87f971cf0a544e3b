/**
 * Whole-configuration checks that go beyond one key's type: the rules the governor and the
 * carbon commands apply when they use a setting. `run_cli.ts` runs them on every configuration a
 * command loads (`ctx.loadConfig`, `ctx.reloadConfig`), so `carbon-ops config` rejects exactly
 * what the other commands reject, with exit code 2, instead of printing it as valid.
 *
 * @module
 */

import { ConfigError } from "../base/errors.ts";
import type { IntensityProvider } from "../carbon/provider.ts";
import { hideUrlCredentials } from "../config/redact.ts";
import type { Config } from "../config/schema.ts";

/** Same grammar as `parseListen` in governor/metrics.ts (tests pin that they agree). */
const LISTEN = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):([0-9]{1,5})$/;

/** Same rule as the simulated source (lib/energy/rapl/open_source.ts): 1..20 decimal digits. */
const SIM_RANGE_UJ = /^[0-9]{1,20}$/;

const placeholderStatic: IntensityProvider = {
  name: "static",
  intensityForSpan: () => Promise.resolve(null),
};

/**
 * Checks the governor part of `config` and returns it unchanged, or throws `ConfigError` naming
 * the key, what is wrong and what to do: `governor.raplMode` `msr` without `governor.allowMsr`,
 * `governor.simRangeUj` that is not a positive decimal integer, `governor.metricsListen` that is
 * not host:port. The provider settings are checked by {@link checkProviderConfig}, which loads
 * the provider code only then (so `--version` and the ledger commands start without it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../base/errors.ts";
 * import { resolveConfig } from "../config/resolve.ts";
 * import { checkConfig } from "./config_checks.ts";
 * const ok = resolveConfig({ fileText: null });
 * assert.equal(checkConfig(ok), ok);
 * const msr = resolveConfig({ fileText: null, env: { CARBON_OPS_GOVERNOR_RAPL_MODE: "msr" } });
 * assert.throws(() => checkConfig(msr), (e: unknown) => {
 *   assert.ok(e instanceof ConfigError);
 *   assert.match(e.message, /allowMsr/);
 *   return true;
 * });
 * ```
 */
export function checkConfig(config: Config): Config {
  const g = config.governor;
  if (g.raplMode === "msr" && !g.allowMsr) {
    throw new ConfigError(
      "raplMode msr needs allowMsr: true in the config file (raw MSR access is a security " +
        "switch); prefer the powercap sysfs source",
      { source: "configuration", key: "governor.allowMsr" },
    );
  }
  if (!SIM_RANGE_UJ.test(g.simRangeUj) || BigInt(g.simRangeUj) < 1n) {
    throw new ConfigError(
      `expected a positive decimal number of uJ, got ${JSON.stringify(g.simRangeUj)}`,
      { source: "configuration", key: "governor.simRangeUj" },
    );
  }
  if (g.metricsListen !== null) {
    const m = LISTEN.exec(g.metricsListen.trim());
    if (!m || Number(m[3]) > 65535) {
      throw new ConfigError(
        `metricsListen '${g.metricsListen}' is not host:port (e.g. 127.0.0.1:9464 or [::1]:9464)`,
        { source: "configuration", key: "governor.metricsListen" },
      );
    }
  }
  return config;
}

/**
 * Checks the provider settings of `config` exactly as the carbon commands build them
 * (`createProviders`: unknown or repeated names, base URLs that are not https or carry
 * credentials, `wattTimeRegionMap` entries that are not region=CODE) and returns it unchanged, or
 * throws `ConfigError` with any URL credentials hidden.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../base/errors.ts";
 * import { resolveConfig } from "../config/resolve.ts";
 * import { checkProviderConfig } from "./config_checks.ts";
 * const ok = resolveConfig({ fileText: null });
 * assert.equal(await checkProviderConfig(ok), ok);
 * const bad = resolveConfig({ fileText: null, env: { CARBON_OPS_CARBON_PROVIDERS: "nosuch" } });
 * await assert.rejects(checkProviderConfig(bad), ConfigError);
 * ```
 */
export async function checkProviderConfig(config: Config): Promise<Config> {
  const c = config.carbon;
  const providers = c.providers.some((p) => p.toLowerCase() === "static")
    ? c.providers
    : [...c.providers, "static"];
  try {
    // The names first (no provider code); the live providers' clients load only when one is
    // configured, to check its settings by building it.
    const { checkProviderList, isLiveProviderName } = await import(
      "../carbon/providers/provider_names.ts"
    );
    if (checkProviderList(providers, ["static"]).some(isLiveProviderName)) {
      const { createProviders } = await import("../carbon/providers/factory.ts");
      createProviders({ ...c, providers }, { others: { static: () => placeholderStatic } });
    }
  } catch (err) {
    // A provider's message may quote its URL: never print a password that URL carries.
    // The cause (the provider's TypeError) is dropped for the same reason.
    if (err instanceof ConfigError) {
      const prefix = `${err.source}:${err.key === undefined ? "" : ` ${err.key}:`} `;
      const problem = err.message.startsWith(prefix)
        ? err.message.slice(prefix.length)
        : err.message;
      throw new ConfigError(String(hideUrlCredentials(problem)), {
        source: err.source,
        ...(err.key === undefined ? {} : { key: err.key }),
      });
    }
    throw err;
  }
  return config;
}
