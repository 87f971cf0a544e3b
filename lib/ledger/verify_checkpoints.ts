/**
 * Checking checkpoints against a verified ledger: signature by a trusted checkpoint key, origin,
 * and the Merkle root at the checkpoint's size (CONSISTENT / AHEAD_OF_LOG / ROOT_MISMATCH), plus
 * equivocation (two valid checkpoints of one size with different roots).
 *
 * @module
 */

import { type Checkpoint, openCheckpoint } from "./checkpoint.ts";
import { bytesEqual, toBase64 } from "./encoding.ts";
import { NoteError, type NoteInput } from "./signed_note.ts";
import { checkpointVerifiers, type TrustFile } from "./trust.ts";
import type { CheckpointStatus, IssueClass } from "./verify_report.ts";

/**
 * A checkpoint input after its signature check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ParsedCheckpointInput, parseCheckpointInputs } from "./verify_checkpoints.ts";
 * const [p]: ParsedCheckpointInput[] = parseCheckpointInputs([{ source: "x", note: "junk" }], { origin: "o", keys: [] });
 * assert.equal(p.checkpoint, null);
 * assert.equal(p.failure?.code, "CHECKPOINT_MALFORMED");
 * ```
 */
export interface ParsedCheckpointInput {
  /** Where it came from. */
  readonly source: string;
  /** The checkpoint when its signature verified, else null. */
  readonly checkpoint: Checkpoint | null;
  /** The failure when it did not. */
  readonly failure: {
    status: CheckpointStatus["status"];
    code: string;
    cls: IssueClass;
    message: string;
  } | null;
}

/**
 * Opens each checkpoint note with the trust file's checkpoint keys. Pass each note as the bytes
 * read from its file (a `string` cannot show invalid UTF-8). A key the trust file lists twice
 * counts once; two different keys with the checkpoint's name and key id are refused
 * (`CHECKPOINT_AMBIGUOUS_KEY`, a trust problem).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signCheckpoint } from "./checkpoint.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { parseCheckpointInputs } from "./verify_checkpoints.ts";
 * const key = generateSigningKey();
 * const trust = { origin: "o", keys: [{ key, role: "both" as const, seqFrom: 0, seqTo: null }] };
 * const note = signCheckpoint({ origin: "o", size: 0, root: new Uint8Array(32) }, key);
 * const bytes = new TextEncoder().encode(note);
 * const parsed = parseCheckpointInputs([{ source: "a", note: bytes }, { source: "x", note: "junk" }], trust);
 * assert.equal(parsed[0].checkpoint?.size, 0);
 * assert.equal(parsed[1].failure?.status, "malformed");
 * ```
 */
export function parseCheckpointInputs(
  inputs: readonly { source: string; note: NoteInput }[],
  trust: TrustFile,
): ParsedCheckpointInput[] {
  const verifiers = checkpointVerifiers(trust);
  return inputs.map(({ source, note }) => {
    try {
      return { source, checkpoint: openCheckpoint(note, verifiers), failure: null };
    } catch (err) {
      if (!(err instanceof NoteError)) throw err;
      const failure = err.problem === "BAD_SIGNATURE"
        ? {
          status: "bad_signature" as const,
          code: "CHECKPOINT_BAD_SIGNATURE",
          cls: "integrity" as const,
          message: err.message,
        }
        : err.problem === "AMBIGUOUS_KEY"
        ? {
          status: "untrusted" as const,
          code: "CHECKPOINT_AMBIGUOUS_KEY",
          cls: "trust" as const,
          message: err.message,
        }
        : err.problem === "NO_KNOWN_SIGNATURE"
        ? {
          status: "untrusted" as const,
          code: "CHECKPOINT_UNTRUSTED",
          cls: "trust" as const,
          message: "not signed by any checkpoint key in the trust file",
        }
        : {
          status: "malformed" as const,
          code: "CHECKPOINT_MALFORMED",
          cls: "integrity" as const,
          message: err.message,
        };
      return { source, checkpoint: null, failure };
    }
  });
}

/**
 * Verdicts for parsed checkpoints given the roots computed at their sizes; reports each problem
 * through `fail` with its class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCheckpoints } from "./verify_checkpoints.ts";
 * const parsed = [{ source: "cp", checkpoint: { origin: "o", size: 3, root: new Uint8Array(32) }, failure: null }];
 * const failures: string[] = [];
 * const statuses = checkCheckpoints(parsed, new Map(), 2, (_cls, code) => failures.push(code));
 * assert.equal(statuses[0].status, "ahead_of_log");
 * assert.deepEqual(failures, ["CHECKPOINT_AHEAD_OF_LOG"]);
 * ```
 */
export function checkCheckpoints(
  parsed: readonly ParsedCheckpointInput[],
  rootsAt: ReadonlyMap<number, Uint8Array>,
  entries: number,
  fail: (cls: IssueClass, code: string, message: string) => void,
  origin?: string,
): CheckpointStatus[] {
  const statuses = parsed.map((p): CheckpointStatus => {
    const cp = p.checkpoint;
    if (!cp) {
      fail(p.failure!.cls, p.failure!.code, `${p.source}: ${p.failure!.message}`);
      return {
        source: p.source,
        size: null,
        root: null,
        status: p.failure!.status,
        message: p.failure!.message,
      };
    }
    const base = { source: p.source, size: cp.size, root: toBase64(cp.root) };
    if (origin !== undefined && cp.origin !== origin) {
      const message = `origin '${cp.origin}' is not this ledger's '${origin}'`;
      fail("trust", "CHECKPOINT_WRONG_ORIGIN", `${p.source}: ${message}`);
      return { ...base, status: "untrusted", message };
    }
    if (cp.size > entries) {
      const message =
        `signed size ${cp.size} but the ledger has ${entries} records (truncated or rolled back)`;
      fail("consistency", "CHECKPOINT_AHEAD_OF_LOG", `${p.source}: ${message}`);
      return { ...base, status: "ahead_of_log", message };
    }
    const root = rootsAt.get(cp.size);
    if (!root || !bytesEqual(root, cp.root)) {
      const message =
        `root at size ${cp.size} differs from the signed root (history forked or rewritten)`;
      fail("consistency", "CHECKPOINT_ROOT_MISMATCH", `${p.source}: ${message}`);
      return { ...base, status: "root_mismatch", message };
    }
    return { ...base, status: "consistent", message: "" };
  });
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      const a = parsed[i].checkpoint;
      const b = parsed[j].checkpoint;
      if (a && b && a.size === b.size && !bytesEqual(a.root, b.root)) {
        const message = `${parsed[i].source} and ${
          parsed[j].source
        } are both validly signed for size ${a.size} with different roots (equivocation)`;
        fail("consistency", "CHECKPOINT_EQUIVOCATION", message);
        statuses[i] = { ...statuses[i], status: "equivocation", message };
        statuses[j] = { ...statuses[j], status: "equivocation", message };
      }
    }
  }
  return statuses;
}
