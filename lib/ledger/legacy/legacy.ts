/**
 * Verifier for ledgers written by the Python carbon-ops 0.1 (NDJSON, format in
 * audit-ledger-standards.md section 7b), byte for byte and against a pinned public key. It
 * never throws on bad input: it returns a report with the first bad line and why, plus the
 * verified entries (for `import-legacy`).
 *
 * Each line must be exactly `json.dumps(entry)` (Python defaults) of: the payload fields, then
 * `prev_hash` (absent on the first entry only), `signature` (128 hex), `signing_key` (64 hex)
 * and `signature_algorithm` (`"ed25519"`). The signature covers the payload (everything but
 * the last three fields) as `json.dumps(payload, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False)` in UTF-8; `prev_hash` is the SHA-256 hex of the previous payload
 * serialised the same way with `ensure_ascii=True`.
 *
 * @module
 */

import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { toHex, utf8Bytes } from "../encoding.ts";
import { sha256 } from "../sha256.ts";
import { assertEd25519PublicKey, signatureRProblem } from "../ed25519_point.ts";
import { Buffer } from "node:buffer";
import { isPythonNumberLexeme, parsePyJson, pyDumps, type PyJson } from "./legacy_json.ts";

/**
 * Why a legacy line was rejected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LegacyErrorCode, verifyLegacyLedger } from "./legacy.ts";
 * const expected: LegacyErrorCode = "EMPTY_LEDGER";
 * assert.equal(verifyLegacyLedger(new Uint8Array(), { publicKeyHex: "11".repeat(32) }).problem?.code, expected);
 * ```
 */
export type LegacyErrorCode =
  | "INVALID_UTF8"
  | "TORN_LINE"
  | "EMPTY_LINE"
  | "MALFORMED_JSON"
  | "NON_CANONICAL"
  | "NON_CANONICAL_NUMBER"
  | "BAD_LAYOUT"
  | "UNSUPPORTED_ALGORITHM"
  | "FOREIGN_KEY"
  | "BAD_SIGNATURE"
  | "UNSIGNABLE"
  | "UNEXPECTED_PREV_HASH"
  | "MISSING_PREV_HASH"
  | "CHAIN_BROKEN"
  | "EMPTY_LEDGER"
  | "BAD_PUBLIC_KEY";

/**
 * The first problem found in a legacy ledger.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LegacyProblem } from "./legacy.ts";
 * const p: LegacyProblem = { code: "CHAIN_BROKEN", line: 2, offset: 311, message: "prev_hash does not match line 1" };
 * assert.equal(p.line, 2);
 * ```
 */
export interface LegacyProblem {
  /** Stable reason. */
  readonly code: LegacyErrorCode;
  /** 1-based line number (0 for whole-file problems). */
  readonly line: number;
  /** Byte offset of the start of that line. */
  readonly offset: number;
  /** What is wrong, for people. */
  readonly message: string;
}

/**
 * One verified legacy entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { parsePyJson, pyDumps } from "./legacy_json.ts";
 * // One entry as carbon-ops 0.1 wrote it: json.dumps(payload + signature fields).
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const publicKeyHex = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");
 * const payload =
 *   '{"timestamp": "2025-01-01T00:00:00+00:00", "carbon_emissions_gco2": 420.0, "energy_consumed_kwh": 1.0}';
 * const parsed = parsePyJson(payload);
 * if (!parsed.ok) throw new Error(parsed.reason);
 * const signText = pyDumps(parsed.value, { sortKeys: true, compact: true, ensureAscii: false });
 * const sig = sign(null, new TextEncoder().encode(signText), privateKey).toString("hex");
 * const line = `${payload.slice(0, -1)}, "signature": "${sig}", "signing_key": "${publicKeyHex}", ` +
 *   `"signature_algorithm": "ed25519"}\n`;
 * import { type LegacyEntry, verifyLegacyLedger } from "./legacy.ts";
 * const [entry]: readonly LegacyEntry[] = verifyLegacyLedger(new TextEncoder().encode(line), { publicKeyHex }).entries;
 * assert.equal(entry.line, 1);
 * assert.equal(entry.signature, sig);
 * ```
 */
export interface LegacyEntry {
  /** 1-based line number. */
  readonly line: number;
  /** The line bytes without `\n`. */
  readonly bytes: Uint8Array;
  /** Lowercase hex SHA-256 of the line bytes (without `\n`). */
  readonly lineSha256: string;
  /** The payload (entry without the three signature fields, `prev_hash` included). */
  readonly payload: PyJson & { kind: "object" };
  /** The signature, lowercase hex. */
  readonly signature: string;
  /** The chain hash of this entry: SHA-256 hex of its ASCII payload serialisation. */
  readonly chainHash: string;
}

/**
 * Result of `verifyLegacyLedger`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { parsePyJson, pyDumps } from "./legacy_json.ts";
 * // One entry as carbon-ops 0.1 wrote it: json.dumps(payload + signature fields).
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const publicKeyHex = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");
 * const payload =
 *   '{"timestamp": "2025-01-01T00:00:00+00:00", "carbon_emissions_gco2": 420.0, "energy_consumed_kwh": 1.0}';
 * const parsed = parsePyJson(payload);
 * if (!parsed.ok) throw new Error(parsed.reason);
 * const signText = pyDumps(parsed.value, { sortKeys: true, compact: true, ensureAscii: false });
 * const sig = sign(null, new TextEncoder().encode(signText), privateKey).toString("hex");
 * const line = `${payload.slice(0, -1)}, "signature": "${sig}", "signing_key": "${publicKeyHex}", ` +
 *   `"signature_algorithm": "ed25519"}\n`;
 * import { type LegacyReport, verifyLegacyLedger } from "./legacy.ts";
 * const report: LegacyReport = verifyLegacyLedger(new TextEncoder().encode(line), { publicKeyHex });
 * assert.equal(report.ok, true);
 * assert.match(report.headChainHash!, /^[0-9a-f]{64}$/);
 * ```
 */
export interface LegacyReport {
  /** True when every line verified and the file is not empty. */
  readonly ok: boolean;
  /** Number of lines that verified before the first problem (all of them when ok). */
  readonly verifiedEntries: number;
  /** Chain hash of the last verified entry (what the next `prev_hash` would be). */
  readonly headChainHash: string | undefined;
  /** The first problem, when not ok. */
  readonly problem: LegacyProblem | undefined;
  /** The verified entries, in order. */
  readonly entries: readonly LegacyEntry[];
}

const SIG_FIELDS = ["signature", "signing_key", "signature_algorithm"] as const;
const ORDER_L = (1n << 252n) + 27742317777372353535851937790883648493n;

/**
 * Reads a raw 32-byte Ed25519 public key given as 64 hex digits (the 0.1 format).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { legacyPublicKey } from "./legacy.ts";
 * assert.equal(legacyPublicKey("11".repeat(32)).asymmetricKeyType, "ed25519");
 * assert.throws(() => legacyPublicKey("00"), RangeError);
 * ```
 */
export function legacyPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new RangeError("legacy public key must be 64 hex digits (raw Ed25519 public key)");
  }
  // Refuses small-order and non-canonical points, which verify forged entries (ed25519_point.ts).
  assertEd25519PublicKey(Buffer.from(hex, "hex"));
  const x = Buffer.from(hex, "hex").toString("base64url");
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
}

function sha256Hex(data: Uint8Array | string): string {
  return toHex(sha256(typeof data === "string" ? utf8Bytes(data) : data));
}

function strictVerify(key: KeyObject, message: Uint8Array, sig: Uint8Array): boolean {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  if (s >= ORDER_L) return false;
  if (signatureRProblem(sig.subarray(0, 32)) !== null) return false;
  return verify(null, message, key, sig);
}

function firstNumberProblem(v: PyJson): string | undefined {
  switch (v.kind) {
    case "number":
      return isPythonNumberLexeme(v.lexeme) ? undefined : v.lexeme;
    case "array":
      for (const x of v.items) {
        const p = firstNumberProblem(x);
        if (p !== undefined) return p;
      }
      return undefined;
    case "object":
      for (const [, x] of v.entries) {
        const p = firstNumberProblem(x);
        if (p !== undefined) return p;
      }
      return undefined;
    default:
      return undefined;
  }
}

function diffAt(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Verifies a whole legacy ledger file (its bytes) against the pinned public key (64 hex).
 * Stops at the first bad line; never throws for bad content.
 *
 * @param data The file contents.
 * @param options `publicKeyHex`: the raw Ed25519 key the auditor trusts for this ledger.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { parsePyJson, pyDumps } from "./legacy_json.ts";
 * // One entry as carbon-ops 0.1 wrote it: json.dumps(payload + signature fields).
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const publicKeyHex = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");
 * const payload =
 *   '{"timestamp": "2025-01-01T00:00:00+00:00", "carbon_emissions_gco2": 420.0, "energy_consumed_kwh": 1.0}';
 * const parsed = parsePyJson(payload);
 * if (!parsed.ok) throw new Error(parsed.reason);
 * const signText = pyDumps(parsed.value, { sortKeys: true, compact: true, ensureAscii: false });
 * const sig = sign(null, new TextEncoder().encode(signText), privateKey).toString("hex");
 * const line = `${payload.slice(0, -1)}, "signature": "${sig}", "signing_key": "${publicKeyHex}", ` +
 *   `"signature_algorithm": "ed25519"}\n`;
 * import { verifyLegacyLedger } from "./legacy.ts";
 * const r = verifyLegacyLedger(new TextEncoder().encode(line), { publicKeyHex });
 * assert.equal(r.ok, true);
 * assert.equal(r.verifiedEntries, 1);
 * const bad = verifyLegacyLedger(new TextEncoder().encode('{"a": 1}\n'), { publicKeyHex });
 * assert.equal(bad.problem?.code, "BAD_LAYOUT");
 * ```
 */
export function verifyLegacyLedger(
  data: Uint8Array,
  options: { publicKeyHex: string },
): LegacyReport {
  const entries: LegacyEntry[] = [];
  const done = (problem?: LegacyProblem): LegacyReport => ({
    ok: problem === undefined,
    verifiedEntries: entries.length,
    headChainHash: entries.at(-1)?.chainHash,
    problem,
    entries,
  });
  let key: KeyObject;
  try {
    key = legacyPublicKey(options.publicKeyHex);
  } catch (err) {
    return done({ code: "BAD_PUBLIC_KEY", line: 0, offset: 0, message: (err as Error).message });
  }
  const pinned = options.publicKeyHex.toLowerCase();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let offset = 0;
  let lineNo = 0;
  while (offset < data.length) {
    lineNo++;
    const nl = data.indexOf(10, offset);
    const end = nl < 0 ? data.length : nl;
    const bytes = data.subarray(offset, end);
    const bad = (code: LegacyErrorCode, message: string) =>
      done({ code, line: lineNo, offset, message });
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return bad("INVALID_UTF8", "line is not valid UTF-8");
    }
    if (nl < 0) return bad("TORN_LINE", "last line has no newline (torn write or truncated copy)");
    if (bytes.length === 0) return bad("EMPTY_LINE", "empty line");
    const parsed = parsePyJson(text);
    if (!parsed.ok) {
      return bad("MALFORMED_JSON", `${parsed.reason} at column ${parsed.offset + 1}`);
    }
    const entry = parsed.value;
    if (entry.kind !== "object") return bad("BAD_LAYOUT", "line is not a JSON object");
    const again = pyDumps(entry);
    if (again !== text) {
      const at = diffAt(again, text);
      return bad(
        "NON_CANONICAL",
        `line is not byte-identical to Python json.dumps output (first difference at column ${
          at + 1
        }: expected ${JSON.stringify(again.slice(at, at + 12))})`,
      );
    }
    const lexeme = firstNumberProblem(entry);
    if (lexeme !== undefined) {
      return bad("NON_CANONICAL_NUMBER", `number '${lexeme}' is not how Python writes a number`);
    }
    const keys = entry.entries.map(([k]) => k);
    const tail = keys.slice(-3);
    if (SIG_FIELDS.some((f, i) => tail[i] !== f)) {
      return bad("BAD_LAYOUT", "entry must end with signature, signing_key, signature_algorithm");
    }
    const field = (name: string) => entry.entries.find(([k]) => k === name)?.[1];
    const sig = field("signature");
    const signingKey = field("signing_key");
    const alg = field("signature_algorithm");
    if (alg?.kind !== "string" || alg.value !== "ed25519") {
      return bad("UNSUPPORTED_ALGORITHM", 'signature_algorithm must be "ed25519"');
    }
    if (sig?.kind !== "string" || !/^[0-9a-f]{128}$/.test(sig.value)) {
      return bad("BAD_LAYOUT", "signature must be 128 lowercase hex digits");
    }
    if (signingKey?.kind !== "string" || !/^[0-9a-f]{64}$/.test(signingKey.value)) {
      return bad("BAD_LAYOUT", "signing_key must be 64 lowercase hex digits");
    }
    if (signingKey.value !== pinned) {
      return bad("FOREIGN_KEY", `signed by ${signingKey.value}, not by the pinned key ${pinned}`);
    }
    const payload = { kind: "object" as const, entries: entry.entries.slice(0, -3) };
    const prev = payload.entries.find(([k]) => k === "prev_hash")?.[1];
    if (prev !== undefined && keys.indexOf("prev_hash") !== keys.length - 4) {
      return bad("BAD_LAYOUT", "prev_hash must be the last field before the signature");
    }
    const signText = pyDumps(payload, { sortKeys: true, compact: true, ensureAscii: false });
    if (!signText.isWellFormed()) {
      return bad(
        "UNSIGNABLE",
        "payload holds a lone surrogate; Python 0.1 could not have signed it",
      );
    }
    const signed = strictVerify(
      key,
      new TextEncoder().encode(signText),
      Buffer.from(sig.value, "hex"),
    );
    if (!signed) return bad("BAD_SIGNATURE", "signature does not verify with the pinned key");
    const previous = entries.at(-1);
    if (previous === undefined && prev !== undefined) {
      return bad(
        "UNEXPECTED_PREV_HASH",
        "first entry has a prev_hash: entries before it are missing (deleted or cut)",
      );
    }
    if (previous !== undefined) {
      if (prev === undefined) {
        return bad("MISSING_PREV_HASH", "entry has no prev_hash although it is not the first");
      }
      if (prev.kind !== "string" || prev.value !== previous.chainHash) {
        return bad(
          "CHAIN_BROKEN",
          `prev_hash does not match line ${previous.line} (expected ${previous.chainHash}): an entry was removed, reordered or edited`,
        );
      }
    }
    const chainText = pyDumps(payload, { sortKeys: true, compact: true, ensureAscii: true });
    entries.push({
      line: lineNo,
      bytes,
      lineSha256: sha256Hex(bytes),
      payload,
      signature: sig.value,
      chainHash: sha256Hex(chainText),
    });
    offset = end + 1;
  }
  if (entries.length === 0) {
    return done({ code: "EMPTY_LEDGER", line: 0, offset: 0, message: "the file has no entries" });
  }
  return done();
}
