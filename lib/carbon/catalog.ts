/**
 * The region and PUE catalog: the embedded dataset plus user additions/overrides, with lookup
 * (exact id, alias, case-insensitive), search and "did you mean" on unknown regions.
 *
 * Name resolution: an id always wins; then aliases by kind (user regions, world and EU, countries,
 * grid zones, cloud regions), so a country name or ISO code (`UK`, `Korea`, `GBR`) wins over a
 * cloud geography of the same name (`azure:uk`, `azure:korea`). A name two regions of the same
 * kind claim, or a country that is also a US state (`Georgia`), is ambiguous: an error listing
 * the choices. Sub-national places without an embedded figure (US states, Canadian provinces,
 * Nordic bidding zones, see `places_gen.ts`) are known by name so that the error says which
 * provider serves them.
 *
 * @module
 */

import { closestMatches } from "../base/suggest.ts";
import { ODBL_REGIONS } from "./data/regions_odbl_gen.ts";
import { OPEN_REGIONS } from "./data/regions_open_gen.ts";
import { type KnownPlace, PLACES } from "./data/places_gen.ts";
import { EMBEDDED_DATASET_VERSION, PUE_PROFILES, SOURCES } from "./data/sources_gen.ts";
import type { PueProfile, RegionFigure, SourceInfo } from "./data/types.ts";

/**
 * Id of the world-average region, the only fallback.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GLOBAL_AVERAGE, RegionCatalog } from "./catalog.ts";
 * const found = RegionCatalog.embedded().lookup("atlantis", { fallback: true });
 * assert.equal(found.figure.id, GLOBAL_AVERAGE);
 * ```
 */
export const GLOBAL_AVERAGE = "global-average";

/**
 * A region id that is not in the catalog. `suggestions` holds the closest known ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RegionCatalog, UnknownRegionError } from "./catalog.ts";
 * assert.throws(() => RegionCatalog.embedded().lookup("Frnace"), (e: unknown) => {
 *   assert.ok(e instanceof UnknownRegionError);
 *   assert.deepEqual(e.suggestions, ["FR"]);
 *   assert.match(e.message, /Did you mean FR\?/);
 *   return true;
 * });
 * ```
 */
export class UnknownRegionError extends RangeError {
  /** The id as given. */
  readonly region: string;
  /** Closest known ids (may be empty). */
  readonly suggestions: readonly string[];
  /** What the name is and who serves it, when the catalog knows the place (else empty). */
  readonly hint: string;
  /**
   * Builds the error and its message.
   *
   * @param region The unknown id.
   * @param suggestions Closest known ids.
   * @param hint Sentence on what the place is and which provider serves it (default none).
   * @param options `cause`, when the error wraps another.
   */
  constructor(
    region: string,
    suggestions: readonly string[],
    hint = "",
    options?: ErrorOptions,
  ) {
    const close = suggestions.length > 0 ? ` Did you mean ${suggestions.join(", ")}?` : "";
    super(
      hint !== ""
        ? `no embedded figure for region "${region}": ${hint}`
        : `unknown region "${region}".${close} Run 'carbon-ops regions --search TEXT' to list ` +
          `known regions, add it in a carbon.intensityFile, or allow the ${GLOBAL_AVERAGE} fallback.`,
      options,
    );
    this.name = "UnknownRegionError";
    this.region = region;
    this.suggestions = suggestions;
    this.hint = hint;
  }
}

/**
 * A name that more than one region answers to. `choices` lists them; give one of their ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AmbiguousRegionError, RegionCatalog } from "./catalog.ts";
 * assert.throws(() => RegionCatalog.embedded().lookup("Georgia"), (e: unknown) => {
 *   assert.ok(e instanceof AmbiguousRegionError);
 *   assert.deepEqual(e.choices.map((c) => c.id), ["GE", "US-GA"]);
 *   assert.match(e.message, /GE \(Georgia\)/);
 *   return true;
 * });
 * ```
 */
export class AmbiguousRegionError extends RangeError {
  /** The name as given. */
  readonly region: string;
  /** The regions (and known places) it may mean: id and a readable description. */
  readonly choices: readonly { readonly id: string; readonly name: string }[];
  /**
   * Builds the error and its message.
   *
   * @param region The ambiguous name.
   * @param choices What it may mean.
   */
  constructor(region: string, choices: readonly { id: string; name: string }[]) {
    super(
      `region "${region}" is ambiguous: it may mean ${
        choices.map((c) => `${c.id} (${c.name})`).join(" or ")
      }. Give the id of the one you mean.`,
    );
    this.name = "AmbiguousRegionError";
    this.region = region;
    this.choices = choices;
  }
}

/**
 * What the catalog knows about a name: a figure, an ambiguity, a place without a figure, or
 * nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RegionCatalog, type RegionMatch } from "./catalog.ts";
 * const match: RegionMatch = RegionCatalog.embedded().match("SE4");
 * assert.equal(match.kind, "place");
 * assert.equal(match.kind === "place" ? match.place.electricityMapsZone : "", "SE-SE4");
 * ```
 */
export type RegionMatch =
  | { readonly kind: "figure"; readonly id: string }
  | { readonly kind: "ambiguous"; readonly choices: readonly { id: string; name: string }[] }
  | { readonly kind: "place"; readonly place: KnownPlace }
  | { readonly kind: "unknown" };

export type { KnownPlace };

/**
 * A sentence on what a place without an embedded figure is and which provider serves it.
 *
 * @param place The place.
 * @param odblLeftOut True when the catalog was built without the Electricity Maps figures.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { placeHint, RegionCatalog } from "./catalog.ts";
 * const m = RegionCatalog.embedded().match("Ontario");
 * assert.equal(m.kind, "figure");
 * const se4 = RegionCatalog.embedded().match("SE4");
 * assert.ok(se4.kind === "place");
 * assert.match(placeHint(se4.place, false), /electricitymaps provider serves it as zone SE-SE4/);
 * ```
 */
export function placeHint(place: KnownPlace, odblLeftOut: boolean): string {
  const what = place.kind === "us_state"
    ? `${place.name} is a US state (${place.code})`
    : place.kind === "ca_province"
    ? `${place.name} is a Canadian province or territory (${place.code})`
    : `${place.code} is a Nordic electricity bidding zone (${place.name})`;
  const zone = place.electricityMapsZone;
  if (zone === undefined) {
    return place.kind === "us_state"
      ? `${what}. The embedded data and the live providers divide the US by grid (balancing ` +
        `authority), not by state, and no sourced state figure is embedded. Use the zone that ` +
        `serves the site: an Electricity Maps zone such as US-CAL-CISO or an eGRID subregion ` +
        `such as egrid:CAMX ('carbon-ops regions --search US-' lists them), a WattTime region ` +
        `such as CAISO_NORTH with the watttime provider, or US for the national figure.`
      : `${what}; no sourced figure is embedded and Electricity Maps splits it into several ` +
        `zones: give one as electricitymaps:<zone> with the electricitymaps provider, or use CA ` +
        `for the national figure.`;
  }
  const why = odblLeftOut
    ? "its embedded figure is an Electricity Maps (ODbL) figure, left out of this catalog"
    : "no sourced figure for it is embedded";
  return `${what}; ${why}. The electricitymaps provider serves it as zone ${zone}: configure ` +
    `it (carbon.providers with carbon.electricityMapsToken) and estimate over a span ` +
    `(--start/--end), or use ${place.countryCode} for the national figure.`;
}

/**
 * Result of a region lookup.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RegionCatalog, type RegionLookup } from "./catalog.ts";
 * const found: RegionLookup = RegionCatalog.embedded().lookup("atlantis", { fallback: true });
 * assert.equal(found.requested, "atlantis");
 * assert.equal(found.fallback, true);
 * ```
 */
export interface RegionLookup {
  /** The figure to use. */
  readonly figure: RegionFigure;
  /** The id as requested. */
  readonly requested: string;
  /** True when the requested region was unknown and `global-average` was used instead. */
  readonly fallback: boolean;
}

/**
 * Options of `RegionCatalog.embedded`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EmbeddedCatalogOptions, RegionCatalog } from "./catalog.ts";
 * const options: EmbeddedCatalogOptions = { includeOdbl: false };
 * const figure = RegionCatalog.embedded(options).lookup("aws:us-east-1").figure;
 * assert.equal(figure.sourceId, "ember");
 * assert.ok(figure.flags.includes("country_value_for_cloud_region"));
 * ```
 */
export interface EmbeddedCatalogOptions {
  /**
   * Include the Electricity Maps figures (ODbL 1.0, share-alike): sub-national zone values for
   * cloud regions in multi-zone countries, US zones, 9 country fallbacks. Default true. With
   * false, cloud regions use their country's Ember value with a wider uncertainty.
   */
  readonly includeOdbl?: boolean;
}

function norm(s: string): string {
  return s.trim().toLowerCase();
}

/** Names to region ids: unique names, names several regions claim, places without a figure. */
interface NameIndex {
  readonly index: Map<string, string>;
  readonly ambiguous: Map<string, string[]>;
  readonly places: Map<string, KnownPlace>;
}

function buildNameIndex(regions: ReadonlyMap<string, RegionFigure>): NameIndex {
  const index = new Map<string, string>();
  const ambiguous = new Map<string, string[]>();
  // Aliases first, ids last: an id always wins over another region's alias; among aliases,
  // user regions, then world/EU, then countries, then grid zones, then cloud regions. Two
  // regions of the same rank claiming one alias make it ambiguous.
  const rank: Record<string, number> = { user: 0, world: 1, country: 2, grid: 3, cloud: 4 };
  const claims = new Map<string, { rank: number; ids: string[] }>();
  for (const f of regions.values()) {
    for (const a of f.aliases) {
      const k = norm(a);
      if (k === "") continue;
      const r = rank[f.kind] ?? 5;
      const c = claims.get(k);
      if (c === undefined || r < c.rank) claims.set(k, { rank: r, ids: [f.id] });
      else if (r === c.rank && !c.ids.includes(f.id)) c.ids.push(f.id);
    }
  }
  for (const [k, c] of claims) {
    if (c.ids.length === 1) index.set(k, c.ids[0]);
    else ambiguous.set(k, c.ids.sort());
  }
  for (const f of regions.values()) {
    index.set(norm(f.id), f.id);
    ambiguous.delete(norm(f.id));
  }
  // Places: by id, code and name; a place whose id is a region is that region.
  const places = new Map<string, KnownPlace>();
  for (const p of PLACES) {
    for (const n of [p.id, p.code, ...p.aliases]) {
      const k = norm(n);
      const id = index.get(k);
      if (regions.has(p.id) || places.has(k)) continue;
      if (id !== undefined && regions.get(id)?.kind !== "cloud") {
        // A region's own id always wins; another region's alias (`Georgia`) is ambiguous.
        if (norm(id) === k) continue;
        index.delete(k);
        ambiguous.set(k, [id, p.id]);
      }
      places.set(k, p);
    }
  }
  return { index, ambiguous, places };
}

/**
 * Regions, PUE profiles and sources, immutable. Build with `RegionCatalog.embedded()`, then
 * `withUserData` for a user's file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RegionCatalog } from "./catalog.ts";
 * const catalog = RegionCatalog.embedded();
 * assert.equal(catalog.lookup("aws:eu-west-3").figure.intensityGPerKwh, 44.18);
 * assert.equal(catalog.lookup("france").figure.id, "FR");
 * assert.equal(catalog.resolveId("France"), "FR");
 * assert.deepEqual(catalog.suggest("frnace"), ["FR"]);
 * ```
 */
export class RegionCatalog {
  readonly #regions: Map<string, RegionFigure>;
  /** Built on the first lookup that is not an exact id (start-up time: most runs need none). */
  #names: NameIndex | undefined;
  readonly #odblLeftOut: boolean;
  readonly #pue: Map<string, PueProfile>;
  readonly #sources: Readonly<Record<string, SourceInfo>>;
  /** Version of the embedded dataset (plus the user file, when one is merged). */
  readonly version: string;

  private constructor(
    regions: Map<string, RegionFigure>,
    pue: Map<string, PueProfile>,
    sources: Readonly<Record<string, SourceInfo>>,
    version: string,
    odblLeftOut: boolean,
  ) {
    this.#regions = regions;
    this.#pue = pue;
    this.#sources = sources;
    this.version = version;
    this.#odblLeftOut = odblLeftOut;
  }

  #nameIndex(): NameIndex {
    return this.#names ??= buildNameIndex(this.#regions);
  }

  /**
   * The embedded dataset.
   *
   * @param options `includeOdbl` (default true).
   */
  static embedded(options: EmbeddedCatalogOptions = {}): RegionCatalog {
    const regions = new Map<string, RegionFigure>();
    for (const f of OPEN_REGIONS) regions.set(f.id, f);
    if (options.includeOdbl ?? true) { for (const f of ODBL_REGIONS) regions.set(f.id, f); }
    const pue = new Map(PUE_PROFILES.map((p) => [p.id, p]));
    const version = EMBEDDED_DATASET_VERSION +
      ((options.includeOdbl ?? true) ? "" : " (open only)");
    return new RegionCatalog(regions, pue, SOURCES, version, !(options.includeOdbl ?? true));
  }

  /**
   * A new catalog with `data`'s regions and PUE profiles added or replacing same-id entries.
   *
   * @param data Validated user data (see `parseUserIntensityFile`).
   * @param label Short label for the version string, e.g. the file name.
   */
  withUserData(
    data: {
      regions: readonly RegionFigure[];
      pueProfiles: readonly PueProfile[];
      sources: readonly SourceInfo[];
    },
    label: string,
  ): RegionCatalog {
    const regions = new Map(this.#regions);
    for (const f of data.regions) {
      // An override keeps the embedded region's aliases so "France" still resolves.
      const old = regions.get(f.id);
      regions.set(f.id, old ? { ...f, aliases: [...new Set([...f.aliases, ...old.aliases])] } : f);
    }
    const pue = new Map(this.#pue);
    for (const p of data.pueProfiles) pue.set(p.id, p);
    const sources: Record<string, SourceInfo> = { ...this.#sources };
    for (const src of data.sources) sources[src.id] = src;
    return new RegionCatalog(
      regions,
      pue,
      sources,
      `${this.version} + user ${label}`,
      this.#odblLeftOut,
    );
  }

  /** Canonical id for `name` (id or alias, case-insensitive), or undefined (unknown or ambiguous). */
  resolveId(name: string): string | undefined {
    if (this.#regions.has(name)) return name;
    return this.#nameIndex().index.get(norm(name));
  }

  /**
   * What `name` means: a region with a figure, an ambiguous name (with the choices), a known
   * place without a figure (US state, Canadian province, Nordic bidding zone), or nothing.
   *
   * @param name Id or alias (case-insensitive).
   */
  match(name: string): RegionMatch {
    // An id always wins, so an exact id needs no name index.
    if (this.#regions.has(name)) return { kind: "figure", id: name };
    const names = this.#nameIndex();
    const k = norm(name);
    const id = names.index.get(k);
    if (id !== undefined) return { kind: "figure", id };
    const ids = names.ambiguous.get(k);
    if (ids !== undefined) {
      return {
        kind: "ambiguous",
        choices: ids.map((i) => {
          const f = this.#regions.get(i);
          if (f) return { id: i, name: f.name };
          const p = names.places.get(norm(i));
          return { id: i, name: p ? `${p.name}, ${placeKind(p)}` : i };
        }),
      };
    }
    const place = names.places.get(k);
    if (place !== undefined) return { kind: "place", place };
    return { kind: "unknown" };
  }

  /**
   * The sentence `UnknownRegionError` carries for a known place without a figure.
   *
   * @param place The place (from `match`).
   */
  placeHint(place: KnownPlace): string {
    return placeHint(place, this.#odblLeftOut);
  }

  /**
   * Looks a region up.
   *
   * @param region Id or alias (case-insensitive).
   * @param options `fallback` (default false): use `global-average` for an unknown region
   *   instead of throwing `UnknownRegionError`.
   * @throws AmbiguousRegionError when the name may mean several regions (never falls back).
   * @throws UnknownRegionError for an unknown region (its `hint` says who serves a known place).
   */
  lookup(region: string, options: { fallback?: boolean } = {}): RegionLookup {
    const m = this.match(region);
    if (m.kind === "figure") {
      return {
        figure: this.#regions.get(m.id) as RegionFigure,
        requested: region,
        fallback: false,
      };
    }
    if (m.kind === "ambiguous") throw new AmbiguousRegionError(region, m.choices);
    if (options.fallback === true) {
      const world = this.#regions.get(GLOBAL_AVERAGE);
      if (world) return { figure: world, requested: region, fallback: true };
    }
    throw new UnknownRegionError(
      region,
      m.kind === "place" ? [] : this.suggest(region),
      m.kind === "place" ? this.placeHint(m.place) : "",
    );
  }

  /** Up to 5 known ids or aliases close to `text`, mapped to canonical ids. */
  suggest(text: string): string[] {
    const { index } = this.#nameIndex();
    const found = closestMatches(text, [...index.keys()], { max: 10 });
    const ids = [...new Set(found.map((n) => index.get(n) as string))];
    return ids.slice(0, 5);
  }

  /** Every region, sorted by id. */
  list(): RegionFigure[] {
    return [...this.#regions.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Regions whose id, name, aliases, country or zone contain `text` (case-insensitive).
   *
   * @param text Substring to look for; empty lists all.
   */
  search(text: string): RegionFigure[] {
    const q = norm(text);
    if (q === "") return this.list();
    return this.list().filter((f) =>
      [f.id, f.name, f.countryCode ?? "", f.electricityMapsZone ?? "", ...f.aliases]
        .some((s) => s.toLowerCase().includes(q))
    );
  }

  /** The source record for a figure's `sourceId`, or undefined (user figures carry their own). */
  source(id: string): SourceInfo | undefined {
    return this.#sources[id];
  }

  /** Every source, sorted by id. */
  sources(): SourceInfo[] {
    return Object.values(this.#sources).sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * A PUE profile by id.
   *
   * @param id Profile id, e.g. `aws`.
   * @throws RangeError naming the known profiles when `id` is unknown.
   */
  pueProfile(id: string): PueProfile {
    const p = this.#pue.get(id) ?? this.#pue.get(norm(id));
    if (p) return p;
    const known = [...this.#pue.keys()];
    const close = closestMatches(id, known);
    throw new RangeError(
      `unknown PUE profile "${id}"${close.length ? ` (did you mean ${close.join(", ")}?)` : ""}; ` +
        `known: ${known.join(", ")}, or give a PUE number between 1 and 3`,
    );
  }

  /** Every PUE profile. */
  pueProfiles(): PueProfile[] {
    return [...this.#pue.values()];
  }
}

function placeKind(p: KnownPlace): string {
  return p.kind === "us_state"
    ? "US state"
    : p.kind === "ca_province"
    ? "Canadian province"
    : "bidding zone";
}
