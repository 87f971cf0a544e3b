/**
 * Offline verification of one record against a `c2sp.org/tlog-proof@v1` bundle: the record
 * line is canonical and signed by a key the trust file allows for its seq (and not marked
 * compromised), the checkpoint in the bundle is signed by a trusted checkpoint key for the
 * trust file's origin, its witness cosignatures meet the trust file's quorum, and the RFC 9162
 * inclusion proof places the line at its seq in that checkpoint's tree.
 *
 * @module
 */

import { openCheckpoint } from "./checkpoint.ts";
import { toBase64, toHex } from "./encoding.ts";
import { leafHash } from "./merkle.ts";
import { verifyInclusion } from "./merkle_verify.ts";
import { BundleSyntaxError, parseProofBundle } from "./proof_bundle.ts";
import {
  decodeRecordLine,
  type LedgerRecord,
  RecordLineError,
  verifyRecordSignature,
} from "./record.ts";
import { NoteError } from "./signed_note.ts";
import { checkpointVerifiers, recordKeyFor, type TrustFile } from "./trust.ts";
import { type CosignatureReport, verifyCosignatures } from "./witness.ts";

/**
 * One failed check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ProofProblem } from "./verify_proof.ts";
 * const p: ProofProblem = { code: "INCLUSION_FAILED", message: "the proof does not lead to the checkpoint root" };
 * assert.equal(p.code, "INCLUSION_FAILED");
 * ```
 */
export interface ProofProblem {
  /** Stable code, e.g. `BUNDLE_MALFORMED`, `CHECKPOINT_UNTRUSTED`, `INCLUSION_FAILED`. */
  readonly code: string;
  /** What failed. */
  readonly message: string;
}

/**
 * Result of `verifyRecordProof`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RecordProofReport, verifyRecordProof } from "./verify_proof.ts";
 * const r: RecordProofReport = verifyRecordProof(new TextEncoder().encode("{}"), {
 *   bundle: "not a bundle",
 *   trust: { origin: "o", keys: [] },
 * });
 * assert.equal(r.ok, false);
 * assert.equal(r.exitCode, 1);
 * ```
 */
export interface RecordProofReport {
  /** 0 verified, 1 invalid, 4 trust problem. */
  readonly exitCode: 0 | 1 | 4;
  /** True when every check passed. */
  readonly ok: boolean;
  /** The record's seq, when the line decoded. */
  readonly seq: number | null;
  /** Hex leaf hash of the line. */
  readonly leaf: string;
  /** The checkpoint the proof is anchored in, when its signature verified. */
  readonly checkpoint: { origin: string; size: number; root: string } | null;
  /** Witness cosignature check, when the trust file configures witnesses. */
  readonly witnesses: CosignatureReport | null;
  /** Every failed check (empty when ok). */
  readonly problems: readonly ProofProblem[];
}

const TRUST_CODES = new Set([
  "CHECKPOINT_UNTRUSTED",
  "CHECKPOINT_AMBIGUOUS_KEY",
  "CHECKPOINT_WRONG_ORIGIN",
  "KEY_UNKNOWN",
  "KEY_ROLE",
  "KEY_OUT_OF_RANGE",
  "KEY_COMPROMISED",
  "WITNESS_QUORUM",
]);

/**
 * Verifies `line` (the record's bytes, without `\n`) against `bundleText`. Never throws for
 * bad input; every failed check is listed with a code.
 *
 * @param line The exact stored record line.
 * @param options `bundle` text and `trust` (its keys, compromised keys and witness policy).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { proveInclusion } from "./prove.ts";
 * import { verifyRecordProof } from "./verify_proof.ts";
 * await writeCheckpoint(dir, key);
 * const { bundle, line } = await proveInclusion(dir, { seq: 1, withRecord: true });
 * const r = verifyRecordProof(line!, { bundle, trust });
 * assert.equal(r.ok, true);
 * assert.equal(r.seq, 1);
 * assert.equal(verifyRecordProof(new TextEncoder().encode("{}"), { bundle, trust }).ok, false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function verifyRecordProof(
  line: Uint8Array,
  options: { bundle: string; trust: TrustFile },
): RecordProofReport {
  const { trust } = options;
  const problems: ProofProblem[] = [];
  const fail = (code: string, message: string) => problems.push({ code, message });
  const leaf = leafHash(line);
  let record: LedgerRecord | null = null;
  try {
    const decoded = decodeRecordLine(line);
    record = decoded.record;
    const lookup = recordKeyFor(trust, record.kid, record.seq);
    const compromised = (trust.compromised ?? []).find((c) => c.kid === record!.kid);
    if (!lookup.ok) fail(lookup.code, lookup.message);
    else if (compromised && record.seq > compromised.afterSeq) {
      fail(
        "KEY_COMPROMISED",
        `record ${record.seq} is signed by key ${
          record.kid.slice(0, 16)
        }…, compromised after seq ${compromised.afterSeq}`,
      );
    } else if (!verifyRecordSignature(decoded.text, record, lookup.key)) {
      fail("BAD_SIGNATURE", "the record's signature does not verify with the trusted key");
    }
  } catch (err) {
    if (!(err instanceof RecordLineError)) throw err;
    fail(`RECORD_${err.code}`, `the record line is not a valid v1 record: ${err.message}`);
  }
  let bundle;
  try {
    bundle = parseProofBundle(options.bundle);
  } catch (err) {
    if (!(err instanceof BundleSyntaxError)) throw err;
    fail("BUNDLE_MALFORMED", `the proof bundle is malformed: ${err.message}`);
    return done();
  }
  if (record && record.seq !== bundle.index) {
    fail(
      "INDEX_MISMATCH",
      `the bundle proves index ${bundle.index} but the record's seq is ${record.seq}`,
    );
  }
  let cp;
  try {
    cp = openCheckpoint(bundle.checkpoint, checkpointVerifiers(trust));
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    if (err.problem === "NO_KNOWN_SIGNATURE") {
      fail(
        "CHECKPOINT_UNTRUSTED",
        "the bundle's checkpoint is not signed by a checkpoint key in the trust file",
      );
    } else fail(`CHECKPOINT_${err.problem}`, `the bundle's checkpoint: ${err.message}`);
    return done();
  }
  const checkpoint = { origin: cp.origin, size: cp.size, root: toBase64(cp.root) };
  if (cp.origin !== trust.origin) {
    fail("CHECKPOINT_WRONG_ORIGIN", `the checkpoint is for '${cp.origin}', not '${trust.origin}'`);
  }
  let witnesses: CosignatureReport | null = null;
  const trustedWitnesses = trust.witnesses ?? [];
  if (trustedWitnesses.length > 0) {
    witnesses = verifyCosignatures(bundle.checkpoint, {
      witnesses: trustedWitnesses,
      quorum: trust.witnessQuorum ?? trustedWitnesses.length,
    });
    for (const bad of witnesses.invalid) {
      fail("WITNESS_BAD_COSIGNATURE", `witness ${bad.name}: ${bad.reason}`);
    }
    if (witnesses.valid.length < witnesses.required) {
      fail(
        "WITNESS_QUORUM",
        `${witnesses.valid.length} of the required ${witnesses.required} witnesses cosigned`,
      );
    }
  }
  const v = verifyInclusion(leaf, {
    index: bundle.index,
    size: cp.size,
    proof: bundle.proof,
    root: cp.root,
  });
  if (!v.ok) fail("INCLUSION_FAILED", `inclusion proof: ${v.reason} (${v.code})`);
  return done(checkpoint, witnesses);

  function done(
    checkpoint: RecordProofReport["checkpoint"] = null,
    witnesses: CosignatureReport | null = null,
  ): RecordProofReport {
    const exitCode = problems.length === 0
      ? 0
      : problems.every((p) => TRUST_CODES.has(p.code))
      ? 4
      : 1;
    return {
      exitCode,
      ok: exitCode === 0,
      seq: record?.seq ?? null,
      leaf: toHex(leaf),
      checkpoint,
      witnesses,
      problems,
    };
  }
}
