import assert from "node:assert/strict";
import { Decimal } from "../../lib/ledger/decimal.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import type { JsonValue } from "../../lib/ledger/canonical_json.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

type Obj = Record<string, JsonValue>;

/** A sample emission (team label, month) with an embodied block of `embodiedG` grams. */
function embodiedEmission(co2eG: string, embodiedG: string, team: string, month: string): Obj {
  const body = sampleEmission({ co2eG, team, month, scope: 3 }) as Obj;
  return {
    ...body,
    embodied: {
      co2e_g: embodiedG,
      ci_lower_g: "0",
      ci_upper_g: "100000",
      confidence_level_pct: (body.result as Obj).confidence_level_pct,
      method: "host_share:ccf_teads_component_model",
      model: "ccf-embodied@2026-12-02",
      data_version: "2026-12-02",
      instance_type: "aws:m5.large",
      lifespan_hours: "35040",
    },
  };
}

/** Ledger: ml has an old-style record and one with embodied; web has one with embodied. */
async function ledgerWithSplit(dir: string): Promise<void> {
  const l = await buildLedger(dir);
  await using writer = await LedgerWriter.open(dir, { key: l.key });
  await writer.append("emission", sampleEmission({ co2eG: "0.1", team: "ml", month: "2026-01" }));
  await writer.append("emission", embodiedEmission("0.2", "0.05", "ml", "2026-01"));
  await writer.append("emission", embodiedEmission("1000.7", "3.000001", "web", "2026-02"));
}

Deno.test("ledger totals --json gives operational, embodied and total per group, exact", async () => {
  await using dir = await tempDir();
  await ledgerWithSplit(dir.path);
  const r = await runCli(["ledger", "totals", dir.path, "--by", "label:team", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  assert.deepEqual(t.rows.map((x: Obj) => [x.group, x.co2e_g, x.embodied_co2e_g, x.total_co2e_g]), [
    ["ml", "0.3", "0.05", "0.35"],
    ["web", "1000.7", "3.000001", "1003.700001"],
  ]);
  assert.deepEqual(t.rows.map((x: Obj) => [x.records, x.embodied_records]), [[2, 1], [1, 1]]);
  assert.equal(t.total.co2e_g, "1001", "co2e_g stays the operational sum");
  assert.equal(t.total.embodied_co2e_g, "3.050001");
  assert.equal(t.total.total_co2e_g, "1004.050001");
  assert.equal(
    Decimal.parse(t.total.co2e_g).add(Decimal.parse(t.total.embodied_co2e_g)).toString(),
    t.total.total_co2e_g,
  );
  assert.equal(t.total.embodied_records, 2);
});

Deno.test("ledger totals --csv keeps its first four columns and appends the embodied ones", async () => {
  await using dir = await tempDir();
  await ledgerWithSplit(dir.path);
  const r = await runCli(["ledger", "totals", dir.path, "--by", "month", "--csv"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "group,records,co2e_g,energy_kwh,embodied_co2e_g,total_co2e_g,embodied_records\n" +
      "2026-01,2,0.3,0.7808,0.05,0.35,1\n" +
      "2026-02,1,1000.7,0.3904,3.000001,1003.700001,1\n" +
      "total,3,1001,1.1712,3.050001,1004.050001,2\n",
  );
});

Deno.test("ledger totals text shows the three CO2e columns aligned, and zeros for old ledgers", async () => {
  await using dir = await tempDir();
  await ledgerWithSplit(dir.path);
  const r = await runCli(["ledger", "totals", dir.path]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^group +records +co2e_g +embodied_co2e_g +total_co2e_g +energy_kwh$/);
  assert.match(lines.at(-2)!, /^total +3 +1001 +3\.050001 +1004\.050001 +1\.1712$/);
  const widths = lines.slice(0, -1).map((l) => l.length);
  assert.equal(new Set(widths).size, 1, `right-aligned columns end together: ${widths}`);

  await using old = await tempDir();
  await buildLedger(old.path, { records: 2 }); // an emission and a note, no embodied
  const o = await runCli(["ledger", "totals", old.path, "--json"]);
  assert.equal(o.code, 0, o.stderr);
  const total = JSON.parse(o.stdout).total;
  assert.deepEqual(
    [total.co2e_g, total.embodied_co2e_g, total.total_co2e_g, total.embodied_records],
    ["178.0224", "0", "178.0224", 0],
  );
});
