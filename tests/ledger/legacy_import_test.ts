import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { privateKeyPem, signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import { lexemeToDecimal, mapLegacyEntry } from "../../lib/ledger/legacy/legacy_import.ts";
import { importLegacyLedger } from "../../lib/ledger/legacy/legacy_import_run.ts";
import { verifyLegacyLedger } from "../../lib/ledger/legacy/legacy.ts";
import { pythonFloatRepr } from "../../lib/ledger/legacy/legacy_json.ts";
import { smallLedger } from "../_kit/small_ledger.ts";
import { legacyKey, writeLegacyTs } from "../_kit/legacy_writer.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const LEGACY = legacyKey(21);
const KEY = signingKeyFromSeed(new Uint8Array(32).fill(22));

const ESTIMATES = [
  '{"timestamp": "2025-03-01T12:00:00+00:00", "operation": "train \\u00e9\\ud83d\\ude80", ' +
  '"carbon_emissions_gco2": 420.0, "energy_consumed_kwh": 1e-05, "carbon_intensity_used_gco2_kwh": 380.5, ' +
  '"region": "DE", "pue_used": 1.2, "quality_flag": "measured", ' +
  '"meta": {"method": "monte_carlo", "ci_lower_g": 400.0, "ci_upper_g": 441.25, "confidence_level_pct": 95.0}}',
  '{"start_ts": "2025-03-01T13:00:00Z", "end_ts": "2025-03-01T14:00:00Z", "grams": 1.5e-07, ' +
  '"energy_consumed_wh": 2.5, "region": "Z\\u00fcrich"}',
];

Deno.test("legacy import lexemeToDecimal expands Python lexemes exactly", () => {
  const cases: [string, string | undefined][] = [
    ["420.0", "420.0"],
    ["1e-05", "0.00001"],
    ["1.5e-07", "0.00000015"],
    ["1.2345678901234568e+20", "123456789012345680000"],
    ["1e+16", "10000000000000000"],
    ["-0.0", "0.0"],
    ["0", "0"],
    ["12345678901234567890", "12345678901234567890"],
    ["0.0001", "0.0001"],
    ["-2.5e-3", "-0.0025"],
    ["NaN", undefined],
    ["Infinity", undefined],
  ];
  for (const [lexeme, expected] of cases) assert.equal(lexemeToDecimal(lexeme), expected, lexeme);
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
    const d = lexemeToDecimal(pythonFloatRepr(x))!;
    assert.match(d, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/);
    assert.equal(Number(d), x === 0 ? 0 : x);
  }));
});

async function setup() {
  const dir = await tempDir();
  const ledger = dir.join("ledger");
  const built = await smallLedger(ledger, { records: 2, key: KEY });
  const keyPath = dir.join("ledger.key");
  await Deno.writeTextFile(keyPath, privateKeyPem(KEY), { mode: 0o600 });
  const trustPath = dir.join("trust.json");
  await Deno.writeTextFile(trustPath, built.trustText);
  return { dir, ledger, keyPath, trustPath };
}

Deno.test("legacy import CLI appends verified entries with exact values and evidence", async () => {
  const s = await setup();
  await using _ = s.dir;
  const legacyText = writeLegacyTs(ESTIMATES, { priv: LEGACY.priv });
  const legacyPath = s.dir.join("old.ndjson");
  await Deno.writeTextFile(legacyPath, legacyText);
  const r = await runCli([
    "ledger",
    "import-legacy",
    legacyPath,
    "--public-key",
    LEGACY.pubHex,
    s.ledger,
    "--key",
    s.keyPath,
    "--reporting-entity",
    "Example Corp",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.imported_seqs, [4, 5]);
  const lines = (await Deno.readTextFile(`${s.ledger}/ledger.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.equal(lines.length, 7);
  assert.equal(lines[3].body.kind, "legacy_import_begin");
  assert.equal(
    lines[3].body.labels.legacy_file_sha256,
    createHash("sha256").update(legacyText).digest("hex"),
  );
  assert.equal(lines[6].body.kind, "legacy_import_end");
  const [a, b] = [lines[4].body, lines[5].body];
  assert.equal(a.result.co2e_g, "420.0");
  assert.equal(a.activity.energy_kwh, "0.00001");
  assert.equal(a.emission_factor.value, "380.5");
  assert.deepEqual(a.result.interval, { lower_g: "400.0", upper_g: "441.25" });
  assert.equal(a.result.uncertainty_method, "monte_carlo");
  assert.equal(a.pue.value, "1.2");
  assert.equal(a.activity_period.start, "2025-03-01T12:00:00.000Z");
  assert.equal(a.labels.operation, "train é🚀");
  assert.equal(a.reporting_entity, "Example Corp");
  const legacyLines = legacyText.trim().split("\n");
  assert.equal(
    a.labels.legacy_line_sha256,
    createHash("sha256").update(legacyLines[0]).digest("hex"),
  );
  assert.equal(a.activity.evidence[0].sha256, a.labels.legacy_line_sha256);
  assert.equal(a.labels.legacy_signature, /"signature": "([0-9a-f]+)"/.exec(legacyLines[0])![1]);
  assert.equal(b.result.co2e_g, "0.00000015");
  assert.equal(b.activity.energy_kwh, "0.0025");
  assert.equal(b.emission_factor.region, "Zürich");
  assert.ok(b.assumptions.some((x: string) => x.includes("PUE")));
  // The resulting ledger verifies with the core verifier.
  const v = await runCli(["ledger", "verify", s.ledger, "--trust", s.trustPath, "--json"]);
  assert.equal(v.code, 0, v.stdout);
});

Deno.test("legacy import imports nothing from a tampered or unmappable legacy ledger", async () => {
  const s = await setup();
  await using _ = s.dir;
  const before = await Deno.readFile(`${s.ledger}/ledger.jsonl`);
  const run = (path: string) =>
    runCli([
      "ledger",
      "import-legacy",
      path,
      "--public-key",
      LEGACY.pubHex,
      s.ledger,
      "--key",
      s.keyPath,
    ]);
  const tampered = s.dir.join("tampered.ndjson");
  await Deno.writeTextFile(
    tampered,
    writeLegacyTs(ESTIMATES, { priv: LEGACY.priv }).replace("420.0", "42.0"),
  );
  const t = await run(tampered);
  assert.equal(t.code, 1);
  assert.match(t.stdout, /line 1 .*BAD_SIGNATURE[\s\S]*nothing imported/);
  const unmappable = s.dir.join("unmappable.ndjson");
  await Deno.writeTextFile(
    unmappable,
    writeLegacyTs([
      ESTIMATES[0],
      '{"timestamp": "2025-03-01T12:00:00+00:00", "carbon_emissions_gco2": NaN}',
    ], {
      priv: LEGACY.priv,
    }),
  );
  const u = await run(unmappable);
  assert.equal(u.code, 1);
  assert.match(u.stdout, /line 2 cannot be mapped/);
  const foreign = s.dir.join("foreign.ndjson");
  await Deno.writeTextFile(foreign, writeLegacyTs(ESTIMATES, { priv: legacyKey(5).priv }));
  assert.equal((await run(foreign)).code, 1);
  assert.deepEqual(
    await Deno.readFile(`${s.ledger}/ledger.jsonl`),
    before,
    "the ledger is unchanged",
  );
  assert.equal(
    (await runCli(["ledger", "import-legacy", tampered, s.ledger, "--key", s.keyPath])).code,
    2,
  );
});

Deno.test("legacy verify CLI reports the first bad line and exit codes", async () => {
  await using dir = await tempDir();
  const path = dir.join("old.ndjson");
  const text = writeLegacyTs(ESTIMATES, { priv: LEGACY.priv });
  await Deno.writeTextFile(path, text);
  const ok = await runCli([
    "ledger",
    "verify-legacy",
    path,
    "--public-key",
    LEGACY.pubHex,
    "--json",
  ]);
  assert.equal(ok.code, 0);
  assert.equal(JSON.parse(ok.stdout).entries, 2);
  await Deno.writeTextFile(path, text.split("\n")[1] + "\n");
  const cut = await runCli(["ledger", "verify-legacy", path, "--public-key", LEGACY.pubHex]);
  assert.equal(cut.code, 1);
  assert.match(cut.stdout, /INVALID: line 1 \(byte 0\): UNEXPECTED_PREV_HASH/);
  assert.equal((await runCli(["ledger", "verify-legacy", path, "--public-key", "xyz"])).code, 2);
});

Deno.test("legacy import reads 0.1's offset-less timestamps as UTC and says so", () => {
  const text = writeLegacyTs([
    '{"timestamp": "2025-03-01T12:00:00.123456", "carbon_emissions_gco2": 1.0, "energy_consumed_kwh": 0.5}',
    '{"start_ts": "2025-03-01T14:00:00+02:00", "end_ts": "2025-03-01T13:30:00.5Z", "grams": 2, "energy_kwh": 1}',
    '{"timestamp": "yesterday", "grams": 2, "energy_kwh": 1}',
  ], { priv: LEGACY.priv });
  const report = verifyLegacyLedger(new TextEncoder().encode(text), {
    publicKeyHex: LEGACY.pubHex,
  });
  assert.ok(report.ok);
  const opts = { reportingEntity: "X", publicKeyHex: LEGACY.pubHex };
  const [a, b, c] = report.entries.map((e) => mapLegacyEntry(e, opts));
  assert.ok("body" in a && "body" in b && "problem" in c);
  const period = (r: typeof a) =>
    ("body" in r ? r.body.activity_period : null) as { start: string; end: string };
  assert.deepEqual(period(a), {
    start: "2025-03-01T12:00:00.123Z",
    end: "2025-03-01T12:00:00.123Z",
  });
  assert.ok(
    (a as { body: { assumptions: string[] } }).body.assumptions.some((x) =>
      x.includes("no UTC offset")
    ),
  );
  assert.deepEqual(period(b), {
    start: "2025-03-01T12:00:00.000Z",
    end: "2025-03-01T13:30:00.500Z",
  });
  assert.ok(
    !(b as { body: { assumptions: string[] } }).body.assumptions.some((x) =>
      x.includes("no UTC offset")
    ),
  );
  assert.match((c as { problem: string }).problem, /timestamp/);
});

Deno.test("legacy import is idempotent and resumes an interrupted import without duplicates", async () => {
  const s = await setup();
  await using _ = s.dir;
  const data = new TextEncoder().encode(
    writeLegacyTs([...ESTIMATES, ESTIMATES[0].replace("420.0", "421.5")], { priv: LEGACY.priv }),
  );
  const opts = { dir: s.ledger, key: KEY, publicKeyHex: LEGACY.pubHex, reportingEntity: "X" };
  const first = await importLegacyLedger(data, opts);
  assert.deepEqual(first.importedSeqs, [4, 5, 6]);
  // Run again: nothing appended.
  const size = (await Deno.stat(`${s.ledger}/ledger.jsonl`)).size;
  const again = await importLegacyLedger(data, opts);
  assert.deepEqual(again.alreadyImported, { beginSeq: 3, endSeq: 7 });
  assert.equal((await Deno.stat(`${s.ledger}/ledger.jsonl`)).size, size);
  // Simulate a crash after two of three entries: cut the last emission and the end note.
  const lines = (await Deno.readTextFile(`${s.ledger}/ledger.jsonl`)).split("\n");
  await Deno.writeTextFile(`${s.ledger}/ledger.jsonl`, lines.slice(0, 6).join("\n") + "\n");
  const resumed = await importLegacyLedger(data, opts);
  assert.equal(resumed.skipped, 2);
  assert.deepEqual(resumed.importedSeqs, [6]);
  const records = (await Deno.readTextFile(`${s.ledger}/ledger.jsonl`)).trim().split("\n").map((
    l,
  ) => JSON.parse(l));
  const hashes = records.filter((r) => r.type === "emission").map((r) =>
    r.body.labels.legacy_line_sha256
  );
  assert.equal(new Set(hashes).size, 3);
  assert.equal(hashes.length, 3);
  assert.equal(records.at(-1).body.kind, "legacy_import_end");
  const v = await runCli([
    "ledger",
    "verify",
    s.ledger,
    "--trust",
    s.trustPath,
    "--no-ledger-checkpoint",
  ]);
  assert.equal(v.code, 0, v.stdout);
  const cli = await runCli([
    "ledger",
    "import-legacy",
    s.dir.join("x.ndjson"),
    "--public-key",
    LEGACY.pubHex,
    s.ledger,
    "--key",
    s.keyPath,
  ]);
  assert.equal(cli.code, 2); // the file does not exist: usage error
});

Deno.test("legacy import refuses an impossible 0.1 timestamp instead of rolling it into the next month", () => {
  const text = writeLegacyTs([
    '{"timestamp": "2025-02-30T12:00:00", "grams": 2, "energy_kwh": 1}',
    '{"timestamp": "2025-03-01T24:00:00Z", "grams": 2, "energy_kwh": 1}',
  ], { priv: LEGACY.priv });
  const report = verifyLegacyLedger(new TextEncoder().encode(text), {
    publicKeyHex: LEGACY.pubHex,
  });
  assert.ok(report.ok);
  const opts = { reportingEntity: "X", publicKeyHex: LEGACY.pubHex };
  for (const mapped of report.entries.map((e) => mapLegacyEntry(e, opts))) {
    assert.ok("problem" in mapped, JSON.stringify(mapped));
  }
});
