import assert from "node:assert/strict";
import { type CliResult, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { Decimal } from "../../lib/ledger/decimal.ts";
import { parseCsv } from "../../lib/ledger/export.ts";
import { RUN_CSV_COLUMNS } from "../../lib/cli/commands/run.ts";

const NO_GOV = (dir: string) => ["--socket", `${dir}/none.sock`, "--no-gpu", "--no-cgroup"];
const BUSY = "i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done";

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r;
}

Deno.test("run --csv writes the header once and appends one row per run with exact decimal figures", async () => {
  await using dir = await tempDir();
  const csv = dir.join("emissions.csv");
  const first = ok(
    await runCli([
      "run",
      "--csv",
      csv,
      "--region",
      "FR",
      ...NO_GOV(dir.path),
      "--",
      "sh",
      "-c",
      BUSY,
    ]),
    "first run",
  );
  assert.match(first.stderr, /csv {7}appended a row to .*emissions\.csv/);
  const second = await runCli([
    "run",
    "--csv",
    csv,
    "--region",
    "FR",
    ...NO_GOV(dir.path),
    "--",
    "sh",
    "-c",
    `${BUSY}; exit 3`,
  ]);
  assert.equal(second.code, 3, second.stderr);
  const text = await Deno.readTextFile(csv);
  const records = parseCsv(text);
  assert.equal(records.length, 3, "one header, two rows");
  const [header, a, b] = records;
  assert.deepEqual(header, RUN_CSV_COLUMNS);
  assert.equal(text.indexOf("seq,ts,leaf"), 0);
  assert.equal(text.lastIndexOf("seq,ts,leaf"), 0, "the header is written once");
  const col = (row: string[], name: string) => row[header.indexOf(name)];
  assert.deepEqual([col(a, "label.exit_code"), col(b, "label.exit_code")], ["0", "3"]);
  assert.deepEqual(JSON.parse(col(b, "run.command_line")), ["sh", "-c", `${BUSY}; exit 3`]);
  for (const row of [a, b]) {
    assert.equal(row.length, header.length);
    assert.equal(col(row, "seq"), "", "no ledger record");
    assert.equal(col(row, "emission_factor.region"), "FR");
    assert.equal(col(row, "schema"), "carbon-ops/emission/v1");
    for (const name of ["co2e_g", "interval.lower_g", "interval.upper_g", "activity.energy_kwh"]) {
      assert.ok(Decimal.isDecimal(col(row, name)), `${name} = '${col(row, name)}'`);
    }
    const co2e = Decimal.parse(col(row, "co2e_g"));
    assert.ok(Decimal.parse(col(row, "interval.lower_g")).compare(co2e) <= 0);
    assert.ok(co2e.compare(Decimal.parse(col(row, "interval.upper_g"))) <= 0);
    assert.ok(Decimal.isDecimal(col(row, "run.duration_s")));
    assert.ok(Decimal.isDecimal(col(row, "run.energy_wh_attributed")));
    assert.equal(col(row, "label.cpu_time_scope"), "process-tree");
  }
});

Deno.test("run --csv --ledger writes the appended record's seq and leaf, and the same cells as ledger export", async () => {
  await using dir = await tempDir();
  const origin = "carbon-ops.example/run-csv";
  ok(
    await runCli(["keys", "generate", "--out", dir.path, "--name", "k", "--origin", origin]),
    "keys",
  );
  const key = dir.join("k.key");
  const ledger = dir.join("ledger");
  ok(await runCli(["ledger", "init", ledger, "--origin", origin, "--key", key]), "init");
  const csv = dir.join("runs.csv");
  ok(
    await runCli([
      "run",
      "--csv",
      csv,
      "--ledger",
      ledger,
      "--key",
      key,
      "--label",
      'team=a, "b"',
      ...NO_GOV(dir.path),
      "--",
      "sh",
      "-c",
      BUSY,
    ]),
    "run",
  );
  const [header, row] = parseCsv(await Deno.readTextFile(csv));
  assert.ok(header.includes("label.team"), "a --label adds its column to a new file");
  const exported = parseCsv(
    ok(await runCli(["ledger", "export", ledger, "--csv"]), "export").stdout,
  );
  assert.equal(exported.length, 2);
  const [eHeader, eRow] = exported;
  assert.equal(row[header.indexOf("seq")], "1");
  const shared = eHeader.filter((c) => header.includes(c));
  assert.ok(shared.length >= eHeader.length - 1, `only superseded_by is export-only: ${shared}`);
  for (const c of shared) {
    assert.equal(row[header.indexOf(c)], eRow[eHeader.indexOf(c)], c);
  }
  assert.equal(row[header.indexOf("label.team")], 'a, "b"');
});

Deno.test("run --csv keeps an existing file's header and refuses a file that is not a run CSV", async () => {
  await using dir = await tempDir();
  const csv = dir.join("short.csv");
  await Deno.writeTextFile(csv, "label.exit_code,co2e_g,label.team\r\n");
  const r = ok(
    await runCli(["run", "--csv", csv, ...NO_GOV(dir.path), "--", "sh", "-c", "exit 0"]),
    "run",
  );
  assert.match(r.stderr, /header has no column for .*activity\.energy_kwh/);
  const [header, row, ...more] = parseCsv(await Deno.readTextFile(csv));
  assert.deepEqual(header, ["label.exit_code", "co2e_g", "label.team"]);
  assert.equal(more.length, 0);
  assert.equal(row[0], "0");
  assert.ok(Decimal.isDecimal(row[1]));
  assert.equal(row[2], "");

  const other = dir.join("codecarbon.csv");
  const before = "timestamp,project_name,emissions\n2026-01-01T00:00:00,x,0.001\n";
  await Deno.writeTextFile(other, before);
  const refused = await runCli([
    "run",
    "--csv",
    other,
    ...NO_GOV(dir.path),
    "--",
    "sh",
    "-c",
    "exit 0",
  ]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /cannot append to .*codecarbon\.csv: .*no co2e_g column/);
  assert.equal(await Deno.readTextFile(other), before, "left untouched");
});
