import assert from "node:assert/strict";
import { fromBase64, toHex, utf8Bytes } from "../../lib/ledger/encoding.ts";
import { sha256 } from "../../lib/ledger/sha256.ts";
import {
  generateSigningKey,
  signingKeyFromSeed,
  type VerifyingKey,
} from "../../lib/ledger/keys.ts";
import {
  distinctNoteVerifiers,
  NoteError,
  noteKeyId,
  noteVerifier,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKeyString,
} from "../../lib/ledger/signed_note.ts";
import {
  checkpointText,
  openCheckpoint,
  parseCheckpointText,
  signCheckpoint,
} from "../../lib/ledger/checkpoint.ts";
import { parseCheckpointInputs } from "../../lib/ledger/verify_checkpoints.ts";
import { cosign, verifyCosignatures, witnessKey } from "../../lib/ledger/witness.ts";

// The example of golang.org/x/mod/sumdb/note (also used by the C2SP signed-note spec).
const GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = GO_TEXT +
  "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof NoteError) return err.problem;
    throw err;
  }
  return "none";
}

Deno.test("noteKeyId is SHA-256(name || LF || 0x01 || key)[:4] as the C2SP spec defines", () => {
  const key = generateSigningKey();
  const name = "carbon-ops.example/host-01";
  const expected = sha256(new Uint8Array([...utf8Bytes(name), 0x0a, 0x01, ...key.publicRaw])).slice(
    0,
    4,
  );
  assert.deepEqual(noteKeyId(name, key.publicRaw), expected);
  const vkey = verifierKeyString(name, key.publicRaw);
  const [n, id] = vkey.split("+");
  const b64 = vkey.split("+").slice(2).join("+");
  assert.equal(n, name);
  assert.equal(id, toHex(expected));
  assert.deepEqual(fromBase64(b64), new Uint8Array([0x01, ...key.publicRaw]));
});

Deno.test("the Go sumdb/note example: verifier key parses and the example note verifies", () => {
  const v = parseVerifierKey(GO_VERIFIER);
  assert.equal(v.name, "PeterNeumann");
  assert.equal(toHex(v.keyId), "c74f20a3");
  assert.equal(openNote(GO_NOTE, [v]).text, GO_TEXT);
  // transparency-dev/formats test key whose base64 contains '+'.
  assert.equal(
    toHex(parseVerifierKey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6").keyId),
    "7997405c",
  );
  assert.throws(() => parseVerifierKey(GO_VERIFIER.replace("c74f20a3", "c74f20a4")), RangeError);
});

Deno.test("signNote with the Go example private key reproduces the Go note byte for byte", () => {
  const seed = fromBase64(GO_SIGNER.split("+").slice(4).join("+")).slice(1);
  const key = signingKeyFromSeed(seed);
  assert.equal(verifierKeyString("PeterNeumann", key.publicRaw), GO_VERIFIER);
  assert.equal(signNote(GO_TEXT, "PeterNeumann", key), GO_NOTE);
});

Deno.test("openNote ignores unknown signers, rejects a known bad signature, needs one known signature", () => {
  const a = generateSigningKey();
  const b = generateSigningKey();
  const note = signNote("hello\n", "log", a);
  const witness = signNote("hello\n", "witness", b).split("\n\n")[1];
  const cosigned = note + witness;
  assert.equal(openNote(cosigned, [noteVerifier("log", a)]).signedBy.length, 1);
  assert.equal(problem(() => openNote(note, [noteVerifier("log", b)])), "NO_KNOWN_SIGNATURE");
  const tampered = note.replace("hello", "hellp");
  assert.equal(problem(() => openNote(tampered, [noteVerifier("log", a)])), "BAD_SIGNATURE");
});

Deno.test("parseNote rejects malformed notes", () => {
  const good = signNote("a\nb\n", "log", generateSigningKey());
  const [text, sigs] = good.split("\n\n");
  for (
    const bad of [
      "no blank line\n",
      text + "\n\n", // no signatures
      text + "\n\n" + sigs.slice(0, -1), // signature block without final newline
      text + "\n\n" + sigs.replace("\u2014", "-"), // not an em dash
      text + "\n\n" + sigs.replace(/ [^ ]+\n$/, " !!!!\n"), // not base64
      text + "\n\n" + sigs.replace(/ [^ ]+\n$/, " AAAA\n"), // too short
      "a\u0007\n\n" + sigs, // control character in the text
    ]
  ) {
    assert.equal(problem(() => parseNote(bad)), "MALFORMED", JSON.stringify(bad));
  }
});

Deno.test("checkpoint text is origin, decimal size and base64 root; parse errors are MALFORMED", () => {
  const key = generateSigningKey();
  const root = sha256(utf8Bytes("root"));
  const cp = { origin: "carbon-ops.example/host-01", size: 12, root };
  assert.equal(
    checkpointText(cp),
    `carbon-ops.example/host-01\n12\n${btoa(String.fromCharCode(...root))}\n`,
  );
  const note = signCheckpoint(cp, key);
  const opened = openCheckpoint(note, [noteVerifier(cp.origin, key)], cp.origin);
  assert.equal(opened.size, 12);
  assert.deepEqual(opened.root, root);
  const r = btoa(String.fromCharCode(...root));
  for (
    const bad of [
      "o\n012\n" + r + "\n",
      "o\n-1\n" + r + "\n",
      "o\n1\n" + r.slice(4) + "\n",
      "o\n1\n",
      "o p\n1\n" + r + "\n",
      "o\n1e3\n" + r + "\n",
    ]
  ) {
    assert.equal(problem(() => parseCheckpointText(bad)), "MALFORMED", JSON.stringify(bad));
  }
  assert.equal(parseCheckpointText(`o\n1\n${r}\nextension line\n`).size, 1);
  assert.equal(
    problem(() => openCheckpoint(note, [noteVerifier(cp.origin, key)], "other/origin")),
    "MALFORMED",
  );
  assert.equal(
    problem(() => openCheckpoint(note, [noteVerifier("other/origin", key)])),
    "NO_KNOWN_SIGNATURE",
  );
});

Deno.test("verifierKeyString and noteKeyId refuse a 31- or 33-byte public key, naming its length", () => {
  const pub = generateSigningKey().publicRaw;
  const short = pub.slice(0, 31);
  const long = Uint8Array.of(...pub, 0);
  assert.throws(
    () => verifierKeyString("log", short),
    (e) => e instanceof RangeError && /got 31/.test(e.message),
  );
  assert.throws(
    () => verifierKeyString("log", long),
    (e) => e instanceof RangeError && /got 33/.test(e.message),
  );
  assert.throws(() => noteKeyId("log", short), RangeError);
  // The right length still gives the key back.
  const typed = fromBase64(verifierKeyString("log", pub).split("+").slice(2).join("+"));
  assert.deepEqual(typed.slice(1), pub);
});

Deno.test("a note whose text has empty lines is signed, parsed and opened: the text ends at the last empty line", () => {
  const key = generateSigningKey();
  for (const text of ["a\n\nb\n", "first\n\n\nthird\n", "\n", "ends with a blank\n\n"]) {
    const note = signNote(text, "log", key);
    assert.equal(parseNote(note).text, text, JSON.stringify(text));
    assert.equal(openNote(utf8Bytes(note), [noteVerifier("log", key)]).text, text);
  }
  // Someone else's note (the Go example key) with an empty line in its text verifies.
  const peter = signingKeyFromSeed(fromBase64(GO_SIGNER.split("+").slice(4).join("+")).slice(1));
  const text = "paragraph one\n\nparagraph two\n";
  const note = signNote(text, "PeterNeumann", peter);
  assert.equal(openNote(note, [parseVerifierKey(GO_VERIFIER)]).text, text);
});

Deno.test("a note given as bytes with invalid UTF-8 anywhere, even in an unknown signer's name, is MALFORMED", () => {
  const key = generateSigningKey();
  const verifiers = [noteVerifier("log", key)];
  const note = utf8Bytes(signNote("hello\n", "log", key));
  assert.equal(openNote(note, verifiers).text, "hello\n");
  const line = (name: number[]) =>
    Uint8Array.from([
      ...utf8Bytes("\u2014 "),
      ...name,
      ...utf8Bytes(" AAAAAAAAAAAAAAAAAAAAAA==\n"),
    ]);
  const withSigner = (name: number[]) => Uint8Array.from([...note, ...line(name)]);
  // A well-formed unknown signer is ignored...
  assert.equal(openNote(withSigner([...utf8Bytes("witness")]), verifiers).text, "hello\n");
  // ...but an invalid byte (0xff, a lone continuation byte, an overlong '/') in its name is not.
  for (const name of [[0x77, 0xff], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
    assert.equal(problem(() => openNote(withSigner(name), verifiers)), "MALFORMED", String(name));
    assert.equal(problem(() => parseNote(withSigner(name))), "MALFORMED", String(name));
  }
  // A control character in an unknown signer's name, and invalid UTF-8 in the text.
  assert.equal(problem(() => openNote(withSigner([0x77, 0x01]), verifiers)), "MALFORMED");
  const badText = Uint8Array.from([0x68, 0xfe, ...note.slice(1)]);
  assert.equal(problem(() => openNote(badText, verifiers)), "MALFORMED");
  // A string with a lone surrogate has no UTF-8 encoding: MALFORMED too.
  const surrogate = signNote("hello\n", "log", key) + "\u2014 w\ud800 AAAAAAAAAAAAAAAAAAAAAA==\n";
  assert.equal(problem(() => openNote(surrogate, verifiers)), "MALFORMED");
  // A byte order mark is valid UTF-8 and part of the signed text: it is kept, not stripped.
  const bom = utf8Bytes(signNote("\ufeffhello\n", "log", key));
  assert.equal(openNote(bom, verifiers).text, "\ufeffhello\n");
});

Deno.test("checkpoints and cosignatures are checked from bytes: invalid UTF-8 is malformed", () => {
  const key = generateSigningKey();
  const w = generateSigningKey();
  const cp = { origin: "o", size: 0, root: new Uint8Array(32) };
  const note = signCheckpoint(cp, key);
  const bytes = utf8Bytes(note);
  assert.equal(openCheckpoint(bytes, [noteVerifier("o", key)]).size, 0);
  const trust = { origin: "o", keys: [{ key, role: "both" as const, seqFrom: 0, seqTo: null }] };
  const bad = Uint8Array.from([
    ...bytes,
    ...utf8Bytes("\u2014 x"),
    0xff,
    ...utf8Bytes(" AAAAAAA=\n"),
  ]);
  const parsed = parseCheckpointInputs([{ source: "good", note: bytes }, {
    source: "bad",
    note: bad,
  }], trust);
  assert.equal(parsed[0].checkpoint?.size, 0);
  assert.equal(parsed[1].failure?.code, "CHECKPOINT_MALFORMED");
  const cosigned = utf8Bytes(
    note + cosign(checkpointText(cp), { name: "w1", key: w, timestamp: 1n }),
  );
  const policy = { witnesses: [witnessKey("w1", w)], quorum: 1 };
  assert.equal(verifyCosignatures(cosigned, policy).ok, true);
  const cosignedBad = Uint8Array.from([
    ...cosigned,
    ...utf8Bytes("\u2014 x"),
    0xff,
    ...utf8Bytes(" AAAAAAA=\n"),
  ]);
  const report = verifyCosignatures(cosignedBad, policy);
  assert.equal(report.ok, false);
  assert.match(report.invalid[0].reason, /malformed note: .*UTF-8/);
});

Deno.test("a verifier list holding one name and key id twice is refused as ambiguous, whichever comes first", () => {
  const a = generateSigningKey();
  const b = generateSigningKey();
  const note = signNote("hello\n", "log", a);
  const real = noteVerifier("log", a);
  // A different key presented under the same name and key id (a key-id collision).
  const collider = { name: "log", keyId: real.keyId, key: b as VerifyingKey };
  assert.equal(problem(() => openNote(note, [real, collider])), "AMBIGUOUS_KEY");
  assert.equal(problem(() => openNote(note, [collider, real])), "AMBIGUOUS_KEY");
  assert.equal(problem(() => openNote(note, [real, real])), "AMBIGUOUS_KEY");
  assert.deepEqual(distinctNoteVerifiers([real, noteVerifier("log", a), collider]), [
    real,
    collider,
  ]);
  // Checkpoints: a trust file naming one key twice (two seq ranges) still verifies; a collision does not.
  const cp = { origin: "o", size: 0, root: new Uint8Array(32) };
  const cpNote = signCheckpoint(cp, a);
  const twice = {
    origin: "o",
    keys: [
      { key: a, role: "both" as const, seqFrom: 0, seqTo: 9 },
      { key: a, role: "checkpoints" as const, seqFrom: 10, seqTo: null },
    ],
  };
  assert.equal(
    parseCheckpointInputs([{ source: "cp", note: cpNote }], twice)[0].checkpoint?.size,
    0,
  );
  // Witnesses: two different keys under one name and key id make the cosignature invalid.
  const text = checkpointText(cp);
  const cosigned = cpNote + cosign(text, { name: "w1", key: a, timestamp: 1n });
  const wa = witnessKey("w1", a);
  const wb = { ...witnessKey("w1", b), keyId: wa.keyId };
  const r = verifyCosignatures(cosigned, { witnesses: [wa, wb], quorum: 1 });
  assert.equal(r.ok, false);
  assert.match(r.invalid[0].reason, /ambiguous/);
  assert.equal(verifyCosignatures(cosigned, { witnesses: [wa, wa], quorum: 1 }).ok, true);
});
