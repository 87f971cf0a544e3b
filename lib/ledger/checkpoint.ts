/**
 * Checkpoints (c2sp.org/tlog-checkpoint): a signed note whose text is `<origin>\n<size>\n<base64
 * RFC 6962 root>\n`, signed with an Ed25519 note key named by the origin.
 *
 * @module
 */

import { fromBase64, toBase64 } from "./encoding.ts";
import type { SigningKey } from "./keys.ts";
import { NoteError, type NoteInput, type NoteVerifier, openNote, signNote } from "./signed_note.ts";

/**
 * The signed statement: this log had `size` entries with Merkle root `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Checkpoint, checkpointText } from "./checkpoint.ts";
 * const cp: Checkpoint = { origin: "example/log", size: 0, root: new Uint8Array(32) };
 * assert.equal(checkpointText(cp).split("\n")[1], "0");
 * ```
 */
export interface Checkpoint {
  /** Log origin (unique name). */
  readonly origin: string;
  /** Tree size (number of records). */
  readonly size: number;
  /** 32-byte RFC 6962 root hash. */
  readonly root: Uint8Array;
}

/**
 * The checkpoint body text (three lines, each ending in `\n`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpointText } from "./checkpoint.ts";
 * assert.equal(
 *   checkpointText({ origin: "example/log", size: 3, root: new Uint8Array(32) }),
 *   "example/log\n3\n" + "A".repeat(43) + "=\n",
 * );
 * ```
 */
export function checkpointText(cp: Checkpoint): string {
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) {
    throw new RangeError("checkpoint size must be a non-negative integer");
  }
  if (cp.root.length !== 32) throw new RangeError("checkpoint root must be 32 bytes");
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n`;
}

/**
 * Parses checkpoint body text. Lines after the third (extension lines) are allowed and ignored.
 * Throws `NoteError` (MALFORMED) on a bad origin, size (leading zeros, not decimal) or root.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckpointText } from "./checkpoint.ts";
 * const cp = parseCheckpointText("o\n2\n" + "A".repeat(43) + "=\n");
 * assert.equal(cp.origin, "o");
 * assert.equal(cp.size, 2);
 * assert.deepEqual(cp.root, new Uint8Array(32));
 * ```
 */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") {
    throw new NoteError("MALFORMED", "checkpoint needs origin, size and root lines");
  }
  const [origin, sizeText, rootText] = lines;
  if (!/^[^\s+]+$/u.test(origin)) {
    throw new NoteError("MALFORMED", "checkpoint origin is empty or has spaces");
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new NoteError(
      "MALFORMED",
      `checkpoint size '${sizeText}' is not a decimal without leading zeros`,
    );
  }
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch {
    throw new NoteError("MALFORMED", "checkpoint root is not base64");
  }
  if (root.length !== 32) {
    throw new NoteError("MALFORMED", `checkpoint root is ${root.length} bytes, not 32`);
  }
  return { origin, size: Number(sizeText), root };
}

/**
 * Signs a checkpoint as a C2SP signed note under the key name `cp.origin`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signCheckpoint } from "./checkpoint.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const note = signCheckpoint({ origin: "o", size: 0, root: new Uint8Array(32) }, generateSigningKey());
 * assert.equal(note.split("\n").length, 6);
 * assert.match(note, /^o\n0\n/);
 * ```
 */
export function signCheckpoint(cp: Checkpoint, key: SigningKey): string {
  return signNote(checkpointText(cp), cp.origin, key);
}

/**
 * Opens a signed checkpoint with trusted verifiers (unknown signers ignored, at least one known
 * signature required) and checks its origin when `expectedOrigin` is given. Pass the note's
 * bytes when it was read from a file or the network (see `openNote`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openCheckpoint, signCheckpoint } from "./checkpoint.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { noteVerifier } from "./signed_note.ts";
 * const k = generateSigningKey();
 * const note = signCheckpoint({ origin: "o", size: 0, root: new Uint8Array(32) }, k);
 * assert.equal(openCheckpoint(note, [noteVerifier("o", k)]).size, 0);
 * assert.equal(openCheckpoint(new TextEncoder().encode(note), [noteVerifier("o", k)]).size, 0);
 * assert.throws(() => openCheckpoint(note, [noteVerifier("o", generateSigningKey())]));
 * ```
 */
export function openCheckpoint(
  note: NoteInput,
  verifiers: readonly NoteVerifier[],
  expectedOrigin?: string,
): Checkpoint {
  const { text } = openNote(note, verifiers);
  const cp = parseCheckpointText(text);
  if (expectedOrigin !== undefined && cp.origin !== expectedOrigin) {
    throw new NoteError(
      "MALFORMED",
      `checkpoint origin '${cp.origin}' is not this ledger's origin '${expectedOrigin}'`,
    );
  }
  return cp;
}
