// Issue 17 items 1 and 9 (regions): country names and ISO codes win over cloud geography aliases,
// ambiguous names are an error listing the choices, common names are aliases of sourced
// figures, and US states, Canadian provinces and Nordic bidding zones are known by name.

import assert from "node:assert/strict";
import { assertThrows } from "../_kit/assert.ts";
import { runCli } from "../_kit/run_cli.ts";
import { AmbiguousRegionError } from "../../lib/carbon/catalog.ts";
import { CarbonEstimator, RegionCatalog, UnknownRegionError } from "../../lib/carbon/mod.ts";

const catalog = RegionCatalog.embedded();

Deno.test("UK and Korea resolve to the countries GB and KR, not the Azure geographies", () => {
  for (const [name, id] of [["UK", "GB"], ["uk", "GB"], ["Korea", "KR"], ["UAE", "AE"]]) {
    const e = new CarbonEstimator({ catalog, region: name }).estimateFromEnergy(1000);
    assert.deepEqual(e.region, id, name);
    assert.doesNotMatch(e.pueSource, /azure/, name);
  }
  // The geographies stay reachable by their ids.
  assert.deepEqual(catalog.lookup("azure:uk").figure.kind, "cloud");
  assert.deepEqual(catalog.lookup("azure:korea").figure.kind, "cloud");
});

Deno.test("carbon-ops estimate --region UK reports GB, not azure:uk", async () => {
  const r = await runCli(["estimate", "--energy-wh", "1000", "--region", "UK", "--json"]);
  assert.deepEqual(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).region, "GB");
});

Deno.test("an ambiguous region name is an error listing the choices", () => {
  const e = assertThrows(
    () => new CarbonEstimator({ catalog, region: "Georgia" }),
    AmbiguousRegionError,
  ) as AmbiguousRegionError;
  assert.deepEqual(e.choices.map((c) => c.id), ["GE", "US-GA"]);
  assert.match(e.message, /GE \(Georgia\) or US-GA \(Georgia, US state\)/);
  // Never replaced by the fallback.
  assertThrows(
    () => new CarbonEstimator({ catalog, region: "Georgia", allowFallback: true }),
    AmbiguousRegionError,
  );
  // Two user regions claiming one alias are ambiguous too.
  const user = catalog.withUserData({
    regions: ["a", "b"].map((id) => ({
      ...catalog.lookup("FR").figure,
      id: `dc-${id}`,
      kind: "user" as const,
      aliases: ["paris"],
    })),
    pueProfiles: [],
    sources: [],
  }, "test");
  assertThrows(() => user.lookup("paris"), AmbiguousRegionError);
});

Deno.test("common names are aliases of countries with a sourced figure (EL is Greece, EU the EU-27)", () => {
  const expected: Record<string, string> = {
    Taiwan: "TW",
    "Hong Kong": "HK",
    Vietnam: "VN",
    Turkey: "TR",
    "Czech Republic": "CZ",
    EL: "GR",
    EU: "EU",
  };
  for (const [name, id] of Object.entries(expected)) {
    const f = catalog.lookup(name).figure;
    assert.deepEqual(f.id, id, name);
    assert.ok(catalog.source(f.sourceId), `${name}: figure without a source`);
  }
  const eu = catalog.lookup("EU").figure;
  assert.deepEqual([eu.intensityGPerKwh, eu.year, eu.sourceId], [213.02, 2024, "ember"]);
});

Deno.test("Nordic bidding zones and Canadian provinces with a sourced figure resolve by short code and name", () => {
  const expected: Record<string, [string, number]> = {
    SE3: ["SE-SE3", 21],
    NO1: ["NO-NO1", 27],
    NO2: ["NO-NO2", 35],
    Ontario: ["CA-ON", 91],
    Quebec: ["CA-QC", 35],
    "CA-AB": ["CA-AB", 402],
    Alaska: ["US-AK", 467],
  };
  for (const [name, [id, g]] of Object.entries(expected)) {
    const f = catalog.lookup(name).figure;
    assert.deepEqual([f.id, f.intensityGPerKwh, f.sourceId], [id, g, "electricity_maps"], name);
  }
});

Deno.test("places without a sourced figure are an error saying which provider serves them", () => {
  const cases: [string, RegExp][] = [
    ["SE4", /bidding zone.*electricitymaps provider serves it as zone SE-SE4/],
    ["NO5", /electricitymaps provider serves it as zone NO-NO5/],
    ["British Columbia", /Canadian province.*zone CA-BC/],
    ["California", /US state.*by grid \(balancing authority\), not by state.*US-CAL-CISO/],
  ];
  for (const [name, why] of cases) {
    const e = assertThrows(() => catalog.lookup(name), UnknownRegionError) as UnknownRegionError;
    assert.match(e.message, why, name);
  }
  // Without the Electricity Maps (ODbL) figures, a zone that has one says so.
  const open = RegionCatalog.embedded({ includeOdbl: false });
  const e = assertThrows(() => open.lookup("SE3"), UnknownRegionError) as UnknownRegionError;
  assert.match(e.message, /ODbL.*left out.*zone SE-SE3/);
});
