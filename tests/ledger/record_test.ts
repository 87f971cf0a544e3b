import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { canonicalize } from "../../lib/ledger/canonical_json.ts";
import { pae } from "../../lib/ledger/dsse.ts";
import { fromBase64, fromBase64Url, toBase64, toHex } from "../../lib/ledger/encoding.ts";
import { generateSigningKey, verifyBytes } from "../../lib/ledger/keys.ts";
import { LedgerError } from "../../lib/ledger/ledger_error.ts";
import {
  decodeRecordLine,
  GENESIS_PREV,
  isRecordTimestamp,
  payloadOfLine,
  signRecord,
  verifyRecordSignature,
} from "../../lib/ledger/record.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { keyRotationBody } from "../../lib/ledger/rotation_body.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import { tryParseRfc3339 } from "../../lib/base/rfc3339.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger } from "../_kit/ledger_fixture.ts";
import { readLedgerLines, verifyDir, writeLedgerLines } from "../_kit/ledger_tamper.ts";

const sha = (...parts: (Uint8Array | number[])[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p instanceof Uint8Array ? p : new Uint8Array(p));
  return new Uint8Array(h.digest());
};
const enc = (s: string) => new TextEncoder().encode(s);

/** RFC 6962 section 2.1, written out recursively and independently of lib/ledger/merkle.ts. */
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha([]);
  if (leaves.length === 1) return sha([0], leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha([1], mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

Deno.test("record lines have exactly the v1 members, kid, prev chain and a DSSE PAE signature", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, { records: 3 });
  const lines = await readLedgerLines(dir.path);
  let prev = GENESIS_PREV;
  for (const [i, line] of lines.entries()) {
    const r = JSON.parse(line);
    assert.deepEqual(Object.keys(r).sort(), [
      "body",
      "kid",
      "prev",
      "seq",
      "sig",
      "ts",
      "type",
      "v",
    ]);
    assert.equal(r.v, 1);
    assert.equal(r.seq, i);
    assert.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(r.kid, toHex(sha(l.key.spkiDer)));
    assert.equal(r.prev, prev);
    prev = toHex(sha([0], enc(line)));
    const { sig, ...unsigned } = r;
    const payload = line.replace(`,"sig":"${sig}"`, "");
    assert.deepEqual(JSON.parse(payload), unsigned);
    const type = "application/vnd.carbon-ops.ledger-record.v1+json";
    const message = enc(`DSSEv1 ${type.length} ${type} ${enc(payload).length} ${payload}`);
    assert.deepEqual(pae(type, enc(payload)), message);
    assert.ok(verifyBytes(l.key, message, fromBase64Url(sig)));
  }
  assert.equal(JSON.parse(lines[0]).type, "genesis");
  assert.deepEqual(Object.keys(JSON.parse(lines[0]).body).sort(), [
    "created",
    "key",
    "origin",
    "software",
  ]);
});

Deno.test("the byte-level signature fast path agrees with the canonical payload for non-ASCII bodies", () => {
  const key = generateSigningKey();
  for (const text of ["plain", "café", '😀 \u2028 "q" \\ \u0001', "ü".repeat(300), ',"ts":"x']) {
    const s = signRecord({
      seq: 3,
      ts: "2026-01-01T00:00:00.000Z",
      type: "note",
      body: { text, labels: { "ключ": "значение" } },
      prev: GENESIS_PREV,
    }, key);
    const { record, text: line } = decodeRecordLine(s.lineBytes);
    assert.equal(s.line, canonicalize(s.record));
    assert.equal(s.line, canonicalize(record));
    assert.ok(verifyRecordSignature(line, record, key));
    assert.ok(verifyRecordSignature(line, record, key, s.lineBytes));
    const edited = line.replace('"seq":3', '"seq":4');
    const editedRecord = decodeRecordLine(enc(edited)).record;
    assert.equal(verifyRecordSignature(edited, editedRecord, key), false);
    assert.equal(verifyRecordSignature(edited, editedRecord, key, enc(edited)), false);
    assert.equal(payloadOfLine(line, record).includes('"sig"'), false);
  }
});

Deno.test("checkpoint roots equal the recursive RFC 6962 MTH over the lines for sizes 0..9", async () => {
  assert.equal(toHex(mth([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, { records: 0 });
  await using writer = await LedgerWriter.open(dir.path, { key: l.key, clock: new VirtualClock() });
  for (let size = 1; size <= 9; size++) {
    if (size > 1) await writer.append("note", { text: `n${size}` });
    const cp = await writeCheckpoint(dir.path, l.key);
    const leaves = (await readLedgerLines(dir.path)).map(enc);
    assert.equal(cp.size, size);
    assert.equal(toBase64(cp.root), toBase64(mth(leaves)), `size ${size}`);
    assert.equal(cp.note.split("\n")[2], toBase64(mth(leaves)));
    assert.deepEqual(fromBase64(cp.note.split("\n")[2]), mth(leaves));
  }
  const report = await verifyDir(dir.path, l.trust);
  assert.equal(report.head?.root, toBase64(mth((await readLedgerLines(dir.path)).map(enc))));
});

Deno.test("LedgerWriter serialises concurrent appends in one process and notices appends by others", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, { records: 1 });
  await using a = await LedgerWriter.open(dir.path, { key: l.key });
  await using b = await LedgerWriter.open(dir.path, { key: l.key });
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).append("note", { text: `c${i}` })),
  );
  assert.deepEqual(
    results.map((r) => r.seq).sort((x, y) => x - y),
    Array.from({ length: 20 }, (_, i) => i + 2),
  );
  // Replace the last line with a different, equally long valid record behind the writers' backs.
  const lines = await readLedgerLines(dir.path);
  const last = JSON.parse(lines[lines.length - 1]);
  const swapped = signRecord({
    ...last,
    body: { text: last.body.text === "c0" ? "c9" : "c0".padEnd(last.body.text.length, "x") },
  }, l.key).line;
  assert.equal(swapped.length, lines[lines.length - 1].length);
  await writeLedgerLines(dir.path, [...lines.slice(0, -1), swapped]);
  const next = await a.append("note", { text: "after swap" });
  const after = await readLedgerLines(dir.path);
  assert.equal(JSON.parse(after[next.seq]).prev, toHex(sha([0], enc(swapped))));
  assert.equal((await verifyDir(dir.path, l.trust)).exitCode, 0);
});

Deno.test("LedgerWriter refuses genesis bodies, unknown types and missing ledgers", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path);
  await using w = await LedgerWriter.open(dir.path, { key: l.key });
  await assert.rejects(
    w.append("genesis", {}),
    (e: unknown) => e instanceof LedgerError && e.code === "BODY_INVALID",
  );
  await assert.rejects(
    w.append("key_rotation_x", {}),
    (e: unknown) => e instanceof LedgerError && e.code === "BODY_INVALID",
  );
  await assert.rejects(
    w.append("note", { text: "x", n: NaN } as never),
    (e: unknown) => e instanceof LedgerError && e.code === "BODY_INVALID",
  );
  await assert.rejects(
    LedgerWriter.open(dir.join("nope"), { key: l.key }),
    (e: unknown) => e instanceof LedgerError && e.code === "NOT_A_LEDGER",
  );
  assert.equal((await readLedgerLines(dir.path)).length, 1);
});

Deno.test("LedgerWriter refuses its own key right after it appended a rotation retiring it", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, { records: 1 });
  const next = generateSigningKey();
  await using w = await LedgerWriter.open(dir.path, { key: l.key });
  await w.append("note", { text: "before" });
  await w.append("key_rotation", keyRotationBody(l.origin, { oldKid: l.key.kid, newKey: next }));
  await assert.rejects(
    w.append("note", { text: "after" }),
    (e: unknown) => e instanceof LedgerError && e.code === "KEY_RETIRED",
  );
  await using w2 = await LedgerWriter.open(dir.path, { key: next });
  assert.equal((await w2.append("note", { text: "new key" })).seq, 4);
});

Deno.test("a record timestamp is accepted exactly when it has the profile and is a real instant, in any sequence (property)", () => {
  const two = (n: number) => String(n).padStart(2, "0");
  const stamp = fc.record({
    year: fc.integer({ min: 1999, max: 2101 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    ms: fc.integer({ min: 0, max: 999 }),
    tail: fc.constantFrom(".000Z", "Z", ".000+00:00", ".0000Z", ".000z"),
  }).map((t) =>
    `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}` +
    t.tail.replace(".000", `.${String(t.ms).padStart(3, "0")}`)
  );
  // Runs of one date with varying times (the cache of the last valid date), and random dates.
  const run = fc.tuple(
    stamp,
    fc.array(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 })), {
      maxLength: 8,
    }),
  )
    .map((
      [first, times],
    ) => [
      first,
      ...times.map(([h, s]) => `${first.slice(0, 11)}${two(h)}:00:${two(s)}${first.slice(19)}`),
    ]);
  fc.assert(
    fc.property(fc.array(run, { minLength: 1, maxLength: 6 }), (runs) => {
      for (const ts of runs.flat()) {
        const expected = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(ts) &&
          tryParseRfc3339(ts) !== null;
        assert.equal(isRecordTimestamp(ts), expected, ts);
      }
    }),
    { numRuns: 300 },
  );
});
