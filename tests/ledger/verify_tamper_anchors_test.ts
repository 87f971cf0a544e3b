import assert from "node:assert/strict";
import { signCheckpoint } from "../../lib/ledger/checkpoint.ts";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { toHex } from "../../lib/ledger/encoding.ts";
import { sha256 } from "../../lib/ledger/sha256.ts";
import { generateSigningKey } from "../../lib/ledger/keys.ts";
import { LedgerError } from "../../lib/ledger/ledger_error.ts";
import { LATEST_CHECKPOINT, LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import { parseTrustFile, TrustFileError, trustFileText } from "../../lib/ledger/trust.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger } from "../_kit/ledger_fixture.ts";
import {
  assertVerdict,
  readLedgerLines,
  smallLedger,
  writeLedgerLines,
} from "../_kit/ledger_tamper.ts";
// Every verdict is checked with the sequential and the parallel verifier (identical reports).
import { verifyDir } from "../_kit/verify_both.ts";

Deno.test("truncation at a line boundary passes signatures alone but fails against a held checkpoint (exit 3)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const held = await writeCheckpoint(dir.path, l.key);
  const lines = await readLedgerLines(dir.path);
  await writeLedgerLines(dir.path, lines.slice(0, 4));
  assertVerdict(await verifyDir(dir.path, l.trust), 0, [], "no anchor: undetectable by design");
  const report = await verifyDir(dir.path, l.trust, [{ source: "auditor.note", note: held.note }]);
  assertVerdict(report, 3, ["CHECKPOINT_AHEAD_OF_LOG"], "truncated");
  assert.equal(report.checkpoints[0].status, "ahead_of_log");
  // The ledger's own latest checkpoint catches it too unless the attacker also rolled it back.
  assertVerdict(
    await verifyLedger(dir.path, { trust: l.trust }),
    3,
    ["CHECKPOINT_AHEAD_OF_LOG"],
    "on-host checkpoint",
  );
});

Deno.test("a torn last line at every byte offset gives exit 5, and the next append repairs to exit 0", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 3);
  const path = `${dir.path}/${LEDGER_JSONL}`;
  const full = await Deno.readFile(path);
  const lastStart = full.subarray(0, full.length - 1).lastIndexOf(0x0a) + 1;
  for (let cut = lastStart + 1; cut < full.length; cut++) {
    await Deno.writeFile(path, full.subarray(0, cut));
    const report = await verifyDir(dir.path, l.trust);
    assertVerdict(report, 5, ["TORN_LAST_LINE"], `cut at ${cut}`);
    assert.equal(report.entries, 3);
    assert.equal(report.errors[0].offset, lastStart);
  }
  const cut = lastStart + 100;
  await Deno.writeFile(path, full.subarray(0, cut));
  await using writer = await LedgerWriter.open(dir.path, { key: l.key });
  const r = await writer.append("note", { text: "after the crash" });
  assert.ok(r.repair);
  assert.equal(r.repair.offset, lastStart);
  assert.equal(r.repair.length, 100);
  assert.equal(r.repair.sha256, toHex(sha256(full.subarray(lastStart, cut))));
  assert.deepEqual(
    await Deno.readFile(`${dir.path}/${r.repair.quarantine}`),
    full.subarray(lastStart, cut),
  );
  assert.equal((await Deno.stat(`${dir.path}/${r.repair.quarantine}`)).mode! & 0o777, 0o600);
  assert.equal(r.repair.noteSeq, 3);
  assert.equal(r.seq, 4);
  const lines = await readLedgerLines(dir.path);
  const note = JSON.parse(lines[3]);
  assert.deepEqual(note.body.repair, {
    offset: lastStart,
    length: 100,
    sha256: r.repair.sha256,
    quarantine: r.repair.quarantine,
  });
  assert.equal(note.body.kind, "repair");
  assertVerdict(await verifyDir(dir.path, l.trust), 0, [], "after repair");
});

Deno.test("append refuses when the chain head cannot be established and writes nothing", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 2);
  const lines = await readLedgerLines(dir.path);
  const bad = [...lines.slice(0, 2), lines[2].replace('"v":1}', '"v": 1}')];
  await writeLedgerLines(dir.path, bad);
  const before = await Deno.readFile(`${dir.path}/${LEDGER_JSONL}`);
  await using writer = await LedgerWriter.open(dir.path, { key: l.key });
  await assert.rejects(
    writer.append("note", { text: "x" }),
    (e: unknown) => e instanceof LedgerError && e.code === "HEAD_INVALID",
  );
  const edited = [...lines.slice(0, 2), lines[2].replace('"text":"note 2"', '"text":"note 3"')];
  await writeLedgerLines(dir.path, edited);
  await assert.rejects(
    writer.append("note", { text: "x" }),
    (e: unknown) => e instanceof LedgerError && /signature/.test(e.message),
  );
  await Deno.writeTextFile(`${dir.path}/${LEDGER_JSONL}`, "");
  await assert.rejects(
    writer.append("note", { text: "x" }),
    (e: unknown) => e instanceof LedgerError && e.code === "HEAD_INVALID",
  );
  assert.equal((await Deno.readFile(`${dir.path}/${LEDGER_JSONL}`)).length, 0);
  assert.ok(before.length > 0);
});

Deno.test("a full rewrite with the stolen key is caught only by a held checkpoint (ROOT_MISMATCH, exit 3)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const held = await writeCheckpoint(dir.path, l.key);
  await using forged = await tempDir();
  await buildLedger(forged.path, {
    records: 5,
    key: l.key,
    bodies: (seq) => ({ type: "note", body: { text: `forged ${seq}` } }),
  });
  await Deno.copyFile(`${forged.path}/${LEDGER_JSONL}`, `${dir.path}/${LEDGER_JSONL}`);
  assertVerdict(await verifyDir(dir.path, l.trust), 0, [], "stolen key, no anchor");
  const report = await verifyDir(dir.path, l.trust, [{ source: "auditor.note", note: held.note }]);
  assertVerdict(report, 3, ["CHECKPOINT_ROOT_MISMATCH"], "stolen key rewrite");
  assert.equal(report.checkpoints[0].status, "root_mismatch");
});

Deno.test("rollback to a backup is caught by a later held checkpoint (AHEAD_OF_LOG, exit 3)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 2);
  const backup = await Deno.readFile(`${dir.path}/${LEDGER_JSONL}`);
  await using writer = await LedgerWriter.open(dir.path, { key: l.key });
  for (let i = 0; i < 3; i++) await writer.append("note", { text: `later ${i}` });
  const held = await writeCheckpoint(dir.path, l.key);
  await Deno.writeFile(`${dir.path}/${LEDGER_JSONL}`, backup);
  assertVerdict(await verifyDir(dir.path, l.trust), 0, [], "rolled back, no anchor");
  assertVerdict(await verifyDir(dir.path, l.trust, [{ source: "held", note: held.note }]), 3, [
    "CHECKPOINT_AHEAD_OF_LOG",
  ], "rollback");
  // The writer refuses to sign a checkpoint for the rolled-back ledger.
  await assert.rejects(
    writeCheckpoint(dir.path, l.key),
    (e: unknown) => e instanceof LedgerError && e.code === "CHECKPOINT_CONFLICT",
  );
});

Deno.test("two valid checkpoints of one size with different roots prove equivocation (exit 3)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const real = await writeCheckpoint(dir.path, l.key);
  const fork = signCheckpoint({
    origin: l.origin,
    size: real.size,
    root: sha256(new Uint8Array([1])),
  }, l.key);
  const report = await verifyDir(dir.path, l.trust, [{ source: "a", note: real.note }, {
    source: "b",
    note: fork,
  }]);
  assertVerdict(report, 3, ["CHECKPOINT_EQUIVOCATION", "CHECKPOINT_ROOT_MISMATCH"], "fork");
  assert.deepEqual(report.checkpoints.map((c) => c.status), ["equivocation", "equivocation"]);
  // The writer never signs a second root for a size it already signed.
  await Deno.writeTextFile(
    `${dir.path}/checkpoints/${String(real.size).padStart(20, "0")}.note`,
    fork,
  );
  await Deno.remove(`${dir.path}/checkpoints/frontier.json`);
  await Deno.remove(`${dir.path}/${LATEST_CHECKPOINT}`);
  await assert.rejects(
    writeCheckpoint(dir.path, l.key),
    (e: unknown) => e instanceof LedgerError && e.code === "CHECKPOINT_CONFLICT",
  );
});

Deno.test("checkpoint problems: malformed (1), bad signature (1), untrusted or wrong origin (4)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const cp = await writeCheckpoint(dir.path, l.key);
  const v = (note: string) => verifyDir(dir.path, l.trust, [{ source: "given", note }]);
  assertVerdict(await v(cp.note), 0, [], "good checkpoint");
  assertVerdict(await v("garbage\n"), 1, ["CHECKPOINT_MALFORMED"], "malformed");
  assertVerdict(
    await v(cp.note.replace(/\n\d+\n/, "\n0006\n")),
    1,
    ["CHECKPOINT_BAD_SIGNATURE"],
    "edited size",
  );
  assertVerdict(
    await v(
      signCheckpoint({ origin: l.origin, size: cp.size, root: cp.root }, generateSigningKey()),
    ),
    4,
    ["CHECKPOINT_UNTRUSTED"],
    "foreign",
  );
  const otherOrigin = signCheckpoint(
    { origin: "other.example/log", size: cp.size, root: cp.root },
    l.key,
  );
  assertVerdict(await v(otherOrigin), 4, ["CHECKPOINT_UNTRUSTED"], "other origin name");
  const recordsOnly = parseTrustFile(
    trustFileText({
      origin: l.origin,
      keys: [{ key: l.key, role: "records", seqFrom: 0, seqTo: null }],
    }),
  );
  assertVerdict(await verifyDir(dir.path, recordsOnly, [{ source: "given", note: cp.note }]), 4, [
    "CHECKPOINT_UNTRUSTED",
  ], "records-only key");
});

Deno.test("trust problems: out-of-range key, wrong role, other origin, bad trust files (exit 4)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path);
  const trust = (
    role: "records" | "checkpoints" | "both",
    seqFrom: number,
    seqTo: number | null,
    origin = l.origin,
  ) => parseTrustFile(trustFileText({ origin, keys: [{ key: l.key, role, seqFrom, seqTo }] }));
  assertVerdict(
    await verifyDir(dir.path, trust("both", 0, 3)),
    4,
    ["KEY_OUT_OF_RANGE"],
    "key retired after seq 3",
  );
  assertVerdict(
    await verifyDir(dir.path, trust("records", 1, null)),
    4,
    ["KEY_OUT_OF_RANGE"],
    "genesis before range",
  );
  assertVerdict(
    await verifyDir(dir.path, trust("checkpoints", 0, null)),
    4,
    ["KEY_ROLE"],
    "checkpoint-only key",
  );
  assertVerdict(await verifyDir(dir.path, trust("both", 0, null, "other.example/log")), 4, [
    "ORIGIN_MISMATCH",
  ], "origin");
  const report = await verifyDir(dir.path, trust("both", 0, 3));
  assert.deepEqual(report.keys.map((k) => [k.firstSeq, k.lastSeq, k.records, k.trusted]), [[
    0,
    5,
    6,
    true,
  ]]);
  const text = trustFileText(l.trust);
  const wrongKid = text.replace(/"kid": "[0-9a-f]{64}"/, `"kid": "${"0".repeat(64)}"`);
  assert.throws(() => parseTrustFile(wrongKid), TrustFileError);
  const rsaPem =
    "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMqf+ZUEqEcAJ1Sh0C2jCMZkRL2rRwD8\nbGqNuXrWXyEyWtUBgmV9gaHzTXF3UTtaVO2nDi7J7R2tV6oUZzcpO1ECAwEAAQ==\n-----END PUBLIC KEY-----\n";
  const rsa = JSON.stringify({
    v: 1,
    origin: l.origin,
    keys: [{ kid: "0".repeat(64), public_key: rsaPem, role: "both" }],
  });
  assert.throws(
    () => parseTrustFile(rsa),
    (e: unknown) => e instanceof TrustFileError && /Ed25519/.test(e.message),
  );
  assert.throws(
    () => parseTrustFile(text.replace('"role": "both"', '"role": "admin"')),
    TrustFileError,
  );
  assert.throws(() => parseTrustFile(text.replace('"v": 1', '"v": 1, "v": 2')), TrustFileError);
});

Deno.test("incremental checkpoints hash only the new records and agree with a full rebuild", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 20);
  const first = await writeCheckpoint(dir.path, l.key);
  assert.equal(first.linesRead, 20); // genesis was covered by the init checkpoint
  await using writer = await LedgerWriter.open(dir.path, { key: l.key });
  for (let i = 0; i < 7; i++) await writer.append("note", { text: `n${i}` });
  const second = await writeCheckpoint(dir.path, l.key);
  assert.equal(second.linesRead, 7);
  assert.equal(second.size, 28);
  await Deno.remove(`${dir.path}/checkpoints/frontier.json`);
  const rebuilt = await writeCheckpoint(dir.path, l.key);
  assert.equal(rebuilt.linesRead, 28);
  assert.deepEqual(rebuilt.root, second.root);
  const report = await verifyLedger(dir.path, {
    trust: l.trust,
    checkpoints: [{ source: "first", note: first.note }],
  });
  assertVerdict(report, 0, [], "checkpoints consistent");
  assert.deepEqual(report.checkpoints.map((c) => c.status), ["consistent", "consistent"]);
});

Deno.test("checkpoint refuses to sign a ledger whose lines do not link (CHAIN_INVALID)", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 6);
  const lines = await readLedgerLines(dir.path);
  const cases: [string, string[]][] = [
    ["deleted record", [...lines.slice(0, 3), ...lines.slice(4)]],
    ["swapped records", [lines[0], lines[2], lines[1], ...lines.slice(3)]],
    ["not a record", [...lines.slice(0, 3), '{"hello":"world"}', ...lines.slice(4)]],
    ["edited prev", [
      ...lines.slice(0, 3),
      // Flip the first hex digit to a different one (a fixed "f" was a no-op when it was "f").
      lines[3].replace(/"prev":"(.)/, (_, c: string) => `"prev":"${c === "f" ? "e" : "f"}`),
      ...lines.slice(4),
    ]],
  ];
  for (const [what, tampered] of cases) {
    await writeLedgerLines(dir.path, tampered);
    await Deno.remove(`${dir.path}/checkpoints/frontier.json`).catch(() => {});
    await Deno.remove(`${dir.path}/${LATEST_CHECKPOINT}`).catch(() => {});
    await assert.rejects(
      writeCheckpoint(dir.path, l.key),
      (e: unknown) => e instanceof LedgerError && e.code === "CHAIN_INVALID",
      what,
    );
  }
  await writeLedgerLines(dir.path, lines);
  assert.equal((await writeCheckpoint(dir.path, l.key)).size, 7);
});

Deno.test("a conflicting quarantine file stops the repair without poisoning the writer", async () => {
  await using dir = await tempDir();
  const l = await smallLedger(dir.path, 2);
  const path = `${dir.path}/${LEDGER_JSONL}`;
  const full = await Deno.readFile(path);
  const torn = new TextEncoder().encode('{"body":{"te');
  await Deno.writeFile(path, new Uint8Array([...full, ...torn]));
  const name = `torn-${String(full.length).padStart(20, "0")}-${
    toHex(sha256(torn)).slice(0, 16)
  }.bin`;
  await Deno.mkdir(`${dir.path}/quarantine`);
  await Deno.writeTextFile(`${dir.path}/quarantine/${name}`, "something else");
  await using writer = await LedgerWriter.open(dir.path, { key: l.key });
  await assert.rejects(
    writer.append("note", { text: "x" }),
    (e: unknown) => e instanceof LedgerError && e.code === "HEAD_INVALID",
  );
  assert.equal((await Deno.readFile(path)).length, full.length + torn.length, "nothing truncated");
  await Deno.remove(`${dir.path}/quarantine/${name}`);
  const r = await writer.append("note", { text: "x" });
  assert.equal(r.repair?.quarantine, `quarantine/${name}`);
  assertVerdict(await verifyDir(dir.path, l.trust), 0, [], "repaired");
});
