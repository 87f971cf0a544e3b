/**
 * `carbon-ops regions [--search TEXT] [--json]`: the known grid regions, their factors and
 * provenance (embedded dataset plus the user's intensity file).
 *
 * @module
 */

import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import type { RegionFigure } from "../../carbon/data/types.ts";
import type { RegionCatalog } from "../../carbon/catalog.ts";
import { loadCatalog } from "../../carbon/user_file.ts";

const USAGE =
  "carbon-ops regions [--search TEXT] [--pue] [--sources] [--json] [--intensity-file PATH]";

function regionJson(f: RegionFigure, catalog: RegionCatalog): Record<string, unknown> {
  const src = catalog.source(f.sourceId);
  return {
    id: f.id,
    name: f.name,
    kind: f.kind,
    country_code: f.countryCode ?? null,
    electricity_maps_zone: f.electricityMapsZone ?? null,
    intensity_g_per_kwh: f.intensityGPerKwh,
    year: f.year,
    basis: f.basis,
    accounting: f.accounting,
    gases: f.gases,
    uncertainty_pct: Math.round(f.uncertaintyRel * 1000) / 10,
    uncertainty_floor_g_per_kwh: f.uncertaintyFloorGPerKwh,
    source_id: f.sourceId,
    dataset_version: src?.version ?? null,
    licence: src?.licence ?? null,
    attribution: src?.attribution ?? null,
    pue_profile: f.pueProfile ?? null,
    aliases: f.aliases,
    flags: f.flags,
  };
}

/**
 * The `regions` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { regionsCommand } from "./regions.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [regionsCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * assert.equal(await runCli(["regions", "--search", "france", "--json"], options), 0);
 * const listed = JSON.parse(stdout.text());
 * assert.equal(listed.count, 4);
 * assert.ok(listed.regions.some((r: { id: string }) => r.id === "FR"));
 * ```
 */
export const regionsCommand: Command = {
  name: "regions",
  summary: "List known grid regions with their intensity, year, basis and source",
  help: `Usage: ${USAGE}

Lists the regions the estimator knows: countries (ISO 3166-1 alpha-2, e.g. FR), cloud regions
(aws:us-east-1, gcp:europe-west1, azure:westeurope; the part after the colon also works when
unique), US grid zones (US-CAL-CISO, egrid:CAMX) and global-average. Each has its annual factor
(gCO2e/kWh), data year, basis (lifecycle or direct), 1-sigma uncertainty and source with licence.
A user file (--intensity-file, carbon.intensityFile or CARBON_OPS_CARBON_INTENSITY_FILE) adds or
overrides regions and PUE profiles.

Options:
  --search TEXT          only regions whose id, name, alias, country or zone contain TEXT
  --pue                  list the PUE profiles instead
  --sources              list the data sources (publisher, licence, attribution, version)
  --json                 print JSON
  --intensity-file PATH  user regions/PUE file (JSON or JSONC)

Exit codes: 0 ok (also when --search finds nothing), 2 usage or intensity-file error.

Examples:
  carbon-ops regions --search paris
  carbon-ops regions --search us-east --json
  carbon-ops regions --pue
`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, {
      options: {
        search: { type: "string" },
        pue: { type: "boolean" },
        sources: { type: "boolean" },
        json: { type: "boolean" },
        "intensity-file": { type: "string" },
      },
      usage: USAGE,
    });
    const config = await ctx.loadConfig({ carbon: { intensityFile: values["intensity-file"] } });
    const catalog = await loadCatalog({ intensityFile: config.carbon.intensityFile });
    if (values.sources) {
      const list = catalog.sources();
      if (values.json) writeJson(ctx.stdout, list);
      else {
        for (const s of list) {
          ctx.stdout.write(
            `${s.id}\n  ${s.dataset}\n  licence: ${s.licence}\n  attribution: ${s.attribution}\n  version: ${s.version}\n`,
          );
        }
      }
      return 0;
    }
    if (values.pue) {
      const list = catalog.pueProfiles();
      if (values.json) {
        writeJson(
          ctx.stdout,
          list.map((p) => ({
            id: p.id,
            pue: p.pue,
            year: p.year,
            uncertainty_pct: p.uncertaintyRel * 100,
            source: p.source,
            location: p.location,
            note: p.note,
          })),
        );
      } else {
        const w = Math.max(...list.map((p) => p.id.length)) + 2;
        for (const p of list) {
          ctx.stdout.write(
            `${p.id.padEnd(w)}${p.pue.toFixed(3).padStart(6)}  ±${
              (p.uncertaintyRel * 100).toFixed(0)
            }%  ${p.year ?? "-"}  ${p.source}\n`,
          );
        }
      }
      return 0;
    }
    const found = catalog.search(values.search ?? "");
    if (values.json) {
      writeJson(ctx.stdout, {
        dataset_version: catalog.version,
        count: found.length,
        regions: found.map((f) => regionJson(f, catalog)),
      });
      return 0;
    }
    if (found.length === 0) {
      const close = catalog.suggest(values.search ?? "");
      ctx.stderr.write(
        `no region matches "${values.search}"${
          close.length ? `; closest: ${close.join(", ")}` : ""
        }\n`,
      );
      return 0;
    }
    const w = Math.min(28, Math.max(...found.map((f) => f.id.length))) + 2;
    ctx.stdout.write(
      `${"region".padEnd(w)}${"gCO2e/kWh".padStart(10)}  year  basis      ±1σ   source  name\n`,
    );
    for (const f of found) {
      ctx.stdout.write(
        `${f.id.padEnd(w)}${f.intensityGPerKwh.toFixed(1).padStart(10)}  ${
          String(f.year ?? "-").padEnd(4)
        }  ` +
          `${f.basis.padEnd(9)} ${
            (f.uncertaintyRel * 100).toFixed(0).padStart(3)
          }%   ${f.sourceId}  ${f.name}` +
          `${f.gases === "CO2" ? " [CO2 only]" : ""}\n`,
      );
    }
    ctx.stdout.write(
      `${found.length} region(s); dataset ${catalog.version}; 'carbon-ops regions --sources' for licences\n`,
    );
    return 0;
  },
};
