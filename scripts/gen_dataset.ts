/**
 * Generates the embedded grid-intensity dataset (lib/carbon/data/*_gen.ts) from the curated
 * figures in a data directory (default /work/shared/data). Run it when the data changes:
 *
 *   deno run --allow-read --allow-write scripts/gen_dataset.ts [DATA_DIR] [OUT_DIR] [DOCS_MD]
 *   deno fmt docs/data-sources.md
 *
 * The project never reads the data directory at run time: the generated modules are committed.
 * Electricity Maps figures (ODbL 1.0, share-alike) go to their own module, regions_odbl_gen.ts,
 * which carries that licence; everything else (Ember, OWID, Google, CCF, EPA: CC BY 4.0,
 * Apache-2.0, U.S. Government work) goes to regions_open_gen.ts.
 *
 * It also writes docs/data-sources.md (every source with licence and attribution, counts, PUE).
 *
 * Uncertainty rules (from uncertainty-notes.md section 7; see docs/carbon-estimation.md):
 * - countries: the dataset's `suggested_rel_std_uncertainty` and absolute floor;
 * - an Electricity Maps zone value: 0.15 (same source/method, vintage and revision components
 *   as an Ember value), 0.30 with a 10 g floor below 100 g/kWh;
 * - a country value used for a cloud region in a multi-zone country: 0.5 for US, CA, AU, BR
 *   (notes table), sqrt(u^2 + CV^2) for JP (0.17) and IN (0.16), flagged otherwise;
 * - eGRID subregions: 0.20 (data year 2022), CO2 only, direct basis;
 * - CCF constants without a year: 0.50.
 *
 * @module
 */

// deno-lint-ignore-file no-console

type Json = Record<string, unknown>;

const dataDir = Deno.args[0] ?? "/work/shared/data";
const outDir = Deno.args[1] ?? new URL("../lib/carbon/data/", import.meta.url).pathname;
const docsPath = Deno.args[2] ?? new URL("../docs/data-sources.md", import.meta.url).pathname;

function load(name: string): Json {
  return JSON.parse(Deno.readTextFileSync(`${dataDir}/${name}`)) as Json;
}
function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}
function num(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${what}: not a number`);
  return v;
}
function arr(v: unknown): Json[] {
  return Array.isArray(v) ? v as Json[] : [];
}
function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

const countriesFile = load("grid-intensity-countries.json");
const usFile = load("grid-intensity-us-subregions.json");
const cloudFile = load("cloud-regions.json");
const pueFile = load("pue.json");

// ---------- sources
interface Source {
  id: string;
  dataset: string;
  publisher: string;
  licence: string;
  attribution: string;
  location: string;
  version: string;
  basis: string;
}
const sources = new Map<string, Source>();
function addSources(block: unknown): void {
  for (const [id, raw] of Object.entries(block as Record<string, Json>)) {
    if (sources.has(id)) continue;
    const commit = str(raw.commit);
    const short = commit.match(/^[0-9a-f]{40}/) ? commit.slice(0, 12) : commit;
    const changed = str(raw.file_last_changed_commit);
    const repo = str(raw.repository);
    sources.set(id, {
      id,
      dataset: str(raw.dataset),
      publisher: str(raw.publisher),
      licence: str(raw.licence),
      attribution: str(raw.attribution),
      location: `${repo}/${str(raw.path)}@${commit}`,
      version: `${repo}@${short}` +
        (changed ? ` (file ${changed.slice(0, 12)}${changed.slice(40)})` : ""),
      basis: str(raw.basis),
    });
  }
}
addSources(countriesFile.sources);
addSources(usFile.sources);
addSources(cloudFile.sources);
const PUE_SOURCE_ID = "pue_published";

// Sub-national places people name (CodeCarbon users set US states and Canadian provinces; Nordic
// users set bidding zones): ISO 3166-2 codes and names, and the Nordic bidding zones SE1-SE4 and
// NO1-NO5. `zone` is the Electricity Maps zone when it is the same area (provinces and bidding
// zones; Alaska and Hawaii, whose zones are the states). Other US states have none: Electricity
// Maps and WattTime divide the US by balancing authority, not by state. A place is a figure only
// when the curated data has one for its zone; the rest are written to places_gen.ts so that the
// error names the provider that serves it.
interface Subdivision {
  code: string;
  name: string;
  kind: "us_state" | "ca_province" | "bidding_zone";
  countryCode: string;
  zone?: string;
  aliases: string[];
}
const SUBDIVISIONS: Subdivision[] = [
  { code: "US-AL", name: "Alabama", kind: "us_state", countryCode: "US", aliases: ["Alabama"] },
  {
    code: "US-AK",
    name: "Alaska",
    kind: "us_state",
    countryCode: "US",
    zone: "US-AK",
    aliases: ["Alaska"],
  },
  { code: "US-AZ", name: "Arizona", kind: "us_state", countryCode: "US", aliases: ["Arizona"] },
  { code: "US-AR", name: "Arkansas", kind: "us_state", countryCode: "US", aliases: ["Arkansas"] },
  {
    code: "US-CA",
    name: "California",
    kind: "us_state",
    countryCode: "US",
    aliases: ["California"],
  },
  { code: "US-CO", name: "Colorado", kind: "us_state", countryCode: "US", aliases: ["Colorado"] },
  {
    code: "US-CT",
    name: "Connecticut",
    kind: "us_state",
    countryCode: "US",
    aliases: ["Connecticut"],
  },
  { code: "US-DE", name: "Delaware", kind: "us_state", countryCode: "US", aliases: ["Delaware"] },
  {
    code: "US-DC",
    name: "District of Columbia",
    kind: "us_state",
    countryCode: "US",
    aliases: ["District of Columbia"],
  },
  { code: "US-FL", name: "Florida", kind: "us_state", countryCode: "US", aliases: ["Florida"] },
  { code: "US-GA", name: "Georgia", kind: "us_state", countryCode: "US", aliases: ["Georgia"] },
  {
    code: "US-HI",
    name: "Hawaii",
    kind: "us_state",
    countryCode: "US",
    zone: "US-HI",
    aliases: ["Hawaii"],
  },
  { code: "US-ID", name: "Idaho", kind: "us_state", countryCode: "US", aliases: ["Idaho"] },
  { code: "US-IL", name: "Illinois", kind: "us_state", countryCode: "US", aliases: ["Illinois"] },
  { code: "US-IN", name: "Indiana", kind: "us_state", countryCode: "US", aliases: ["Indiana"] },
  { code: "US-IA", name: "Iowa", kind: "us_state", countryCode: "US", aliases: ["Iowa"] },
  { code: "US-KS", name: "Kansas", kind: "us_state", countryCode: "US", aliases: ["Kansas"] },
  { code: "US-KY", name: "Kentucky", kind: "us_state", countryCode: "US", aliases: ["Kentucky"] },
  { code: "US-LA", name: "Louisiana", kind: "us_state", countryCode: "US", aliases: ["Louisiana"] },
  { code: "US-ME", name: "Maine", kind: "us_state", countryCode: "US", aliases: ["Maine"] },
  { code: "US-MD", name: "Maryland", kind: "us_state", countryCode: "US", aliases: ["Maryland"] },
  {
    code: "US-MA",
    name: "Massachusetts",
    kind: "us_state",
    countryCode: "US",
    aliases: ["Massachusetts"],
  },
  { code: "US-MI", name: "Michigan", kind: "us_state", countryCode: "US", aliases: ["Michigan"] },
  { code: "US-MN", name: "Minnesota", kind: "us_state", countryCode: "US", aliases: ["Minnesota"] },
  {
    code: "US-MS",
    name: "Mississippi",
    kind: "us_state",
    countryCode: "US",
    aliases: ["Mississippi"],
  },
  { code: "US-MO", name: "Missouri", kind: "us_state", countryCode: "US", aliases: ["Missouri"] },
  { code: "US-MT", name: "Montana", kind: "us_state", countryCode: "US", aliases: ["Montana"] },
  { code: "US-NE", name: "Nebraska", kind: "us_state", countryCode: "US", aliases: ["Nebraska"] },
  { code: "US-NV", name: "Nevada", kind: "us_state", countryCode: "US", aliases: ["Nevada"] },
  {
    code: "US-NH",
    name: "New Hampshire",
    kind: "us_state",
    countryCode: "US",
    aliases: ["New Hampshire"],
  },
  {
    code: "US-NJ",
    name: "New Jersey",
    kind: "us_state",
    countryCode: "US",
    aliases: ["New Jersey"],
  },
  {
    code: "US-NM",
    name: "New Mexico",
    kind: "us_state",
    countryCode: "US",
    aliases: ["New Mexico"],
  },
  { code: "US-NY", name: "New York", kind: "us_state", countryCode: "US", aliases: ["New York"] },
  {
    code: "US-NC",
    name: "North Carolina",
    kind: "us_state",
    countryCode: "US",
    aliases: ["North Carolina"],
  },
  {
    code: "US-ND",
    name: "North Dakota",
    kind: "us_state",
    countryCode: "US",
    aliases: ["North Dakota"],
  },
  { code: "US-OH", name: "Ohio", kind: "us_state", countryCode: "US", aliases: ["Ohio"] },
  { code: "US-OK", name: "Oklahoma", kind: "us_state", countryCode: "US", aliases: ["Oklahoma"] },
  { code: "US-OR", name: "Oregon", kind: "us_state", countryCode: "US", aliases: ["Oregon"] },
  {
    code: "US-PA",
    name: "Pennsylvania",
    kind: "us_state",
    countryCode: "US",
    aliases: ["Pennsylvania"],
  },
  {
    code: "US-RI",
    name: "Rhode Island",
    kind: "us_state",
    countryCode: "US",
    aliases: ["Rhode Island"],
  },
  {
    code: "US-SC",
    name: "South Carolina",
    kind: "us_state",
    countryCode: "US",
    aliases: ["South Carolina"],
  },
  {
    code: "US-SD",
    name: "South Dakota",
    kind: "us_state",
    countryCode: "US",
    aliases: ["South Dakota"],
  },
  { code: "US-TN", name: "Tennessee", kind: "us_state", countryCode: "US", aliases: ["Tennessee"] },
  { code: "US-TX", name: "Texas", kind: "us_state", countryCode: "US", aliases: ["Texas"] },
  { code: "US-UT", name: "Utah", kind: "us_state", countryCode: "US", aliases: ["Utah"] },
  { code: "US-VT", name: "Vermont", kind: "us_state", countryCode: "US", aliases: ["Vermont"] },
  { code: "US-VA", name: "Virginia", kind: "us_state", countryCode: "US", aliases: ["Virginia"] },
  {
    code: "US-WA",
    name: "Washington",
    kind: "us_state",
    countryCode: "US",
    aliases: ["Washington"],
  },
  {
    code: "US-WV",
    name: "West Virginia",
    kind: "us_state",
    countryCode: "US",
    aliases: ["West Virginia"],
  },
  { code: "US-WI", name: "Wisconsin", kind: "us_state", countryCode: "US", aliases: ["Wisconsin"] },
  { code: "US-WY", name: "Wyoming", kind: "us_state", countryCode: "US", aliases: ["Wyoming"] },
  {
    code: "CA-AB",
    name: "Alberta",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-AB",
    aliases: ["Alberta"],
  },
  {
    code: "CA-BC",
    name: "British Columbia",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-BC",
    aliases: ["British Columbia"],
  },
  {
    code: "CA-MB",
    name: "Manitoba",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-MB",
    aliases: ["Manitoba"],
  },
  {
    code: "CA-NB",
    name: "New Brunswick",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-NB",
    aliases: ["New Brunswick"],
  },
  {
    code: "CA-NL",
    name: "Newfoundland and Labrador",
    kind: "ca_province",
    countryCode: "CA",
    aliases: ["Newfoundland and Labrador"],
  },
  {
    code: "CA-NS",
    name: "Nova Scotia",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-NS",
    aliases: ["Nova Scotia"],
  },
  {
    code: "CA-NT",
    name: "Northwest Territories",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-NT",
    aliases: ["Northwest Territories"],
  },
  {
    code: "CA-NU",
    name: "Nunavut",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-NU",
    aliases: ["Nunavut"],
  },
  {
    code: "CA-ON",
    name: "Ontario",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-ON",
    aliases: ["Ontario"],
  },
  {
    code: "CA-PE",
    name: "Prince Edward Island",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-PE",
    aliases: ["Prince Edward Island"],
  },
  {
    code: "CA-QC",
    name: "Quebec",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-QC",
    aliases: ["Quebec", "Québec"],
  },
  {
    code: "CA-SK",
    name: "Saskatchewan",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-SK",
    aliases: ["Saskatchewan"],
  },
  {
    code: "CA-YT",
    name: "Yukon",
    kind: "ca_province",
    countryCode: "CA",
    zone: "CA-YT",
    aliases: ["Yukon"],
  },
  {
    code: "SE-SE1",
    name: "Sweden bidding zone SE1",
    kind: "bidding_zone",
    countryCode: "SE",
    zone: "SE-SE1",
    aliases: ["SE1"],
  },
  {
    code: "SE-SE2",
    name: "Sweden bidding zone SE2",
    kind: "bidding_zone",
    countryCode: "SE",
    zone: "SE-SE2",
    aliases: ["SE2"],
  },
  {
    code: "SE-SE3",
    name: "Sweden bidding zone SE3",
    kind: "bidding_zone",
    countryCode: "SE",
    zone: "SE-SE3",
    aliases: ["SE3"],
  },
  {
    code: "SE-SE4",
    name: "Sweden bidding zone SE4",
    kind: "bidding_zone",
    countryCode: "SE",
    zone: "SE-SE4",
    aliases: ["SE4"],
  },
  {
    code: "NO-NO1",
    name: "Norway bidding zone NO1",
    kind: "bidding_zone",
    countryCode: "NO",
    zone: "NO-NO1",
    aliases: ["NO1"],
  },
  {
    code: "NO-NO2",
    name: "Norway bidding zone NO2",
    kind: "bidding_zone",
    countryCode: "NO",
    zone: "NO-NO2",
    aliases: ["NO2"],
  },
  {
    code: "NO-NO3",
    name: "Norway bidding zone NO3",
    kind: "bidding_zone",
    countryCode: "NO",
    zone: "NO-NO3",
    aliases: ["NO3"],
  },
  {
    code: "NO-NO4",
    name: "Norway bidding zone NO4",
    kind: "bidding_zone",
    countryCode: "NO",
    zone: "NO-NO4",
    aliases: ["NO4"],
  },
  {
    code: "NO-NO5",
    name: "Norway bidding zone NO5",
    kind: "bidding_zone",
    countryCode: "NO",
    zone: "NO-NO5",
    aliases: ["NO5"],
  },
];

// ---------- regions
interface Figure {
  id: string;
  name: string;
  kind: string;
  countryCode?: string;
  electricityMapsZone?: string;
  intensityGPerKwh: number;
  year: number | null;
  basis: string;
  accounting: string;
  gases: string;
  sourceId: string;
  uncertaintyRel: number;
  uncertaintyFloorGPerKwh: number;
  flags: string[];
  pueProfile?: string;
  aliases: string[];
}
const open: Figure[] = [];
const odbl: Figure[] = [];
const LOW_G = 100;

function basisOf(s: string): string {
  if (s.startsWith("lifecycle")) return "lifecycle";
  if (s.startsWith("direct")) return "direct";
  return "mixed";
}

const world = countriesFile.world as Json;
open.push({
  id: "global-average",
  name: "World average",
  kind: "world",
  intensityGPerKwh: num(world.gco2e_per_kwh, "world"),
  year: world.year as number,
  basis: "lifecycle",
  accounting: str(world.accounting),
  gases: "CO2e",
  sourceId: str(world.source_id),
  // A world average applied to an unknown place: wider than any country value.
  uncertaintyRel: 0.5,
  uncertaintyFloorGPerKwh: 0,
  flags: ["world_average_for_unknown_location"],
  aliases: ["world", "global"],
});

const countryById = new Map<string, Json>();
for (const c of arr(countriesFile.countries)) {
  const code = str(c.code);
  countryById.set(code, c);
  const src = str(c.source_id);
  const fig: Figure = {
    id: code,
    name: str(c.name),
    kind: "country",
    countryCode: code,
    intensityGPerKwh: num(c.gco2e_per_kwh, code),
    year: c.year as number,
    basis: basisOf(str(c.basis)),
    accounting: str(c.accounting),
    gases: "CO2e",
    sourceId: src,
    uncertaintyRel: num(c.suggested_rel_std_uncertainty, `${code} u`),
    uncertaintyFloorGPerKwh: typeof c.suggested_abs_std_uncertainty_floor_g === "number"
      ? c.suggested_abs_std_uncertainty_floor_g
      : 0,
    flags: arr(c.flags).map((f) => String(f).split(" ")[0]),
    aliases: [str(c.iso3), str(c.name)],
  };
  (src === "electricity_maps" ? odbl : open).push(fig);
}

// Common English names and codes people type for a country, beside the ISO names in the data:
// ISO 3166 "exceptionally reserved" codes (UK for GB, EU), the EU's own code for Greece (EL),
// and short names in everyday use. Added only when the country has a figure. They make country
// names win over Azure geographies of the same name (`uk`, `korea`, `uae`).
const COMMON_NAMES: Record<string, readonly string[]> = {
  GB: ["UK", "Great Britain", "Britain"],
  KR: ["Korea", "Republic of Korea"],
  AE: ["UAE"],
  TW: ["Taiwan"],
  HK: ["Hong Kong"],
  MO: ["Macau", "Macao"],
  VN: ["Vietnam"],
  TR: ["Turkey", "Turkiye"],
  CZ: ["Czech Republic"],
  GR: ["EL"],
  LA: ["Laos"],
  CI: ["Ivory Coast", "Côte d'Ivoire"],
  CV: ["Cape Verde"],
  MM: ["Burma"],
  SZ: ["Swaziland"],
  TL: ["East Timor"],
  US: ["United States of America"],
};
for (const [code, names] of Object.entries(COMMON_NAMES)) {
  const fig = [...open, ...odbl].find((f) => f.id === code);
  if (fig === undefined) throw new Error(`common name for ${code}: no such country figure`);
  for (const n of names) if (!fig.aliases.includes(n)) fig.aliases.push(n);
}

// The EU-27 aggregate (Ember), for "EU": an average over member states whose values range from
// about 30 to 700 g. The spread of ln(member value) is 0.71 over the 27 members; like the world
// average for an unknown place, the 1-sigma is capped at 0.5 and the figure flagged.
const EU_MEMBERS = [
  "AT",
  "BE",
  "BG",
  "HR",
  "CY",
  "CZ",
  "DK",
  "EE",
  "FI",
  "FR",
  "DE",
  "GR",
  "HU",
  "IE",
  "IT",
  "LV",
  "LT",
  "LU",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SK",
  "SI",
  "ES",
  "SE",
];
{
  const eu = arr(countriesFile.aggregates).find((a) => str(a.name) === "EU");
  if (eu) {
    const logs = EU_MEMBERS.map((c) => Math.log(num(countryById.get(c)?.gco2e_per_kwh, c)));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1));
    open.push({
      id: "EU",
      name: "European Union (EU-27 average)",
      kind: "world",
      intensityGPerKwh: num(eu.gco2e_per_kwh, "EU"),
      year: eu.year as number,
      basis: "lifecycle",
      accounting: "production",
      gases: "CO2e",
      sourceId: str(eu.source_id),
      uncertaintyRel: Math.min(0.5, Math.round(sd * 100) / 100),
      uncertaintyFloorGPerKwh: 0,
      flags: ["eu_average_for_unknown_member_state"],
      aliases: ["European Union", "EU27", "EU-27"],
    });
  }
}

const MULTI_ZONE_U: Record<string, number> = { US: 0.5, CA: 0.5, AU: 0.5, BR: 0.5 };
const MULTI_ZONE_CV: Record<string, number> = { JP: 0.17, IN: 0.16 };
const MULTI_ZONE = new Set(["US", "CA", "AU", "IN", "JP", "BR", "IT", "SE", "NO", "DK", "CL"]);
const PROVIDER_LABEL: Record<string, string> = { aws: "AWS", gcp: "GCP", azure: "Azure" };

for (const provider of ["aws", "gcp", "azure"]) {
  const regions = arr((cloudFile[provider] as Json).regions);
  for (const r of regions) {
    const raw = str(r.region);
    const rid = provider === "azure" ? raw.toLowerCase() : raw;
    const id = `${provider}:${rid}`;
    const place = str(r.name) || str(r.location);
    const name = `${PROVIDER_LABEL[provider]} ${rid}${place ? ` (${place})` : ""}`;
    const cc = str(r.country) || undefined;
    const zone = r.electricity_maps_zone as Json | null;
    const rec = r.recommended as Json;
    const cd = r.country_default as Json | null;
    const aliases = [rid];
    if (provider === "azure" && raw !== rid) aliases.push(raw);
    const common = {
      id,
      name,
      kind: "cloud",
      ...(cc ? { countryCode: cc } : {}),
      ...(zone ? { electricityMapsZone: str(zone.zone) } : {}),
      pueProfile: provider,
      aliases,
    };
    // Open figure: the country value (Ember), or the CCF constant for geographies.
    if (cd) {
      const country = countryById.get(cc ?? "");
      let u = country ? num(country.suggested_rel_std_uncertainty, id) : 0.15;
      const flags: string[] = ["country_value_for_cloud_region"];
      if (cc && MULTI_ZONE.has(cc)) {
        if (MULTI_ZONE_U[cc]) u = Math.max(u, MULTI_ZONE_U[cc]);
        else if (MULTI_ZONE_CV[cc]) u = round4(Math.hypot(u, MULTI_ZONE_CV[cc]));
        flags.push("country_average_for_subnational_region");
      }
      const floor = country && typeof country.suggested_abs_std_uncertainty_floor_g === "number"
        ? country.suggested_abs_std_uncertainty_floor_g
        : 0;
      const cdSrc = str(cd.source_id);
      (cdSrc === "electricity_maps" ? odbl : open).push({
        ...common,
        intensityGPerKwh: num(cd.gco2e_per_kwh, id),
        year: cd.year as number,
        basis: basisOf(str(cd.basis)),
        accounting: str(cd.accounting),
        gases: "CO2e",
        sourceId: cdSrc,
        uncertaintyRel: u,
        uncertaintyFloorGPerKwh: floor,
        flags,
      });
    } else {
      open.push({
        ...common,
        intensityGPerKwh: num(rec.gco2e_per_kwh, id),
        year: (rec.year as number | null) ?? null,
        basis: "mixed",
        accounting: "mixed",
        gases: "CO2e",
        sourceId: str(rec.source_id),
        uncertaintyRel: 0.5,
        uncertaintyFloorGPerKwh: 0,
        flags: ["ccf_constant_no_year", "geography_without_country"],
      });
    }
    // ODbL figure: the Electricity Maps zone value, when that is the recommendation.
    if (str(rec.source_id) === "electricity_maps") {
      const g = num(rec.gco2e_per_kwh, id);
      odbl.push({
        ...common,
        intensityGPerKwh: g,
        year: rec.year as number,
        basis: "lifecycle",
        accounting: "consumption",
        gases: "CO2e",
        sourceId: "electricity_maps",
        uncertaintyRel: g < LOW_G ? 0.3 : 0.15,
        uncertaintyFloorGPerKwh: g < LOW_G ? 10 : 0,
        flags: ["subnational_zone_value", ...(g < LOW_G ? ["low_carbon_grid_lt_100g"] : [])],
      });
    }
  }
}

// Sub-national Electricity Maps zones that serve cloud regions outside the US (SE-SE3, NO-NO1,
// CA-ON, ...): usable on their own as grid regions (ODbL), with the 2024 value like the clouds.
{
  const seen = new Set<string>();
  for (const provider of ["aws", "gcp", "azure"]) {
    for (const r of arr((cloudFile[provider] as Json).regions)) {
      const z = r.electricity_maps_zone as Json | null;
      const zone = z ? str(z.zone) : "";
      if (!zone.includes("-") || zone.startsWith("US-") || seen.has(zone)) continue;
      seen.add(zone);
      const g = num(z?.gco2e_per_kwh_2024, zone);
      const place = SUBDIVISIONS.find((p) => p.zone === zone);
      odbl.push({
        id: zone,
        name: `${place ? place.name : zone} (Electricity Maps zone ${zone})`,
        kind: "grid",
        countryCode: str(r.country) || zone.slice(0, 2),
        electricityMapsZone: zone,
        intensityGPerKwh: g,
        year: 2024,
        basis: "lifecycle",
        accounting: "consumption",
        gases: "CO2e",
        sourceId: "electricity_maps",
        uncertaintyRel: g < LOW_G ? 0.3 : 0.15,
        uncertaintyFloorGPerKwh: g < LOW_G ? 10 : 0,
        flags: ["subnational_zone_value", ...(g < LOW_G ? ["low_carbon_grid_lt_100g"] : [])],
        aliases: place ? [...place.aliases] : [],
      });
    }
  }
}

// eGRID subregions (open, CO2 only, direct).
const egrid = usFile.egrid as Json;
for (const s of arr(egrid.subregions)) {
  const code = str(s.code);
  open.push({
    id: `egrid:${code}`,
    name: `eGRID ${code} (${str(s.name)})`,
    kind: "grid",
    countryCode: "US",
    intensityGPerKwh: num(s.co2_g_per_kwh, code),
    year: s.year as number,
    basis: "direct",
    accounting: "generation",
    gases: "CO2",
    sourceId: str(egrid.source_id),
    uncertaintyRel: 0.2,
    uncertaintyFloorGPerKwh: 0,
    flags: ["co2_only_not_co2e", "direct_basis", "primary_data_year_2022"],
    aliases: [code],
  });
}
// Electricity Maps US zones (ODbL), 2024 values like the cloud recommendations.
const emUs = usFile.electricity_maps_us_zones as Json;
for (const z of arr(emUs.zones)) {
  const zone = str(z.zone);
  if (zone === "US") continue; // the country figure (Ember) owns the id US
  const g = num(z.gco2e_per_kwh_2024, zone);
  odbl.push({
    id: zone,
    name: `${str(z.name)} (Electricity Maps zone ${zone})`,
    kind: "grid",
    countryCode: "US",
    electricityMapsZone: zone,
    intensityGPerKwh: g,
    year: 2024,
    basis: "lifecycle",
    accounting: "consumption",
    gases: "CO2e",
    sourceId: "electricity_maps",
    uncertaintyRel: g < LOW_G ? 0.3 : 0.15,
    uncertaintyFloorGPerKwh: g < LOW_G ? 10 : 0,
    flags: g < LOW_G ? ["low_carbon_grid_lt_100g"] : [],
    // Alaska and Hawaii are whole-state zones: the state's name finds them.
    aliases: [...(SUBDIVISIONS.find((p) => p.code === zone && p.zone === zone)?.aliases ?? [])],
  });
}

// ---------- PUE profiles
interface Pue {
  id: string;
  pue: number;
  year: number | null;
  uncertaintyRel: number;
  source: string;
  location: string;
  note: string;
}
const figures = new Map(arr(pueFile.figures).map((f) => [str(f.id), f]));
function fromFigure(id: string, ref: string, u: number, note: string): Pue {
  const f = figures.get(ref);
  if (!f) throw new Error(`pue figure ${ref} missing`);
  const loc = str(f.url) || `${str(f.repository)}/${str(f.path)}@${str(f.commit)}`;
  return {
    id,
    pue: num(f.pue, ref),
    year: (f.year as number | null) ?? null,
    uncertaintyRel: u,
    source: `${str(f.source)} [${ref}]`,
    location: loc,
    note,
  };
}
const FLEET = "fleet average applied to one region: u_r 0.05 (uncertainty-notes.md section 7)";
const SITE = "survey average applied to one site: u_r 0.15, an assumption (uncertainty-notes.md)";
const pue: Pue[] = [
  fromFigure("aws", "aws_2024", 0.05, FLEET),
  fromFigure("gcp", "google_2024_overhead", 0.05, FLEET + "; value derived from Google's overhead"),
  fromFigure("azure", "dcd_2024_microsoft", 0.05, FLEET),
  fromFigure(
    "cloud-hyperscale",
    "idc_cloud_industry",
    0.08,
    "public-cloud industry average (IDC) for an unnamed provider; u_r 0.08 covers the spread " +
      "of published hyperscaler fleet values 1.09-1.25 around it",
  ),
  fromFigure("colocation", "equinix_2023", 0.15, SITE),
  fromFigure("enterprise_on_premises", "uptime_2024", 0.15, SITE),
  fromFigure("unknown", "uptime_2024", 0.15, SITE),
  {
    id: "none",
    pue: 1,
    year: null,
    uncertaintyRel: 0,
    source: "no facility overhead (energy measured at the facility meter, or PUE excluded)",
    location: "-",
    note: "PUE 1 exactly; use only when the energy already includes facility overhead",
  },
];
sources.set(PUE_SOURCE_ID, {
  id: PUE_SOURCE_ID,
  dataset: "Published PUE figures (pue.json)",
  publisher:
    "AWS, Google, Microsoft, Uptime Institute, IDC, Equinix (via press and provider pages)",
  licence: "facts, cited",
  attribution: "PUE figures as published by each operator or survey; see docs/data-sources.md",
  location: "see each PUE profile's location",
  version: str(pueFile.generated),
  basis: str(pueFile.definition),
});

// ---------- write
const DATASET_VERSION = `carbon-ops-embedded ${str(countriesFile.generated)}`;
const header = (what: string, licence: string) =>
  `// deno-fmt-ignore-file\n// Generated by scripts/gen_dataset.ts from the curated figures (${dataDir}).\n` +
  `// Do not edit by hand: change the data and re-run the generator.\n//\n// ${what}\n` +
  `// Licence of these figures: ${licence}\n\n`;
/**
 * A region table: the figures as a JSON module (one figure per line; V8 parses JSON several times
 * faster at start-up than a TypeScript array literal, whose emit also carries its source again in
 * an inline source map) and the typed TypeScript module that imports it.
 */
function writeRegionModule(
  list: Figure[],
  what: string,
  licence: string,
  name: string,
  file: string,
): void {
  list.sort((a, b) => a.id.localeCompare(b.id));
  Deno.writeTextFileSync(
    `${outDir}/${file}.json`,
    "[\n" + list.map((f) => `  ${JSON.stringify(f)}`).join(",\n") + "\n]\n",
  );
  Deno.writeTextFileSync(
    `${outDir}/${file}.ts`,
    header(what, licence) +
      `import type { RegionFigure } from "./types.ts";\n` +
      `// The figures are a JSON module: JSON.parse is several times faster at start-up than a TypeScript\n` +
      `// array literal of the same size (its emit carries the source again in an inline source map).\n` +
      `import figures from "./${file}.json" with { type: "json" };\n\n` +
      `/** ${what} */\nexport const ${name}: readonly RegionFigure[] = figures as unknown as readonly RegionFigure[];\n`,
  );
}
writeRegionModule(
  open,
  "Open-licence grid intensities: Ember (CC BY 4.0), OWID (CC BY 4.0), Google and Cloud Carbon Footprint (Apache-2.0), EPA eGRID (U.S. Government work).",
  "see SOURCES in sources_gen.ts; attribution required",
  "OPEN_REGIONS",
  "regions_open_gen",
);
writeRegionModule(
  odbl,
  "Electricity Maps yearly grid intensities (country fallbacks, US zones, sub-national zones for cloud regions).",
  "Open Database License (ODbL) 1.0. Contains Electricity Maps yearly grid carbon intensity data (https://www.electricitymaps.com), made available under the ODbL, republished by The Green Web Foundation CO2.js. Derived databases must be shared alike.",
  "ODBL_REGIONS",
  "regions_odbl_gen",
);
Deno.writeTextFileSync(
  `${outDir}/places_gen.ts`,
  header(
    "Sub-national places (US states, Canadian provinces, Nordic bidding zones): ISO 3166-2 codes and names, and the Electricity Maps zone that covers the same area when there is one.",
    "facts (codes and names), no figures",
  ) +
    `/** A place the catalog knows by name, which may have no embedded figure. */\n` +
    `export interface KnownPlace {\n` +
    `  /** Id: the Electricity Maps zone when there is one, else the ISO 3166-2 code. */\n  readonly id: string;\n` +
    `  /** Name, e.g. \`Ontario\`. */\n  readonly name: string;\n` +
    `  /** \`us_state\`, \`ca_province\` or \`bidding_zone\`. */\n  readonly kind: "us_state" | "ca_province" | "bidding_zone";\n` +
    `  /** ISO 3166-2 code or bidding-zone id, e.g. \`CA-ON\`, \`SE-SE4\`. */\n  readonly code: string;\n` +
    `  /** ISO 3166-1 alpha-2 country. */\n  readonly countryCode: string;\n` +
    `  /** Electricity Maps zone of the same area, when there is one. */\n  readonly electricityMapsZone?: string;\n` +
    `  /** Other names (state or province name, short bidding-zone code). */\n  readonly aliases: readonly string[];\n}\n\n` +
    `/** Every known sub-national place, by id. */\nexport const PLACES: readonly KnownPlace[] = [\n` +
    SUBDIVISIONS.map((p) =>
      `  ${
        JSON.stringify({
          id: p.zone ?? p.code,
          name: p.name,
          kind: p.kind,
          code: p.code,
          countryCode: p.countryCode,
          ...(p.zone ? { electricityMapsZone: p.zone } : {}),
          aliases: p.code === (p.zone ?? p.code) ? p.aliases : [p.code, ...p.aliases],
        })
      },\n`
    ).join("") + "];\n",
);
const sourceList = [...sources.values()].sort((a, b) => a.id.localeCompare(b.id));
Deno.writeTextFileSync(
  `${outDir}/sources_gen.ts`,
  header("Sources of the embedded figures and PUE profiles.", "metadata") +
    `import type { PueProfile, SourceInfo } from "./types.ts";\n\n` +
    `/** Version of the embedded dataset as a whole. */\nexport const EMBEDDED_DATASET_VERSION = ${
      JSON.stringify(DATASET_VERSION)
    };\n\n/** Every source, by id. */\nexport const SOURCES: Readonly<Record<string, SourceInfo>> = {\n` +
    sourceList.map((s) => `  ${JSON.stringify(s.id)}: ${JSON.stringify(s)},\n`).join("") +
    `};\n\n/** PUE profiles. */\nexport const PUE_PROFILES: readonly PueProfile[] = [\n` +
    pue.map((p) => `  ${JSON.stringify(p)},\n`).join("") + "];\n",
);

// ---------- docs/data-sources.md
const countBy = (list: Figure[]) => {
  const m = new Map<string, number>();
  for (const f of list) {
    m.set(`${f.sourceId}|${f.kind}`, (m.get(`${f.sourceId}|${f.kind}`) ?? 0) + 1);
  }
  return [...m].sort().map(([k, n]) => {
    const [src, kind] = k.split("|");
    return `| ${src} | ${kind} | ${n} |`;
  });
};
const cell = (t: string) => t.replaceAll("|", "\\|").replaceAll("\n", " ");
const md = [
  "# Data sources of the embedded grid-intensity dataset",
  "",
  `Generated by \`scripts/gen_dataset.ts\` (${DATASET_VERSION}) from curated figures with provenance;`,
  "do not edit by hand. The modules are `lib/carbon/data/regions_open_gen.ts`,",
  "`lib/carbon/data/regions_odbl_gen.ts` and `lib/carbon/data/sources_gen.ts`; every estimate carries",
  "the source id, dataset version, data year, basis and the attribution text of the figures it used",
  "(`carbon-ops regions --sources` prints this list).",
  "",
  "## Licences",
  "",
  "- Ember (primary country values), OWID: CC BY 4.0, attribution required. co2.js described older",
  "  Ember releases as CC BY-SA 4.0; if you must be strictly conservative, treat the Ember values so.",
  "- Google region carbon data and Cloud Carbon Footprint constants: Apache-2.0, keep the attribution.",
  "- EPA eGRID: U.S. Government work; cited.",
  "- **Electricity Maps yearly values: ODbL 1.0, share-alike for derived databases.** They are kept in",
  "  their own module, `regions_odbl_gen.ts`, which carries that licence. `RegionCatalog.embedded({",
  "  includeOdbl: false })` leaves them out: cloud regions then use their country's Ember value with a",
  "  wider uncertainty, and the Electricity Maps-only areas and US zones are not available.",
  "- PUE figures: facts published by operators and surveys, cited below.",
  "",
  "## Sources",
  "",
  "| id | dataset | publisher | licence | attribution | read from | version | basis |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...sourceList.map((x) =>
    `| ${x.id} | ${cell(x.dataset)} | ${cell(x.publisher)} | ${cell(x.licence)} | ${
      cell(x.attribution)
    } | ${cell(x.location)} | ${cell(x.version)} | ${cell(x.basis)} |`
  ),
  "",
  "## Figures per source",
  "",
  "| source | kind | figures (open module) |",
  "| --- | --- | --- |",
  ...countBy(open),
  "",
  "| source | kind | figures (ODbL module) |",
  "| --- | --- | --- |",
  ...countBy(odbl),
  "",
  "Lookup order (as recommended with the curated data): a cloud region uses its recommended value",
  "(the Electricity Maps zone value in countries with several grid zones, else the country value); a",
  "US zone uses Electricity Maps, or an eGRID subregion (`egrid:XXXX`, CO2 only, direct basis); else",
  "the country value; `global-average` (Ember world 2024) only when a fallback is asked for.",
  "",
  "## PUE profiles",
  "",
  "| profile | PUE | year | 1-sigma | source | location | note |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...pue.map((p) =>
    `| ${p.id} | ${p.pue} | ${p.year ?? "-"} | ${Math.round(p.uncertaintyRel * 100)} % | ${
      cell(p.source)
    } | ${cell(p.location)} | ${cell(p.note)} |`
  ),
  "",
  "## Hourly variability statistics",
  "",
  "The temporal uncertainty added to annual figures (docs/carbon-estimation.md) uses summary",
  "statistics of the 2020 hourly series for DE, GB and FR from Wiesner, P. et al., \"Let's Wait",
  "Awhile: How Temporal Workload Shifting Can Reduce Carbon Emissions in the Cloud\", Middleware '21,",
  "ACM, doi:10.1145/3464298.3493399 (dos-group/lets-wait-awhile@5e0d1553; no data copied).",
  "",
];
Deno.writeTextFileSync(docsPath, md.join("\n"));
console.log(
  `open ${open.length}, odbl ${odbl.length}, sources ${sources.size}, pue ${pue.length} -> ${outDir}`,
);
