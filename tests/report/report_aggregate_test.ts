import assert from "node:assert/strict";
import fc from "fast-check";
import { leafHex, type RecordBody } from "../../lib/ledger/record.ts";
import { ledgerTotals } from "../../lib/ledger/query.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { buildLedgerReport } from "../../lib/report/ledger_report_data.ts";
import { ReportAggregator } from "../../lib/report/report_aggregate.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildReportLedger, reportBody } from "../_kit/report_fixture.ts";

Deno.test("report totals and breakdowns equal 'ledger totals' exactly, corrections applied", async () => {
  await using dir = await tempDir();
  const built = await buildReportLedger(dir.path, 300);
  const lines = (await Deno.readTextFile(dir.join("ledger.jsonl"))).split("\n");
  {
    await using writer = await LedgerWriter.open(dir.path, { key: built.key });
    await writer.append("correction", {
      supersedes: { seq: 7, leaf: leafHex(new TextEncoder().encode(lines[7])) },
      reason: "wrong region",
    });
    // A second correction of the same record must not take it out twice.
    await writer.append("correction", {
      supersedes: { seq: 7, leaf: leafHex(new TextEncoder().encode(lines[7])) },
      reason: "wrong region, again",
    });
  }
  const model = await buildLedgerReport(dir.path, {});
  const d = model.data;
  const totals = await ledgerTotals(dir.path);
  assert.equal(d.totalCo2eG, totals.total.co2eG);
  assert.equal(d.totalEnergyKwh, totals.total.energyKwh);
  assert.equal(d.emissions, 299);
  assert.equal(d.superseded, 1);
  assert.deepEqual(d.corrections.listed, [
    { seq: 301, supersedesSeq: 7, reason: "wrong region" },
    { seq: 302, supersedesSeq: 7, reason: "wrong region, again" },
  ]);
  for (
    const [dimension, by] of [["month", "month"], ["category", "category"], [
      "label:team",
      "label:team",
    ]]
  ) {
    const ours = d.breakdowns.find((b) => b.dimension === dimension)!.rows;
    const theirs = (await ledgerTotals(dir.path, { by })).rows;
    assert.deepEqual(
      ours.map((r) => [r.group, r.records, r.co2eG, r.energyKwh]),
      theirs.map((r) => [r.group, r.records, r.co2eG, r.energyKwh]),
      dimension,
    );
  }
  assert.ok(d.head.find((r) => r.seq === 7)?.superseded, "the superseded row is marked");
});

Deno.test("report names every distinct factor, PUE profile, energy source and version", () => {
  const agg = new ReportAggregator({ tableRows: 5 });
  for (let i = 0; i < 90; i++) agg.add({ seq: i + 1, type: "emission", body: reportBody(i, 90) });
  const d = agg.finish();
  assert.deepEqual(d.factors.map((f) => `${f.region} ${f.dataset} ${f.year} ${f.value}`).sort(), [
    "DE Ember 2024 380",
    "FR Ember 2024 56",
    "eu-west-1 Cloud Carbon Footprint 2023 290",
  ]);
  assert.deepEqual([...d.pueProfiles.keys()].sort(), [
    "1.135 (provider default)",
    "1.2 (site measurement 2025)",
  ]);
  assert.deepEqual([...d.energySources.keys()].sort(), [
    "governor",
    "governor, simulated",
    "model",
  ]);
  assert.ok(d.versions.has("tool: carbon-ops 0.3.0"));
  // FR and DE share the site PUE profile: one group; the cloud records are another.
  assert.equal(d.correlationGroups, 2);
  assert.deepEqual(
    d.breakdowns.find((b) => b.dimension === "evidence")!.rows.map((r) => r.group),
    ["measured", "modelled", "simulated"],
  );
  // The table keeps the first 5 and the last 5 records only.
  assert.deepEqual(d.head.map((r) => r.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(d.tail.map((r) => r.seq), [86, 87, 88, 89, 90]);
  assert.equal(d.head[0].region, "FR");
  assert.match(d.head[0].factor, /^56 gCO2e\/kWh Ember 2025 2024$/);
  assert.equal(d.head[1].evidence, "modelled (model)");
});

Deno.test("report sums embodied emissions where records carry them and says none otherwise", () => {
  const agg = new ReportAggregator();
  agg.add({ seq: 1, type: "emission", body: reportBody(0, 2) });
  assert.equal(agg.finish().embodied, null);
  const body = {
    ...reportBody(1, 2),
    // the block as schemas/emission.v1.json defines it
    embodied: {
      co2e_g: "12.5",
      ci_lower_g: "8",
      ci_upper_g: "20",
      confidence_level_pct: 95,
      method: "host_share:ccf_teads_component_model",
      model: "CCF 2024",
      data_version: "2026-12-02",
      instance_type: "aws:m5.large",
      lifespan_hours: 35040,
    },
  };
  agg.add({ seq: 2, type: "emission", body });
  const d = agg.finish();
  assert.equal(d.embodied?.co2eG, "12.5");
  assert.equal(d.embodied?.records, 1);
  assert.ok(d.versions.has("embodied model: CCF 2024"));
});

Deno.test("report counts a malformed emission body as unreadable instead of failing", () => {
  const agg = new ReportAggregator();
  agg.add({ seq: 1, type: "emission", body: { result: { co2e_g: "1e3" } } });
  agg.add({ seq: 2, type: "emission", body: reportBody(0, 1) });
  const d = agg.finish();
  assert.equal(d.unreadable, 1);
  assert.equal(d.emissions, 1);
});

Deno.test("the records table's tail keeps copies of the lines it was given, not views of a reused buffer", () => {
  const agg = new ReportAggregator({ tableRows: 1 });
  const encoder = new TextEncoder();
  const buffer = new Uint8Array(4096);
  for (let seq = 1; seq <= 3; seq++) {
    const body = reportBody(seq, 3);
    const bytes = encoder.encode(JSON.stringify({ body, seq, type: "emission" }));
    buffer.set(bytes);
    agg.add({ seq, type: "emission", body }, { bytes: buffer.subarray(0, bytes.length) });
  }
  const expected = new TextDecoder().decode(buffer.subarray(0, agg.tailLines()[0].bytes.length));
  buffer.fill(0x20); // the reader reuses its buffer for the next chunk
  const [tail] = agg.tailLines();
  assert.equal(tail.seq, 3);
  assert.equal(new TextDecoder().decode(tail.bytes), expected);
});

Deno.test("records of one class are summed together however their classes interleave (property)", () => {
  // 12 classes (more than the aggregator compares field by field before building a key), and
  // fields that differ only as null versus absent, which the class key treats as the same.
  const bodyOf = (cls: number, variant: number, i: number): RecordBody => {
    const body = structuredClone(reportBody(i, 400)) as Record<string, unknown>;
    body.labels = { team: `team-${cls}` };
    const factor = body.emission_factor as Record<string, unknown>;
    if (variant === 1) factor.licence = null;
    if (variant === 2) delete factor.licence;
    return body as RecordBody;
  };
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 2 })), {
        minLength: 1,
        maxLength: 120,
      }),
      (picks) => {
        const summary = (order: number[]) => {
          const agg = new ReportAggregator({ tableRows: 3 });
          order.forEach((p, seq) => {
            const [cls, variant] = picks[p];
            agg.add({ seq: seq + 1, type: "emission", body: bodyOf(cls, variant, p) });
          });
          const d = agg.finish();
          return {
            total: d.totalCo2eG,
            groups: d.totalGroups.length,
            breakdowns: d.breakdowns.map((b) => ({
              dimension: b.dimension,
              rows: b.rows.map((r) => [r.group, r.records, r.co2eG, r.energyKwh]).sort(),
            })),
          };
        };
        const asGiven = picks.map((_, i) => i);
        const byClass = asGiven.slice().sort((a, b) => picks[a][0] - picks[b][0] || a - b);
        const given = summary(asGiven);
        assert.deepEqual(given, summary(byClass));
        const teams = given.breakdowns.find((b) => b.dimension === "label:team")!.rows;
        assert.equal(teams.length, new Set(picks.map(([cls]) => cls)).size);
      },
    ),
    { numRuns: 60 },
  );
});
