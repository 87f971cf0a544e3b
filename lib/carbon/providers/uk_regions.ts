/**
 * Region mapping for the GB Carbon Intensity API: national (Great Britain) or one of its
 * regional ids (14 DNO regions plus England, Scotland, Wales).
 *
 * @module
 */

/**
 * Regional ids of the Carbon Intensity API with their short names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UK_REGIONS } from "./uk_regions.ts";
 * assert.equal(UK_REGIONS[13], "London");
 * assert.equal(Object.keys(UK_REGIONS).length, 17);
 * ```
 */
export const UK_REGIONS: Readonly<Record<number, string>> = Object.freeze({
  1: "North Scotland",
  2: "South Scotland",
  3: "North West England",
  4: "North East England",
  5: "Yorkshire",
  6: "North Wales & Merseyside",
  7: "South Wales",
  8: "West Midlands",
  9: "East Midlands",
  10: "East England",
  11: "South West England",
  12: "South England",
  13: "London",
  14: "South East England",
  15: "England",
  16: "Scotland",
  17: "Wales",
});

/**
 * National (GB) or a regional id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UK_REGIONS, type UkArea } from "./uk_regions.ts";
 * const area: UkArea = { kind: "regional", regionId: 7 };
 * assert.equal(area.kind === "regional" ? UK_REGIONS[area.regionId] : "GB", "South Wales");
 * ```
 */
export type UkArea = { readonly kind: "national" } | {
  readonly kind: "regional";
  readonly regionId: number;
};

function slug(name: string): string {
  return name.toLowerCase().replace(/&/g, "and").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Accepted region slugs (`gb:london`, `gb:north-wales-and-merseyside`, ...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UK_REGION_SLUGS } from "./uk_regions.ts";
 * assert.ok(UK_REGION_SLUGS.includes("north-wales-and-merseyside"));
 * assert.equal(UK_REGION_SLUGS[12], "london");
 * ```
 */
export const UK_REGION_SLUGS: readonly string[] = Object.values(UK_REGIONS).map(slug);

/**
 * Maps a region to a GB area: `GB` (also `GB-national`, or a location whose country is GB) is
 * national; `gb:<id>` or `gb:<slug>` (e.g. `gb:13`, `gb:london`) is regional. Anything else is
 * `undefined` (the API covers Great Britain only, not Northern Ireland).
 *
 * @param region Region as the user gave it.
 * @param countryCode Country of the resolved region, when known.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ukAreaFor } from "./uk_regions.ts";
 * assert.deepEqual(ukAreaFor("gb:london"), { kind: "regional", regionId: 13 });
 * assert.deepEqual(ukAreaFor("GB"), { kind: "national" });
 * assert.deepEqual(ukAreaFor("aws:eu-west-2", "GB"), { kind: "national" });
 * assert.equal(ukAreaFor("FR"), undefined);
 * ```
 */
export function ukAreaFor(region: string, countryCode?: string): UkArea | undefined {
  const text = region.trim();
  const upper = text.toUpperCase();
  if (upper === "GB" || upper === "GB-NATIONAL" || upper === "UKCARBONINTENSITY:NATIONAL") {
    return { kind: "national" };
  }
  const m = /^(?:gb|ukcarbonintensity):(.+)$/i.exec(text);
  if (m) {
    const key = m[1].trim().toLowerCase();
    if (key === "national") return { kind: "national" };
    if (/^\d+$/.test(key)) {
      const id = Number(key);
      return UK_REGIONS[id] === undefined ? undefined : { kind: "regional", regionId: id };
    }
    const index = UK_REGION_SLUGS.indexOf(slug(key));
    return index < 0 ? undefined : { kind: "regional", regionId: index + 1 };
  }
  if (countryCode?.toUpperCase() === "GB") return { kind: "national" };
  return undefined;
}
