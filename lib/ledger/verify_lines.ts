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
 * What one line showed on its own, as `BatchCursor.at` presents it. `error` is set when the line
 * is not a record (then only the leaf hash counts); the record fields are empty strings, -1 and
 * NaN in that case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BatchCursor, checkLines, LineKeys } from "./verify_lines.ts";
 * const facts = checkLines([new TextEncoder().encode("{}")], new LineKeys());
 * const line = new BatchCursor(facts).at(0);
 * assert.equal(line.error?.code, "RECORD_INVALID");
 * assert.equal(line.signature, "unchecked");
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
  /** Record ts as milliseconds since the epoch (a record ts is exact to the millisecond). */
  readonly tsMs: number;
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
 * The facts of a line that go beyond the per-line columns of `BatchFacts`: a decode error, a
 * body problem, or the record (and, for an unchecked signature, its text and bytes) the caller
 * needs. Few lines have one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LineDetail } from "./verify_lines.ts";
 * const d: LineDetail = {
 *   line: 0,
 *   error: { code: "RECORD_INVALID", message: "not a record" },
 *   bodyIssue: null,
 *   record: null,
 *   text: null,
 *   bytes: null,
 * };
 * assert.equal(d.error?.code, "RECORD_INVALID");
 * ```
 */
export interface LineDetail {
  /** Index of the line in its batch. */
  readonly line: number;
  /** See `LineFacts.error`. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** See `LineFacts.bodyIssue`. */
  readonly bodyIssue: { readonly code: string; readonly message: string } | null;
  /** See `LineFacts.record`. */
  readonly record: LedgerRecord | null;
  /** See `LineFacts.text`. */
  readonly text: string | null;
  /** See `LineFacts.bytes`. */
  readonly bytes: Uint8Array | null;
}

/**
 * Facts of a batch of consecutive lines, in columns (typed arrays, one entry per line) rather
 * than an object per line: a worker moves the arrays to the caller without copying them, and
 * nothing per line outlives the batch's fold (per-line objects held until their batch was
 * folded were promoted to the old generation and grew the heap with the ledger's size). Lines
 * with more to say are in `details`. Read a line with `BatchCursor`. The sums of the valid
 * emission records are exact, so batches add in any order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLines, LineKeys } from "./verify_lines.ts";
 * const facts = checkLines([new Uint8Array([0x7b]), new Uint8Array()], new LineKeys());
 * assert.equal(facts.count, 2);
 * assert.equal(facts.leaves.length, 64);
 * assert.equal(facts.details.length, 2);
 * assert.equal(facts.emissions, 0);
 * ```
 */
export interface BatchFacts {
  /** Lines in the batch. */
  readonly count: number;
  /** Leaf hash of line i at bytes 32i..32i+32. */
  readonly leaves: Uint8Array<ArrayBuffer>;
  /** Record seq of each line (-1 for a line that is not a record). */
  readonly seqs: Float64Array<ArrayBuffer>;
  /** Record ts of each line in milliseconds since the epoch (NaN for a line that is not one). */
  readonly tsMs: Float64Array<ArrayBuffer>;
  /** Per line: `SIG_*` in bits 0-1, `LINK_*` in bits 2-3, `HAS_DETAIL` in bit 4. */
  readonly flags: Uint8Array<ArrayBuffer>;
  /** Per line, two indexes into `names`: its kid's, then its type's. */
  readonly nameIds: Uint32Array<ArrayBuffer>;
  /** The kids and types the batch's records name, each once. */
  readonly names: readonly string[];
  /** `prev` of the first line (the caller holds the leaf before it); empty when not a record. */
  readonly firstPrev: string;
  /** Details of the lines whose flags have `HAS_DETAIL`, in line order. */
  readonly details: readonly LineDetail[];
  /** Emission records with a valid body. */
  readonly emissions: number;
  /** Sum of their co2e_g. */
  readonly co2eG: DecimalParts;
  /** Sum of their energy_kwh. */
  readonly energyKwh: DecimalParts;
}

const SIG_UNCHECKED = 0;
const SIG_OK = 1;
const SIG_BAD = 2;
const SIG_MASK = 3;
const LINK_FIRST = 0;
const LINK_BROKEN = 4;
const LINK_OK = 8;
const LINK_MASK = 12;
const HAS_DETAIL = 16;

const SIGNATURES = ["unchecked", "ok", "bad"] as const;

type MutableLineFacts = { -readonly [K in keyof LineFacts]: LineFacts[K] };

/**
 * Reads the lines of a `BatchFacts` in order, each as a `LineFacts` view. The view is one object,
 * refilled by every `at`: use it before the next call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { GENESIS_PREV, signRecord } from "./record.ts";
 * import { BatchCursor, checkLines, LineKeys } from "./verify_lines.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 1, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * const line = new BatchCursor(checkLines([r.lineBytes], new LineKeys())).at(0);
 * assert.equal(line.seq, 1);
 * assert.equal(line.type, "note");
 * assert.equal(line.tsMs, Date.UTC(2026, 0, 1));
 * ```
 */
export class BatchCursor {
  readonly #facts: BatchFacts;
  #next = 0;
  #detail = 0;
  readonly #view: MutableLineFacts = {
    error: null,
    seq: -1,
    prev: "",
    prevLinked: null,
    kid: "",
    type: "",
    tsMs: NaN,
    bodyIssue: null,
    signature: "unchecked",
    record: null,
    text: null,
    bytes: null,
  };

  /** A cursor before the first line of `facts`. */
  constructor(facts: BatchFacts) {
    this.#facts = facts;
  }

  /** The facts of line `i`; lines must be read in order, from 0. */
  at(i: number): LineFacts {
    if (i !== this.#next) {
      throw new RangeError(`batch lines are read in order: asked for ${i}, next is ${this.#next}`);
    }
    this.#next++;
    const facts = this.#facts;
    const view = this.#view;
    const flags = facts.flags[i];
    const detail = (flags & HAS_DETAIL) !== 0 ? facts.details[this.#detail++] : undefined;
    view.error = detail?.error ?? null;
    view.bodyIssue = detail?.bodyIssue ?? null;
    view.record = detail?.record ?? null;
    view.text = detail?.text ?? null;
    view.bytes = detail?.bytes ?? null;
    view.seq = facts.seqs[i];
    view.tsMs = facts.tsMs[i];
    view.signature = SIGNATURES[flags & SIG_MASK];
    const link = flags & LINK_MASK;
    view.prevLinked = link === LINK_FIRST ? null : link === LINK_OK;
    view.prev = i === 0 ? facts.firstPrev : "";
    if (view.error === null) {
      view.kid = facts.names[facts.nameIds[2 * i]];
      view.type = facts.names[facts.nameIds[2 * i + 1]];
    } else {
      view.kid = "";
      view.type = "";
    }
    return view;
  }
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
 * import { BatchCursor, checkLines, LineKeys } from "./verify_lines.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 1, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * const keys = new LineKeys();
 * assert.equal(new BatchCursor(checkLines([r.lineBytes], keys)).at(0).signature, "unchecked");
 * keys.add(key);
 * const line = new BatchCursor(checkLines([r.lineBytes], keys)).at(0);
 * assert.equal(line.signature, "ok");
 * assert.equal(line.prev, GENESIS_PREV);
 * ```
 */
export function checkLines(lines: readonly Uint8Array[], keys: LineKeys): BatchFacts {
  const count = lines.length;
  const leaves = new Uint8Array(count * HASH_BYTES);
  const seqs = new Float64Array(count).fill(-1);
  const tsMs = new Float64Array(count).fill(NaN);
  const flags = new Uint8Array(count);
  const nameIds = new Uint32Array(2 * count);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const nameId = (name: string): number => {
    let id = nameIndex.get(name);
    if (id === undefined) {
      nameIndex.set(name, id = names.length);
      names.push(name);
    }
    return id;
  };
  const details: LineDetail[] = [];
  let firstPrev = "";
  const co2e = new DecimalSum();
  const energy = new DecimalSum();
  let emissions = 0;
  let prevHex: string | null = null;
  for (let i = 0; i < count; i++) {
    const bytes = lines[i];
    const leaf = leafHash(bytes);
    leaves.set(leaf, i * HASH_BYTES);
    const expectedPrev = prevHex;
    // The hex of this leaf is needed only when the next line compares its prev with it.
    prevHex = i + 1 < count ? toHex(leaf) : null;
    let record: LedgerRecord;
    let text: string;
    try {
      ({ record, text } = decodeRecordLine(bytes));
    } catch (err) {
      if (!(err instanceof RecordLineError)) throw err;
      flags[i] = HAS_DETAIL;
      details.push({
        line: i,
        error: { code: err.code, message: err.message },
        bodyIssue: null,
        record: null,
        text: null,
        bytes: null,
      });
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
      ? SIG_UNCHECKED
      : verifyRecordSignature(text, record, key, bytes)
      ? SIG_OK
      : SIG_BAD;
    if (record.type === "emission" && problems.length === 0) {
      co2e.add((record.body.result as { co2e_g: string }).co2e_g);
      energy.add((record.body.activity as { energy_kwh: string }).energy_kwh);
      emissions++;
    }
    seqs[i] = record.seq;
    // decodeRecordLine accepted ts as YYYY-MM-DDTHH:MM:SS.sssZ (a real date and time), which
    // Date.parse reads exactly.
    tsMs[i] = Date.parse(record.ts);
    nameIds[2 * i] = nameId(record.kid);
    nameIds[2 * i + 1] = nameId(record.type);
    if (expectedPrev === null) firstPrev = record.prev;
    const link = expectedPrev === null
      ? LINK_FIRST
      : record.prev === expectedPrev
      ? LINK_OK
      : LINK_BROKEN;
    const unchecked = signature === SIG_UNCHECKED;
    const keep = unchecked || record.type === "genesis" || record.type === "key_rotation" ||
      record.type === "correction";
    if (keep || bodyIssue !== null) {
      details.push({
        line: i,
        error: null,
        bodyIssue,
        record: keep ? record : null,
        text: unchecked ? text : null,
        bytes: unchecked ? bytes.slice() : null,
      });
      flags[i] = signature | link | HAS_DETAIL;
    } else flags[i] = signature | link;
  }
  const co2eSum = co2e.toDecimal();
  const energySum = energy.toDecimal();
  return {
    count,
    leaves,
    seqs,
    tsMs,
    flags,
    nameIds,
    names,
    firstPrev,
    details,
    emissions,
    co2eG: { units: co2eSum.units, scale: co2eSum.scale },
    energyKwh: { units: energySum.units, scale: energySum.scale },
  };
}
