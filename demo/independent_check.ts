/**
 * A second, deliberately separate check of a ledger and its checkpoint, written from the
 * published formats with nothing but `node:crypto` (it imports none of `lib/ledger`): every
 * record's DSSE signature, the hash chain, the RFC 6962 root over the lines, and the checkpoint's C2SP signed-note signature. The
 * pipeline demo runs it beside our verifier, the way an auditor's own tool would.
 *
 * @module
 */

import { createHash, createPublicKey, verify } from "node:crypto";
import { Buffer } from "node:buffer";

/**
 * What the independent check found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IndependentCheck } from "./independent_check.ts";
 * import { independentCheck } from "./independent_check.ts";
 * const torn = new TextEncoder().encode('{"v":1}'); // no final newline
 * const r: IndependentCheck = independentCheck(torn, "", { keyName: "k", publicRaw: new Uint8Array(32) });
 * assert.ok(r.problems.includes("the last line has no newline (torn write)"));
 * ```
 */
export interface IndependentCheck {
  /** Whether every record's `prev` is the leaf hash of the line before it. */
  readonly chainOk: boolean;
  /** Whether every record's DSSE/Ed25519 signature verifies with the given key. */
  readonly recordSignaturesOk: boolean;
  /** Records checked. */
  readonly records: number;
  /** Root recomputed from the lines, base64. */
  readonly rootB64: string;
  /** Whether it equals the checkpoint's root at the checkpoint's size. */
  readonly rootMatches: boolean;
  /** Whether the checkpoint carries a valid Ed25519 signature by the given key and name. */
  readonly signatureOk: boolean;
  /** Problems found, empty when all is well. */
  readonly problems: readonly string[];
}

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const leaf = (line: Uint8Array) => sha256(Uint8Array.of(0), line);
const node = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1), l, r);

function mth(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return sha256();
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return node(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * Checks `ledgerBytes` (the whole `ledger.jsonl`) against `checkpointText` with the 32-byte
 * Ed25519 public key `publicRaw` of the key named `keyName`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { independentCheck } from "./independent_check.ts";
 * // An empty ledger and a checkpoint of size 0 whose signature line is not a valid signature.
 * const emptyRoot = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; // SHA-256 of nothing
 * const checkpoint = `example.org/host-01\n0\n${emptyRoot}\n\n\u2014 example.org/host-01 AAAA\n`;
 * const r = independentCheck(new Uint8Array(), checkpoint, {
 *   keyName: "example.org/host-01",
 *   publicRaw: new Uint8Array(32),
 * });
 * assert.equal(r.records, 0);
 * assert.equal(r.rootB64, emptyRoot);
 * assert.equal(r.rootMatches, true);
 * assert.equal(r.signatureOk, false);
 * assert.deepEqual(r.problems, ["no valid checkpoint signature by the given key"]);
 * ```
 */
export function independentCheck(
  ledgerBytes: Uint8Array,
  checkpointText: string,
  key: { keyName: string; publicRaw: Uint8Array },
): IndependentCheck {
  const problems: string[] = [];
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < ledgerBytes.length; i++) {
    if (ledgerBytes[i] === 0x0a) {
      lines.push(ledgerBytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start !== ledgerBytes.length) problems.push("the last line has no newline (torn write)");
  const leaves = lines.map(leaf);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), key.publicRaw]);
  const publicKey = createPublicKey({ key: spki, format: "der", type: "spki" });
  const enc = new TextEncoder();
  const payloadType = "application/vnd.carbon-ops.ledger-record.v1+json";
  let chainOk = true;
  let recordSignaturesOk = true;
  for (let i = 0; i < lines.length; i++) {
    const text = decoder.decode(lines[i]);
    // DSSE PAE over the canonical record without its "sig" member (cutting a member out of
    // canonical JSON leaves canonical JSON).
    const sig = /,"sig":"([A-Za-z0-9_-]+)"/.exec(text);
    const payload = enc.encode(text.replace(/,"sig":"[A-Za-z0-9_-]+"/, ""));
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `),
      payload,
    ]);
    if (!sig || !verify(null, pae, publicKey, Buffer.from(sig[1], "base64url"))) {
      recordSignaturesOk = false;
      problems.push(`line ${i + 1}: record signature does not verify`);
    }
    const m = /"prev":"([0-9a-f]{64})"/.exec(text);
    const expected = i === 0 ? "0".repeat(64) : hex(leaves[i - 1]);
    if (!m || m[1] !== expected) {
      chainOk = false;
      problems.push(`line ${i + 1}: prev is not the leaf hash of the line before`);
    }
  }
  const [body, sigBlock = ""] = checkpointText.split("\n\n");
  const [origin, sizeText, rootLine] = body.split("\n");
  const size = Number(sizeText);
  const rootB64 = Buffer.from(mth(leaves.slice(0, size))).toString("base64");
  const rootMatches = Number.isInteger(size) && size <= lines.length && rootB64 === rootLine;
  if (!rootMatches) {
    problems.push(`the root over the first ${sizeText} lines differs from the checkpoint's`);
  }
  if (origin !== key.keyName) problems.push(`checkpoint origin ${origin} is not ${key.keyName}`);
  // C2SP signed note: key id = SHA-256(name || "\n" || 0x01 || public key)[:4].
  const keyId = sha256(enc.encode(`${key.keyName}\n`), Uint8Array.of(1), key.publicRaw).subarray(
    0,
    4,
  );
  let signatureOk = false;
  for (const line of sigBlock.split("\n")) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== key.keyName) continue;
    const raw = Buffer.from(m[2], "base64");
    if (raw.length !== 68 || !raw.subarray(0, 4).equals(Buffer.from(keyId))) continue;
    signatureOk = verify(null, enc.encode(`${body}\n`), publicKey, raw.subarray(4));
  }
  if (!signatureOk) problems.push("no valid checkpoint signature by the given key");
  return {
    chainOk,
    recordSignaturesOk,
    records: lines.length,
    rootB64,
    rootMatches,
    signatureOk,
    problems,
  };
}
