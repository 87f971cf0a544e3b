// Issue 18 item 4 (cold start): the catalog builds its name index (aliases, ambiguous names,
// places) on the first lookup that is not an exact id. An exact id answers without it, and must
// answer exactly what the index answers.

import assert from "node:assert/strict";
import { RegionCatalog } from "../../lib/carbon/catalog.ts";

Deno.test("catalog answers every exact id the same before and after its name index is built", () => {
  for (const includeOdbl of [true, false]) {
    const fresh = RegionCatalog.embedded({ includeOdbl });
    const indexed = RegionCatalog.embedded({ includeOdbl });
    assert.deepEqual(indexed.suggest("Frnace"), ["FR"]); // builds the index
    const ids = fresh.list().map((f) => f.id);
    assert.ok(ids.length > 300, `the embedded dataset has ${ids.length} regions`);
    for (const id of ids) {
      // Before the index: the exact-id path; after it, the indexed path gives the same region.
      assert.deepEqual(fresh.match(id), { kind: "figure", id }, id);
      assert.deepEqual(indexed.match(id), { kind: "figure", id }, id);
      assert.equal(fresh.resolveId(id), id);
      assert.equal(indexed.lookup(id).figure, fresh.lookup(id).figure);
      // Another spelling of the id goes through the index and still finds it.
      assert.equal(fresh.resolveId(` ${id.toLowerCase()} `), id, `${id} in lower case`);
    }
  }
});

Deno.test("catalog resolves names and places on a first lookup that is not an exact id", () => {
  assert.equal(RegionCatalog.embedded().lookup("France").figure.id, "FR");
  assert.deepEqual(RegionCatalog.embedded().match("Georgia").kind, "ambiguous");
  const place = RegionCatalog.embedded().match("Texas");
  assert.equal(place.kind, "place");
  assert.deepEqual(RegionCatalog.embedded().match("atlantis"), { kind: "unknown" });
});

Deno.test("catalog with user data answers the user's exact id and the aliases it keeps", () => {
  const base = RegionCatalog.embedded();
  const de = base.lookup("DE").figure;
  const user = base.withUserData(
    {
      regions: [{ ...de, intensityGPerKwh: 1, aliases: [], sourceId: "user:f" }],
      pueProfiles: [],
      sources: [],
    },
    "f.jsonc",
  );
  assert.equal(user.lookup("DE").figure.intensityGPerKwh, 1);
  assert.equal(user.lookup("Germany").figure.intensityGPerKwh, 1); // the embedded alias is kept
  assert.equal(base.lookup("DE").figure.intensityGPerKwh, de.intensityGPerKwh);
});
