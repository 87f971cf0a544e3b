import assert from "node:assert/strict";
import { Decimal } from "../../lib/ledger/decimal.ts";
import { exportLedger, parseCsv } from "../../lib/ledger/export.ts";
import { LedgerError } from "../../lib/ledger/ledger_error.ts";
import { readLines } from "../../lib/ledger/line_stream.ts";
import { ledgerTotals, showRecords } from "../../lib/ledger/query.ts";
import { decodeRecordLine, leafHex } from "../../lib/ledger/record.ts";
import { checkBody } from "../../lib/ledger/record_types.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const GROUPINGS = ["none", "scope", "category", "month", "label:team"];

/** The reference: strict decode of every line, full body check, one Decimal per value. */
async function referenceTotals(dir: string, by: string) {
  const lines = [];
  for await (const line of readLines(`${dir}/ledger.jsonl`)) lines.push(line);
  const records = lines.map((l) => ({
    ...decodeRecordLine(l.bytes).record,
    leaf: leafHex(l.bytes),
  }));
  const superseded = new Set<string>();
  for (const r of records) {
    if (r.type !== "correction") continue;
    const s = r.body.supersedes as { seq: number; leaf: string };
    superseded.add(`${s.seq}/${s.leaf}`);
  }
  const groups = new Map<string, { records: number; co2e: Decimal; energy: Decimal }>();
  for (const r of records) {
    if (r.type !== "emission" || superseded.has(`${r.seq}/${r.leaf}`)) continue;
    assert.deepEqual(checkBody("emission", r.body), []);
    // deno-lint-ignore no-explicit-any
    const b = r.body as Record<string, any>;
    const g = by === "none"
      ? "all"
      : by === "scope"
      ? `scope ${b.scope}`
      : by === "category"
      ? (b.scope === 3
        ? `scope 3 category ${b.scope3_category}`
        : b.scope === 2
        ? `scope 2 (${b.scope2_method})`
        : "scope 1")
      : by === "month"
      ? b.activity_period.start.slice(0, 7)
      : b.labels?.team ?? "(none)";
    const cur = groups.get(g) ?? { records: 0, co2e: Decimal.ZERO, energy: Decimal.ZERO };
    groups.set(g, {
      records: cur.records + 1,
      co2e: cur.co2e.add(Decimal.parse(b.result.co2e_g)),
      energy: cur.energy.add(Decimal.parse(b.activity.energy_kwh)),
    });
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([group, v]) => [
    group,
    v.records,
    v.co2e.toString(),
    v.energy.toString(),
  ]);
}

/** A ledger of random emission records (random decimals, scopes, months, teams) and notes. */
async function randomLedger(dir: string, seed: number) {
  let a = seed;
  const rand = () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648);
  // Energy sometimes past 15 digits in the whole part; CO2e (at most 1e8, the sample's upper
  // bound) sometimes past 15 digits in the fraction.
  const dec = (bigWhole: boolean) => {
    if (!bigWhole && rand() < 0.1) return `${Math.floor(rand() * 5000)}.${"7".repeat(17)}`;
    const whole = bigWhole && rand() < 0.1
      ? String(1 + Math.floor(rand() * 9)) + "0".repeat(18)
      : String(Math.floor(rand() * 5000));
    const scale = Math.floor(rand() * 8);
    return scale === 0
      ? whole
      : `${whole}.${String(Math.floor(rand() * 10 ** scale)).padStart(scale, "0")}`;
  };
  await buildLedger(dir, {
    records: 300,
    bodies: (seq) =>
      seq % 5 === 0 ? { type: "note", body: { text: `n${seq}` } } : {
        type: "emission",
        body: sampleEmission({
          co2eG: dec(false),
          energyKwh: dec(true),
          scope: ([1, 2, 3] as const)[seq % 3],
          month: `2026-${String(1 + (seq % 12)).padStart(2, "0")}`,
          team: ["ml", "web", "data"][Math.floor(rand() * 3)],
        }),
      },
  });
}

Deno.test("ledger totals at the parse floor equal strict-decode Decimal totals on random ledgers, every grouping", async () => {
  for (const seed of [1, 2, 3]) {
    await using dir = await tempDir();
    await randomLedger(dir.path, seed);
    for (const by of GROUPINGS) {
      const t = await ledgerTotals(dir.path, { by });
      const rows = t.rows.map((r) => [r.group, r.records, r.co2eG, r.energyKwh]);
      assert.deepEqual(rows, await referenceTotals(dir.path, by), `seed ${seed} by ${by}`);
    }
  }
});

Deno.test("totals and export leave out exactly the records corrections name by seq and leaf", async () => {
  await using dir = await tempDir();
  const built = await buildLedger(dir.path, { records: 20 });
  const shown = await showRecords(dir.path, { tail: 25 });
  const emissions = shown.filter((s) => s.record.type === "emission");
  {
    await using w = await LedgerWriter.open(dir.path, { key: built.key });
    for (const s of emissions.slice(0, 3)) {
      await w.append("correction", { supersedes: { seq: s.seq, leaf: s.leaf }, reason: "wrong" });
    }
    await w.append("emission", sampleEmission({ co2eG: "0.125" }));
  }
  const t = await ledgerTotals(dir.path);
  assert.deepEqual([t.superseded, t.corrections], [3, 3]);
  assert.deepEqual(
    t.rows.map((r) => [r.group, r.records, r.co2eG, r.energyKwh]),
    await referenceTotals(dir.path, "none"),
  );
  let csv = "";
  const summary = await exportLedger(dir.path, { write: (s) => void (csv += s) });
  assert.equal(summary.superseded, 3);
  const [header, ...rows] = parseCsv(csv);
  const sum = rows.reduce(
    (acc, r) => acc.add(Decimal.parse(r[header.indexOf("co2e_g")])),
    Decimal.ZERO,
  );
  assert.equal(sum.toString(), t.total.co2eG);
  let all = "";
  await exportLedger(dir.path, { includeSuperseded: true, write: (s) => void (all += s) });
  const [h2, ...rows2] = parseCsv(all);
  const by = new Map(rows2.map((r) => [Number(r[h2.indexOf("seq")]), r]));
  for (const s of emissions) {
    const row = by.get(s.seq)!;
    assert.equal(row[h2.indexOf("leaf")], s.leaf);
    assert.equal(row[h2.indexOf("ts")], s.record.ts);
  }
  assert.deepEqual(
    emissions.slice(0, 5).map((s) => by.get(s.seq)![h2.indexOf("superseded_by")]),
    ["21", "22", "23", "", ""],
  );
});

async function refusal(dir: string, line: string | Uint8Array): Promise<[string, string]> {
  const path = `${dir}/ledger.jsonl`;
  if (typeof line === "string") await Deno.writeTextFile(path, line + "\n", { append: true });
  else {
    const old = await Deno.readFile(path);
    await Deno.writeFile(path, new Uint8Array([...old, ...line, 0x0a]));
  }
  const messages: string[] = [];
  for (const run of [() => ledgerTotals(dir), () => exportLedger(dir, { write: () => {} })]) {
    await assert.rejects(run, (e) => {
      assert.ok(e instanceof LedgerError && e.code === "CHAIN_INVALID", String(e));
      messages.push(e.message);
      return true;
    });
  }
  return messages as [string, string];
}

Deno.test("totals and export fail closed, naming the strict reason, on lines they cannot use", async () => {
  const cases: [string, (last: string) => string | Uint8Array, RegExp][] = [
    ["not JSON", () => "{not json", /line 12 .*LINE_NOT_JSON/],
    ["invalid UTF-8", () => new Uint8Array([0x7b, 0xff, 0x7d]), /line 12 .*LINE_NOT_UTF8/],
    ["no body", () => '{"seq":11,"type":"note"}', /line 12 .*RECORD_INVALID/],
    [
      "non-canonical correction",
      (last) => {
        const r = JSON.parse(last);
        return JSON.stringify(
          {
            ...r,
            seq: 11,
            type: "correction",
            body: { supersedes: { seq: 1, leaf: "0".repeat(64) }, reason: "x" },
          },
          null,
          1,
        ).replaceAll("\n", "");
      },
      /line 12 .*LINE_NOT_CANONICAL/,
    ],
    [
      "exponent in co2e_g",
      (last) => {
        const r = JSON.parse(last);
        r.seq = 11;
        r.type = "emission";
        r.body = sampleEmission({ co2eG: "1e3" });
        return JSON.stringify(r);
      },
      /seq 11: emission body is invalid \(\/result\/co2e_g/,
    ],
  ];
  for (const [what, make, expected] of cases) {
    await using dir = await tempDir();
    await buildLedger(dir.path, { records: 10 });
    const text = await Deno.readTextFile(`${dir.path}/ledger.jsonl`);
    const last = text.trimEnd().split("\n").at(-1)!;
    const [totals, exported] = await refusal(dir.path, make(last));
    assert.match(totals, expected, what);
    assert.match(exported, expected, what);
  }
});
