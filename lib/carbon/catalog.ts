/**
 * The region and PUE catalog: the embedded dataset plus user additions/overrides, with lookup
 * (exact id, alias, case-insensitive), search and "did you mean" on unknown regions.
 *
 * @module
 */

import { closestMatches } from "../base/suggest.ts";
import { ODBL_REGIONS } from "./data/regions_odbl_gen.ts";
import { OPEN_REGIONS } from "./data/regions_open_gen.ts";
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
  /**
   * Builds the error and its message.
   *
   * @param region The unknown id.
   * @param suggestions Closest known ids.
   */
  constructor(region: string, suggestions: readonly string[]) {
    const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.join(", ")}?` : "";
    super(
      `unknown region "${region}".${hint} Run 'carbon-ops regions --search TEXT' to list known ` +
        `regions, add it in a carbon.intensityFile, or allow the ${GLOBAL_AVERAGE} fallback.`,
    );
    this.name = "UnknownRegionError";
    this.region = region;
    this.suggestions = suggestions;
  }
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
  readonly #index: Map<string, string>;
  readonly #pue: Map<string, PueProfile>;
  readonly #sources: Readonly<Record<string, SourceInfo>>;
  /** Version of the embedded dataset (plus the user file, when one is merged). */
  readonly version: string;

  private constructor(
    regions: Map<string, RegionFigure>,
    pue: Map<string, PueProfile>,
    sources: Readonly<Record<string, SourceInfo>>,
    version: string,
  ) {
    this.#regions = regions;
    this.#pue = pue;
    this.#sources = sources;
    this.version = version;
    this.#index = new Map();
    // Aliases first, ids last: an id always wins over another region's alias; among aliases,
    // user regions, then countries, then grid zones, then cloud regions.
    const rank: Record<string, number> = { user: 0, world: 1, country: 2, grid: 3, cloud: 4 };
    const ordered = [...regions.values()].sort((a, b) => rank[a.kind] - rank[b.kind]);
    for (const f of ordered) {
      for (const a of f.aliases) {
        const k = norm(a);
        if (k !== "" && !this.#index.has(k)) this.#index.set(k, f.id);
      }
    }
    for (const f of regions.values()) this.#index.set(norm(f.id), f.id);
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
    return new RegionCatalog(regions, pue, SOURCES, version);
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
    return new RegionCatalog(regions, pue, sources, `${this.version} + user ${label}`);
  }

  /** Canonical id for `name` (id or alias, case-insensitive), or undefined. */
  resolveId(name: string): string | undefined {
    return this.#index.get(norm(name));
  }

  /**
   * Looks a region up.
   *
   * @param region Id or alias (case-insensitive).
   * @param options `fallback` (default false): use `global-average` for an unknown region
   *   instead of throwing `UnknownRegionError`.
   */
  lookup(region: string, options: { fallback?: boolean } = {}): RegionLookup {
    const id = this.resolveId(region);
    if (id !== undefined) {
      return { figure: this.#regions.get(id) as RegionFigure, requested: region, fallback: false };
    }
    if (options.fallback === true) {
      const world = this.#regions.get(GLOBAL_AVERAGE);
      if (world) return { figure: world, requested: region, fallback: true };
    }
    throw new UnknownRegionError(region, this.suggest(region));
  }

  /** Up to 5 known ids or aliases close to `text`, mapped to canonical ids. */
  suggest(text: string): string[] {
    const names = [...this.#index.keys()];
    const found = closestMatches(text, names, { max: 10 });
    const ids = [...new Set(found.map((n) => this.#index.get(n) as string))];
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
