/**
 * The audit ledger: RFC 8785 canonical, Ed25519-signed, hash-chained records in an append-only
 * file, RFC 6962 Merkle checkpoints as C2SP signed notes, durable concurrent appends, a
 * streaming verifier, inclusion and consistency proofs, key rotation and witness cosignatures.
 * Format: docs/ledger-format.md. Verifying and importing Python carbon-ops 0.1 ledgers lives in
 * `./legacy/mod.ts`.
 *
 * This is the library surface: keys, init, append, read, verify, checkpoint (and publish it off
 * the host), prove and verify proofs, rotate keys, witness. The building blocks behind it (canonical JSON, Merkle hashing,
 * signed notes, the tree hash cache, ...) are internal; import them by file path only from
 * inside this repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   generateSigningKey,
 *   initLedger,
 *   LedgerWriter,
 *   proveInclusion,
 *   verifyLedger,
 *   verifyRecordProof,
 *   writeCheckpoint,
 * } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   const appended = await ledger.append("note", { text: "hello" });
 *   assert.equal(appended.seq, 1);
 * }
 * const report = await verifyLedger(dir, { trust });
 * assert.equal(report.status, "valid");
 * assert.equal(report.entries, 2);
 * await writeCheckpoint(dir, key);
 * const proof = await proveInclusion(dir, { seq: 1, withRecord: true });
 * const checked = verifyRecordProof(proof.line!, { bundle: proof.bundle, trust });
 * assert.equal(checked.ok, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

// Keys: generate, load and write Ed25519 key files.
export {
  KeyFileError,
  type KeyFileProblem,
  loadSigningKey,
  loadVerifyingKey,
  writeKeyPair,
  type WrittenKeyPair,
} from "./key_files.ts";
export { generateSigningKey, type SigningKey, type VerifyingKey } from "./keys.ts";

// Create a ledger and append records (the injectable clock is the shared one).
export type { Clock } from "../base/clock.ts";
export { initLedger, type InitResult } from "./init.ts";
export { type AppendResult, LedgerWriter, type RepairInfo } from "./writer.ts";
export { LedgerError, type LedgerErrorCode } from "./ledger_error.ts";

// Records and reading them back.
export type { JsonValue } from "./canonical_json.ts";
export {
  decodeRecordLine,
  type LedgerRecord,
  type LineErrorCode,
  type RecordBody,
  RecordLineError,
} from "./record.ts";
export {
  ledgerTotals,
  type ShownRecord,
  showRecords,
  type TotalsGrouping,
  type TotalsResult,
  type TotalsRow,
} from "./query.ts";

// Trust files: the keys, compromised keys and witnesses an auditor trusts.
export {
  type KeyRole,
  loadTrustFile,
  parseTrustFile,
  type TrustedKey,
  type TrustFile,
  TrustFileError,
  trustFileText,
} from "./trust.ts";
export type { CompromisedKey } from "./compromised_keys.ts";

// Verify a ledger.
export { type CheckpointInput, verifyLedger } from "./verify.ts";
export { defaultVerifyJobs, VerifyPool } from "./verify_parallel.ts";
export type { NoteInput } from "./signed_note.ts";
export {
  EMISSION_COLUMNS,
  exportLedger,
  type ExportOptions,
  type ExportProgress,
  type ExportSummary,
  RECORD_COLUMNS,
} from "./export.ts";
export {
  type CheckpointStatus,
  type IssueClass,
  type KeySeen,
  reportToJson,
  reportToText,
  type VerifyIssue,
  type VerifyReport,
  type VerifyStatus,
  type VerifyTotals,
} from "./verify_report.ts";

// Checkpoints.
export type { Checkpoint } from "./checkpoint.ts";
export { writeCheckpoint, type WrittenCheckpoint } from "./checkpoint_writer.ts";

// Publishing checkpoints off the host (a directory or an http(s) URL).
export {
  CheckpointPublishError,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  loadPublishToken,
  originFileName,
  parsePublishTarget,
  publishCheckpoint,
  type PublishErrorCode,
  type PublishOptions,
  type PublishResult,
  type PublishTarget,
} from "./checkpoint_publish.ts";

// Proofs: make them from a ledger directory, verify them offline.
export {
  type ConsistencyResult,
  type InclusionResult,
  ProofError,
  type ProofErrorReason,
  proveConsistency,
  proveInclusion,
  witnessRequestBody,
} from "./prove.ts";
export { type ProofProblem, type RecordProofReport, verifyRecordProof } from "./verify_proof.ts";
export {
  type ProofErrorCode,
  type ProofVerdict,
  verifyConsistency,
  type VerifyConsistencyInput,
} from "./merkle_verify.ts";

// Key rotation.
export { keyRotationBody } from "./rotation_body.ts";
export { rotatedTrustText } from "./rotation_trust.ts";

// Witnesses.
export {
  cosign,
  type CosignatureReport,
  parseWitnessVkey,
  type ValidCosignature,
  verifyCosignatures,
  type WitnessKey,
  witnessKey,
  witnessVkey,
} from "./witness.ts";
