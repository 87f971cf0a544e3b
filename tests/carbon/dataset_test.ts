import assert from "node:assert/strict";
import { assertThrows } from "../_kit/assert.ts";
import { GLOBAL_AVERAGE, RegionCatalog, UnknownRegionError } from "../../lib/carbon/mod.ts";
import { ODBL_REGIONS } from "../../lib/carbon/data/regions_odbl_gen.ts";
import { OPEN_REGIONS } from "../../lib/carbon/data/regions_open_gen.ts";
import { PUE_PROFILES, SOURCES } from "../../lib/carbon/data/sources_gen.ts";

const catalog = RegionCatalog.embedded();

Deno.test("embedded dataset: every figure has a documented source, year, basis and licence", () => {
  for (const f of [...OPEN_REGIONS, ...ODBL_REGIONS]) {
    const src = SOURCES[f.sourceId];
    assert.ok(src, `${f.id}: unknown source ${f.sourceId}`);
    assert.ok(src.licence.length > 0 && src.attribution.length > 0, `${f.id}: licence/attribution`);
    assert.ok(src.version.length > 0, `${f.id}: version`);
    assert.ok(Number.isFinite(f.intensityGPerKwh) && f.intensityGPerKwh > 0, `${f.id}: value`);
    assert.ok(["lifecycle", "direct", "mixed"].includes(f.basis), `${f.id}: basis ${f.basis}`);
    assert.ok(
      f.year === null ? f.flags.includes("ccf_constant_no_year") : f.year >= 2000 && f.year <= 2026,
      `${f.id}: year`,
    );
    assert.ok(f.uncertaintyRel > 0 && f.uncertaintyRel <= 0.5, `${f.id}: uncertainty`);
  }
});

Deno.test("embedded dataset: Electricity Maps (ODbL) figures live only in the ODbL module", () => {
  for (const f of OPEN_REGIONS) assert.ok(f.sourceId !== "electricity_maps", f.id);
  for (const f of ODBL_REGIONS) assert.deepEqual(f.sourceId, "electricity_maps");
  assert.ok(SOURCES.electricity_maps.licence.includes("ODbL"));
  // Without ODbL data every cloud region still resolves, to its country's open figure.
  const open = RegionCatalog.embedded({ includeOdbl: false });
  const r = open.lookup("aws:us-east-1").figure;
  assert.deepEqual(r.sourceId, "ember");
  assert.deepEqual(r.uncertaintyRel, 0.5);
  assert.ok(r.flags.includes("country_average_for_subnational_region"));
  assert.deepEqual(catalog.lookup("aws:us-east-1").figure.sourceId, "electricity_maps");
});

Deno.test("embedded dataset: counts match the curated files", () => {
  const kinds = (k: string) => catalog.list().filter((f) => f.kind === k).length;
  assert.deepEqual(kinds("country"), 220);
  assert.deepEqual(kinds("cloud"), 44 + 33 + 77);
  // global-average and the EU-27 aggregate.
  assert.deepEqual(kinds("world"), 2);
  // eGRID subregions, Electricity Maps US zones, and the 16 sub-national zones outside the US
  // that serve cloud regions (SE-SE3, NO-NO1, CA-ON, ...).
  assert.deepEqual(kinds("grid"), 27 + 59 + 16);
  assert.deepEqual(catalog.lookup(GLOBAL_AVERAGE).figure.intensityGPerKwh, 472.94);
});

Deno.test("embedded dataset: figures carry the curated values", () => {
  assert.deepEqual(catalog.lookup("DE").figure.year, 2024);
  assert.deepEqual(catalog.lookup("egrid:CAMX").figure.gases, "CO2");
  assert.deepEqual(catalog.lookup("egrid:CAMX").figure.intensityGPerKwh, 225.64);
  assert.deepEqual(catalog.lookup("gcp:asia-northeast1").figure.intensityGPerKwh, 539);
  assert.deepEqual(catalog.lookup("gcp:asia-northeast1").figure.electricityMapsZone, "JP-TK");
  const fr = catalog.lookup("FR").figure;
  assert.deepEqual(fr.uncertaintyFloorGPerKwh, 10);
  assert.ok(fr.flags.includes("low_carbon_grid_lt_100g"));
});

Deno.test("region lookup accepts ids, aliases and case, and prefers countries for shared aliases", () => {
  assert.deepEqual(catalog.lookup("fr").figure.id, "FR");
  assert.deepEqual(catalog.lookup("France").figure.id, "FR");
  assert.deepEqual(catalog.lookup("FRA").figure.id, "FR");
  assert.deepEqual(catalog.lookup("us-east-1").figure.id, "aws:us-east-1");
  assert.deepEqual(catalog.lookup("europe-west1").figure.id, "gcp:europe-west1");
  assert.deepEqual(catalog.lookup("WestEurope").figure.id, "azure:westeurope");
  assert.deepEqual(catalog.lookup("azure:france").figure.id, "azure:france");
  assert.deepEqual(catalog.lookup("CAMX").figure.id, "egrid:CAMX");
});

Deno.test("region lookup: unknown region is an error with the closest matches", () => {
  const e = assertThrows(
    () => catalog.lookup("us-east-10"),
    UnknownRegionError,
  ) as UnknownRegionError;
  assert.ok(e.suggestions.includes("aws:us-east-1"), e.suggestions.join());
  assert.ok(e.message.includes("carbon-ops regions"));
  const f = catalog.lookup("nowhere", { fallback: true });
  assert.deepEqual(f.fallback, true);
  assert.deepEqual(f.figure.id, GLOBAL_AVERAGE);
});

Deno.test("region search finds by name, country and zone", () => {
  assert.ok(catalog.search("paris").some((f) => f.id === "aws:eu-west-3"));
  assert.ok(catalog.search("JP-TK").some((f) => f.id === "gcp:asia-northeast1"));
  assert.deepEqual(catalog.search("zzzz-none").length, 0);
  assert.deepEqual(catalog.search("").length, catalog.list().length);
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
    assert.ok(ids.includes(id), id);
  }
  for (const p of PUE_PROFILES) {
    assert.ok(p.pue >= 1 && p.pue <= 3 && p.source.length > 0, p.id);
  }
  assert.deepEqual(catalog.pueProfile("aws").pue, 1.15);
  assert.deepEqual(catalog.pueProfile("gcp").pue, 1.09);
  assert.deepEqual(catalog.pueProfile("azure").pue, 1.18);
  assert.deepEqual(catalog.pueProfile("enterprise_on_premises").pue, 1.56);
});
