import assert from "node:assert/strict";
import { generateSigningKey } from "../../lib/ledger/keys.ts";
import { LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import { leafHex, signRecord } from "../../lib/ledger/record.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import {
  assertVerdict,
  readLedgerLines,
  resign,
  smallLedger,
  writeLedgerLines,
} from "../_kit/ledger_tamper.ts";
// Every verdict is checked with the sequential and the parallel verifier (identical reports).
import { verifyDir } from "../_kit/verify_both.ts";

Deno.test("verify accepts an untouched ledger and a genesis-only ledger with exit 0", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const report = await verifyDir(dir.path, l.trust);
  assertVerdict(report, 0, [], "untouched");
  assert.equal(report.entries, 6);
  assert.deepEqual(report.totals.byType, { genesis: 1, emission: 3, note: 2 });
  assert.equal(report.totals.co2eG, "534.0672");
  await using one = await tempDir();
  const g = await smallLedger(one.path, 0);
  assertVerdict(await verifyDir(one.path, g.trust), 0, [], "genesis only");
});

Deno.test("verify rejects an empty ledger file with LEDGER_EMPTY and exit 1", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 0);
  await Deno.writeFile(`${dir.path}/${LEDGER_JSONL}`, new Uint8Array());
  assertVerdict(await verifyDir(dir.path, l.trust), 1, ["LEDGER_EMPTY"], "empty");
});

Deno.test("verify detects deleted, reordered, duplicated and spliced records (exit 1)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const lines = await readLedgerLines(dir.path);
  const cases: [string, string[], string[]][] = [
    ["delete middle", [...lines.slice(0, 2), ...lines.slice(3)], ["SEQ_MISMATCH", "PREV_MISMATCH"]],
    ["delete genesis", lines.slice(1), ["GENESIS_MISSING", "SEQ_MISMATCH", "PREV_MISMATCH"]],
    ["reorder", [lines[0], lines[2], lines[1], ...lines.slice(3)], [
      "SEQ_MISMATCH",
      "PREV_MISMATCH",
    ]],
    ["duplicate", [...lines.slice(0, 3), lines[2], ...lines.slice(3)], [
      "SEQ_MISMATCH",
      "PREV_MISMATCH",
    ]],
    ["duplicate genesis", [lines[0], lines[0], ...lines.slice(1)], [
      "GENESIS_DUPLICATE",
      "SEQ_MISMATCH",
    ]],
  ];
  await using other = await tempDir();
  const o = await smallLedger(other.path);
  const foreign = await readLedgerLines(other.path);
  const spliced = [...lines];
  spliced[3] = resign(foreign[3], l.key); // same seq, same key, but linked to the other ledger
  cases.push(["splice from another ledger", spliced, ["PREV_MISMATCH"]]);
  assert.notEqual(o.origin, undefined);
  for (const [what, tampered, codes] of cases) {
    await writeLedgerLines(dir.path, tampered);
    assertVerdict(await verifyDir(dir.path, l.trust), 1, codes, what);
  }
});

Deno.test("verify detects an edited value with the old signature as BAD_SIGNATURE (exit 1)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const lines = await readLedgerLines(dir.path);
  const edited = [...lines];
  edited[5] = lines[5].replace('"co2e_g":"178.0224"', '"co2e_g":"17.0224"');
  assert.notEqual(edited[5], lines[5]);
  await writeLedgerLines(dir.path, edited);
  const report = await verifyDir(dir.path, l.trust);
  assertVerdict(report, 1, ["BAD_SIGNATURE"], "edited value");
  assert.equal(report.errors[0].seq, 5);
  assert.equal(report.errors[0].line, 6);
  assert.equal(
    report.errors[0].offset,
    lines.slice(0, 5).reduce((n, s) => n + new TextEncoder().encode(s).length + 1, 0),
  );
  edited[5] = lines[5];
  edited[2] = lines[2].replace('"text":"note 2"', '"text":"note X"');
  await writeLedgerLines(dir.path, edited);
  assertVerdict(
    await verifyDir(dir.path, l.trust),
    1,
    ["BAD_SIGNATURE", "PREV_MISMATCH"],
    "edited middle note",
  );
});

Deno.test("verify reports records re-signed with a foreign key as KEY_UNKNOWN (exit 4)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const lines = await readLedgerLines(dir.path);
  const thief = generateSigningKey();
  const last = [
    ...lines.slice(0, 5),
    resign(lines[5], thief, (r) => ((r.body.result as Record<string, string>).co2e_g = "1")),
  ];
  await writeLedgerLines(dir.path, last);
  assertVerdict(
    await verifyDir(dir.path, l.trust),
    4,
    ["KEY_UNKNOWN"],
    "foreign key on last record",
  );
  const middle = [...lines];
  middle[3] = resign(lines[3], thief);
  await writeLedgerLines(dir.path, middle);
  assertVerdict(
    await verifyDir(dir.path, l.trust),
    1,
    ["KEY_UNKNOWN", "PREV_MISMATCH"],
    "foreign key in the middle",
  );
});

Deno.test("verify rejects non-canonical re-serialisations with LINE_NOT_CANONICAL (exit 1)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const lines = await readLedgerLines(dir.path);
  const r = JSON.parse(lines[4]);
  const variants: [string, string][] = [
    ["whitespace", JSON.stringify(r, null, 1).replaceAll("\n", "")],
    ["space after colon", lines[4].replace('"v":1}', '"v": 1}')],
    [
      "key order",
      lines[4].replace(/^\{"body":(\{[^}]*\}),"kid":("[0-9a-f]+"),/, '{"kid":$2,"body":$1,'),
    ],
    ["escape", lines[4].replace('"text":"note 4"', '"text":"\\u006eote 4"')],
    ["escaped slash", lines[4].replace('"text":"note 4"', '"text":"note\\/ 4"')],
    ["1.0", lines[4].replace('"v":1}', '"v":1.0}')],
    ["exponent", lines[4].replace('"seq":4,', '"seq":4e0,')],
  ];
  for (const [what, line] of variants) {
    assert.notEqual(line, lines[4], what);
    await writeLedgerLines(dir.path, [...lines.slice(0, 4), line, lines[5]]);
    assertVerdict(await verifyDir(dir.path, l.trust), 1, ["LINE_NOT_CANONICAL"], what);
  }
});

Deno.test("verify rejects duplicate keys, big integers, -0 and lone surrogates with their own codes", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const lines = await readLedgerLines(dir.path);
  const cases: [string, string, string][] = [
    ["duplicate key", lines[5].replace('"v":1}', '"v":1,"v":1}'), "DUPLICATE_KEY"],
    ["big integer", lines[5].replace('"seq":5,', '"seq":9007199254740993,'), "BIG_INTEGER"],
    ["-0", lines[5].replace('"year":2024', '"year":-0'), "NEGATIVE_ZERO"],
    [
      "lone surrogate",
      lines[4].replace('"text":"note 4"', '"text":"note \\ud800"'),
      "LONE_SURROGATE",
    ],
  ];
  for (const [what, line, codeName] of cases) {
    assert.notEqual(line, lines[5]);
    const idx = what === "lone surrogate" ? 4 : 5;
    const tampered = [...lines];
    tampered[idx] = line;
    await writeLedgerLines(dir.path, tampered);
    assertVerdict(await verifyDir(dir.path, l.trust), 1, [codeName], what);
  }
});

function splice(bytes: Uint8Array, at: number, remove: number, insert: number[]): Uint8Array {
  return new Uint8Array([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at + remove)]);
}

Deno.test("verify rejects invalid UTF-8, a BOM, CRLF and empty lines (exit 1)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const path = `${dir.path}/${LEDGER_JSONL}`;
  const original = await Deno.readFile(path);
  const text = new TextDecoder().decode(original);
  const enc = new TextEncoder();
  const bad = original.slice();
  bad[text.indexOf("note 2") + 2] = 0xff;
  const cases: [string, Uint8Array, string][] = [
    ["invalid UTF-8", bad, "LINE_NOT_UTF8"],
    [
      "overlong UTF-8",
      splice(original, text.indexOf("note 2") + 4, 1, [0xc0, 0xa0]),
      "LINE_NOT_UTF8",
    ],
    [
      "UTF-8 encoded surrogate",
      splice(original, text.indexOf("note 2") + 4, 1, [0xed, 0xa0, 0x80]),
      "LINE_NOT_UTF8",
    ],
    ["BOM", new Uint8Array([0xef, 0xbb, 0xbf, ...original]), "LINE_BOM"],
    ["CRLF", enc.encode(text.replaceAll("\n", "\r\n")), "LINE_CRLF"],
    ["empty line", enc.encode(text.replace("\n", "\n\n")), "LINE_EMPTY"],
    ["trailing empty line", enc.encode(text + "\n"), "LINE_EMPTY"],
  ];
  for (const [what, bytes, codeName] of cases) {
    await Deno.writeFile(path, bytes);
    assertVerdict(await verifyDir(dir.path, l.trust), 1, [codeName], what);
  }
});

Deno.test("verify rejects malformed signatures: wrong length, non-canonical S >= L (exit 1)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const lines = await readLedgerLines(dir.path);
  const r = JSON.parse(lines[5]);
  const sig = Uint8Array.from(
    atob(r.sig.replaceAll("-", "+").replaceAll("_", "/") + "=="),
    (c) => c.charCodeAt(0),
  );
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  s += 2n ** 252n + 27742317777372353535851937790883648493n;
  for (let i = 32; i < 64; i++, s >>= 8n) sig[i] = Number(s & 0xffn);
  const b64url = btoa(String.fromCharCode(...sig)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
  const cases: [string, string, string][] = [
    [
      "short signature",
      lines[5].replace(`"sig":"${r.sig}"`, `"sig":"${r.sig.slice(0, 84)}"`),
      "RECORD_INVALID",
    ],
    ["S >= L", lines[5].replace(`"sig":"${r.sig}"`, `"sig":"${b64url}"`), "BAD_SIGNATURE"],
    [
      "zero signature",
      lines[5].replace(`"sig":"${r.sig}"`, `"sig":"${"A".repeat(86)}"`),
      "BAD_SIGNATURE",
    ],
    ["version 2", lines[5].replace('"v":1}', '"v":2}'), "VERSION_UNSUPPORTED"],
    [
      "unknown member",
      lines[5].replace('"type":"emission"', '"type":"emission","u":1'),
      "RECORD_INVALID",
    ],
  ];
  for (const [what, line, codeName] of cases) {
    await writeLedgerLines(dir.path, [...lines.slice(0, 5), line]);
    assertVerdict(await verifyDir(dir.path, l.trust), 1, [codeName], what);
  }
});

Deno.test("verify rejects signed records with unknown types, invalid bodies or bad correction targets", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const lines = await readLedgerLines(dir.path);
  const prev = leafHex(new TextEncoder().encode(lines[5]));
  const add = (type: string, body: Record<string, unknown>) =>
    signRecord({ seq: 6, ts: "2026-01-01T00:00:06.000Z", type, body: body as never, prev }, l.key)
      .line;
  const cases: [string, string, string][] = [
    ["unknown type", add("bogus", { text: "x" }), "TYPE_UNKNOWN"],
    ["invalid emission", add("emission", { ...sampleEmission(), scope: 4 }), "BODY_INVALID"],
    [
      "correction wrong leaf",
      add("correction", { supersedes: { seq: 1, leaf: "0".repeat(64) }, reason: "x" }),
      "CORRECTION_TARGET",
    ],
    [
      "correction of genesis",
      add("correction", {
        supersedes: { seq: 0, leaf: leafHex(new TextEncoder().encode(lines[0])) },
        reason: "x",
      }),
      "CORRECTION_TARGET",
    ],
    [
      "correction of the future",
      add("correction", { supersedes: { seq: 9, leaf: "0".repeat(64) }, reason: "x" }),
      "CORRECTION_TARGET",
    ],
    ["second genesis", add("genesis", JSON.parse(lines[0]).body), "GENESIS_DUPLICATE"],
  ];
  for (const [what, line, codeName] of cases) {
    await writeLedgerLines(dir.path, [...lines, line]);
    assertVerdict(await verifyDir(dir.path, l.trust), 1, [codeName], what);
  }
  const good = add("correction", {
    supersedes: { seq: 1, leaf: leafHex(new TextEncoder().encode(lines[1])) },
    reason: "wrong factor",
  });
  await writeLedgerLines(dir.path, [...lines, good]);
  const report = await verifyDir(dir.path, l.trust);
  assertVerdict(report, 0, [], "valid correction");
  assert.equal(report.totals.superseded, 1);
  assert.equal(report.totals.co2eG, "356.0448");
});

Deno.test("verify warns about a clock going backwards but still exits 0", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 0);
  const lines = await readLedgerLines(dir.path);
  const prev = leafHex(new TextEncoder().encode(lines[0]));
  const rec = signRecord({
    seq: 1,
    ts: "2020-01-01T00:00:00.000Z",
    type: "note",
    body: { text: "from the past" },
    prev,
  }, l.key);
  await writeLedgerLines(dir.path, [...lines, rec.line]);
  const report = await verifyDir(dir.path, l.trust);
  assertVerdict(report, 0, [], "clock backwards");
  assert.deepEqual(report.warnings.map((w) => [w.code, w.seq]), [["CLOCK_BACKWARDS", 1]]);
});

Deno.test("verify caps the listed warnings at 100 so a hostile ledger cannot grow the report", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, { records: 0 });
  const lines = await readLedgerLines(dir.path);
  let prev = leafHex(new TextEncoder().encode(lines[0]));
  for (let seq = 1; seq <= 150; seq++) {
    const ts = new Date(Date.UTC(2020, 0, 1) - seq * 1000).toISOString();
    const rec = signRecord({ seq, ts, type: "note", body: { text: `n${seq}` }, prev }, l.key);
    lines.push(rec.line);
    prev = leafHex(rec.lineBytes);
  }
  await writeLedgerLines(dir.path, lines);
  const report = await verifyDir(dir.path, l.trust);
  assertVerdict(report, 0, [], "many clock warnings");
  assert.equal(report.warnings.length, 100);
});
