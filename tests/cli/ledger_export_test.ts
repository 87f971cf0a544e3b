import assert from "node:assert/strict";
import { type CliResult, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { CAN_MOUNT_TMPFS, onSmallTmpfs, TMPFS_IGNORED_REASON } from "../_kit/small_tmpfs.ts";
import { Decimal } from "../../lib/ledger/decimal.ts";
import {
  csvField,
  EMISSION_COLUMNS,
  flattenEmissionBody,
  parseCsv,
  RECORD_COLUMNS,
} from "../../lib/ledger/export.ts";
import { showRecords } from "../../lib/ledger/query.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import type { RecordBody } from "../../lib/ledger/record.ts";
import type { JsonValue } from "../../lib/ledger/canonical_json.ts";
import { defineGroup } from "../../lib/cli/command.ts";
import { runCli as runCliInProcess } from "../../lib/cli/run_cli.ts";
import { bufferSink } from "../../lib/cli/sinks.ts";
import { makeLedgerExportCommand } from "../../lib/cli/commands/ledger_export.ts";
import type { Clock } from "../../lib/base/clock.ts";

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r;
}

const TRICKY_TEAM = 'a "quoted", team\nsecond line';
const HAS_EMBODIED = EMISSION_COLUMNS.includes("embodied.co2e_g");

/** Emission bodies that use every optional field the schema has, and labels that need quoting. */
function richBody(seq: number): RecordBody {
  const month = `2026-0${1 + (Math.floor(seq / 4) % 4)}`;
  const base = sampleEmission({
    co2eG: `${seq}.${String((seq * 7919) % 1_000_000).padStart(6, "0")}`,
    energyKwh: `0.${String(seq).padStart(4, "0")}`,
    scope: seq % 5 === 0 ? 3 : 2,
    month,
    team: seq % 3 === 0 ? TRICKY_TEAM : seq % 3 === 1 ? "ml" : "web",
  });
  const activity = base.activity as Record<string, JsonValue>;
  return {
    ...base,
    activity: {
      ...activity,
      evidence: [{ name: "rapl, package-0", sha256: "ab".repeat(32) }],
    },
    assumptions: ['PUE "typical", from the site', "second"],
    exclusions: ["network"],
    labels: {
      ...(base.labels as Record<string, string>),
      ...(seq % 2 === 0 ? { "cost centre": "€ 12,5 🌍" } : {}),
    },
  };
}

async function richLedger(dir: string, records = 24) {
  return await buildLedger(dir, {
    records,
    bodies: (seq) =>
      seq % 4 === 0
        ? { type: "note", body: { text: `note ${seq}` } }
        : { type: "emission", body: richBody(seq) },
  });
}

/** The text a CSV field of `value` holds once unquoted. */
function cellText(value: JsonValue | undefined): string {
  const quoted = csvField(value);
  return quoted.startsWith('"') ? quoted.slice(1, -1).replaceAll('""', '"') : quoted;
}

Deno.test("ledger export --csv puts every field of each emission body in its own column, exactly as recorded", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  await richLedger(ledger);
  const out = dir.join("export.csv");
  const r = ok(await runCli(["ledger", "export", ledger, "--csv", "--out", out]), "export");
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /18 records to .*export\.csv/);
  const bytes = await Deno.readFile(out);
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  assert.ok(!text.startsWith("\ufeff"), "no byte order mark");
  // RFC 4180: CRLF ends every record; line breaks inside a quoted field stay as they are.
  assert.ok(text.endsWith("\r\n"));
  assert.equal(text.split("\r\n").length - 1, 19, "header + 18 records");
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header.slice(0, 4), RECORD_COLUMNS);
  assert.deepEqual(header.slice(4, 4 + EMISSION_COLUMNS.length), EMISSION_COLUMNS);
  assert.deepEqual(header.slice(4 + EMISSION_COLUMNS.length), ["label.cost centre", "label.team"]);
  assert.equal(new Set(header).size, header.length, "column names are unique");
  assert.equal(rows.length, 18);
  for (const row of rows) {
    assert.equal(row.length, header.length);
    const seq = Number(row[0]);
    const [shown] = await showRecords(ledger, { seq });
    assert.equal(shown.record.type, "emission");
    assert.equal(row[1], shown.record.ts);
    assert.equal(row[2], shown.leaf);
    assert.equal(row[3], "", "not superseded");
    const flat = flattenEmissionBody(shown.record.body);
    for (const [column, value] of flat) {
      assert.equal(row[header.indexOf(column)], cellText(value), `seq ${seq} ${column}`);
    }
    const filled = row.filter((c) => c !== "").length;
    assert.equal(filled, 3 + flat.size, `seq ${seq}: every non-empty cell is a body field`);
  }
  const team = header.indexOf("label.team");
  assert.ok(rows.some((row) => row[team] === TRICKY_TEAM), "quotes, commas and newlines survive");
  const centre = header.indexOf("label.cost centre");
  assert.ok(rows.some((row) => row[centre] === "€ 12,5 🌍"), "UTF-8 survives");
  const co2e = header.indexOf("co2e_g");
  assert.ok(rows.some((row) => row[co2e] === "1.007919"), "decimal strings are not re-printed");
});

Deno.test("ledger export's co2e_g column sums exactly to ledger totals; superseded records only with --include-superseded", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  const built = await richLedger(ledger, 30);
  const [target] = await showRecords(ledger, { seq: 5 });
  let correctionSeq: number;
  {
    await using w = await LedgerWriter.open(ledger, { key: built.key });
    correctionSeq = (await w.append("correction", {
      supersedes: { seq: 5, leaf: target.leaf },
      reason: "wrong meter",
    })).seq;
  }
  const totals = JSON.parse(ok(await runCli(["ledger", "totals", ledger, "--json"]), "t").stdout);
  const csv = ok(await runCli(["ledger", "export", ledger, "--csv"]), "export");
  const [header, ...rows] = parseCsv(csv.stdout);
  assert.match(csv.stderr, /1 superseded/);
  const sum = (col: string, from: string[][]) =>
    from.reduce((acc, row) => acc.add(Decimal.parse(row[header.indexOf(col)])), Decimal.ZERO);
  assert.equal(rows.length, totals.total.records);
  assert.equal(sum("co2e_g", rows).toString(), totals.total.co2e_g);
  assert.equal(sum("activity.energy_kwh", rows).toString(), totals.total.energy_kwh);
  assert.ok(!rows.some((row) => row[0] === "5"));

  const all = ok(
    await runCli(["ledger", "export", ledger, "--csv", "--include-superseded"]),
    "export all",
  );
  const allRows = parseCsv(all.stdout).slice(1);
  assert.equal(allRows.length, rows.length + 1);
  const five = allRows.find((row) => row[0] === "5")!;
  assert.equal(five[header.indexOf("superseded_by")], String(correctionSeq));
  assert.equal(
    sum("co2e_g", allRows).toString(),
    Decimal.parse(totals.total.co2e_g).add(
      Decimal.parse((target.record.body.result as { co2e_g: string }).co2e_g),
    )
      .toString(),
  );
});

Deno.test("ledger export --jsonl writes one flat object per record: the CSV's columns, the record's JSON types, null when absent", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  await richLedger(ledger, 8);
  const [header, ...rows] = parseCsv(
    ok(await runCli(["ledger", "export", ledger, "--csv"]), "csv").stdout,
  );
  const jsonl = ok(await runCli(["ledger", "export", ledger, "--jsonl"]), "jsonl").stdout;
  assert.ok(jsonl.endsWith("\n"));
  const objects = jsonl.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(objects.length, rows.length);
  for (const [i, obj] of objects.entries()) {
    assert.deepEqual(Object.keys(obj), header);
    for (const [j, column] of header.entries()) {
      const value = obj[column];
      if (rows[i][j] === "") assert.equal(value, null, column);
      else assert.equal(cellText(value), rows[i][j], column);
    }
    assert.equal(typeof obj.seq, "number");
    assert.equal(typeof obj.co2e_g, "string", "exact decimal string");
    assert.equal(typeof obj.scope, "number");
    assert.ok(Array.isArray(obj.assumptions));
  }
});

Deno.test("ledger export --from, --to and --label keep the records whose activity period starts in the range and carry the labels", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  await richLedger(ledger, 24);
  const exported = async (...args: string[]) => {
    const r = ok(await runCli(["ledger", "export", ledger, "--csv", ...args]), args.join(" "));
    const [header, ...rows] = parseCsv(r.stdout);
    const col = (name: string) => rows.map((row) => row[header.indexOf(name)]);
    return { rows, col, stderr: r.stderr };
  };
  const everything = await exported();
  const months = (starts: string[]) => [...new Set(starts.map((s) => s.slice(0, 7)))].sort();
  assert.deepEqual(months(everything.col("activity_period.start")), [
    "2026-01",
    "2026-02",
    "2026-03",
    "2026-04",
  ]);
  // A day given to --to includes that day; an RFC 3339 --to is an exclusive instant.
  const febMar = await exported("--from", "2026-02-01", "--to", "2026-03-31");
  assert.deepEqual(months(febMar.col("activity_period.start")), ["2026-02", "2026-03"]);
  const expected =
    everything.col("activity_period.start").filter((start) =>
      start >= "2026-02" && start < "2026-04"
    ).length;
  assert.equal(febMar.rows.length, expected);
  assert.match(febMar.stderr, new RegExp(`${everything.rows.length - expected} by the filters`));
  const exclusive = await exported("--from", "2026-02-01", "--to", "2026-03-01T00:00:00Z");
  assert.deepEqual(months(exclusive.col("activity_period.start")), ["2026-02"]);

  const ml = await exported("--label", "team=ml");
  assert.ok(ml.rows.length > 0);
  assert.deepEqual([...new Set(ml.col("label.team"))], ["ml"]);
  const both = await exported("--label", "team=web", "--label", "cost centre=€ 12,5 🌍");
  assert.ok(both.rows.length > 0);
  assert.deepEqual([...new Set(both.col("label.team"))], ["web"]);
  assert.deepEqual([...new Set(both.col("label.cost centre"))], ["€ 12,5 🌍"]);
  assert.equal((await exported("--label", "team=nobody")).rows.length, 0);
});

Deno.test("ledger export exits 1 on an invalid record and --out then leaves neither the file nor a temporary one", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  await richLedger(ledger, 6);
  await Deno.writeTextFile(`${ledger}/ledger.jsonl`, '{"seq":7,"not":"a record"}\n', {
    append: true,
  });
  const out = dir.join("out", "export.csv");
  await Deno.mkdir(dir.join("out"));
  const r = await runCli(["ledger", "export", ledger, "--csv", "--out", out]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /line 8 .* is not a valid record/);
  assert.match(r.stderr, /ledger verify/);
  assert.deepEqual([...Deno.readDirSync(dir.join("out"))], []);

  const missing = await runCli(["ledger", "export", dir.join("nope"), "--jsonl"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no ledger at .*nope/);
  assert.match(missing.stderr, /ledger init/);
});

Deno.test({
  name:
    "ledger export --out onto a full disk exits 1, keeps the old file and leaves no temporary one" +
    TMPFS_IGNORED_REASON,
  ignore: !CAN_MOUNT_TMPFS,
  fn: async () => {
    await using dir = await tempDir();
    const ledger = dir.join("ledger");
    // About 170 KiB of CSV: more than the 64 KiB file system holds.
    await richLedger(ledger, 400);
    const mnt = dir.join("mnt");
    await onSmallTmpfs(mnt, async () => {
      const out = `${mnt}/export.csv`;
      await Deno.writeTextFile(out, "the previous export\n");
      const r = await runCli(["ledger", "export", ledger, "--csv", "--out", out]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /No space left on device|space/i);
      assert.equal(await Deno.readTextFile(out), "the previous export\n");
      assert.deepEqual([...Deno.readDirSync(mnt)].map((e) => e.name), ["export.csv"]);
    });
  },
});

Deno.test("ledger export refuses bad options with exit 2 and says what to give", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  await richLedger(ledger, 2);
  const cases: [string[], RegExp][] = [
    [[], /exactly one of --csv or --jsonl/],
    [["--csv", "--jsonl"], /exactly one of --csv or --jsonl/],
    [["--csv", "--from", "2026-02-30"], /--from expects a date YYYY-MM-DD/],
    [["--csv", "--to", "yesterday"], /--to expects a date/],
    [["--csv", "--from", "2026-03-01", "--to", "2026-02-01"], /--to .* must be after --from/],
    [["--csv", "--label", "team"], /--label expects KEY=VALUE/],
    [["--csv", "--format", "xlsx"], /unknown option/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(["ledger", "export", ledger, ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stdout, "");
  }
  const help = ok(await runCli(["ledger", "export", "--help"]), "help");
  assert.match(help.stdout, /Usage: carbon-ops ledger export DIR --csv\|--jsonl/);
  assert.match(help.stdout, /Exit codes: 0 ok, 1 .*, 2 usage/);
  const group = ok(await runCli(["ledger", "--help"]), "ledger help");
  assert.match(group.stdout, /\n {2}export /);
});

Deno.test("ledger export reports progress on stderr while an export runs past the progress period", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  await richLedger(ledger, 6);
  // A clock that moves 3 s each time it is read: every chunk read is past the 2 s period.
  let ns = 0n;
  const clock: Clock = {
    nowMs: () => 0,
    monoNs: () => (ns += 3_000_000_000n),
    sleep: () => Promise.resolve(),
  };
  const commands = [defineGroup("ledger", "Ledger", [makeLedgerExportCommand({ clock })])];
  const stdout = bufferSink(), stderr = bufferSink();
  const code = await runCliInProcess(["ledger", "export", ledger, "--csv"], {
    commands,
    stdout,
    stderr,
  });
  assert.equal(code, 0, stderr.text());
  assert.match(stderr.text(), /^ledger export: pass 1\/2 100% of 0\.0 MiB, 0 rows, \d+ s$/m);
  assert.match(stderr.text(), /^ledger export: pass 2\/2 100% of 0\.0 MiB, 5 rows, \d+ s$/m);
  assert.equal(parseCsv(stdout.text()).length, 6);

  // With a clock that does not move, no progress line: only the summary.
  const still: Clock = { ...clock, monoNs: () => 0n };
  const quiet = bufferSink();
  await runCliInProcess(["ledger", "export", ledger, "--csv"], {
    commands: [defineGroup("ledger", "Ledger", [makeLedgerExportCommand({ clock: still })])],
    stdout: bufferSink(),
    stderr: quiet,
  });
  assert.doesNotMatch(quiet.text(), /pass \d\/2/);
  assert.match(quiet.text(), /5 records/);
});

Deno.test(
  "ledger export flattens an embodied block into embodied.* columns, empty for records without one",
  { ignore: !HAS_EMBODIED },
  async () => {
    await using dir = await tempDir();
    const ledger = dir.join("ledger");
    const embodied = {
      co2e_g: "12.345678",
      ci_lower_g: "6.1",
      ci_upper_g: "24.9",
      confidence_level_pct: 95,
      method: "ccf",
      model: "ccf-embodied@2026-01",
      data_version: "2026-01",
      instance_type: "aws:m5.large",
      share_of_host: "0.0416",
      lifespan_hours: "35040",
      flags: ["assumed lifespan", "second, flag"],
    };
    await buildLedger(ledger, {
      records: 4,
      bodies: (seq) => {
        const body = sampleEmission({ co2eG: `${seq}` });
        const result = body.result as Record<string, JsonValue>;
        return {
          type: "emission",
          body: seq % 2 === 0
            ? {
              ...body,
              embodied: { ...embodied, confidence_level_pct: result.confidence_level_pct },
            }
            : body,
        };
      },
    });
    const r = ok(await runCli(["ledger", "export", ledger, "--csv"]), "export");
    const [header, ...rows] = parseCsv(r.stdout);
    const col = (name: string) => rows.map((row) => row[header.indexOf(name)]);
    assert.deepEqual(col("embodied.co2e_g"), ["", "12.345678", "", "12.345678"]);
    assert.deepEqual(col("embodied.instance_type"), ["", "aws:m5.large", "", "aws:m5.large"]);
    assert.deepEqual(col("embodied.flags")[1], JSON.stringify(embodied.flags));
    assert.deepEqual(col("co2e_g"), ["1", "2", "3", "4"], "co2e_g stays the operational figure");
  },
);

Deno.test("docs/ledger-export.md lists every export column in order", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/ledger-export.md", import.meta.url));
  const table =
    doc.split("<!-- export-columns:start -->")[1].split("<!-- export-columns:end -->")[0];
  const documented = [...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
  assert.deepEqual(documented, [...RECORD_COLUMNS, ...EMISSION_COLUMNS]);
});
