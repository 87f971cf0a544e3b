/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: key ids, verifier key strings,
 * signing and opening notes. Interoperates with Go's golang.org/x/mod/sumdb/note.
 *
 * Notes read from a file or the network must be parsed and opened as bytes (`Uint8Array`): the
 * spec's "valid UTF-8" rule is checked on the bytes, so an invalid byte anywhere (also in the
 * name of a signer nobody trusts) makes the note MALFORMED, as in Go. A decoded `string` can
 * no longer show that: a lossy decoder has already turned the bad byte into U+FFFD.
 *
 * @module
 */

import { bytesEqual, fromBase64, toBase64, toHex, utf8Bytes } from "./encoding.ts";
import { sha256 } from "./sha256.ts";
import {
  signBytes,
  type SigningKey,
  verifyBytes,
  type VerifyingKey,
  verifyingKeyFromRaw,
} from "./keys.ts";

const ALG_ED25519 = 0x01;
const EM_DASH = "\u2014";
const MAX_SIGNATURES = 100;

/**
 * A note could not be parsed or did not verify.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoteError, type NoteProblem, parseNote } from "./signed_note.ts";
 * const expected: NoteProblem = "MALFORMED";
 * assert.throws(() => parseNote("no signature lines"), (e) => e instanceof NoteError && e.problem === expected);
 * ```
 */
export type NoteProblem = "MALFORMED" | "BAD_SIGNATURE" | "NO_KNOWN_SIGNATURE" | "AMBIGUOUS_KEY";

/**
 * A signed note was malformed, a known key's signature failed, no known key signed it, or a
 * signature line names a key that the verifier list holds twice (`AMBIGUOUS_KEY`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoteError } from "./signed_note.ts";
 * const e = new NoteError("MALFORMED", "no blank line");
 * assert.equal(e.problem, "MALFORMED");
 * assert.equal(e.name, "NoteError");
 * ```
 */
export class NoteError extends Error {
  /** What went wrong. */
  readonly problem: NoteProblem;
  /**
   * Creates the error.
   *
   * @param problem Category.
   * @param message Details.
   * @param options `cause`: the underlying error, if any (default none).
   */
  constructor(problem: NoteProblem, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NoteError";
    this.problem = problem;
  }
}

/**
 * A key name per the spec: non-empty, well-formed Unicode, no Unicode space (the `White_Space`
 * property, as Go's `unicode.IsSpace`, so also U+0085 and U+2028) and no `+`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isValidNoteKeyName } from "./signed_note.ts";
 * assert.equal(isValidNoteKeyName("example.com/log"), true);
 * assert.equal(isValidNoteKeyName("a+b"), false);
 * assert.equal(isValidNoteKeyName("a\u0085b"), false);
 * ```
 */
export function isValidNoteKeyName(name: string): boolean {
  return name.length > 0 && name.isWellFormed() && !/[\p{White_Space}+]/u.test(name);
}

const ED25519_PUBLIC_KEY_BYTES = 32;

function checkPublicKeyLength(publicRaw: Uint8Array): void {
  if (!(publicRaw instanceof Uint8Array)) {
    throw new TypeError("an Ed25519 public key must be a Uint8Array of 32 bytes");
  }
  if (publicRaw.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new RangeError(
      `an Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${publicRaw.length}: ` +
        "pass the raw public key (not a seed, a signature or an SPKI encoding)",
    );
  }
}

/**
 * The 4-byte key id: `SHA-256(name || "\n" || 0x01 || public key)[:4]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteKeyId } from "./signed_note.ts";
 * const id = noteKeyId("example.com/log", new Uint8Array(32));
 * assert.equal(id.length, 4);
 * assert.notDeepEqual(noteKeyId("other/log", new Uint8Array(32)), id);
 * ```
 */
export function noteKeyId(name: string, publicRaw: Uint8Array): Uint8Array {
  checkPublicKeyLength(publicRaw);
  return sha256(utf8Bytes(name + "\n"), Uint8Array.of(ALG_ED25519), publicRaw).slice(0, 4);
}

/**
 * The verifier key string `<name>+<8 hex key id>+<base64(0x01 || public key)>`. Throws a
 * `RangeError` naming the length when `publicRaw` is not exactly 32 bytes (a `TypeError` when it
 * is not a `Uint8Array`), and a `RangeError` for an invalid key name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifierKeyString } from "./signed_note.ts";
 * const s = verifierKeyString("example.com/log", new Uint8Array(32));
 * assert.equal(s.split("+")[0], "example.com/log");
 * assert.match(s.split("+")[1], /^[0-9a-f]{8}$/);
 * assert.throws(() => verifierKeyString("example.com/log", new Uint8Array(31)), /got 31/);
 * ```
 */
export function verifierKeyString(name: string, publicRaw: Uint8Array): string {
  if (!isValidNoteKeyName(name)) {
    throw new RangeError(`note key name '${name}' must be non-empty without spaces or '+'`);
  }
  checkPublicKeyLength(publicRaw);
  const typed = new Uint8Array(33);
  typed[0] = ALG_ED25519;
  typed.set(publicRaw, 1);
  return `${name}+${toHex(noteKeyId(name, publicRaw))}+${toBase64(typed)}`;
}

/**
 * A note verifier: the key name, its key id and the Ed25519 public key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NoteVerifier, noteVerifier } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const v: NoteVerifier = noteVerifier("log", generateSigningKey());
 * assert.equal(v.keyId.length, 4);
 * ```
 */
export interface NoteVerifier {
  /** Key name (for checkpoints, the log origin). */
  readonly name: string;
  /** 4-byte key id. */
  readonly keyId: Uint8Array;
  /** The public key. */
  readonly key: VerifyingKey;
}

/**
 * Parses a verifier key string, checking that the key id matches name and key. Throws a
 * `RangeError` saying what to do for a small-order or non-canonical key (`ed25519_point.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVerifierKey, verifierKeyString } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const v = parseVerifierKey(verifierKeyString("log", k.publicRaw));
 * assert.equal(v.name, "log");
 * assert.equal(v.key.kid, k.kid);
 * assert.throws(() => parseVerifierKey("log+00000000+AAAA"));
 * ```
 */
export function parseVerifierKey(text: string): NoteVerifier {
  // The base64 part may itself contain '+': split at the first two only.
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  const parts = second < 0
    ? []
    : [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  if (parts.length !== 3 || !isValidNoteKeyName(parts[0]) || !/^[0-9a-f]{8}$/.test(parts[1])) {
    throw new RangeError(`'${text}' is not a verifier key <name>+<8 hex>+<base64>`);
  }
  const typed = fromBase64(parts[2]);
  if (typed.length !== 33 || typed[0] !== ALG_ED25519) {
    throw new RangeError("verifier key is not an Ed25519 (0x01) key");
  }
  const key = verifyingKeyFromRaw(typed.slice(1));
  const keyId = noteKeyId(parts[0], key.publicRaw);
  if (toHex(keyId) !== parts[1]) {
    throw new RangeError("verifier key id does not match its name and key");
  }
  return { name: parts[0], keyId, key };
}

/**
 * Makes a verifier for `key` under `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteKeyId, noteVerifier } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const v = noteVerifier("log", k);
 * assert.equal(v.name, "log");
 * assert.deepEqual(v.keyId, noteKeyId("log", k.publicRaw));
 * ```
 */
export function noteVerifier(name: string, key: VerifyingKey): NoteVerifier {
  return { name, keyId: noteKeyId(name, key.publicRaw), key };
}

/**
 * A signed note as received. Pass the bytes (`Uint8Array`) for a note read from a file or the
 * network, so that invalid UTF-8 is seen; a `string` is for a note built in memory (a string
 * with a lone surrogate, which has no UTF-8 encoding, is MALFORMED).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NoteInput, parseNote, signNote } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const note: NoteInput = new TextEncoder().encode(signNote("hi\n", "log", generateSigningKey()));
 * assert.equal(parseNote(note).text, "hi\n");
 * ```
 */
export type NoteInput = string | Uint8Array;

const SIGNATURE_PREFIX = `${EM_DASH} `;
// The spec forbids ASCII control characters other than newline (U+007F is not one of them).
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b-\u001f]/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function noteString(note: NoteInput): string {
  if (typeof note === "string") {
    if (!note.isWellFormed()) {
      throw new NoteError(
        "MALFORMED",
        "signed note contains a lone surrogate, which has no UTF-8 encoding",
      );
    }
    return note;
  }
  if (!(note instanceof Uint8Array)) {
    throw new TypeError("a signed note must be a Uint8Array (its bytes) or a string");
  }
  try {
    return strictUtf8.decode(note);
  } catch (err) {
    throw new NoteError(
      "MALFORMED",
      "signed note is not valid UTF-8; check that the file holds the note exactly as published",
      { cause: err },
    );
  }
}

function checkControlCharacters(text: string, what: string): void {
  const bad = CONTROL_CHARACTER.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase();
    throw new NoteError(
      "MALFORMED",
      `${what} contains the control character U+${code} at character ${bad.index}`,
    );
  }
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith("\n")) {
    throw new NoteError("MALFORMED", "note text must be non-empty and end in a newline");
  }
  if (!text.isWellFormed()) {
    throw new NoteError("MALFORMED", "note text contains a lone surrogate (not valid UTF-8)");
  }
  checkControlCharacters(text, "note text");
}

/**
 * Signs `text` (which must end in `\n`; it may contain empty lines) as a signed note: text,
 * blank line, `— name base64(keyid||sig)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signNote } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const lines = signNote("hello\n", "log", generateSigningKey()).split("\n");
 * assert.equal(lines[0], "hello");
 * assert.equal(lines[1], "");
 * assert.equal(lines[2].slice(0, 6), "— log ");
 * ```
 */
export function signNote(text: string, name: string, key: SigningKey): string {
  checkText(text);
  if (!isValidNoteKeyName(name)) throw new RangeError(`note key name '${name}' is not valid`);
  const sig = signBytes(key, utf8Bytes(text));
  const blob = new Uint8Array(68);
  blob.set(noteKeyId(name, key.publicRaw));
  blob.set(sig, 4);
  return `${text}\n${SIGNATURE_PREFIX}${name} ${toBase64(blob)}\n`;
}

/**
 * One signature line of a note.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NoteSignature, parseNote, signNote } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const [sig]: NoteSignature[] = parseNote(signNote("hi\n", "log", generateSigningKey())).signatures;
 * assert.equal(sig.signature.length, 64);
 * ```
 */
export interface NoteSignature {
  /** Key name. */
  readonly name: string;
  /** 4-byte key id. */
  readonly keyId: Uint8Array;
  /** Signature bytes (64 for Ed25519; other key types may differ). */
  readonly signature: Uint8Array;
}

function parseSignatureLine(line: string): NoteSignature {
  const shown = line.slice(0, 80);
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw new NoteError("MALFORMED", `signature line '${shown}' does not start with '— '`);
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(" ");
  const name = space < 0 ? rest : rest.slice(0, space);
  const encoded = space < 0 ? "" : rest.slice(space + 1);
  if (!isValidNoteKeyName(name) || encoded === "") {
    throw new NoteError("MALFORMED", `malformed signature line '${shown}'`);
  }
  let blob: Uint8Array;
  try {
    blob = fromBase64(encoded);
  } catch (err) {
    throw new NoteError("MALFORMED", `signature of '${name}' is not base64`, { cause: err });
  }
  if (blob.length < 5) throw new NoteError("MALFORMED", `signature of '${name}' is too short`);
  return { name, keyId: blob.slice(0, 4), signature: blob.slice(4) };
}

/**
 * Splits a signed note into its text and signature lines without verifying anything. The text
 * ends at the last empty line, so it may itself contain empty lines (C2SP signed-note). The whole
 * note must be valid UTF-8 without control characters other than newline.
 *
 * @param note The note's bytes as read (preferred), or a string built in memory.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNote, signNote } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const parsed = parseNote(signNote("hi\n\nthere\n", "log", generateSigningKey()));
 * assert.equal(parsed.text, "hi\n\nthere\n");
 * assert.equal(parsed.signatures[0].name, "log");
 * assert.throws(() => parseNote(Uint8Array.of(0xff, 0x0a, 0x0a)), /not valid UTF-8/);
 * ```
 */
export function parseNote(note: NoteInput): { text: string; signatures: NoteSignature[] } {
  const all = noteString(note);
  checkControlCharacters(all, "signed note");
  const split = all.lastIndexOf("\n\n");
  if (split < 0) {
    throw new NoteError("MALFORMED", "signed note has no blank line before its signatures");
  }
  const text = all.slice(0, split + 1);
  const block = all.slice(split + 2);
  if (block.length === 0) throw new NoteError("MALFORMED", "signed note has no signatures");
  if (!block.endsWith("\n")) {
    throw new NoteError("MALFORMED", "signature block must end in a newline");
  }
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) {
    throw new NoteError("MALFORMED", `more than ${MAX_SIGNATURES} signatures`);
  }
  return { text, signatures: lines.map(parseSignatureLine) };
}

/**
 * Drops verifiers that repeat an earlier one's name and public key (the same key listed twice,
 * e.g. a trust file that names one key for two seq ranges). Different keys under one name and
 * key id are kept, so `openNote` still refuses them as ambiguous.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { distinctNoteVerifiers, noteVerifier } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const list = [noteVerifier("log", k), noteVerifier("log", k), noteVerifier("other", k)];
 * assert.deepEqual(distinctNoteVerifiers(list).map((v) => v.name), ["log", "other"]);
 * ```
 */
export function distinctNoteVerifiers(verifiers: readonly NoteVerifier[]): NoteVerifier[] {
  const out: NoteVerifier[] = [];
  for (const v of verifiers) {
    const same = out.some((o) =>
      o.name === v.name && bytesEqual(o.keyId, v.keyId) &&
      bytesEqual(o.key.publicRaw, v.key.publicRaw)
    );
    if (!same) out.push(v);
  }
  return out;
}

/**
 * Opens a signed note: signatures by unknown keys are ignored, a known key's bad signature
 * rejects the note, and at least one known key must have signed. A signature line whose name
 * and key id match two entries of `verifiers` rejects the note as `AMBIGUOUS_KEY` (as Go does;
 * fail closed rather than let the first entry win). Use `distinctNoteVerifiers` on lists that
 * may repeat one key.
 *
 * @param note The note's bytes as read (preferred), or a string built in memory.
 * @param verifiers The trusted keys.
 * @returns The text and the verifiers that signed it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoteError, noteVerifier, openNote, signNote } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const note = signNote("hi\n", "log", k);
 * assert.equal(openNote(new TextEncoder().encode(note), [noteVerifier("log", k)]).text, "hi\n");
 * assert.throws(() => openNote(note, [noteVerifier("log", generateSigningKey())]), NoteError);
 * const twice = [noteVerifier("log", k), noteVerifier("log", k)];
 * assert.throws(() => openNote(note, twice), (e) => e instanceof NoteError && e.problem === "AMBIGUOUS_KEY");
 * ```
 */
export function openNote(
  note: NoteInput,
  verifiers: readonly NoteVerifier[],
): { text: string; signedBy: NoteVerifier[] } {
  const { text, signatures } = parseNote(note);
  const message = utf8Bytes(text);
  const signedBy: NoteVerifier[] = [];
  for (const sig of signatures) {
    const known = verifiers.filter((v) => v.name === sig.name && bytesEqual(v.keyId, sig.keyId));
    if (known.length === 0) continue;
    const id = `${sig.name}+${toHex(sig.keyId)}`;
    if (known.length > 1) {
      throw new NoteError(
        "AMBIGUOUS_KEY",
        `the trusted keys hold ${known.length} entries for ${id}; keep one key per name and ` +
          "key id (remove the duplicate or rename one key)",
      );
    }
    if (!verifyBytes(known[0].key, message, sig.signature)) {
      throw new NoteError("BAD_SIGNATURE", `signature by ${id} does not verify`);
    }
    if (!signedBy.includes(known[0])) signedBy.push(known[0]);
  }
  if (signedBy.length === 0) {
    throw new NoteError("NO_KNOWN_SIGNATURE", "no signature by a trusted key");
  }
  return { text, signedBy };
}
