import assert from "node:assert/strict";
import { fromBase64, toHex, utf8Bytes } from "../../lib/ledger/encoding.ts";
import { sha256 } from "../../lib/ledger/sha256.ts";
import { generateSigningKey, signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import {
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
