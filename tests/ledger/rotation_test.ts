import assert from "node:assert/strict";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { toHex } from "../../lib/ledger/encoding.ts";
import { privateKeyPem, type SigningKey, signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import { leafHash } from "../../lib/ledger/merkle.ts";
import { type RecordBody, signRecord } from "../../lib/ledger/record.ts";
import { checkKeyRotationBody, keyRotationBody } from "../../lib/ledger/rotation_body.ts";
import { verifyRotation } from "../../lib/ledger/rotation.ts";
import { compromiseAnchors } from "../../lib/ledger/rotation_trust.ts";
import { parseTrustFile } from "../../lib/ledger/trust.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import { runCli } from "../_kit/run_cli.ts";
import { smallLedger } from "../_kit/small_ledger.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const A = signingKeyFromSeed(new Uint8Array(32).fill(31));
const B = signingKeyFromSeed(new Uint8Array(32).fill(32));
const C = signingKeyFromSeed(new Uint8Array(32).fill(33));
const ORIGIN = "carbon-ops.example/test";

Deno.test("rotation body: valid, and every broken part is named", () => {
  const body = keyRotationBody(ORIGIN, { oldKid: A.kid, newKey: B });
  assert.deepEqual(checkKeyRotationBody(body), []);
  const nk = body.new_key as { kid: string; spki: string };
  const cases: [string, RecordBody, RegExp][] = [
    ["PoP by the old key", {
      ...body,
      pop: keyRotationBody(ORIGIN, { oldKid: C.kid, newKey: A }).pop,
    }, /\/pop/],
    ["PoP for another origin", { ...body, origin: "other.example/log" }, /\/pop/],
    ["PoP for another predecessor", { ...body, old_kid: C.kid }, /\/pop/],
    ["kid not of spki", { ...body, new_key: { ...nk, kid: C.kid } }, /\/new_key\/kid/],
    ["spki not Ed25519", { ...body, new_key: { ...nk, spki: "AAAA" } }, /\/new_key\/spki/],
    ["unknown field", { ...body, extra: 1 }, /\/extra/],
    ["missing pop", { ...body, pop: undefined as unknown as string }, /\/pop/],
  ];
  for (const [what, b, re] of cases) {
    const problems = checkKeyRotationBody(JSON.parse(JSON.stringify(b)));
    assert.ok(problems.some((p) => re.test(p)), `${what}: ${problems.join("; ")}`);
  }
  assert.throws(() => keyRotationBody(ORIGIN, { oldKid: B.kid, newKey: B }), RangeError);
  assert.ok(
    "problem" in verifyRotation({ kid: C.kid, body }, ORIGIN),
    "signed by another key than old_kid",
  );
  assert.ok("problem" in verifyRotation({ kid: A.kid, body }, "other.example/log"));
  assert.ok("key" in verifyRotation({ kid: A.kid, body }, ORIGIN));
});

/** A ledger of A-signed notes, a rotation to B at seq 3, then `after` (key, text) appends. */
async function rotatedLedger(dir: string, after: SigningKey[]) {
  const init = await smallLedger(dir, { records: 2, key: A, origin: ORIGIN });
  const clock = new VirtualClock({ sleep: "manual", wallMs: Date.UTC(2026, 0, 2) });
  {
    await using w = await LedgerWriter.open(dir, { key: A, clock });
    await w.append("key_rotation", keyRotationBody(ORIGIN, { oldKid: A.kid, newKey: B }));
  }
  for (const key of after) {
    await using w = await LedgerWriter.open(dir, { key, clock });
    await w.append("note", { text: `by ${key.kid.slice(0, 8)}` });
  }
  return init;
}

Deno.test("rotation: the new key signs after a rotation; the old key is then rejected", async () => {
  await using dir = await tempDir();
  const init = await rotatedLedger(dir.path, [B, B]);
  const ok = await verifyLedger(dir.path, { trust: init.trust });
  assert.equal(ok.status, "valid", JSON.stringify(ok.errors));
  assert.equal(ok.entries, 6);
  await using dir2 = await tempDir();
  const init2 = await rotatedLedger(dir2.path, [B]);
  // The writer refuses the retired key (retired-keys.json)...
  {
    await using w = await LedgerWriter.open(dir2.path, { key: A });
    await assert.rejects(w.append("note", { text: "old key" }), /KEY_RETIRED|rotated out/);
  }
  // ...and a record signed with it anyway (another tool, a deleted guard file) fails verification.
  await Deno.remove(`${dir2.path}/retired-keys.json`);
  {
    await using w = await LedgerWriter.open(dir2.path, { key: A });
    await w.append("note", { text: "old key" });
  }
  const bad = await verifyLedger(dir2.path, { trust: init2.trust });
  assert.equal(bad.exitCode, 4);
  assert.deepEqual(bad.errors.map((e) => [e.code, e.seq]), [["KEY_ROTATED_OUT", 5]]);
  // A record by B before the rotation is not trusted (B is vouched for only from seq 4).
  await using dir3 = await tempDir();
  const init3 = await smallLedger(dir3.path, { records: 1, key: A, origin: ORIGIN });
  {
    await using w = await LedgerWriter.open(dir3.path, { key: B });
    await w.append("note", { text: "early" });
  }
  const early = await verifyLedger(dir3.path, { trust: init3.trust });
  assert.deepEqual(early.errors.map((e) => e.code), ["KEY_UNKNOWN"]);
});

/** Appends a raw signed record (bypassing the writer's body checks) to build attack ledgers. */
async function appendRaw(dir: string, key: SigningKey, type: string, body: RecordBody) {
  const text = await Deno.readTextFile(`${dir}/ledger.jsonl`);
  const lines = text.trimEnd().split("\n");
  const prev = toHex(leafHash(new TextEncoder().encode(lines.at(-1)!)));
  const r = signRecord(
    { seq: lines.length, ts: "2026-01-03T00:00:00.000Z", type, body, prev },
    key,
  );
  await Deno.writeTextFile(`${dir}/ledger.jsonl`, r.line + "\n", { append: true });
}

Deno.test("rotation attacks: missing proof of possession, wrong signer, rotation by an untrusted key", async () => {
  // PoP signed by the old key, not the new one: rotation refused, B's records untrusted.
  await using d1 = await tempDir();
  const i1 = await smallLedger(d1.path, { records: 1, key: A, origin: ORIGIN });
  const forged = { ...keyRotationBody(ORIGIN, { oldKid: A.kid, newKey: B }) };
  forged.pop = keyRotationBody(ORIGIN, { oldKid: C.kid, newKey: A }).pop;
  await appendRaw(d1.path, A, "key_rotation", forged);
  await appendRaw(d1.path, B, "note", { text: "after forged rotation" });
  const r1 = await verifyLedger(d1.path, { trust: i1.trust });
  const codes1 = r1.errors.map((e) => e.code);
  assert.ok(
    codes1.includes("BODY_INVALID") && codes1.includes("ROTATION_POP_INVALID"),
    codes1.join(),
  );
  assert.ok(codes1.includes("KEY_UNKNOWN"));
  assert.notEqual(r1.exitCode, 0);
  // The writer refuses to append such a body at all.
  await using w = await LedgerWriter.open(d1.path, { key: A });
  await assert.rejects(w.append("key_rotation", forged), /pop|BODY_INVALID/i);
  // A rotation naming old_kid A but signed by an untrusted key C.
  await using d2 = await tempDir();
  const i2 = await smallLedger(d2.path, { records: 1, key: A, origin: ORIGIN });
  await appendRaw(
    d2.path,
    C,
    "key_rotation",
    keyRotationBody(ORIGIN, { oldKid: A.kid, newKey: B }),
  );
  await appendRaw(d2.path, B, "note", { text: "x" });
  const r2 = await verifyLedger(d2.path, { trust: i2.trust });
  assert.deepEqual(r2.errors.map((e) => e.code), ["KEY_UNKNOWN", "KEY_UNKNOWN"]);
  // A valid-looking rotation whose old_kid is not its signer.
  await using d3 = await tempDir();
  const i3 = await smallLedger(d3.path, { records: 1, key: A, origin: ORIGIN });
  await appendRaw(
    d3.path,
    A,
    "key_rotation",
    keyRotationBody(ORIGIN, { oldKid: C.kid, newKey: B }),
  );
  const r3 = await verifyLedger(d3.path, { trust: i3.trust });
  assert.deepEqual(r3.errors.map((e) => e.code), ["ROTATION_INVALID"]);
});

Deno.test("compromise: later records rejected, earlier ones reported with their anchors", async () => {
  await using dir = await tempDir();
  const init = await smallLedger(dir.path, { records: 2, key: A, origin: ORIGIN });
  const anchor = await Deno.readTextFile(`${dir.path}/checkpoint`); // size 1 (genesis)
  await writeCheckpoint(dir.path, A); // size 3
  const size3 = await Deno.readTextFile(`${dir.path}/checkpoint`);
  {
    await using w = await LedgerWriter.open(dir.path, { key: A });
    for (let i = 0; i < 3; i++) await w.append("note", { text: `later ${i}` });
  }
  const trustJson = JSON.parse(init.trustText);
  trustJson.compromised = [{ kid: A.kid, after_seq: 3, reason: "laptop stolen" }];
  const trust = parseTrustFile(JSON.stringify(trustJson));
  const r = await verifyLedger(dir.path, {
    trust,
    checkpoints: [{ source: "auditor-1.note", note: anchor }, {
      source: "auditor-3.note",
      note: size3,
    }],
    useLedgerCheckpoint: false,
  });
  assert.equal(r.exitCode, 4);
  assert.deepEqual(r.errors.map((e) => [e.code, e.seq]), [["KEY_COMPROMISED", 4], [
    "KEY_COMPROMISED",
    5,
  ]]);
  const w = r.warnings.find((x) => x.code === "COMPROMISE_ANCHORS");
  assert.match(
    w!.message,
    /records 0\.\.2 are anchored by checkpoint auditor-3\.note \(size 3\), provided .*; records 3\.\.3 rest on signatures alone/,
  );
  const k = [{ kid: A.kid, afterSeq: 9, reason: "" }];
  assert.equal(compromiseAnchors(k, [])[0].anchoredUpTo, -1);
  const cps = [{ source: "a", size: 4, status: "consistent" }, {
    source: "b",
    size: 30,
    status: "consistent",
  }];
  assert.equal(
    compromiseAnchors(k, cps)[0].anchoredUpTo,
    9,
    "a larger anchor pins everything up to after_seq",
  );
  assert.equal(
    compromiseAnchors(k, [{ source: "x", size: 30, status: "root_mismatch" }])[0].anchoredUpTo,
    -1,
  );
  assert.match(
    compromiseAnchors([{ ...k[0], afterSeq: -1 }], cps)[0].message,
    /none of its records/,
  );
  assert.throws(() =>
    parseTrustFile(JSON.stringify({ ...trustJson, compromised: [{ kid: "x", after_seq: 1 }] }))
  );
});

Deno.test("rotation CLI: rotate-key, updated trust file, new-key checkpoint and proof verify", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  const init = await smallLedger(ledger, { records: 2, key: A, origin: ORIGIN });
  const [aPath, bPath, trustPath, trust2] = ["a.key", "b.key", "trust.json", "trust2.json"].map((
    f,
  ) => dir.join(f));
  await Deno.writeTextFile(aPath, privateKeyPem(A), { mode: 0o600 });
  await Deno.writeTextFile(bPath, privateKeyPem(B), { mode: 0o600 });
  await Deno.writeTextFile(trustPath, init.trustText);
  const rot = await runCli([
    "ledger",
    "rotate-key",
    ledger,
    "--key",
    aPath,
    "--new-key",
    bPath,
    "--reason",
    "yearly",
    "--trust",
    trustPath,
    "--trust-out",
    trust2,
    "--json",
  ]);
  assert.equal(rot.code, 0, rot.stderr);
  assert.equal(JSON.parse(rot.stdout).seq, 3);
  const updated = parseTrustFile(await Deno.readTextFile(trust2));
  assert.deepEqual(updated.keys.map((k) => [k.key.kid, k.role, k.seqFrom, k.seqTo]), [
    [A.kid, "both", 0, 3],
    [B.kid, "both", 4, null],
  ]);
  const app = await runCli([
    "ledger",
    "append",
    ledger,
    "--key",
    bPath,
    "--type",
    "note",
    "--body",
    "-",
  ], {
    stdin: '{"text":"after rotation"}',
  });
  assert.equal(app.code, 0, app.stderr);
  const stale = await runCli([
    "ledger",
    "append",
    ledger,
    "--key",
    aPath,
    "--type",
    "note",
    "--body",
    "-",
  ], {
    stdin: '{"text":"old key"}',
  });
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /rotated out at seq 3/);
  assert.equal((await runCli(["ledger", "checkpoint", ledger, "--key", bPath])).code, 0);
  for (const t of [trustPath, trust2]) {
    const v = await runCli(["ledger", "verify", ledger, "--trust", t, "--json"]);
    assert.equal(v.code, t === trust2 ? 0 : 4, v.stdout); // the old trust file does not know B for checkpoints
  }
  const bundle = dir.join("r4.tlog-proof");
  const rec = dir.join("r4.json");
  assert.equal(
    (await runCli(["ledger", "prove", ledger, "--seq", "4", "--out", bundle, "--record-out", rec]))
      .code,
    0,
  );
  const vp = await runCli(["ledger", "verify-proof", rec, bundle, "--trust", trust2]);
  assert.equal(vp.code, 0, vp.stdout);
  const same = await runCli(["ledger", "rotate-key", ledger, "--key", bPath, "--new-key", bPath]);
  assert.equal(same.code, 2);
});

Deno.test("rotation: a chain A -> B -> C verifies with the original trust file for records", async () => {
  await using dir = await tempDir();
  const init = await smallLedger(dir.path, { records: 1, key: A, origin: ORIGIN });
  for (const [from, to] of [[A, B], [B, C]] as const) {
    await using w = await LedgerWriter.open(dir.path, { key: from });
    await w.append("key_rotation", keyRotationBody(ORIGIN, { oldKid: from.kid, newKey: to }));
  }
  {
    await using w = await LedgerWriter.open(dir.path, { key: C });
    await w.append("note", { text: "by C" });
  }
  const r = await verifyLedger(dir.path, { trust: init.trust });
  assert.equal(r.status, "valid", JSON.stringify(r.errors));
  assert.deepEqual(r.keys.map((k) => [k.kid, k.firstSeq, k.lastSeq]), [
    [A.kid, 0, 2],
    [B.kid, 3, 3],
    [C.kid, 4, 4],
  ]);
  // B cannot sign again after handing over to C, even though A once vouched for it.
  await using w = await LedgerWriter.open(dir.path, { key: B });
  await assert.rejects(w.append("note", { text: "B again" }), /rotated out/);
});
