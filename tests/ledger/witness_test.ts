import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { openCheckpoint, signCheckpoint } from "../../lib/ledger/checkpoint.ts";
import { signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import { consistencyProof } from "../../lib/ledger/merkle_proofs.ts";
import { leafHash, rootOf } from "../../lib/ledger/merkle.ts";
import { noteVerifier, parseNote } from "../../lib/ledger/signed_note.ts";
import {
  cosign,
  cosignatureKeyId,
  cosignedMessage,
  parseWitnessVkey,
  splitCosignature,
  verifyCosignatures,
  witnessKey,
  witnessVkey,
} from "../../lib/ledger/witness.ts";
import { addCheckpointRequest, findEquivocations } from "../../lib/ledger/witness_protocol.ts";

const seed = (b: number) => new Uint8Array(32).fill(b);
const LOG = signingKeyFromSeed(seed(1));
const W = [2, 3, 4].map((b) => signingKeyFromSeed(seed(b)));
const NAMES = ["witness.example/w1", "witness.example/w2", "witness.example/w3"];
const WITNESSES = W.map((k, i) => witnessKey(NAMES[i], k));
const ORIGIN = "carbon-ops.example/host-01";
const leaves = Array.from({ length: 9 }, (_, i) => leafHash(new TextEncoder().encode(`r${i}`)));
const cp = (size: number) => ({ origin: ORIGIN, size, root: rootOf(leaves.slice(0, size)) });
const logNote = (size: number) => signCheckpoint(cp(size), LOG);
const textOf = (note: string) => note.slice(0, note.indexOf("\n\n") + 1);

function cosigned(size: number, which: number[], timestamp = 1_700_000_000n): string {
  const note = logNote(size);
  return note +
    which.map((i) => cosign(textOf(note), { name: NAMES[i], key: W[i], timestamp })).join("");
}

Deno.test("witness key id and vkey follow the C2SP cosignature spec (type 0x04)", () => {
  const raw = W[0].publicRaw;
  const expected = createHash("sha256").update(`${NAMES[0]}\n`).update(Uint8Array.of(4)).update(raw)
    .digest()
    .subarray(0, 4);
  assert.deepEqual(cosignatureKeyId(NAMES[0], raw), new Uint8Array(expected));
  const vkey = witnessVkey(NAMES[0], W[0]);
  assert.equal(
    vkey,
    `${NAMES[0]}+${expected.toString("hex")}+${
      Buffer.concat([Buffer.of(4), raw]).toString("base64")
    }`,
  );
  assert.equal(parseWitnessVkey(vkey).name, NAMES[0]);
  // A note key (type 0x01) is not a witness key, and a wrong key id is refused.
  const asNoteKey = vkey.replace(
    /\+[^+]+$/,
    "+" + Buffer.concat([Buffer.of(1), raw]).toString("base64"),
  );
  assert.throws(() => parseWitnessVkey(asNoteKey), /0x04/);
  assert.throws(() => parseWitnessVkey(vkey.replace(/\+[0-9a-f]{8}\+/, "+00000000+")), /key id/);
  assert.throws(() => parseWitnessVkey("bad"), RangeError);
  // Base64 key material may contain '+', the separator: it must still parse.
  for (let b = 40; b < 140; b++) {
    const k = signingKeyFromSeed(new Uint8Array(32).fill(b));
    const v = witnessVkey("w", k);
    assert.deepEqual(parseWitnessVkey(v).key.publicRaw, k.publicRaw, v);
  }
  assert.ok(
    Array.from(
      { length: 100 },
      (_, i) => witnessVkey("w", signingKeyFromSeed(new Uint8Array(32).fill(40 + i))),
    )
      .some((v) => v.split("+").length > 3),
    "the loop above includes keys whose base64 has a '+'",
  );
});

Deno.test("witness cosignature parses the spec's example line: key id, time, signature", () => {
  // The example cosignature line from c2sp.org/tlog-cosignature, over time 1679315147.
  const line =
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
  const blob = new Uint8Array(Buffer.from(line, "base64"));
  const r = splitCosignature(blob.subarray(4));
  assert.ok(typeof r !== "string");
  assert.equal(r.timestamp, 1679315147n);
  assert.equal(r.signature.length, 64);
  const msg = new TextDecoder().decode(
    cosignedMessage("example.com/behind-the-sofa\n20852163\nx=\n", 1679315147n),
  );
  assert.equal(msg, "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nx=\n");
  assert.equal(typeof splitCosignature(new Uint8Array(71)), "string");
  const big = new Uint8Array(72);
  big[0] = 0x80;
  assert.match(String(splitCosignature(big)), /2\^63/);
});

Deno.test("witness verifyCosignatures enforces k of n and counts each witness once", () => {
  const policy = { witnesses: WITNESSES, quorum: 2 };
  const two = verifyCosignatures(cosigned(5, [0, 2]), policy);
  assert.ok(two.ok);
  assert.deepEqual(two.valid.map((v) => v.name), [NAMES[0], NAMES[2]]);
  assert.equal(two.ignored, 1); // the log's own signature
  assert.equal(two.valid[0].timestamp, 1_700_000_000n);
  const one = verifyCosignatures(cosigned(5, [1]), policy);
  assert.ok(!one.ok && one.valid.length === 1 && one.invalid.length === 0);
  const dup = verifyCosignatures(cosigned(5, [1, 1]), policy);
  assert.ok(!dup.ok && dup.valid.length === 1, "the same witness twice is not a quorum of 2");
  assert.ok(
    verifyCosignatures(cosigned(5, [0, 1, 2]), { witnesses: WITNESSES }).ok,
    "default quorum is n",
  );
  assert.ok(!verifyCosignatures(cosigned(5, [0, 1]), { witnesses: WITNESSES }).ok);
});

Deno.test("witness verifyCosignatures rejects forged, replayed and tampered cosignatures", () => {
  const policy = { witnesses: WITNESSES, quorum: 1 };
  const note = logNote(6);
  // Cosignature over another checkpoint, moved onto this one.
  const foreign = cosign(textOf(logNote(5)), { name: NAMES[0], key: W[0], timestamp: 9n });
  const replayed = verifyCosignatures(note + foreign, policy);
  assert.ok(!replayed.ok && replayed.invalid[0].reason.includes("does not verify"));
  // Time changed after signing.
  const good = cosign(textOf(note), { name: NAMES[0], key: W[0], timestamp: 9n });
  const blob = Buffer.from(good.trim().split(" ")[2], "base64");
  blob[11] ^= 1;
  const retimed = verifyCosignatures(
    `${note}\u2014 ${NAMES[0]} ${blob.toString("base64")}\n`,
    policy,
  );
  assert.ok(!retimed.ok);
  // Signed by a key that is not the witness's key, under the witness's name: id mismatch -> ignored.
  const impostor = cosign(textOf(note), { name: NAMES[0], key: LOG, timestamp: 9n });
  const imp = verifyCosignatures(note + impostor, policy);
  assert.ok(!imp.ok && imp.ignored === 2 && imp.invalid.length === 0);
  // A valid quorum does not excuse a bad cosignature from a trusted witness.
  const mixed = verifyCosignatures(cosigned(6, [1]) + foreign, policy);
  assert.ok(!mixed.ok && mixed.valid.length === 1 && mixed.invalid.length === 1);
  // Tampered checkpoint text invalidates every cosignature.
  const c = cosigned(6, [0]);
  const tampered = c.replace("\n6\n", "\n7\n");
  assert.ok(!verifyCosignatures(tampered, policy).ok);
  // Malformed notes are reported, not thrown.
  assert.ok(!verifyCosignatures("junk", policy).ok);
  // Short cosignature blob from a trusted key id.
  const short = Buffer.concat([Buffer.from(WITNESSES[0].keyId), Buffer.alloc(60)]).toString(
    "base64",
  );
  assert.ok(!verifyCosignatures(`${note}\u2014 ${NAMES[0]} ${short}\n`, policy).ok);
});

Deno.test("witness cosignatures leave the log signature verifiable by note verifiers", () => {
  const note = cosigned(7, [0, 1, 2]);
  const opened = openCheckpoint(note, [noteVerifier(ORIGIN, LOG)]);
  assert.equal(opened.size, 7);
  assert.equal(parseNote(note).signatures.length, 4);
});

Deno.test("witness findEquivocations reports same-size different-root checkpoints with both notes", () => {
  const honest = logNote(4);
  const forkCp = {
    origin: ORIGIN,
    size: 4,
    root: rootOf([...leaves.slice(0, 3), leafHash(new Uint8Array([9]))]),
  };
  const fork = signCheckpoint(forkCp, LOG);
  const opened = [
    { ...openCheckpoint(honest, [noteVerifier(ORIGIN, LOG)]), note: honest, source: "auditor" },
    {
      ...openCheckpoint(logNote(5), [noteVerifier(ORIGIN, LOG)]),
      note: logNote(5),
      source: "witness",
    },
    { ...openCheckpoint(fork, [noteVerifier(ORIGIN, LOG)]), note: fork, source: "customer" },
    { ...openCheckpoint(honest, [noteVerifier(ORIGIN, LOG)]), note: honest, source: "again" },
  ];
  const eq = findEquivocations(opened);
  assert.equal(eq.length, 1);
  assert.equal(eq[0].size, 4);
  assert.deepEqual(eq[0].sources, ["auditor", "customer"]);
  assert.deepEqual(eq[0].notes, [honest, fork]);
  assert.equal(findEquivocations(opened.slice(0, 2)).length, 0);
});

Deno.test("witness addCheckpointRequest matches the tlog-witness request layout", () => {
  const note = logNote(9);
  const proof = consistencyProof(leaves, { size1: 3 });
  const body = addCheckpointRequest(note, { oldSize: 3, proof });
  const lines = body.split("\n");
  assert.equal(lines[0], "old 3");
  assert.deepEqual(
    lines.slice(1, 1 + proof.length),
    proof.map((h) => Buffer.from(h).toString("base64")),
  );
  assert.equal(lines[1 + proof.length], "");
  assert.equal(body.slice(body.indexOf("\n\n") + 2), note);
  assert.equal(addCheckpointRequest(note, { oldSize: 0, proof: [] }), "old 0\n\n" + note);
  assert.throws(() => addCheckpointRequest(note, { oldSize: 0, proof }), RangeError);
  assert.throws(() => addCheckpointRequest(note, { oldSize: -1, proof: [] }), RangeError);
});
