/**
 * Ledgers the Python carbon-ops 0.1 really wrote (issue 17, items 10 to 13): entries without a
 * timestamp, a ledger that grew between two imports, a caller-placed `prev_hash`, blank lines
 * and CRLF, a switch of signing key, and values too large for a v1 decimal.
 */

import assert from "node:assert/strict";
import { createHash, type KeyObject, sign } from "node:crypto";
import { privateKeyPem, signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import { mapLegacyEntry, parseAssumedPeriod } from "../../lib/ledger/legacy/legacy_import.ts";
import { importLegacyLedger } from "../../lib/ledger/legacy/legacy_import_run.ts";
import { verifyLegacyLedger } from "../../lib/ledger/legacy/legacy.ts";
import { parsePyJson, pyDumps, type PyJson } from "../../lib/ledger/legacy/legacy_json.ts";
import {
  legacyKey,
  pythonAvailable,
  writeLegacyPython,
  writeLegacyTs,
} from "../_kit/legacy_writer.ts";
import { runCli } from "../_kit/run_cli.ts";
import { smallLedger } from "../_kit/small_ledger.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const enc = new TextEncoder();
const A = legacyKey(31);
const B = legacyKey(32);
const KEY = signingKeyFromSeed(new Uint8Array(32).fill(33));

/**
 * Writes lines as carbon-ops 0.1's append did: a `prev_hash` the caller put in the payload keeps
 * its place and gets the real value (`payload["prev_hash"] = prev` on a dict that has the key);
 * otherwise it is added last. Each entry may be signed by its own key (a key switch).
 */
function seedLedger(entries: readonly { payload: string; priv: KeyObject }[]): string {
  let prev: string | undefined;
  let out = "";
  for (const { payload: text, priv } of entries) {
    const parsed = parsePyJson(text);
    if (!parsed.ok || parsed.value.kind !== "object") throw new Error(`bad payload ${text}`);
    let fields: (readonly [string, PyJson])[] = [...parsed.value.entries];
    if (prev !== undefined) {
      const value: PyJson = { kind: "string", value: prev };
      fields = fields.some(([k]) => k === "prev_hash")
        ? fields.map(([k, v]) => [k, k === "prev_hash" ? value : v] as const)
        : [...fields, ["prev_hash", value] as const];
    }
    const payload = { kind: "object" as const, entries: fields };
    const signText = pyDumps(payload, { sortKeys: true, compact: true, ensureAscii: false });
    const sig = sign(null, enc.encode(signText), priv).toString("hex");
    const pub = priv === A.priv ? A.pubHex : B.pubHex;
    const str = (value: string): PyJson => ({ kind: "string", value });
    out += pyDumps({
      kind: "object",
      entries: [
        ...fields,
        ["signature", str(sig)],
        ["signing_key", str(pub)],
        ["signature_algorithm", str("ed25519")],
      ],
    }) + "\n";
    prev = createHash("sha256")
      .update(pyDumps(payload, { sortKeys: true, compact: true, ensureAscii: true }))
      .digest("hex");
  }
  return out;
}

/** What carbon-ops 0.1's default estimate path (`to_dict()` of an estimate) wrote: no time. */
const NO_TIME = [
  '{"energy_consumed_wh": 1000.0, "energy_consumed_kwh": 1.0, "carbon_emissions_gco2": 475.0, ' +
  '"carbon_emissions_kgco2": 0.475, "carbon_intensity_used_gco2_kwh": 475.0, "region": "global-average"}',
  '{"energy_consumed_wh": 500.0, "energy_consumed_kwh": 0.5, "carbon_emissions_gco2": 237.5, ' +
  '"carbon_emissions_kgco2": 0.2375, "carbon_intensity_used_gco2_kwh": 475.0, "region": "global-average"}',
  '{"timestamp": "2025-03-01T12:00:00+00:00", "carbon_emissions_gco2": 1.0, "energy_consumed_kwh": 0.002}',
];

const estimate = (g: string) =>
  `{"timestamp": "2025-03-0${g.length % 9 + 1}T12:00:00+00:00", "operation": "job ${g}", ` +
  `"carbon_emissions_gco2": ${g}, "energy_consumed_kwh": 1.0}`;

async function setup() {
  const dir = await tempDir();
  const ledger = dir.join("ledger");
  const built = await smallLedger(ledger, { records: 1, key: KEY });
  const keyPath = dir.join("ledger.key");
  await Deno.writeTextFile(keyPath, privateKeyPem(KEY), { mode: 0o600 });
  const trustPath = dir.join("trust.json");
  await Deno.writeTextFile(trustPath, built.trustText);
  const records = async () =>
    (await Deno.readTextFile(`${ledger}/ledger.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
  return { dir, ledger, keyPath, trustPath, records };
}

Deno.test("import-legacy refuses entries without a timestamp naming --assume-period, and records the stated period when given", async () => {
  const s = await setup();
  await using _ = s.dir;
  const path = s.dir.join("old.ndjson");
  await Deno.writeTextFile(path, writeLegacyTs(NO_TIME, { priv: A.priv }));
  const verified = await runCli(["ledger", "verify-legacy", path, "--public-key", A.pubHex]);
  assert.equal(verified.code, 0, verified.stdout);
  assert.match(verified.stdout, /^VALID: 3 entries/);
  const importArgs = ["ledger", "import-legacy", path, "--public-key", A.pubHex, s.ledger];
  const before = await Deno.readFile(`${s.ledger}/ledger.jsonl`);
  const refused = await runCli([...importArgs, "--key", s.keyPath]);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /NOT IMPORTED: line 1 .*no ISO 8601 timestamp.*--assume-period/);
  assert.deepEqual(await Deno.readFile(`${s.ledger}/ledger.jsonl`), before, "nothing appended");
  const badPeriod = await runCli([
    ...importArgs,
    "--key",
    s.keyPath,
    "--assume-period",
    "2025-01-01",
  ]);
  assert.equal(badPeriod.code, 2);
  assert.match(badPeriod.stderr, /--assume-period: the period must be START\/END/);
  const period = "2025-01-01T00:00:00+01:00/2025-04-01T00:00:00Z";
  const ok = await runCli([...importArgs, "--key", s.keyPath, "--assume-period", period, "--json"]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(JSON.parse(ok.stdout).imported_seqs.length, 3);
  const records = await s.records();
  const emissions = records.filter((r) => r.type === "emission").map((r) => r.body);
  assert.deepEqual(emissions.map((b) => b.activity_period), [
    { start: "2024-12-31T23:00:00.000Z", end: "2025-04-01T00:00:00.000Z" },
    { start: "2024-12-31T23:00:00.000Z", end: "2025-04-01T00:00:00.000Z" },
    { start: "2025-03-01T12:00:00.000Z", end: "2025-03-01T12:00:00.000Z" },
  ]);
  assert.deepEqual(emissions.map((b) => b.labels.legacy_period), ["assumed", "assumed", undefined]);
  assert.ok(
    emissions[0].assumptions.some((a: string) =>
      a.includes("recorded no time") &&
      a.includes("2024-12-31T23:00:00.000Z/2025-04-01T00:00:00.000Z")
    ),
  );
  assert.ok(!emissions[2].assumptions.some((a: string) => a.includes("recorded no time")));
  const begin = records.find((r) => r.body.kind === "legacy_import_begin");
  assert.equal(
    begin.body.labels.legacy_assumed_period,
    "2024-12-31T23:00:00.000Z/2025-04-01T00:00:00.000Z",
  );
  const v = await runCli(["ledger", "verify", s.ledger, "--trust", s.trustPath]);
  assert.equal(v.code, 0, v.stdout);
});

Deno.test("an assumed period never overrides a timestamp the entry recorded, even a bad one", () => {
  const text = writeLegacyTs([
    '{"timestamp": "yesterday", "grams": 2, "energy_kwh": 1}',
    '{"timestamp": null, "grams": 2, "energy_kwh": 1}',
  ], { priv: A.priv });
  const report = verifyLegacyLedger(enc.encode(text), { publicKeyHex: A.pubHex });
  assert.ok(report.ok);
  const opts = {
    reportingEntity: "X",
    publicKeyHex: A.pubHex,
    assumedPeriod: parseAssumedPeriod("2025-01-01T00:00:00Z/2025-02-01T00:00:00Z"),
  };
  const [bad, nul] = report.entries.map((e) => mapLegacyEntry(e, opts));
  assert.ok("problem" in bad && !bad.problem.includes("--assume-period"), JSON.stringify(bad));
  assert.ok("body" in nul, JSON.stringify(nul));
  assert.deepEqual(nul.body.activity_period, {
    start: "2025-01-01T00:00:00.000Z",
    end: "2025-02-01T00:00:00.000Z",
  });
});

Deno.test("importing a grown 0.1 ledger after its prefix imports only the new lines and totals each line once", async () => {
  const s = await setup();
  await using _ = s.dir;
  const grams = ["100.0", "200.0", "300.0", "1000.0", "1549.99"];
  const full = writeLegacyTs(grams.map(estimate), { priv: A.priv });
  const prefix = full.split("\n").slice(0, 3).join("\n") + "\n";
  const opts = { dir: s.ledger, key: KEY, publicKeyHex: A.pubHex, reportingEntity: "X" };
  const first = await importLegacyLedger(enc.encode(prefix), opts);
  assert.equal(first.importedSeqs.length, 3);
  const grown = await importLegacyLedger(enc.encode(full), opts);
  assert.equal(grown.alreadyImported, undefined);
  assert.equal(grown.skipped, 3);
  assert.equal(grown.importedSeqs.length, 2);
  // The same file again, and the prefix again: nothing appended.
  const size = (await Deno.stat(`${s.ledger}/ledger.jsonl`)).size;
  const again = await importLegacyLedger(enc.encode(full), opts);
  assert.ok(again.alreadyImported, "the grown file is already imported");
  assert.equal(again.skipped, 5);
  assert.ok((await importLegacyLedger(enc.encode(prefix), opts)).alreadyImported);
  assert.equal((await Deno.stat(`${s.ledger}/ledger.jsonl`)).size, size);
  const records = await s.records();
  const emissions = records.filter((r) => r.type === "emission");
  assert.equal(emissions.length, 5);
  assert.equal(new Set(emissions.map((r) => r.body.labels.legacy_line_sha256)).size, 5);
  const totals = await runCli(["ledger", "totals", s.ledger, "--json"]);
  assert.equal(totals.code, 0, totals.stderr);
  const total = JSON.parse(totals.stdout).total;
  assert.equal(total.records, 5);
  assert.equal(Number(total.co2e_g), 3149.99);
  assert.match(total.co2e_g, /^3149\.990*$/);
  const v = await runCli(["ledger", "verify", s.ledger, "--trust", s.trustPath]);
  assert.equal(v.code, 0, v.stdout);
});

Deno.test("a CRLF copy of an imported 0.1 ledger is recognised line by line and appends nothing", async () => {
  const s = await setup();
  await using _ = s.dir;
  const text = writeLegacyTs(["1.0", "2.0"].map(estimate), { priv: A.priv });
  const opts = { dir: s.ledger, key: KEY, publicKeyHex: A.pubHex, reportingEntity: "X" };
  assert.equal((await importLegacyLedger(enc.encode(text), opts)).importedSeqs.length, 2);
  const copy = await importLegacyLedger(enc.encode(text.replaceAll("\n", "\r\n")), opts);
  assert.equal(copy.skipped, 2);
  assert.ok(copy.alreadyImported);
  assert.equal((await s.records()).filter((r) => r.type === "emission").length, 2);
});

Deno.test("a seed ledger whose caller passed prev_hash in the payload verifies, is flagged and imports", async () => {
  const payloads = [
    '{"timestamp": "2025-03-01T12:00:00+00:00", "carbon_emissions_gco2": 1.0, "energy_consumed_kwh": 0.1}',
    '{"prev_hash": "caller", "timestamp": "2025-03-01T13:00:00+00:00", "carbon_emissions_gco2": 2.0, "energy_consumed_kwh": 0.2}',
    '{"timestamp": "2025-03-01T14:00:00+00:00", "prev_hash": null, "carbon_emissions_gco2": 3.0, "energy_consumed_kwh": 0.3}',
    '{"timestamp": "2025-03-01T15:00:00+00:00", "carbon_emissions_gco2": 4.0, "energy_consumed_kwh": 0.4}',
  ];
  let text = seedLedger(payloads.map((payload) => ({ payload, priv: A.priv })));
  if (await pythonAvailable()) {
    // The real Python: `payload["prev_hash"] = prev` keeps the caller's key where it was.
    await using dir = await tempDir();
    const py = await writeLegacyPython(payloads, { seedHex: A.seedHex, path: dir.join("p") });
    assert.equal(new TextDecoder().decode(py), text, "the TypeScript seed writer matches Python");
  }
  assert.match(text.split("\n")[1], /^\{"prev_hash": "[0-9a-f]{64}", "timestamp"/);
  const r = verifyLegacyLedger(enc.encode(text), { publicKeyHex: A.pubHex });
  assert.equal(r.problem, undefined);
  assert.equal(r.verifiedEntries, 4);
  assert.deepEqual(r.flags.map((f) => [f.code, f.firstLines]), [["PREV_HASH_NOT_LAST", [2, 3]]]);
  assert.deepEqual(r.entries.map((e) => e.flags), [[], ["PREV_HASH_NOT_LAST"], [
    "PREV_HASH_NOT_LAST",
  ], []]);
  // It still links: a caller-placed prev_hash with a wrong value, validly signed, is refused.
  const lines = text.split("\n");
  const forged = seedLedger(payloads.map((payload) => ({ payload, priv: A.priv })).slice(0, 2))
    .split("\n")[0];
  assert.equal(forged, lines[0]);
  const wrong = seedLedger([
    { payload: payloads[0].replace("1.0", "1.5"), priv: A.priv },
    { payload: payloads[1], priv: A.priv },
  ]).split("\n")[1];
  const broken = verifyLegacyLedger(enc.encode([lines[0], wrong, ""].join("\n")), {
    publicKeyHex: A.pubHex,
  });
  assert.equal(broken.problem?.code, "CHAIN_BROKEN");
  assert.equal(broken.problem?.line, 2);
  // And a first line with a caller prev_hash still means "earlier lines were cut", with a hint.
  const cut = verifyLegacyLedger(enc.encode(lines.slice(1).join("\n")), { publicKeyHex: A.pubHex });
  assert.equal(cut.problem?.code, "UNEXPECTED_PREV_HASH");
  assert.match(cut.problem!.message, /cannot prove that nothing was cut/);
  const mapped = mapLegacyEntry(r.entries[1], { reportingEntity: "X", publicKeyHex: A.pubHex });
  assert.ok("body" in mapped);
  const labels = mapped.body.labels as Record<string, string>;
  assert.equal(labels.legacy_flags, "PREV_HASH_NOT_LAST");
  text = text.replace(
    /"prev_hash": "([0-9a-f]{64})", "timestamp"/,
    '"prev_hash": "$1",  "timestamp"',
  );
  const spaced = verifyLegacyLedger(enc.encode(text), { publicKeyHex: A.pubHex });
  assert.equal(spaced.problem?.code, "NON_CANONICAL", "the bytes must still be json.dumps output");
});

Deno.test("blank lines and CRLF line endings are accepted with a flag, other whitespace is refused with a hint", async () => {
  const text = writeLegacyTs(["1.0", "2.0", "3.0"].map(estimate), { priv: A.priv });
  const lf = verifyLegacyLedger(enc.encode(text), { publicKeyHex: A.pubHex });
  assert.ok(lf.ok);
  assert.deepEqual(lf.flags, []);
  const [l1, l2, l3] = text.split("\n");
  const messy = `\r\n${l1}\r\n\r\n  \t\r\n${l2}\n${l3}\r\n\n`;
  const r = verifyLegacyLedger(enc.encode(messy), { publicKeyHex: A.pubHex });
  assert.equal(r.problem, undefined);
  assert.deepEqual(r.entries.map((e) => e.line), [2, 5, 6]);
  assert.deepEqual(r.flags.map((f) => [f.code, f.count, f.firstLines]), [
    ["BLANK_LINES", 4, [1, 3, 4, 7]],
    ["CRLF_LINE_ENDINGS", 2, [2, 6]],
  ]);
  // The bytes still prove the same entries: same line hashes and chain as the LF original.
  assert.deepEqual(r.entries.map((e) => e.lineSha256), lf.entries.map((e) => e.lineSha256));
  assert.equal(r.headChainHash, lf.headChainHash);
  const spaces = verifyLegacyLedger(enc.encode(`${l1}\n${l2}  \n${l3}\n`), {
    publicKeyHex: A.pubHex,
  });
  assert.equal(spaces.problem?.code, "NON_CANONICAL");
  assert.equal(spaces.problem?.line, 2);
  assert.match(spaces.problem!.message, /whitespace around the JSON/);
  const torn = verifyLegacyLedger(enc.encode(`${l1}\n${l2}`), { publicKeyHex: A.pubHex });
  assert.equal(torn.problem?.code, "TORN_LINE");
  assert.match(torn.problem!.message, /append a newline/);
  const cutMid = verifyLegacyLedger(enc.encode(`${l1}\n${l2.slice(0, 40)}`), {
    publicKeyHex: A.pubHex,
  });
  assert.equal(cutMid.problem?.code, "TORN_LINE");
  assert.doesNotMatch(cutMid.problem!.message, /append a newline/);
  // The CLI prints the flags.
  await using dir = await tempDir();
  const path = dir.join("messy.ndjson");
  await Deno.writeTextFile(path, messy);
  const cli = await runCli(["ledger", "verify-legacy", path, "--public-key", A.pubHex]);
  assert.equal(cli.code, 0, cli.stdout);
  assert.match(cli.stdout, /note: BLANK_LINES at lines 1, 3, 4, 7: 4 blank line/);
  assert.match(cli.stdout, /note: CRLF_LINE_ENDINGS at lines 2, 6: /);
});

Deno.test("a ledger that switched signing keys verifies with every key pinned and says which key signed which lines", async () => {
  const entries = ["1.0", "2.0", "3.0", "4.0", "5.0"].map((g, i) => ({
    payload: estimate(g),
    priv: i < 2 || i === 4 ? A.priv : B.priv,
  }));
  const text = seedLedger(entries);
  const one = verifyLegacyLedger(enc.encode(text), { publicKeyHex: A.pubHex });
  assert.equal(one.problem?.code, "FOREIGN_KEY");
  assert.equal(one.problem?.line, 3);
  assert.match(one.problem!.message, /repeat --public-key/);
  const both = verifyLegacyLedger(enc.encode(text), { publicKeyHex: [B.pubHex, A.pubHex] });
  assert.equal(both.problem, undefined);
  assert.deepEqual(both.keyRanges, [
    { publicKeyHex: A.pubHex, firstLine: 1, lastLine: 2, entries: 2 },
    { publicKeyHex: B.pubHex, firstLine: 3, lastLine: 4, entries: 2 },
    { publicKeyHex: A.pubHex, firstLine: 5, lastLine: 5, entries: 1 },
  ]);
  assert.deepEqual(both.flags.map((f) => [f.code, f.firstLines]), [["KEY_CHANGE", [3, 5]]]);
  // A line that names key B but is signed by key A is still refused.
  const lines = text.split("\n");
  const sigA = /"signature": "([0-9a-f]{128})"/.exec(
    seedLedger(entries.map((e) => ({
      ...e,
      priv: A.priv,
    }))).split("\n")[2],
  )![1];
  lines[2] = lines[2].replace(/"signature": "[0-9a-f]{128}"/, `"signature": "${sigA}"`);
  const mixed = verifyLegacyLedger(enc.encode(lines.join("\n")), {
    publicKeyHex: [A.pubHex, B.pubHex],
  });
  assert.equal(mixed.problem?.code, "BAD_SIGNATURE");
  assert.equal(mixed.problem?.line, 3);
  // CLI: verify and import with two --public-key options.
  const s = await setup();
  await using _ = s.dir;
  const path = s.dir.join("switched.ndjson");
  await Deno.writeTextFile(path, text);
  const keys = ["--public-key", A.pubHex, "--public-key", B.pubHex];
  const v = await runCli(["ledger", "verify-legacy", path, ...keys]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, new RegExp(`signed by ${B.pubHex}: lines 3\\.\\.4 \\(2 entries\\)`));
  const json = await runCli(["ledger", "verify-legacy", path, ...keys, "--json"]);
  assert.equal(JSON.parse(json.stdout).key_ranges.length, 3);
  const imp = await runCli([
    "ledger",
    "import-legacy",
    path,
    ...keys,
    s.ledger,
    "--key",
    s.keyPath,
  ]);
  assert.equal(imp.code, 0, imp.stdout + imp.stderr);
  const records = await s.records();
  assert.deepEqual(
    records.filter((r) => r.type === "emission").map((r) => r.body.labels.legacy_signing_key),
    [A.pubHex, A.pubHex, B.pubHex, B.pubHex, A.pubHex],
  );
  const begin = records.find((r) => r.body.kind === "legacy_import_begin").body;
  assert.equal(begin.labels.legacy_signing_keys, "2");
  assert.match(begin.text, new RegExp(`${B.pubHex} signed lines 3\\.\\.4`));
  const bad = await runCli(["ledger", "verify-legacy", path, "--public-key", A.pubHex, "-x"]);
  assert.equal(bad.code, 2);
});

Deno.test("values whose exact decimal exceeds the 64-character cap are refused naming the line, field, value and cap", async () => {
  const huge = [
    estimate("1.0"),
    '{"timestamp": "2025-03-01T12:00:00+00:00", "carbon_emissions_gco2": 1.7976931348623157e+308, "energy_consumed_kwh": 1.0}',
  ];
  const s = await setup();
  await using _ = s.dir;
  const path = s.dir.join("huge.ndjson");
  await Deno.writeTextFile(path, writeLegacyTs(huge, { priv: A.priv }));
  const before = await Deno.readFile(`${s.ledger}/ledger.jsonl`);
  const r = await runCli([
    "ledger",
    "import-legacy",
    path,
    "--public-key",
    A.pubHex,
    s.ledger,
    "--key",
    s.keyPath,
  ]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /line 2 cannot be mapped.*carbon_emissions_gco2 = 1\.7976931348623157e\+308 cannot be imported: its exact decimal has 309 characters, more than the 64/,
  );
  assert.deepEqual(await Deno.readFile(`${s.ledger}/ledger.jsonl`), before);
  // Every decimal field is checked the same way, large or tiny.
  const cases: [string, RegExp][] = [
    ['"energy_consumed_kwh": 5e-324', /energy_consumed_kwh = 5e-324 .* 326 characters/],
    ['"energy_consumed_wh": 1e+300', /energy_consumed_wh = 1e\+300 .* 301 characters/],
    [
      '"energy_consumed_wh": 1.2345678901234568e-44',
      /energy_consumed_wh \/ 1000 = 1\.2345678901234568e-44 .* 65 characters/,
    ],
    [
      '"energy_consumed_kwh": 1.0, "carbon_intensity_used_gco2_kwh": 1e+64',
      /carbon_intensity_used_gco2_kwh = 1e\+64 .* 65 characters/,
    ],
    [
      '"energy_consumed_kwh": 1.0, "meta": {"ci_lower_g": 1.0, "ci_upper_g": 1e+200, "confidence_level_pct": 95.0}',
      /meta\.ci_upper_g = 1e\+200/,
    ],
    ['"energy_consumed_kwh": 1.0, "pue_used": 1e+100', /pue_used = 1e\+100/],
    ['"energy_consumed_kwh": 1.0, "allocation_ratio": 1e-100', /allocation_ratio = 1e-100/],
  ];
  const payloads = cases.map(([fields]) =>
    `{"timestamp": "2025-03-01T12:00:00+00:00", "carbon_emissions_gco2": 1.0, ${fields}}`
  );
  const report = verifyLegacyLedger(enc.encode(writeLegacyTs(payloads, { priv: A.priv })), {
    publicKeyHex: A.pubHex,
  });
  assert.ok(report.ok, report.problem?.message);
  report.entries.forEach((e, i) => {
    const mapped = mapLegacyEntry(e, { reportingEntity: "X", publicKeyHex: A.pubHex });
    assert.ok("problem" in mapped, `case ${i} was mapped`);
    assert.match(mapped.problem, cases[i][1]);
  });
  // Just under the cap still imports exactly.
  const edge = writeLegacyTs([
    '{"timestamp": "2025-03-01T12:00:00+00:00", "carbon_emissions_gco2": 1e+62, "energy_consumed_kwh": 1.2345678901234566e-40}',
  ], { priv: A.priv });
  const edgeReport = verifyLegacyLedger(enc.encode(edge), { publicKeyHex: A.pubHex });
  assert.ok(edgeReport.ok, edgeReport.problem?.message);
  const [entry] = edgeReport.entries;
  const ok = mapLegacyEntry(entry, { reportingEntity: "X", publicKeyHex: A.pubHex });
  assert.ok("body" in ok, "problem" in ok ? ok.problem : "");
  assert.equal((ok.body.result as { co2e_g: string }).co2e_g, "1" + "0".repeat(62));
});
