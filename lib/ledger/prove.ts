/**
 * Proofs from a ledger directory: an inclusion proof bundle for one record against a stored
 * checkpoint, a consistency proof from an older checkpoint to the latest, and the body of a
 * witness add-checkpoint request. Uses the tree hash cache (`tree_cache_file.ts`) and checks
 * every root it computes against the checkpoint before returning anything, so a stale or
 * corrupt cache can only cause a rebuild, never a wrong proof.
 *
 * @module
 */

import { type Checkpoint, parseCheckpointText } from "./checkpoint.ts";
import { bytesEqual, toBase64 } from "./encoding.ts";
import { checkpointArchivePath, LATEST_CHECKPOINT, LEDGER_JSONL } from "./ledger_files.ts";
import { consistencyProof, inclusionProof } from "./merkle_proofs.ts";
import { leafHash } from "./merkle.ts";
import { verifyConsistency, verifyInclusion } from "./merkle_verify.ts";
import { formatProofBundle } from "./proof_bundle.ts";
import { type NoteInput, parseNote } from "./signed_note.ts";
import { type LedgerTree, openLedgerTree } from "./tree_cache_file.ts";
import { addCheckpointRequest } from "./witness_protocol.ts";

/** Decodes a note whose bytes parseNote has already checked (a byte order mark stays text). */
const NOTE_TEXT = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Why a proof could not be made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProofError, type ProofErrorReason } from "./prove.ts";
 * const reason: ProofErrorReason = "NO_CHECKPOINT";
 * assert.equal(new ProofError(reason, "run 'carbon-ops ledger checkpoint' first").exitCode, 1);
 * ```
 */
export type ProofErrorReason =
  | "NO_CHECKPOINT"
  | "BAD_CHECKPOINT"
  | "NOT_IN_CHECKPOINT"
  | "LEDGER_BEHIND_CHECKPOINT"
  | "ROOT_MISMATCH"
  | "INCONSISTENT";

/**
 * A proof could not be produced. `exitCode` is what the CLI returns: 1 for missing or unusable
 * input, 3 when the ledger is inconsistent with a checkpoint (truncated, rewritten, forked).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProofError } from "./prove.ts";
 * assert.equal(new ProofError("ROOT_MISMATCH", "x").exitCode, 3);
 * assert.equal(new ProofError("BAD_CHECKPOINT", "x").exitCode, 1);
 * ```
 */
export class ProofError extends Error {
  /** Stable reason. */
  readonly reason: ProofErrorReason;
  /** CLI exit code for this reason. */
  readonly exitCode: 1 | 3;
  /**
   * Builds the error.
   *
   * @param reason Stable reason.
   * @param message What failed and what to do next.
   */
  constructor(reason: ProofErrorReason, message: string) {
    super(message);
    this.name = "ProofError";
    this.reason = reason;
    this.exitCode = reason === "LEDGER_BEHIND_CHECKPOINT" || reason === "ROOT_MISMATCH" ||
        reason === "INCONSISTENT"
      ? 3
      : 1;
  }
}

/**
 * A checkpoint note with its parsed body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NoteAndCheckpoint, parseCheckpointNote } from "./prove.ts";
 * const note = "o\n0\n" + "A".repeat(43) + "=\n\n— o AAAAAAAA\n";
 * const parsed: NoteAndCheckpoint = parseCheckpointNote(note, "x");
 * assert.equal(parsed.note, note);
 * ```
 */
export interface NoteAndCheckpoint {
  /** The signed note text, verbatim. */
  readonly note: string;
  /** Its body. */
  readonly checkpoint: Checkpoint;
}

/**
 * Parses a checkpoint note without checking signatures (the prover's side; verifiers open it
 * with trusted keys).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckpointNote, ProofError } from "./prove.ts";
 * const note = "o\n0\n" + "A".repeat(43) + "=\n\n— o AAAAAAAA\n";
 * assert.equal(parseCheckpointNote(note, "x").checkpoint.size, 0);
 * assert.throws(() => parseCheckpointNote("junk", "x"), ProofError);
 * ```
 */
export function parseCheckpointNote(note: NoteInput, source: string): NoteAndCheckpoint {
  try {
    // parseNote checks the bytes (strict UTF-8) before anything is decoded for display
    const checkpoint = parseCheckpointText(parseNote(note).text);
    return { note: typeof note === "string" ? note : NOTE_TEXT.decode(note), checkpoint };
  } catch (err) {
    throw new ProofError(
      "BAD_CHECKPOINT",
      `${source} is not a checkpoint note: ${(err as Error).message}`,
    );
  }
}

/**
 * Reads the ledger's latest checkpoint (`size` undefined) or its archived checkpoint of `size`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * await writeCheckpoint(dir, key);
 * import { readLedgerCheckpoint } from "./prove.ts";
 * assert.equal((await readLedgerCheckpoint(dir)).checkpoint.size, 2);
 * assert.equal((await readLedgerCheckpoint(dir, 1)).note, init.checkpoint.note);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readLedgerCheckpoint(dir: string, size?: number): Promise<NoteAndCheckpoint> {
  const path = size === undefined
    ? `${dir}/${LATEST_CHECKPOINT}`
    : checkpointArchivePath(dir, size);
  let note: Uint8Array;
  try {
    note = await Deno.readFile(path);
  } catch {
    const isLedger = await Deno.stat(`${dir}/${LEDGER_JSONL}`).then(() => true, () => false);
    if (!isLedger) {
      throw new ProofError(
        "NO_CHECKPOINT",
        `${dir} is not a ledger directory (no ${LEDGER_JSONL}); check the path`,
      );
    }
    throw new ProofError(
      "NO_CHECKPOINT",
      size === undefined
        ? `${dir} has no checkpoint yet; run 'carbon-ops ledger checkpoint ${dir} --key FILE' first`
        : `no checkpoint of size ${size} in ${dir}/checkpoints; omit --size to use the latest`,
    );
  }
  return parseCheckpointNote(note, path);
}

/** Opens the ledger tree and checks its root at `cp.size`, rebuilding the cache once if needed. */
async function treeMatching(dir: string, cp: Checkpoint): Promise<LedgerTree> {
  for (const rebuild of [false, true]) {
    const lt = await openLedgerTree(dir, { rebuild });
    if (lt.tree.size >= cp.size && (cp.size === 0 || bytesEqual(lt.tree.root(cp.size), cp.root))) {
      return lt;
    }
    lt[Symbol.dispose]();
    if (!rebuild) continue;
    if (lt.tree.size < cp.size) {
      throw new ProofError(
        "LEDGER_BEHIND_CHECKPOINT",
        `the ledger has ${lt.tree.size} records but the checkpoint has ${cp.size}: it was truncated or rolled back`,
      );
    }
    throw new ProofError(
      "ROOT_MISMATCH",
      `the first ${cp.size} records do not hash to the checkpoint's root: the ledger was rewritten or forked; run 'carbon-ops ledger verify'`,
    );
  }
  throw new Error("unreachable");
}

/**
 * The exact line of record `seq` (without `\n`), streamed from `ledger.jsonl`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * await writeCheckpoint(dir, key);
 * import { readRecordLine } from "./prove.ts";
 * assert.equal(new TextDecoder().decode(await readRecordLine(dir, 0)), init.genesisLine);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRecordLine(dir: string, seq: number): Promise<Uint8Array> {
  using file = await Deno.open(`${dir}/${LEDGER_JSONL}`, { read: true });
  const chunk = new Uint8Array(1 << 20);
  let index = 0;
  let parts: Uint8Array[] = [];
  for (;;) {
    const n = await file.read(chunk);
    if (n === null) break;
    const data = chunk.subarray(0, n);
    let start = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
      if (index === seq) return concat([...parts, data.slice(start, i)]);
      parts = [];
      index++;
      start = i + 1;
    }
    if (index === seq) parts.push(data.slice(start));
  }
  throw new ProofError("NOT_IN_CHECKPOINT", `the ledger has no complete record ${seq}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * An inclusion proof bundle and what it proves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * await writeCheckpoint(dir, key);
 * import { type InclusionResult, proveInclusion } from "./prove.ts";
 * const r: InclusionResult = await proveInclusion(dir, { seq: 1, withRecord: true });
 * assert.equal(r.proof.length, 1);
 * assert.ok(r.line !== undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface InclusionResult {
  /** The `c2sp.org/tlog-proof@v1` bundle text. */
  readonly bundle: string;
  /** Record seq (= index). */
  readonly seq: number;
  /** The checkpoint it is anchored in. */
  readonly checkpoint: Checkpoint;
  /** Proof hashes. */
  readonly proof: readonly Uint8Array[];
  /** Leaf hash of the record line. */
  readonly leaf: Uint8Array;
  /** The record line (without `\n`) when `withRecord` was set. */
  readonly line?: Uint8Array;
}

/**
 * Builds the inclusion proof bundle of record `seq` against the latest checkpoint or the
 * archived one of `size`. O(log n) with a current cache; the proof is verified before return.
 * With `withRecord`, also reads the record line and checks that it is the checkpointed one
 * (the cache is trusted only as far as the checkpoint root confirms it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * await writeCheckpoint(dir, key);
 * import { proveInclusion } from "./prove.ts";
 * const { bundle, checkpoint } = await proveInclusion(dir, { seq: 1 });
 * assert.equal(bundle.split("\n")[1], "index 1");
 * assert.equal(checkpoint.size, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function proveInclusion(
  dir: string,
  options: { seq: number; size?: number; withRecord?: boolean },
): Promise<InclusionResult> {
  const { note, checkpoint } = await readLedgerCheckpoint(dir, options.size);
  if (!Number.isSafeInteger(options.seq) || options.seq < 0 || options.seq >= checkpoint.size) {
    throw new ProofError(
      "NOT_IN_CHECKPOINT",
      `record ${options.seq} is not in the checkpoint of size ${checkpoint.size}; write a newer checkpoint first`,
    );
  }
  using lt = await treeMatching(dir, checkpoint);
  const proof = inclusionProof(lt.tree, { index: options.seq, size: checkpoint.size });
  const leaf = lt.tree.leafHash(options.seq);
  const check = verifyInclusion(leaf, {
    index: options.seq,
    size: checkpoint.size,
    proof,
    root: checkpoint.root,
  });
  if (!check.ok) throw new Error(`internal error: fresh proof does not verify (${check.reason})`);
  const bundle = formatProofBundle({ index: options.seq, proof, checkpoint: note });
  if (!options.withRecord) return { bundle, seq: options.seq, checkpoint, proof, leaf };
  const line = await readRecordLine(dir, options.seq);
  if (!bytesEqual(leafHash(line), leaf)) {
    throw new ProofError(
      "ROOT_MISMATCH",
      `record ${options.seq} in ${LEDGER_JSONL} is not the record in the checkpoint: the ledger was modified; run 'carbon-ops ledger verify'`,
    );
  }
  return { bundle, seq: options.seq, checkpoint, proof, leaf, line };
}

/**
 * A consistency proof between two checkpoints of the ledger.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * await writeCheckpoint(dir, key);
 * import { type ConsistencyResult, proveConsistency } from "./prove.ts";
 * const r: ConsistencyResult = await proveConsistency(dir, { fromNote: init.checkpoint.note });
 * assert.equal(r.toNote, await Deno.readTextFile(`${dir}/checkpoint`));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ConsistencyResult {
  /** The older checkpoint. */
  readonly from: Checkpoint;
  /** The newer checkpoint (the ledger's latest unless given). */
  readonly to: Checkpoint;
  /** The newer checkpoint's note. */
  readonly toNote: string;
  /** RFC 6962 consistency proof hashes (empty when the sizes are equal). */
  readonly proof: readonly Uint8Array[];
}

/**
 * Proves that the checkpoint `fromNote` is a prefix of the ledger's latest checkpoint (or of
 * `toNote`). Throws `ProofError` with exit code 3 when it is not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * await writeCheckpoint(dir, key);
 * import { proveConsistency } from "./prove.ts";
 * const r = await proveConsistency(dir, { fromNote: init.checkpoint.note });
 * assert.deepEqual([r.from.size, r.to.size, r.proof.length], [1, 2, 1]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function proveConsistency(
  dir: string,
  options: { fromNote: string; toNote?: string },
): Promise<ConsistencyResult> {
  const from = parseCheckpointNote(options.fromNote, "the old checkpoint").checkpoint;
  const to = options.toNote === undefined
    ? await readLedgerCheckpoint(dir)
    : parseCheckpointNote(options.toNote, "the new checkpoint");
  if (from.origin !== to.checkpoint.origin) {
    throw new ProofError(
      "BAD_CHECKPOINT",
      `the old checkpoint is for '${from.origin}', not '${to.checkpoint.origin}'`,
    );
  }
  if (from.size > to.checkpoint.size) {
    throw new ProofError(
      "INCONSISTENT",
      `the old checkpoint (size ${from.size}) is ahead of the ledger's checkpoint (size ${to.checkpoint.size}): truncated or rolled back`,
    );
  }
  if (from.size === 0) {
    throw new ProofError("BAD_CHECKPOINT", "an empty old checkpoint needs no proof (size 0)");
  }
  using lt = await treeMatching(dir, to.checkpoint);
  const proof = consistencyProof(lt.tree, { size1: from.size, size2: to.checkpoint.size });
  const check = verifyConsistency({
    size1: from.size,
    size2: to.checkpoint.size,
    root1: from.root,
    root2: to.checkpoint.root,
    proof,
  });
  if (!check.ok) {
    throw new ProofError(
      "INCONSISTENT",
      `the old checkpoint (size ${from.size}, root ${
        toBase64(from.root)
      }) is not a prefix of this ledger: forked or rewritten`,
    );
  }
  return { from, to: to.checkpoint, toNote: to.note, proof };
}

/**
 * Body of a tlog-witness add-checkpoint request for the ledger's latest checkpoint, from the
 * witness's last cosigned checkpoint (`fromNote`) or from size 0 (`fromNote` undefined).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * await writeCheckpoint(dir, key);
 * import { witnessRequestBody } from "./prove.ts";
 * const body = await witnessRequestBody(dir, { fromNote: init.checkpoint.note });
 * assert.equal(body.split("\n")[0], "old 1");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function witnessRequestBody(
  dir: string,
  options: { fromNote?: string },
): Promise<string> {
  if (options.fromNote === undefined) {
    const latest = await readLedgerCheckpoint(dir);
    return addCheckpointRequest(latest.note, { oldSize: 0, proof: [] });
  }
  const from = parseCheckpointNote(options.fromNote, "the old checkpoint").checkpoint;
  if (from.size === 0) {
    return addCheckpointRequest((await readLedgerCheckpoint(dir)).note, { oldSize: 0, proof: [] });
  }
  const r = await proveConsistency(dir, { fromNote: options.fromNote });
  return addCheckpointRequest(r.toNote, { oldSize: r.from.size, proof: r.proof });
}
