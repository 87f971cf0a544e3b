/**
 * The per-line half of ledger verification: what can be checked of one line without the lines
 * before it (UTF-8, canonical JSON, record shape, body schema, leaf hash, the signature with the
 * key its `kid` names, the emission amounts). `verifyLedger` runs it in its own thread or on a
 * pool of workers (`verify_parallel.ts`) and folds the facts in order; both give the same report.
 *
 * @module
 */

import { createPublicKey, type KeyObject } from "node:crypto";
import { DecimalSum } from "./decimal_sum.ts";
import { toHex } from "./encoding.ts";
import { type VerifyingKey, verifyingKeyFromRaw } from "./keys.ts";
import { HASH_BYTES, leafHash } from "./merkle.ts";
import {
  decodeRecordLine,
  type LedgerRecord,
  RecordLineError,
  verifyRecordSignature,
} from "./record.ts";
import { checkBody } from "./record_types.ts";
import { emissionBodyProblems } from "./emission_quick_check.ts";

/**
 * A decimal sum that survives `postMessage` (a `Decimal` loses its class when cloned).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Decimal } from "./decimal.ts";
 * import type { DecimalParts } from "./verify_lines.ts";
 * const d: DecimalParts = { units: 125n, scale: 1 };
 * assert.equal(new Decimal(d.units, d.scale).toString(), "12.5");
 * ```
 */
export interface DecimalParts {
  /** Integer numerator. */
  readonly units: bigint;
  /** Digits after the decimal point. */
  readonly scale: number;
}

/**
 * What one line showed on its own. `error` is set when the line is not a record (then only the
 * leaf hash counts); the record fields are empty strings and -1 in that case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLines, LineKeys } from "./verify_lines.ts";
 * const facts = checkLines([new TextEncoder().encode("{}")], new LineKeys());
 * assert.equal(facts.lines[0].error?.code, "RECORD_INVALID");
 * assert.equal(facts.lines[0].signature, "unchecked");
 * ```
 */
export interface LineFacts {
  /** Why the line is not a record (a `RecordLineError` code and message), or null. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Record seq. */
  readonly seq: number;
  /** Record `prev`; empty when `prevLinked` answers the question. */
  readonly prev: string;
  /**
   * For a line after the first of its batch: whether `prev` is the leaf hash of the line before.
   * Null for the first line of a batch (the caller holds the leaf before it).
   */
  readonly prevLinked: boolean | null;
  /** Record kid. */
  readonly kid: string;
  /** Record type. */
  readonly type: string;
  /** Record ts. */
  readonly ts: string;
  /** First body problems (TYPE_UNKNOWN or BODY_INVALID, at most three joined), or null. */
  readonly bodyIssue: { readonly code: string; readonly message: string } | null;
  /** Signature with the key registered for `kid`; "unchecked" when none is registered. */
  readonly signature: "ok" | "bad" | "unchecked";
  /** The record, for genesis, key_rotation and correction lines and unchecked signatures. */
  readonly record: LedgerRecord | null;
  /** The line text, for unchecked signatures. */
  readonly text: string | null;
  /** A copy of the line bytes, for unchecked signatures. */
  readonly bytes: Uint8Array | null;
}

/**
 * Facts of a batch of consecutive lines: one per line, their leaf hashes packed 32 bytes each,
 * and the sums of the valid emission records among them (exact, so batches add in any order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLines, LineKeys } from "./verify_lines.ts";
 * const facts = checkLines([new Uint8Array([0x7b]), new Uint8Array()], new LineKeys());
 * assert.equal(facts.leaves.length, 64);
 * assert.equal(facts.emissions, 0);
 * ```
 */
export interface BatchFacts {
  /** One entry per line, in order. */
  readonly lines: readonly LineFacts[];
  /** Leaf hash of line i at bytes 32i..32i+32. */
  readonly leaves: Uint8Array<ArrayBuffer>;
  /** Emission records with a valid body. */
  readonly emissions: number;
  /** Sum of their co2e_g. */
  readonly co2eG: DecimalParts;
  /** Sum of their energy_kwh. */
  readonly energyKwh: DecimalParts;
}

/**
 * A key to check signatures with, as sent to a worker: the declared kid and the raw 32-byte
 * public key of the key object that verifies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { LineKeys } from "./verify_lines.ts";
 * const keys = new LineKeys();
 * const spec = keys.add(generateSigningKey());
 * assert.equal(spec?.raw.length, 32);
 * ```
 */
export interface LineKeySpec {
  /** The kid records name. */
  readonly kid: string;
  /** Raw Ed25519 public key of the key object. */
  readonly raw: Uint8Array;
}

/**
 * The keys the per-line checks verify signatures with, by kid. A kid is registered at most once
 * and never with a second key (a kid claimed by two different keys is left unregistered, so
 * those lines are checked by the caller with the key its trust rules pick).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { LineKeys } from "./verify_lines.ts";
 * const key = generateSigningKey();
 * const keys = new LineKeys();
 * keys.add(key);
 * assert.equal(keys.answersFor(key.kid, key), true);
 * assert.equal(keys.answersFor(key.kid, generateSigningKey()), false);
 * ```
 */
export class LineKeys {
  readonly #byKid = new Map<string, VerifyingKey>();
  readonly #conflicted = new Set<string>();

  /**
   * Registers `key` under `key.kid`; returns what a worker needs to do the same, or null when
   * the kid was already registered (or is now conflicted) or the key cannot be exported.
   */
  add(key: VerifyingKey): LineKeySpec | null {
    const kid = key.kid;
    if (this.#conflicted.has(kid)) return null;
    const have = this.#byKid.get(kid);
    if (have !== undefined) {
      if (have.keyObject !== key.keyObject) {
        this.#byKid.delete(kid);
        this.#conflicted.add(kid);
      }
      return null;
    }
    let raw: Uint8Array;
    try {
      raw = rawOf(key.keyObject);
    } catch {
      return null;
    }
    this.#byKid.set(kid, key);
    return { kid, raw };
  }

  /** Registers a key received from the main thread (rebuilt from its raw bytes). */
  addSpec(spec: LineKeySpec): void {
    try {
      const key = verifyingKeyFromRaw(spec.raw);
      this.#byKid.set(spec.kid, { ...key, kid: spec.kid });
    } catch { /* an unusable point: lines with this kid come back unchecked */ }
  }

  /** The key registered for `kid`. */
  get(kid: string): VerifyingKey | undefined {
    return this.#byKid.get(kid);
  }

  /**
   * True when a checked signature of `kid` is the answer `key` would give: the key registered
   * for `kid` is the same public key (the same object, or equal raw bytes: a key rotation
   * record and the trust file each make their own object for one key).
   */
  answersFor(kid: string, key: VerifyingKey): boolean {
    const have = this.#byKid.get(kid);
    if (have === undefined) return false;
    if (have.keyObject === key.keyObject) return true;
    try {
      return toHex(rawCached(have.keyObject)) === toHex(rawCached(key.keyObject));
    } catch {
      return false;
    }
  }
}

const rawByObject = new WeakMap<KeyObject, Uint8Array>();

function rawCached(keyObject: KeyObject): Uint8Array {
  let raw = rawByObject.get(keyObject);
  if (raw === undefined) rawByObject.set(keyObject, raw = rawOf(keyObject));
  return raw;
}

function rawOf(keyObject: KeyObject): Uint8Array {
  const pub = keyObject.type === "private" ? createPublicKey(keyObject) : keyObject;
  return new Uint8Array(pub.export({ format: "der", type: "spki" })).slice(12);
}

const EMPTY_FACT = {
  seq: -1,
  prev: "",
  prevLinked: null,
  kid: "",
  type: "",
  ts: "",
  bodyIssue: null,
  signature: "unchecked" as const,
  record: null,
  text: null,
  bytes: null,
};

/**
 * Checks consecutive ledger lines (bytes without `\n`, none over the record limit) on their own.
 *
 * @param lines The lines, in file order.
 * @param keys Keys by kid for the signature checks.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { GENESIS_PREV, signRecord } from "./record.ts";
 * import { checkLines, LineKeys } from "./verify_lines.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 1, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * const keys = new LineKeys();
 * assert.equal(checkLines([r.lineBytes], keys).lines[0].signature, "unchecked");
 * keys.add(key);
 * const facts = checkLines([r.lineBytes], keys);
 * assert.equal(facts.lines[0].signature, "ok");
 * assert.equal(facts.lines[0].prev, GENESIS_PREV);
 * ```
 */
export function checkLines(lines: readonly Uint8Array[], keys: LineKeys): BatchFacts {
  const leaves = new Uint8Array(lines.length * HASH_BYTES);
  const out: LineFacts[] = new Array(lines.length);
  const co2e = new DecimalSum();
  const energy = new DecimalSum();
  let emissions = 0;
  let prevHex: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const bytes = lines[i];
    const leaf = leafHash(bytes);
    leaves.set(leaf, i * HASH_BYTES);
    const expectedPrev = prevHex;
    // The hex of this leaf is needed only when the next line compares its prev with it.
    prevHex = i + 1 < lines.length ? toHex(leaf) : null;
    let record: LedgerRecord;
    let text: string;
    try {
      ({ record, text } = decodeRecordLine(bytes));
    } catch (err) {
      if (!(err instanceof RecordLineError)) throw err;
      out[i] = { ...EMPTY_FACT, error: { code: err.code, message: err.message } };
      continue;
    }
    // Emission bodies (most lines) go through the quick check first: the same answer as
    // checkBody, the schema runs only for a body the quick check cannot vouch for.
    const problems = record.type === "genesis"
      ? []
      : record.type === "emission"
      ? emissionBodyProblems(record.body)
      : checkBody(record.type, record.body);
    const bodyIssue = problems.length
      ? {
        code: problems[0].startsWith("unknown record type") ? "TYPE_UNKNOWN" : "BODY_INVALID",
        message: problems.slice(0, 3).join("; "),
      }
      : null;
    const key = keys.get(record.kid);
    const signature = key === undefined
      ? "unchecked"
      : verifyRecordSignature(text, record, key, bytes)
      ? "ok"
      : "bad";
    if (record.type === "emission" && problems.length === 0) {
      co2e.add((record.body.result as { co2e_g: string }).co2e_g);
      energy.add((record.body.activity as { energy_kwh: string }).energy_kwh);
      emissions++;
    }
    const keep = signature === "unchecked" || record.type === "genesis" ||
      record.type === "key_rotation" || record.type === "correction";
    out[i] = {
      error: null,
      seq: record.seq,
      prev: expectedPrev === null ? record.prev : "",
      prevLinked: expectedPrev === null ? null : record.prev === expectedPrev,
      kid: record.kid,
      type: record.type,
      ts: record.ts,
      bodyIssue,
      signature,
      record: keep ? record : null,
      text: signature === "unchecked" ? text : null,
      bytes: signature === "unchecked" ? bytes.slice() : null,
    };
  }
  const co2eSum = co2e.toDecimal();
  const energySum = energy.toDecimal();
  return {
    lines: out,
    leaves,
    emissions,
    co2eG: { units: co2eSum.units, scale: co2eSum.scale },
    energyKwh: { units: energySum.units, scale: energySum.scale },
  };
}
