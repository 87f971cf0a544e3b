import { assert, assertEquals, assertThrows } from "../_kit/carbon_assert.ts";
import { GLOBAL_AVERAGE, RegionCatalog, UnknownRegionError } from "../../lib/carbon/mod.ts";
import { ODBL_REGIONS } from "../../lib/carbon/data/regions_odbl_gen.ts";
import { OPEN_REGIONS } from "../../lib/carbon/data/regions_open_gen.ts";
import { PUE_PROFILES, SOURCES } from "../../lib/carbon/data/sources_gen.ts";

const catalog = RegionCatalog.embedded();

Deno.test("embedded dataset: every figure has a documented source, year, basis and licence", () => {
  for (const f of [...OPEN_REGIONS, ...ODBL_REGIONS]) {
    const src = SOURCES[f.sourceId];
    assert(src, `${f.id}: unknown source ${f.sourceId}`);
    assert(src.licence.length > 0 && src.attribution.length > 0, `${f.id}: licence/attribution`);
    assert(src.version.length > 0, `${f.id}: version`);
    assert(Number.isFinite(f.intensityGPerKwh) && f.intensityGPerKwh > 0, `${f.id}: value`);
    assert(["lifecycle", "direct", "mixed"].includes(f.basis), `${f.id}: basis ${f.basis}`);
    assert(
      f.year === null ? f.flags.includes("ccf_constant_no_year") : f.year >= 2000 && f.year <= 2026,
      `${f.id}: year`,
    );
    assert(f.uncertaintyRel > 0 && f.uncertaintyRel <= 0.5, `${f.id}: uncertainty`);
  }
});

Deno.test("embedded dataset: Electricity Maps (ODbL) figures live only in the ODbL module", () => {
  for (const f of OPEN_REGIONS) assert(f.sourceId !== "electricity_maps", f.id);
  for (const f of ODBL_REGIONS) assertEquals(f.sourceId, "electricity_maps");
  assert(SOURCES.electricity_maps.licence.includes("ODbL"));
  // Without ODbL data every cloud region still resolves, to its country's open figure.
  const open = RegionCatalog.embedded({ includeOdbl: false });
  const r = open.lookup("aws:us-east-1").figure;
  assertEquals(r.sourceId, "ember");
  assertEquals(r.uncertaintyRel, 0.5);
  assert(r.flags.includes("country_average_for_subnational_region"));
  assertEquals(catalog.lookup("aws:us-east-1").figure.sourceId, "electricity_maps");
});

Deno.test("embedded dataset: counts match the curated files", () => {
  const kinds = (k: string) => catalog.list().filter((f) => f.kind === k).length;
  assertEquals(kinds("country"), 220);
  assertEquals(kinds("cloud"), 44 + 33 + 77);
  assertEquals(kinds("world"), 1);
  assertEquals(kinds("grid"), 27 + 59);
  assertEquals(catalog.lookup(GLOBAL_AVERAGE).figure.intensityGPerKwh, 472.94);
});

Deno.test("embedded dataset: figures carry the curated values", () => {
  assertEquals(catalog.lookup("DE").figure.year, 2024);
  assertEquals(catalog.lookup("egrid:CAMX").figure.gases, "CO2");
  assertEquals(catalog.lookup("egrid:CAMX").figure.intensityGPerKwh, 225.64);
  assertEquals(catalog.lookup("gcp:asia-northeast1").figure.intensityGPerKwh, 539);
  assertEquals(catalog.lookup("gcp:asia-northeast1").figure.electricityMapsZone, "JP-TK");
  const fr = catalog.lookup("FR").figure;
  assertEquals(fr.uncertaintyFloorGPerKwh, 10);
  assert(fr.flags.includes("low_carbon_grid_lt_100g"));
});

Deno.test("region lookup accepts ids, aliases and case, and prefers countries for shared aliases", () => {
  assertEquals(catalog.lookup("fr").figure.id, "FR");
  assertEquals(catalog.lookup("France").figure.id, "FR");
  assertEquals(catalog.lookup("FRA").figure.id, "FR");
  assertEquals(catalog.lookup("us-east-1").figure.id, "aws:us-east-1");
  assertEquals(catalog.lookup("europe-west1").figure.id, "gcp:europe-west1");
  assertEquals(catalog.lookup("WestEurope").figure.id, "azure:westeurope");
  assertEquals(catalog.lookup("azure:france").figure.id, "azure:france");
  assertEquals(catalog.lookup("CAMX").figure.id, "egrid:CAMX");
});

Deno.test("region lookup: unknown region is an error with the closest matches", () => {
  const e = assertThrows(
    () => catalog.lookup("us-east-10"),
    UnknownRegionError,
  ) as UnknownRegionError;
  assert(e.suggestions.includes("aws:us-east-1"), e.suggestions.join());
  assert(e.message.includes("carbon-ops regions"));
  const f = catalog.lookup("nowhere", { fallback: true });
  assertEquals(f.fallback, true);
  assertEquals(f.figure.id, GLOBAL_AVERAGE);
});

Deno.test("region search finds by name, country and zone", () => {
  assert(catalog.search("paris").some((f) => f.id === "aws:eu-west-3"));
  assert(catalog.search("JP-TK").some((f) => f.id === "gcp:asia-northeast1"));
  assertEquals(catalog.search("zzzz-none").length, 0);
  assertEquals(catalog.search("").length, catalog.list().length);
});

Deno.test("PUE profiles: published values with sources, within 1..3", () => {
  const ids = PUE_PROFILES.map((p) => p.id);
  for (
    const id of [
      "aws",
      "gcp",
      "azure",
      "cloud-hyperscale",
      "enterprise_on_premises",
      "unknown",
      "none",
    ]
  ) {
    assert(ids.includes(id), id);
  }
  for (const p of PUE_PROFILES) {
    assert(p.pue >= 1 && p.pue <= 3 && p.source.length > 0, p.id);
  }
  assertEquals(catalog.pueProfile("aws").pue, 1.15);
  assertEquals(catalog.pueProfile("gcp").pue, 1.09);
  assertEquals(catalog.pueProfile("azure").pue, 1.18);
  assertEquals(catalog.pueProfile("enterprise_on_premises").pue, 1.56);
});
