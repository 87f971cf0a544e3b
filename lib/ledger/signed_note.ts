/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: key ids, verifier key strings,
 * signing and opening notes. Interoperates with Go's golang.org/x/mod/sumdb/note.
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
export type NoteProblem = "MALFORMED" | "BAD_SIGNATURE" | "NO_KNOWN_SIGNATURE";

/**
 * A signed note was malformed, a known key's signature failed, or no known key signed it.
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
   */
  constructor(problem: NoteProblem, message: string) {
    super(message);
    this.name = "NoteError";
    this.problem = problem;
  }
}

/**
 * A key name per the spec: non-empty, no Unicode whitespace, no `+`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isValidNoteKeyName } from "./signed_note.ts";
 * assert.equal(isValidNoteKeyName("example.com/log"), true);
 * assert.equal(isValidNoteKeyName("a+b"), false);
 * ```
 */
export function isValidNoteKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
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
  return sha256(utf8Bytes(name + "\n"), Uint8Array.of(ALG_ED25519), publicRaw).slice(0, 4);
}

/**
 * The verifier key string `<name>+<8 hex key id>+<base64(0x01 || public key)>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifierKeyString } from "./signed_note.ts";
 * const s = verifierKeyString("example.com/log", new Uint8Array(32));
 * assert.equal(s.split("+")[0], "example.com/log");
 * assert.match(s.split("+")[1], /^[0-9a-f]{8}$/);
 * ```
 */
export function verifierKeyString(name: string, publicRaw: Uint8Array): string {
  if (!isValidNoteKeyName(name)) {
    throw new RangeError(`note key name '${name}' must be non-empty without spaces or '+'`);
  }
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

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith("\n")) {
    throw new NoteError("MALFORMED", "note text must be non-empty and end in a newline");
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) {
    throw new NoteError("MALFORMED", "note text contains control characters");
  }
  if (text.includes("\n\n")) {
    throw new NoteError("MALFORMED", "note text must not contain a blank line");
  }
}

/**
 * Signs `text` (which must end in `\n`) as a signed note: text, blank line, `— name base64(keyid||sig)`.
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
  return `${text}\n${EM_DASH} ${name} ${toBase64(blob)}\n`;
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

/**
 * Splits a signed note into its text and signature lines without verifying anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNote, signNote } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const parsed = parseNote(signNote("hi\n", "log", generateSigningKey()));
 * assert.equal(parsed.text, "hi\n");
 * assert.equal(parsed.signatures[0].name, "log");
 * ```
 */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) {
    throw new NoteError("MALFORMED", "signed note has no blank line before its signatures");
  }
  const text = note.slice(0, split + 1);
  checkText(text);
  const block = note.slice(split + 2);
  if (!block.endsWith("\n")) {
    throw new NoteError("MALFORMED", "signature block must end in a newline");
  }
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) {
    throw new NoteError("MALFORMED", `more than ${MAX_SIGNATURES} signatures`);
  }
  const signatures = lines.map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!m || m[1].includes("+")) {
      throw new NoteError("MALFORMED", `malformed signature line '${line.slice(0, 80)}'`);
    }
    let blob: Uint8Array;
    try {
      blob = fromBase64(m[2]);
    } catch {
      throw new NoteError("MALFORMED", `signature of '${m[1]}' is not base64`);
    }
    if (blob.length < 5) throw new NoteError("MALFORMED", `signature of '${m[1]}' is too short`);
    return { name: m[1], keyId: blob.slice(0, 4), signature: blob.slice(4) };
  });
  if (signatures.length === 0) throw new NoteError("MALFORMED", "signed note has no signatures");
  return { text, signatures };
}

/**
 * Opens a signed note: signatures by unknown keys are ignored, a known key's bad signature
 * rejects the note, and at least one known key must have signed.
 *
 * @returns The text and the verifiers that signed it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoteError, noteVerifier, openNote, signNote } from "./signed_note.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const note = signNote("hi\n", "log", k);
 * assert.equal(openNote(note, [noteVerifier("log", k)]).text, "hi\n");
 * assert.throws(() => openNote(note, [noteVerifier("log", generateSigningKey())]), NoteError);
 * ```
 */
export function openNote(
  note: string,
  verifiers: readonly NoteVerifier[],
): { text: string; signedBy: NoteVerifier[] } {
  const { text, signatures } = parseNote(note);
  const message = utf8Bytes(text);
  const signedBy: NoteVerifier[] = [];
  for (const sig of signatures) {
    const known = verifiers.find((v) => v.name === sig.name && bytesEqual(v.keyId, sig.keyId));
    if (!known) continue;
    if (!verifyBytes(known.key, message, sig.signature)) {
      throw new NoteError(
        "BAD_SIGNATURE",
        `signature by ${sig.name}+${toHex(sig.keyId)} does not verify`,
      );
    }
    if (!signedBy.includes(known)) signedBy.push(known);
  }
  if (signedBy.length === 0) {
    throw new NoteError("NO_KNOWN_SIGNATURE", "no signature by a trusted key");
  }
  return { text, signedBy };
}
