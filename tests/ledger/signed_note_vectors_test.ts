// Signed notes against other implementations' test data: Go's golang.org/x/mod/sumdb/note tests
// and the C2SP signed-note specification example. The data (and its licences) is in vectors/.
import assert from "node:assert/strict";
import { fromBase64, toHex, utf8Bytes } from "../../lib/ledger/encoding.ts";
import { generateSigningKey, signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import {
  NoteError,
  type NoteInput,
  type NoteVerifier,
  noteVerifier,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKeyString,
} from "../../lib/ledger/signed_note.ts";
import go from "./vectors/go_sumdb_note.json" with { type: "json" };
import c2sp from "./vectors/c2sp_signed_note.json" with { type: "json" };

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof NoteError) return err.problem;
    throw err;
  }
  return "none";
}

const peter = parseVerifierKey(go.peter_vkey);
const enoch = parseVerifierKey(go.enoch_vkey);

function open(note: NoteInput, verifiers: NoteVerifier[]) {
  return openNote(typeof note === "string" ? utf8Bytes(note) : note, verifiers);
}

Deno.test("Go TestNewVerifier: the key parses and every truncation or one-byte change of it is refused", () => {
  assert.equal(peter.name, "PeterNeumann");
  assert.equal(toHex(peter.keyId), "c74f20a3");
  const accepted: string[] = [];
  const tryKey = (k: string) => {
    try {
      parseVerifierKey(k);
      accepted.push(k);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
    }
  };
  const b = go.peter_vkey;
  for (let i = 0; i <= b.length; i++) {
    for (let j = i + 1; j <= b.length; j++) if (i !== 0 || j !== b.length) tryKey(b.slice(i, j));
  }
  for (let i = 0; i < b.length; i++) {
    tryKey(b.slice(0, i) + String.fromCharCode(b.charCodeAt(i) + 1) + b.slice(i + 1));
  }
  for (const k of Object.values(go.bad_vkeys)) tryKey(k);
  assert.deepEqual(accepted, []);
});

Deno.test("Go TestFromEd25519: a verifier key for a public key one byte short is refused", () => {
  const pub = generateSigningKey().publicRaw;
  assert.match(verifierKeyString("EnochRoot", pub), /^EnochRoot\+[0-9a-f]{8}\+/);
  assert.throws(() => verifierKeyString("EnochRoot", pub.slice(0, 31)), RangeError);
});

Deno.test("Go TestSign: the example key signs the example text byte for byte; bad text and names are refused", () => {
  const seed = fromBase64(go.peter_skey.split("+").slice(4).join("+")).slice(1);
  const key = signingKeyFromSeed(seed);
  assert.equal(verifierKeyString("PeterNeumann", key.publicRaw), go.peter_vkey);
  assert.equal(signNote(go.text, "PeterNeumann", key), go.text + "\n" + go.peter_sig_line);
  assert.equal(problem(() => signNote("abc", "PeterNeumann", key)), "MALFORMED");
  assert.throws(() => signNote(go.text, "bad name", key), RangeError);
  assert.throws(() => signNote(go.text, "a+b", key), RangeError);
});

Deno.test("Go TestOpen: one of two signatures verified, both, or neither", () => {
  const note = go.text + "\n" + go.peter_sig_line + go.enoch_sig_line;
  const one = open(note, [peter]);
  assert.equal(one.text, go.text);
  assert.deepEqual(one.signedBy, [peter]);
  assert.deepEqual(open(note, [peter, enoch]).signedBy, [peter, enoch]);
  assert.equal(problem(() => open(note, [])), "NO_KNOWN_SIGNATURE");
  const sigs = parseNote(utf8Bytes(note)).signatures;
  assert.deepEqual(sigs.map((s) => `${s.name}+${toHex(s.keyId)}`), [
    "PeterNeumann+c74f20a3",
    "EnochRoot+af0cfe78",
  ]);
});

Deno.test("Go TestVerifierList and TestOpen: a verifier listed twice is ambiguous when a signature names it", () => {
  const list = [enoch, peter, enoch];
  assert.equal(problem(() => open(go.text + "\n" + go.enoch_sig_line, list)), "AMBIGUOUS_KEY");
  // An unused duplicate does not matter (as in Go).
  assert.deepEqual(open(go.text + "\n" + go.peter_sig_line, list).signedBy, [peter]);
});

Deno.test("Go TestOpen: more than 100 signatures, a bad signature, and repeated lines", () => {
  const many = go.text + "\n" + go.peter_sig_line.repeat(101);
  assert.equal(problem(() => open(many, [peter])), "MALFORMED");
  assert.equal(problem(() => open(many, [])), "MALFORMED");
  const sig = go.peter_sig_line;
  const bad = go.text + "\n" + sig.slice(0, 60) + "ABCD" + sig.slice(60);
  assert.equal(problem(() => open(bad, [peter])), "BAD_SIGNATURE");
  const e = go.enoch_sig_line;
  const repeated = go.text + "\n" + sig + sig + e + e + e.slice(0, 60) + "ABCD" + e.slice(60);
  assert.deepEqual(open(repeated, [peter]).signedBy, [peter]);
});

Deno.test("Go TestOpen: each malformed encoding, given as bytes, is MALFORMED", () => {
  const t = go.text;
  const cat = (...parts: (string | number[])[]) =>
    Uint8Array.from(parts.flatMap((p) => typeof p === "string" ? [...utf8Bytes(p)] : p));
  const bad: [string, Uint8Array][] = [
    ["text only", cat(t)],
    ["no signatures", cat(t, "\n")],
    ["last line without newline", cat(t, "\n", go.peter_sig_line.slice(0, -1))],
    ["control character", cat([0x01], t, "\n", go.peter_sig_line)],
    ["invalid UTF-8", cat([0xff], t, "\n", go.peter_sig_line)],
    ["name with a space", cat(t, "\n", go.bad_name_sig_line)],
    ["line that is not a signature", cat(t, "\n", go.peter_sig_line, go.unexpected_line)],
  ];
  for (const [what, msg] of bad) {
    assert.equal(problem(() => openNote(msg, [peter])), "MALFORMED", what);
  }
});

Deno.test("C2SP signed-note example: a text with an empty line parses and ends at the last empty line", () => {
  const parsed = parseNote(utf8Bytes(c2sp.note));
  assert.equal(parsed.text, c2sp.text);
  assert.ok(parsed.text.includes("\n\n"));
  assert.equal(parsed.signatures.length, 1);
  const [sig] = parsed.signatures;
  assert.equal(sig.name, c2sp.signer);
  assert.equal(sig.signature.length, 64);
  // The spec gives no public key: the note is well formed, and only a trusted key can open it.
  const other = generateSigningKey();
  assert.equal(
    problem(() => open(c2sp.note, [noteVerifier(c2sp.signer, other)])),
    "NO_KNOWN_SIGNATURE",
  );
  // Name and key id of a known key: the signature must verify (it does not under another key).
  const impostor = { name: c2sp.signer, keyId: sig.keyId, key: other };
  assert.equal(problem(() => open(c2sp.note, [impostor])), "BAD_SIGNATURE");
});

Deno.test("C2SP signed-note: only controls below U+0020 other than newline are refused, so U+007F is text", () => {
  const key = generateSigningKey();
  const note = signNote("delete \u007f is not a C0 control\n", "log", key);
  assert.equal(open(note, [noteVerifier("log", key)]).text, "delete \u007f is not a C0 control\n");
  assert.equal(problem(() => signNote("tab\tseparated\n", "log", key)), "MALFORMED");
});
