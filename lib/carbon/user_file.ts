/**
 * The user's intensity file (JSON or JSONC): adds or overrides regions and PUE profiles.
 * Parsing is pure (`parseUserIntensityFile(text, path)`); `loadUserIntensityFile` reads the file.
 *
 * ```jsonc
 * {
 *   "regions": {
 *     "dc-paris-1": {
 *       "intensityGPerKwh": 52, "year": 2025, "basis": "lifecycle",
 *       "source": "supplier disclosure 2025", "uncertaintyPct": 10,
 *       "countryCode": "FR", "pueProfile": "dc-paris-1"
 *     }
 *   },
 *   "pueProfiles": { "dc-paris-1": { "pue": 1.32, "year": 2025, "source": "site meter" } }
 * }
 * ```
 *
 * @module
 */

import { type Node, parseTree, printParseErrorCode } from "jsonc-parser";
import { ConfigError } from "../base/errors.ts";
import { Reader, required } from "./_jsonc_reader.ts";
import { RegionCatalog } from "./catalog.ts";
import type { PueProfile, RegionFigure, SourceInfo } from "./data/types.ts";
import type { IntensityBasis } from "./provider.ts";

/**
 * What a user file contributes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUserIntensityFile, type UserIntensityData } from "./user_file.ts";
 * const text = '{ "pueProfiles": { "lab": { "pue": 1.4, "source": "meter" } } }';
 * const data: UserIntensityData = parseUserIntensityFile(text, "intensity.jsonc");
 * assert.equal(data.pueProfiles[0].pue, 1.4);
 * assert.equal(data.regions.length, 0);
 * ```
 */
export interface UserIntensityData {
  /** Regions to add or override. */
  readonly regions: RegionFigure[];
  /** PUE profiles to add or override. */
  readonly pueProfiles: PueProfile[];
  /** One source per user region (`user:<id>`). */
  readonly sources: SourceInfo[];
}

const REGION_KEYS = [
  "intensityGPerKwh",
  "year",
  "basis",
  "source",
  "licence",
  "uncertaintyPct",
  "uncertaintyFloorGPerKwh",
  "name",
  "countryCode",
  "electricityMapsZone",
  "pueProfile",
  "aliases",
  "gases",
  "accounting",
] as const;
const PUE_KEYS = ["pue", "year", "source", "uncertaintyPct", "note"] as const;
const BASES: readonly IntensityBasis[] = ["lifecycle", "direct", "marginal", "mixed"];
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9:._\-]{0,63}$/;

/**
 * Parses and validates a user intensity file. Errors are `ConfigError`s naming
 * `file:line:col`, the key, what was found and what is expected.
 *
 * @param text File contents (JSON or JSONC: comments and trailing commas allowed).
 * @param path File path, used in error messages and source ids.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../base/errors.ts";
 * import { parseUserIntensityFile } from "./user_file.ts";
 * const data = parseUserIntensityFile(
 *   `{ "regions": { "lab": {
 *     "intensityGPerKwh": 80, "year": 2025, "basis": "lifecycle", "source": "bill",
 *   } } }`,
 *   "intensity.jsonc",
 * );
 * assert.equal(data.regions[0].id, "lab");
 * assert.equal(data.regions[0].uncertaintyRel, 0.15);
 * assert.equal(data.sources[0].id, "user:lab");
 * assert.throws(() => parseUserIntensityFile("", "empty.jsonc"), ConfigError);
 * ```
 */
export function parseUserIntensityFile(text: string, path: string): UserIntensityData {
  const r: Reader = new Reader(text, path);
  if (text.trim() === "") {
    r.fail(undefined, 'empty file; expected an object with "regions" and/or "pueProfiles"');
  }
  const errors: { error: number; offset: number; length: number }[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0];
    r.fail({ offset: e.offset } as Node, `invalid JSONC: ${printParseErrorCode(e.error)}`);
  }
  if (!root) {
    r.fail(undefined, 'empty file; expected an object with "regions" and/or "pueProfiles"');
  }
  const top = r.object(root, "(top level)");
  r.allowOnly(top, ["regions", "pueProfiles", "$schema", "version"], "(top level)");
  const out: UserIntensityData = { regions: [], pueProfiles: [], sources: [] };

  const regions = top.get("regions");
  if (regions) {
    for (const [id, { keyNode, value }] of r.object(regions.value, "regions")) {
      const key = `regions.${id}`;
      if (!ID_RE.test(id)) {
        r.fail(keyNode, `region id "${id}": expected letters, digits and : . _ - (max 64)`, key);
      }
      const o = r.object(value, key);
      r.allowOnly(o, REGION_KEYS, key);
      const g = r.number(
        required(r, o, "intensityGPerKwh", value, key),
        `${key}.intensityGPerKwh`,
        0,
        5000,
      );
      const year = r.year(required(r, o, "year", value, key), `${key}.year`);
      const basis = r.oneOf(required(r, o, "basis", value, key), `${key}.basis`, BASES);
      const source = r.string(required(r, o, "source", value, key), `${key}.source`);
      const opt = (name: string) => o.get(name)?.value;
      const u = opt("uncertaintyPct");
      const floor = opt("uncertaintyFloorGPerKwh");
      const cc = opt("countryCode");
      const zone = opt("electricityMapsZone");
      const pue = opt("pueProfile");
      const aliases = opt("aliases");
      const aliasList: string[] = [];
      if (aliases) {
        if (aliases.type !== "array") {
          r.fail(aliases, "expected an array of strings", `${key}.aliases`);
        }
        for (const a of aliases.children ?? []) aliasList.push(r.string(a, `${key}.aliases`));
      }
      const licenceNode = opt("licence");
      const licence = licenceNode ? r.string(licenceNode, `${key}.licence`) : "user-supplied";
      out.sources.push({
        id: `user:${id}`,
        dataset: source,
        publisher: "user",
        licence,
        attribution: source,
        location: path,
        version: year === null ? "user" : `user ${year}`,
        basis,
      });
      const nameNode = opt("name");
      const gasesNode = opt("gases");
      const accNode = opt("accounting");
      out.regions.push({
        id,
        name: nameNode ? r.string(nameNode, `${key}.name`) : id,
        kind: "user",
        ...(cc
          ? {
            countryCode: r.string(
              cc,
              `${key}.countryCode`,
              /^[A-Z]{2}$/,
              'an ISO 3166-1 alpha-2 code such as "FR"',
            ),
          }
          : {}),
        ...(zone ? { electricityMapsZone: r.string(zone, `${key}.electricityMapsZone`) } : {}),
        ...(pue ? { pueProfile: r.string(pue, `${key}.pueProfile`) } : {}),
        intensityGPerKwh: g,
        year,
        basis,
        accounting: accNode ? r.string(accNode, `${key}.accounting`) : "unspecified",
        gases: gasesNode ? r.oneOf(gasesNode, `${key}.gases`, ["CO2e", "CO2"] as const) : "CO2e",
        sourceId: `user:${id}`,
        uncertaintyRel: u ? r.number(u, `${key}.uncertaintyPct`, 0, 200) / 100 : 0.15,
        uncertaintyFloorGPerKwh: floor
          ? r.number(floor, `${key}.uncertaintyFloorGPerKwh`, 0, 5000)
          : 0,
        flags: ["user_supplied", ...(u ? [] : ["default_uncertainty_15pct"])],
        aliases: aliasList,
      });
    }
  }

  const pues = top.get("pueProfiles");
  if (pues) {
    for (const [id, { keyNode, value }] of r.object(pues.value, "pueProfiles")) {
      const key = `pueProfiles.${id}`;
      if (!ID_RE.test(id)) {
        r.fail(keyNode, `profile id "${id}": expected letters, digits and : . _ - (max 64)`, key);
      }
      const o = r.object(value, key);
      r.allowOnly(o, PUE_KEYS, key);
      const u = o.get("uncertaintyPct")?.value;
      const yearNode = o.get("year")?.value;
      const note = o.get("note")?.value;
      out.pueProfiles.push({
        id,
        pue: r.number(required(r, o, "pue", value, key), `${key}.pue`, 1, 3),
        year: yearNode ? r.year(yearNode, `${key}.year`) : null,
        uncertaintyRel: u ? r.number(u, `${key}.uncertaintyPct`, 0, 100) / 100 : 0.05,
        source: r.string(required(r, o, "source", value, key), `${key}.source`),
        location: path,
        note: note
          ? r.string(note, `${key}.note`)
          : (u ? "user-supplied" : "user-supplied; default uncertainty 5%"),
      });
    }
  }
  return out;
}

/**
 * Reads and parses a user intensity file.
 *
 * @param path File path (from `carbon.intensityFile` / `CARBON_OPS_CARBON_INTENSITY_FILE`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../base/errors.ts";
 * import { loadUserIntensityFile } from "./user_file.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   const path = `${dir}/intensity.jsonc`;
 *   await Deno.writeTextFile(path, '{ "pueProfiles": { "lab": { "pue": 1.2, "source": "meter" } } }');
 *   const data = await loadUserIntensityFile(path);
 *   assert.equal(data.pueProfiles[0].location, path);
 *   await assert.rejects(loadUserIntensityFile(`${dir}/missing.jsonc`), ConfigError);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function loadUserIntensityFile(path: string): Promise<UserIntensityData> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "does not exist" : "cannot be read";
    throw new ConfigError(
      `intensity file ${why}; check carbon.intensityFile or CARBON_OPS_CARBON_INTENSITY_FILE`,
      {
        source: path,
        cause: err,
      },
    );
  }
  return parseUserIntensityFile(text, path);
}

/**
 * The embedded catalog, plus the user's intensity file when one is named.
 *
 * @param options `intensityFile` (default none), `includeOdbl` (default true).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCatalog } from "./user_file.ts";
 * const catalog = await loadCatalog({ intensityFile: null });
 * assert.equal(catalog.lookup("DE").figure.intensityGPerKwh, 342.06);
 * ```
 */
export async function loadCatalog(
  options: { intensityFile?: string | null; includeOdbl?: boolean } = {},
): Promise<RegionCatalog> {
  const base = RegionCatalog.embedded({ includeOdbl: options.includeOdbl ?? true });
  if (!options.intensityFile) return base;
  const data = await loadUserIntensityFile(options.intensityFile);
  return base.withUserData(data, options.intensityFile);
}
