/**
 * The carbon estimator of the CLI commands, built from the configuration (private to the
 * commands): providers from `carbon.providers` with the embedded static figures last.
 *
 * @module
 */

import type { CommandContext } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import type { RegionCatalog } from "../../carbon/catalog.ts";
import { AmbiguousRegionError, UnknownRegionError } from "../../carbon/catalog.ts";
import { ProviderChain } from "../../carbon/chain.ts";
import { CarbonEstimator, type CarbonEstimatorOptions } from "../../carbon/estimator.ts";
import { createProviders } from "../../carbon/providers/factory.ts";
import { StaticProvider } from "../../carbon/static_provider.ts";
import { loadCatalog } from "../../carbon/user_file.ts";
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
  const catalog = await loadCatalog({ intensityFile: c.intensityFile });
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
  const providers = createProviders(
    {
      ...c,
      providers: c.providers.some((p) => p.toLowerCase() === "static")
        ? c.providers
        : [...c.providers, "static"],
    },
    { env: (name) => ctx.env[name], others: { static: () => new StaticProvider(catalog) } },
  );
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
