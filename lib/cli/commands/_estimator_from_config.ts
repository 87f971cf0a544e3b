/**
 * The carbon estimator of the CLI commands, built from the configuration (private to the
 * commands): providers from `carbon.providers` with the embedded static figures last.
 *
 * @module
 */

import type { CommandContext } from "../command.ts";
import { numberOptions } from "../args.ts";
import { UsageError } from "../../base/errors.ts";
import { AmbiguousRegionError, RegionCatalog, UnknownRegionError } from "../../carbon/catalog.ts";
import { ProviderChain } from "../../carbon/chain.ts";
import { CarbonEstimator, type CarbonEstimatorOptions } from "../../carbon/estimator.ts";
import { checkProviderList, isLiveProviderName } from "../../carbon/providers/provider_names.ts";
import { StaticProvider } from "../../carbon/static_provider.ts";
import type { Config } from "../../config/schema.ts";
import { CONFIG_SCHEMA } from "../../config/schema.ts";

/**
 * Builds the estimator from config (providers from carbon.providers, static last).
 *
 * @param config The loaded configuration.
 * @param ctx Command context (its environment holds provider API keys).
 * @param options `extra` estimator options (default none); `checkRegion` (default true) turns an
 *   unknown `carbon.region` into a usage error up front.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimatorFromConfig } from "./_estimator_from_config.ts";
 * import { loadConfig } from "../../config/load.ts";
 * const config = await loadConfig({ env: { CARBON_OPS_CONFIG: "" }, flags: { carbon: { region: "FR" } } });
 * const ctx = { env: {} };
 * const { estimator } = await estimatorFromConfig(config, ctx);
 * assert.equal(estimator.estimateFromEnergy(1000).region, "FR");
 * ```
 */
export async function estimatorFromConfig(
  config: Config,
  ctx: Pick<CommandContext, "env">,
  options: { extra?: Partial<CarbonEstimatorOptions>; checkRegion?: boolean } = {},
): Promise<{ estimator: CarbonEstimator; catalog: RegionCatalog }> {
  const c = config.carbon;
  // The user file's reader (and its JSONC parser, an npm package: Node compatibility start-up) is
  // loaded only when a file is configured.
  const catalog = c.intensityFile
    ? await (await import("../../carbon/user_file.ts")).loadCatalog({
      intensityFile: c.intensityFile,
    })
    : RegionCatalog.embedded();
  if (options.checkRegion ?? true) {
    try {
      catalog.lookup(c.region);
    } catch (err) {
      if (err instanceof UnknownRegionError || err instanceof AmbiguousRegionError) {
        throw new UsageError(err.message, { cause: err });
      }
      throw err;
    }
  }
  const names = c.providers.some((p) => p.toLowerCase() === "static")
    ? c.providers
    : [...c.providers, "static"];
  const staticProvider = () => new StaticProvider(catalog);
  // The live providers' clients (HTTP, caches, parsers: some 15 modules) load only when one is
  // configured; `static` alone needs none of them.
  const providers = checkProviderList(names, ["static"]).some(isLiveProviderName)
    ? (await import("../../carbon/providers/factory.ts")).createProviders(
      { ...c, providers: names },
      { env: (name) => ctx.env[name], others: { static: staticProvider } },
    )
    : [staticProvider()];
  const pueProfile = c.pueProfile === CONFIG_SCHEMA.carbon.pueProfile.default
    ? undefined
    : c.pueProfile;
  const estimator = new CarbonEstimator({
    catalog,
    provider: new ProviderChain(providers),
    region: c.region,
    ...(pueProfile ? { pueProfile } : {}),
    confidenceLevelPct: c.confidenceLevelPct,
    ...options.extra,
  });
  return { estimator, catalog };
}

/**
 * The carbon options `estimate` and `sci` share, as parsed (strings, absent when not given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CarbonArgs } from "./_estimator_from_config.ts";
 * const v: CarbonArgs = { region: "FR", pue: "1.2" };
 * assert.equal(v.pue, "1.2");
 * ```
 */
export interface CarbonArgs {
  readonly region?: string;
  readonly "intensity-file"?: string;
  readonly "pue-profile"?: string;
  readonly pue?: string;
  readonly confidence?: string;
  readonly "energy-sigma-pct"?: string;
  readonly "pue-sigma-pct"?: string;
}

/**
 * Checks the shared carbon options and loads the configuration with them: `--region`,
 * `--intensity-file`, `--pue-profile` and `--confidence` (50..99.9) become config overrides;
 * `--pue` (1..3), `--energy-sigma-pct` (0..200) and `--pue-sigma-pct` (0..100) are returned as
 * numbers for the estimator options.
 *
 * @throws {UsageError} naming the option when a number is malformed or out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCarbonArgs } from "./_estimator_from_config.ts";
 * import { loadConfig } from "../../config/load.ts";
 * const ctx = { loadConfig: (flags = {}) => loadConfig({ env: { CARBON_OPS_CONFIG: "" }, flags }) };
 * const got = await loadCarbonArgs(ctx, { region: "FR", pue: "1.2", "pue-sigma-pct": "5" });
 * assert.equal(got.config.carbon.region, "FR");
 * assert.equal(got.pue, 1.2);
 * assert.equal(got.pueSigmaPct, 5);
 * assert.equal(got.energySigmaPct, undefined);
 * ```
 */
export async function loadCarbonArgs(
  ctx: Pick<CommandContext, "loadConfig">,
  v: CarbonArgs,
): Promise<{ config: Config; pue?: number; energySigmaPct?: number; pueSigmaPct?: number }> {
  const num = numberOptions({ ...v });
  const pue = num("pue", { min: 1, max: 3 });
  const energySigmaPct = num("energy-sigma-pct", { min: 0, max: 200 });
  const pueSigmaPct = num("pue-sigma-pct", { min: 0, max: 100 });
  const config = await ctx.loadConfig({
    carbon: {
      region: v.region,
      intensityFile: v["intensity-file"],
      confidenceLevelPct: num("confidence", { min: 50, max: 99.9 }),
      pueProfile: v["pue-profile"],
    },
  });
  return {
    config,
    ...(pue !== undefined ? { pue } : {}),
    ...(energySigmaPct !== undefined ? { energySigmaPct } : {}),
    ...(pueSigmaPct !== undefined ? { pueSigmaPct } : {}),
  };
}
