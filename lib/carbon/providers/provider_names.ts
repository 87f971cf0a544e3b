/**
 * The live providers' names and the region ids each serves on its own, without their clients:
 * checking `carbon.providers` and naming "the provider that serves this region" in an error need
 * no HTTP, cache or parsing code, so a command that configures only `static` never loads it
 * (start-up cost, issue 18). `factory.ts` builds the providers and re-exports these.
 *
 * @module
 */

import { ConfigError } from "../../base/errors.ts";
import { didYouMean } from "../../base/suggest.ts";
import { ukAreaFor } from "./uk_regions.ts";

/**
 * Names of the live providers (`factory.ts` builds them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIVE_PROVIDER_NAMES } from "./provider_names.ts";
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
 * import { LIVE_PROVIDER_NAMES, type LiveProviderName } from "./provider_names.ts";
 * const name: LiveProviderName = "watttime";
 * assert.ok(LIVE_PROVIDER_NAMES.includes(name));
 * ```
 */
export type LiveProviderName = (typeof LIVE_PROVIDER_NAMES)[number];

/**
 * Whether `name` (already normalised by {@link checkProviderName}) is a live provider.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLiveProviderName } from "./provider_names.ts";
 * assert.equal(isLiveProviderName("watttime"), true);
 * assert.equal(isLiveProviderName("static"), false);
 * ```
 */
export function isLiveProviderName(name: string): name is LiveProviderName {
  return (LIVE_PROVIDER_NAMES as readonly string[]).includes(name);
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
 * import { checkProviderName } from "./provider_names.ts";
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
 * Checks a provider list (`carbon.providers`) and returns its names normalised, in order:
 * unknown names and a name listed twice are a `ConfigError`. Known names: the live ones plus
 * `others` (such as `static`).
 *
 * @param providers Names as written.
 * @param others Names the caller builds itself (default none).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../../base/errors.ts";
 * import { checkProviderList } from "./provider_names.ts";
 * assert.deepEqual(checkProviderList(["WattTime", "static"], ["static"]), ["watttime", "static"]);
 * assert.throws(() => checkProviderList(["static", "Static"], ["static"]), ConfigError);
 * ```
 */
export function checkProviderList(
  providers: readonly string[],
  others: readonly string[] = [],
): string[] {
  const known = [...LIVE_PROVIDER_NAMES, ...others.filter((k) => !isLiveProviderName(k))];
  const seen = new Set<string>();
  for (const raw of providers) {
    const name = checkProviderName(raw, known);
    if (seen.has(name)) {
      throw new ConfigError(`provider "${name}" is listed twice; list each provider once`, {
        source: "configuration",
        key: "carbon.providers",
      });
    }
    seen.add(name);
  }
  return [...seen];
}

/**
 * The Electricity Maps zone a region id names on its own: `electricitymaps:<zone>`, a two-letter
 * country code (upper-cased) or a zone-shaped id (`SE-SE3`, `US-CAL-CISO`); otherwise undefined.
 *
 * @param region Region id, trimmed or not.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { electricityMapsZoneOf } from "./provider_names.ts";
 * assert.equal(electricityMapsZoneOf("fr"), "FR");
 * assert.equal(electricityMapsZoneOf("electricitymaps:DK-DK1"), "DK-DK1");
 * assert.equal(electricityMapsZoneOf("aws:eu-west-1"), undefined);
 * ```
 */
export function electricityMapsZoneOf(region: string): string | undefined {
  const trimmed = region.trim();
  const explicit = /^electricitymaps:(.+)$/i.exec(trimmed);
  if (explicit) return explicit[1];
  if (/^[a-z]{2}$/i.test(trimmed)) return trimmed.toUpperCase();
  return /^[A-Z]{2}(-[A-Z0-9]+)*$/.test(trimmed) ? trimmed : undefined;
}

/**
 * The shape of a WattTime region code (`CAISO_NORTH`, `PJM_DC`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WATTTIME_REGION_CODE } from "./provider_names.ts";
 * assert.ok(WATTTIME_REGION_CODE.test("CAISO_NORTH"));
 * assert.ok(!WATTTIME_REGION_CODE.test("DE"));
 * ```
 */
export const WATTTIME_REGION_CODE: RegExp = /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/;

/**
 * Names of the live providers that map `region` on their own (`gb:london` to
 * `ukcarbonintensity`, `CAISO_NORTH` to `watttime`, `SE-SE3` to `electricitymaps`), whether or
 * not they are configured. No I/O: for "which provider serves it" in error messages.
 *
 * @param region Region id as the user gave it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveProvidersServing } from "./provider_names.ts";
 * assert.deepEqual(liveProvidersServing("gb:london"), ["ukcarbonintensity"]);
 * assert.deepEqual(liveProvidersServing("watttime:CAISO_NORTH"), ["watttime"]);
 * assert.deepEqual(liveProvidersServing("SE-SE4"), ["electricitymaps"]);
 * assert.deepEqual(liveProvidersServing("Frnace"), []);
 * ```
 */
export function liveProvidersServing(region: string): LiveProviderName[] {
  if (typeof region !== "string" || region.trim() === "") return [];
  const r = region.trim();
  const serves: Record<LiveProviderName, boolean> = {
    electricitymaps: electricityMapsZoneOf(r) !== undefined,
    watttime: /^watttime:.+$/i.test(r) || WATTTIME_REGION_CODE.test(r),
    ukcarbonintensity: r.toUpperCase() !== "GB-NIR" && ukAreaFor(r) !== undefined,
  };
  return LIVE_PROVIDER_NAMES.filter((n) => serves[n]);
}
