/**
 * Verifier for ledgers written by the Python carbon-ops 0.1 (NDJSON, format in
 * audit-ledger-standards.md section 7b), byte for byte and against a pinned public key. It
 * never throws on bad input: it returns a report with the first bad line and why, plus the
 * verified entries (for `import-legacy`).
 *
 * Each line must be exactly `json.dumps(entry)` (Python defaults) of: the payload fields (with
 * `prev_hash`, absent on the first entry only), then `signature` (128 hex), `signing_key` (64
 * hex, one of the pinned keys) and `signature_algorithm` (`"ed25519"`). What 0.1's own verifier
 * tolerates and the bytes still prove is accepted and reported as a flag: blank lines, CRLF line
 * endings, and a `prev_hash` that a caller passed in the payload (so it sits where the caller
 * put it, not last). A ledger whose writer switched keys verifies when every key is pinned; the
 * report says which key signed which lines. The signature covers the payload (everything but
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
 * Something 0.1's own verifier tolerates that this verifier accepts because the bytes still
 * prove the entries, reported so that the auditor sees it: `BLANK_LINES` (empty or
 * whitespace-only lines between entries, skipped), `CRLF_LINE_ENDINGS` (lines ending in `\r\n`;
 * the `\r` is not part of the line's hash), `PREV_HASH_NOT_LAST` (a caller passed `prev_hash` in
 * the payload, so it is not the last payload field; it is signed and links like any other),
 * `KEY_CHANGE` (the writer switched signing keys; see `keyRanges`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LegacyFlagCode } from "./legacy.ts";
 * const code: LegacyFlagCode = "CRLF_LINE_ENDINGS";
 * assert.equal(code.length, 17);
 * ```
 */
export type LegacyFlagCode =
  | "BLANK_LINES"
  | "CRLF_LINE_ENDINGS"
  | "PREV_HASH_NOT_LAST"
  | "KEY_CHANGE";

/**
 * One accepted irregularity of a legacy ledger, with where it occurs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LegacyFlag } from "./legacy.ts";
 * const flag: LegacyFlag = { code: "BLANK_LINES", count: 1, firstLines: [3], message: "1 blank line skipped" };
 * assert.deepEqual(flag.firstLines, [3]);
 * ```
 */
export interface LegacyFlag {
  /** Stable reason. */
  readonly code: LegacyFlagCode;
  /** How many lines it concerns. */
  readonly count: number;
  /** The first (at most 10) 1-based line numbers concerned. */
  readonly firstLines: readonly number[];
  /** What it means, for people. */
  readonly message: string;
}

/**
 * A run of consecutive entries signed by one key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LegacyKeyRange } from "./legacy.ts";
 * const range: LegacyKeyRange = { publicKeyHex: "11".repeat(32), firstLine: 1, lastLine: 4, entries: 4 };
 * assert.equal(range.entries, 4);
 * ```
 */
export interface LegacyKeyRange {
  /** The raw Ed25519 public key (lowercase hex) that signed these entries. */
  readonly publicKeyHex: string;
  /** 1-based line of the first entry of the run. */
  readonly firstLine: number;
  /** 1-based line of the last entry of the run. */
  readonly lastLine: number;
  /** Number of entries in the run. */
  readonly entries: number;
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
  /** 1-based line number (physical: blank lines count). */
  readonly line: number;
  /** The line bytes without its line ending (`\n` or `\r\n`). */
  readonly bytes: Uint8Array;
  /** Lowercase hex SHA-256 of the line bytes (without `\n` or `\r\n`). */
  readonly lineSha256: string;
  /** The payload (entry without the three signature fields, `prev_hash` included). */
  readonly payload: PyJson & { kind: "object" };
  /** The signature, lowercase hex. */
  readonly signature: string;
  /** The chain hash of this entry: SHA-256 hex of its ASCII payload serialisation. */
  readonly chainHash: string;
  /** The pinned key (lowercase hex) that signed it. */
  readonly signingKey: string;
  /** Accepted irregularities of this line (`CRLF_LINE_ENDINGS`, `PREV_HASH_NOT_LAST`). */
  readonly flags: readonly LegacyFlagCode[];
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
  /** Accepted irregularities among the verified lines (empty for a textbook 0.1 file). */
  readonly flags: readonly LegacyFlag[];
  /** Which pinned key signed which entries, in file order (one run unless the key changed). */
  readonly keyRanges: readonly LegacyKeyRange[];
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

const MAX_LISTED_LINES = 10;

/** Collects the lines one flag concerns (count plus the first few). */
class FlagLines {
  count = 0;
  readonly firstLines: number[] = [];
  add(line: number): void {
    this.count++;
    if (this.firstLines.length < MAX_LISTED_LINES) this.firstLines.push(line);
  }
}

const FLAG_MESSAGES: Record<LegacyFlagCode, (n: number) => string> = {
  BLANK_LINES: (n) =>
    `${n} blank line(s) skipped (carbon-ops 0.1 skips them too; they carry no entry)`,
  CRLF_LINE_ENDINGS: (n) =>
    `${n} line(s) end in CRLF (a Windows text-mode write or copy); each is json.dumps output ` +
    "once the \\r is removed, and its SHA-256 is taken without it",
  PREV_HASH_NOT_LAST: (n) =>
    `${n} entr${n === 1 ? "y has" : "ies have"} prev_hash inside the payload, not last ` +
    "(a caller passed prev_hash and carbon-ops 0.1 overwrote its value in place); it is signed " +
    "and links to the previous entry",
  KEY_CHANGE: (n) =>
    `the signing key changed ${n} time(s); every key is pinned, see which key signed which lines`,
};

/** Whitespace Python's `str.strip()` removes that can sit alone on a line of a text file. */
function isBlank(text: string): boolean {
  return /^[ \t\r\f\v]*$/.test(text);
}

/**
 * Verifies a whole legacy ledger file (its bytes) against the pinned public key(s) (64 hex
 * each). Stops at the first bad line; never throws for bad content. Blank lines, CRLF line
 * endings and a caller-placed `prev_hash` are accepted and reported in `flags`; with several
 * pinned keys each line must be signed by the key it names, and `keyRanges` says which key
 * signed which lines.
 *
 * @param data The file contents.
 * @param options `publicKeyHex`: the raw Ed25519 key the auditor trusts for this ledger, or
 *   every key it trusts when the writer switched keys.
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
 * assert.deepEqual(r.keyRanges, [{ publicKeyHex, firstLine: 1, lastLine: 1, entries: 1 }]);
 * // A copy with CRLF line endings and a blank line still proves the entry, and says so.
 * const crlf = verifyLegacyLedger(new TextEncoder().encode("\r\n" + line.replace("\n", "\r\n")), { publicKeyHex });
 * assert.equal(crlf.ok, true);
 * assert.deepEqual(crlf.flags.map((f) => f.code), ["BLANK_LINES", "CRLF_LINE_ENDINGS"]);
 * const bad = verifyLegacyLedger(new TextEncoder().encode('{"a": 1}\n'), { publicKeyHex });
 * assert.equal(bad.problem?.code, "BAD_LAYOUT");
 * ```
 */
export function verifyLegacyLedger(
  data: Uint8Array,
  options: { publicKeyHex: string | readonly string[] },
): LegacyReport {
  const entries: LegacyEntry[] = [];
  const flagLines = new Map<LegacyFlagCode, FlagLines>();
  const flag = (code: LegacyFlagCode, line: number) => {
    let f = flagLines.get(code);
    if (f === undefined) flagLines.set(code, f = new FlagLines());
    f.add(line);
  };
  const keyRanges: { -readonly [K in keyof LegacyKeyRange]: LegacyKeyRange[K] }[] = [];
  const done = (problem?: LegacyProblem): LegacyReport => {
    const flags: LegacyFlag[] = [];
    for (const code of Object.keys(FLAG_MESSAGES) as LegacyFlagCode[]) {
      const f = flagLines.get(code);
      if (f) {
        flags.push({
          code,
          count: f.count,
          firstLines: f.firstLines,
          message: FLAG_MESSAGES[code](f.count),
        });
      }
    }
    return {
      ok: problem === undefined,
      verifiedEntries: entries.length,
      headChainHash: entries.at(-1)?.chainHash,
      problem,
      entries,
      flags,
      keyRanges,
    };
  };
  const pinnedList = typeof options.publicKeyHex === "string"
    ? [options.publicKeyHex]
    : options.publicKeyHex;
  const keys = new Map<string, KeyObject>();
  for (const hex of pinnedList) {
    try {
      keys.set(hex.toLowerCase(), legacyPublicKey(hex));
    } catch (err) {
      return done({ code: "BAD_PUBLIC_KEY", line: 0, offset: 0, message: (err as Error).message });
    }
  }
  if (keys.size === 0) {
    return done({
      code: "BAD_PUBLIC_KEY",
      line: 0,
      offset: 0,
      message: "no public key given: pin the key (or keys) the ledger was signed with",
    });
  }
  const pinnedText = [...keys.keys()].join(", ");
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let offset = 0;
  let lineNo = 0;
  while (offset < data.length) {
    lineNo++;
    const nl = data.indexOf(10, offset);
    const end = nl < 0 ? data.length : nl;
    const crlf = end > offset && data[end - 1] === 13;
    const bytes = data.subarray(offset, crlf ? end - 1 : end);
    const bad = (code: LegacyErrorCode, message: string) =>
      done({ code, line: lineNo, offset, message });
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return bad("INVALID_UTF8", "line is not valid UTF-8");
    }
    if (isBlank(text)) {
      flag("BLANK_LINES", lineNo);
      offset = end + 1;
      continue;
    }
    const parsed = parsePyJson(text);
    if (nl < 0) {
      return bad(
        "TORN_LINE",
        "last line has no newline (torn write or truncated copy)" +
          (parsed.ok
            ? "; it is complete JSON, so a copy or an editor may have dropped the final newline " +
              "(carbon-ops 0.1 tolerates that): if you trust the copy, append a newline and verify again"
            : ""),
      );
    }
    if (!parsed.ok) {
      return bad("MALFORMED_JSON", `${parsed.reason} at column ${parsed.offset + 1}`);
    }
    const entry = parsed.value;
    if (entry.kind !== "object") return bad("BAD_LAYOUT", "line is not a JSON object");
    const again = pyDumps(entry);
    if (again !== text) {
      const at = diffAt(again, text);
      const hint = again === text.trim()
        ? "; the line has whitespace around the JSON (carbon-ops 0.1's verifier strips it, but " +
          "json.dumps never wrote it): find out how it got there, then remove it from a copy"
        : "; the signature may still hold, but the line was re-serialised after 0.1 wrote it " +
          "(pretty-printed, keys reordered or escapes changed): import the original file";
      return bad(
        "NON_CANONICAL",
        `line is not byte-identical to Python json.dumps output (first difference at column ${
          at + 1
        }: expected ${JSON.stringify(again.slice(at, at + 12))})${hint}`,
      );
    }
    const lexeme = firstNumberProblem(entry);
    if (lexeme !== undefined) {
      return bad("NON_CANONICAL_NUMBER", `number '${lexeme}' is not how Python writes a number`);
    }
    const names = entry.entries.map(([k]) => k);
    const tail = names.slice(-3);
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
    const key = keys.get(signingKey.value);
    if (key === undefined) {
      return bad(
        "FOREIGN_KEY",
        `signed by ${signingKey.value}, not by a pinned key (${pinnedText}); if the writer ` +
          "switched keys, pin every key it used (repeat --public-key)",
      );
    }
    const payload = { kind: "object" as const, entries: entry.entries.slice(0, -3) };
    const prev = payload.entries.find(([k]) => k === "prev_hash")?.[1];
    const lineFlags: LegacyFlagCode[] = [];
    if (crlf) lineFlags.push("CRLF_LINE_ENDINGS");
    if (prev !== undefined && names.indexOf("prev_hash") !== names.length - 4) {
      lineFlags.push("PREV_HASH_NOT_LAST");
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
    if (!signed) {
      return bad(
        "BAD_SIGNATURE",
        `signature does not verify with the key it names (${signingKey.value})`,
      );
    }
    const previous = entries.at(-1);
    if (previous === undefined && prev !== undefined) {
      return bad(
        "UNEXPECTED_PREV_HASH",
        "first entry has a prev_hash: entries before it are missing (deleted or cut); if this " +
          "really is the first line (a caller passed prev_hash to the first append), the file " +
          "cannot prove that nothing was cut: verify the copy that holds the earlier lines",
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
    for (const f of lineFlags) flag(f, lineNo);
    const run = keyRanges.at(-1);
    if (run === undefined || run.publicKeyHex !== signingKey.value) {
      if (run !== undefined) flag("KEY_CHANGE", lineNo);
      keyRanges.push({
        publicKeyHex: signingKey.value,
        firstLine: lineNo,
        lastLine: lineNo,
        entries: 1,
      });
    } else {
      run.lastLine = lineNo;
      run.entries++;
    }
    entries.push({
      line: lineNo,
      bytes,
      lineSha256: sha256Hex(bytes),
      payload,
      signature: sig.value,
      chainHash: sha256Hex(chainText),
      signingKey: signingKey.value,
      flags: lineFlags,
    });
    offset = end + 1;
  }
  if (entries.length === 0) {
    return done({ code: "EMPTY_LEDGER", line: 0, offset: 0, message: "the file has no entries" });
  }
  return done();
}
