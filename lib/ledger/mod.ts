/**
 * The audit ledger: RFC 8785 canonical, Ed25519-signed, hash-chained records in an append-only
 * file, RFC 6962 Merkle checkpoints as C2SP signed notes, durable concurrent appends, and a
 * streaming verifier. Format: docs/ledger-format.md.
 *
 * @example
 * ```ts
 * import { generateSigningKey, initLedger, LedgerWriter, verifyLedger } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * await using ledger = await LedgerWriter.open(dir, { key });
 * await ledger.append("note", { text: "hello" });
 * const report = await verifyLedger(dir, { trust });
 * console.log(report.status, report.entries); // valid 2
 * ```
 *
 * @module
 */

export {
  canonicalize,
  compareUtf16,
  formatNumber,
  formatString,
  JsonCanonError,
  type JsonErrorCode,
  type JsonValue,
  parseJsonStrict,
} from "./canonical_json.ts";
export { Decimal, DECIMAL_PATTERN } from "./decimal.ts";
export { pae, RECORD_PAYLOAD_TYPE } from "./dsse.ts";
export {
  generateSigningKey,
  KeyFileError,
  type KeyFileProblem,
  loadSigningKey,
  loadVerifyingKey,
  privateKeyPem,
  publicKeyPem,
  signBytes,
  type SigningKey,
  signingKeyFromPem,
  signingKeyFromSeed,
  verifyBytes,
  type VerifyingKey,
  verifyingKeyFromPem,
  verifyingKeyFromRaw,
} from "./keys.ts";
export { isValidKeyName, writeKeyPair, type WrittenKeyPair } from "./key_files.ts";
export {
  isValidNoteKeyName,
  NoteError,
  noteKeyId,
  type NoteProblem,
  type NoteSignature,
  type NoteVerifier,
  noteVerifier,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKeyString,
} from "./signed_note.ts";
export {
  type AccumulatorState,
  consistencyProof,
  emptyRoot,
  HASH_BYTES,
  inclusionProof,
  leafHash,
  MerkleAccumulator,
  nodeHash,
  type ProofErrorCode,
  type ProofVerdict,
  rootOf,
  verifyConsistency,
  type VerifyConsistencyInput,
  verifyInclusion,
  type VerifyInclusionInput,
} from "./merkle.ts";
export {
  type Checkpoint,
  checkpointText,
  openCheckpoint,
  parseCheckpointText,
  signCheckpoint,
} from "./checkpoint.ts";
export { originOf, writeCheckpoint, type WrittenCheckpoint } from "./checkpoint_writer.ts";
export {
  decodeRecordLine,
  GENESIS_PREV,
  isRecordTimestamp,
  type LedgerRecord,
  type LineErrorCode,
  payloadOfLine,
  RECORD_FIELDS,
  RecordLineError,
  recordSigningInput,
  type SignedRecord,
  signRecord,
  verifyRecordSignature,
} from "./record.ts";
export {
  type BodyCheck,
  checkBody,
  EMISSION_SCHEMA_V1,
  RECORD_TYPES,
  type RecordBody,
} from "./record_types.ts";
export { CompiledSchema, type SchemaViolation, SUPPORTED_KEYWORDS } from "./json_schema.ts";
export {
  checkpointVerifiers,
  type KeyRole,
  loadTrustFile,
  parseTrustFile,
  recordKeyFor,
  type RecordKeyLookup,
  type TrustedKey,
  type TrustFile,
  TrustFileError,
  trustFileText,
} from "./trust.ts";
export { LedgerError, type LedgerErrorCode } from "./ledger_error.ts";
export {
  checkpointArchivePath,
  CHECKPOINTS_DIR,
  FRONTIER_FILE,
  LATEST_CHECKPOINT,
  LEDGER_JSONL,
  LEDGER_LOCK,
  QUARANTINE_DIR,
} from "./ledger_files.ts";
export { type RawLine, readLines } from "./line_stream.ts";
export { type AppendResult, LedgerWriter, type RepairInfo } from "./writer.ts";
export { initLedger, type InitResult } from "./init.ts";
export { type CheckpointInput, verifyLedger } from "./verify.ts";
export {
  type CheckpointStatus,
  type IssueClass,
  type KeySeen,
  reportToJson,
  reportToText,
  verdictOf,
  type VerifyIssue,
  type VerifyReport,
  type VerifyStatus,
  type VerifyTotals,
} from "./verify_report.ts";
export {
  ledgerTotals,
  type ShownRecord,
  showRecords,
  type TotalsGrouping,
  type TotalsResult,
  type TotalsRow,
} from "./query.ts";
// Issue 7: proofs, tree hash cache, witnesses, key rotation and compromise, legacy 0.1 ledgers.
export { splitPoint, type SubtreeHasher, subtreeHasher, type TreeSource } from "./merkle.ts";
export {
  type HashStore,
  MemoryHashStore,
  sizeForStoredCount,
  storedHashCount,
  storedHashIndex,
  TreeHashCache,
} from "./tree_cache.ts";
export { FileHashStore, type LedgerTree, openLedgerTree } from "./tree_cache_file.ts";
export {
  BundleSyntaxError,
  type CheckpointBody,
  decodeBase64Strict,
  formatProofBundle,
  MAX_PROOF_HASHES,
  parseCheckpointBody,
  parseProofBundle,
  PROOF_BUNDLE_HEADER,
  type ProofBundle,
  verifyBundleInclusion,
} from "./proof_bundle.ts";
export {
  type ConsistencyResult,
  type InclusionResult,
  type NoteAndCheckpoint,
  parseCheckpointNote,
  ProofError,
  type ProofErrorReason,
  proveConsistency,
  proveInclusion,
  readLedgerCheckpoint,
  witnessRequestBody,
} from "./prove.ts";
export { readRecordLine } from "./read_record_line.ts";
export { type ProofProblem, type RecordProofReport, verifyRecordProof } from "./verify_proof.ts";
export {
  cosign,
  COSIGNATURE_V1_TYPE,
  cosignatureKeyId,
  type CosignatureReport,
  cosignedMessage,
  parseWitnessPolicy,
  parseWitnessVkey,
  splitCosignature,
  type ValidCosignature,
  verifyCosignatures,
  type WitnessKey,
  witnessKey,
  witnessVkey,
} from "./witness.ts";
export { addCheckpointRequest, type Equivocation, findEquivocations } from "./witness_protocol.ts";
export { type WitnessFinding, witnessFindings } from "./witness_check.ts";
export { loadTrust, parseTrustExtensions, type TrustExtensions } from "./trust_extensions.ts";
export { type CompromisedKey, parseCompromisedKeys } from "./compromised_keys.ts";
export {
  checkKeyRotationBody,
  keyRotationBody,
  KeyTimeline,
  ROTATION_POP_TYPE,
  type RotationProblem,
  type TimelineLookup,
  verifyRotation,
} from "./rotation.ts";
export { compromiseAnchors, rotatedTrustText } from "./rotation_trust.ts";
export {
  type LegacyEntry,
  type LegacyErrorCode,
  type LegacyProblem,
  legacyPublicKey,
  type LegacyReport,
  verifyLegacyLedger,
} from "./legacy.ts";
export {
  isPythonNumberLexeme,
  parsePyJson,
  pyDumps,
  type PyDumpsOptions,
  type PyJson,
  type PyParseResult,
  pyString,
  pythonFloatRepr,
} from "./legacy_json.ts";
export { type LegacyMapOptions, lexemeToDecimal, mapLegacyEntry } from "./legacy_import.ts";
export { importLegacyLedger, type LegacyImportResult } from "./legacy_import_run.ts";
