/**
 * Witness protocol helpers: the body of a `tlog-witness` add-checkpoint request and
 * equivocation evidence (two validly signed checkpoints of one origin and size with
 * different roots).
 *
 * @module
 */

import { bytesEqual, toBase64 } from "./encoding.ts";

/**
 * Two validly signed checkpoints of one origin and size with different roots.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Equivocation, findEquivocations } from "./witness_protocol.ts";
 * const a = { origin: "o", size: 2, root: new Uint8Array(32), note: "n1", source: "a" };
 * const b = { ...a, root: new Uint8Array(32).fill(1), note: "n2", source: "b" };
 * const [e]: Equivocation[] = findEquivocations([a, b]);
 * assert.deepEqual(e.notes, ["n1", "n2"]);
 * ```
 */
export interface Equivocation {
  /** Log origin. */
  readonly origin: string;
  /** Tree size both claim. */
  readonly size: number;
  /** The two roots (base64). */
  readonly roots: readonly [string, string];
  /** Where each checkpoint came from. */
  readonly sources: readonly [string, string];
  /** Both signed notes, verbatim: together they are the proof of misbehaviour. */
  readonly notes: readonly [string, string];
}

/**
 * Finds equivocation among checkpoints whose log signatures already verified: any two with the
 * same origin and size but different roots.
 *
 * @param checkpoints Opened checkpoints with their `note` text and `source`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findEquivocations } from "./witness_protocol.ts";
 * const a = { origin: "o", size: 2, root: new Uint8Array(32), note: "n1", source: "a" };
 * const b = { ...a, root: new Uint8Array(32).fill(1), note: "n2", source: "b" };
 * assert.equal(findEquivocations([a, b]).length, 1);
 * assert.equal(findEquivocations([a, { ...a, source: "c" }]).length, 0);
 * ```
 */
export function findEquivocations(
  checkpoints: readonly {
    origin: string;
    size: number;
    root: Uint8Array;
    note: string;
    source: string;
  }[],
): Equivocation[] {
  const out: Equivocation[] = [];
  const first = new Map<string, (typeof checkpoints)[number]>();
  const reported = new Set<string>();
  for (const cp of checkpoints) {
    const key = `${cp.origin}\n${cp.size}`;
    const seen = first.get(key);
    if (!seen) {
      first.set(key, cp);
      continue;
    }
    const pair = `${key}\n${toBase64(cp.root)}`;
    if (!bytesEqual(seen.root, cp.root) && !reported.has(pair)) {
      reported.add(pair);
      out.push({
        origin: cp.origin,
        size: cp.size,
        roots: [toBase64(seen.root), toBase64(cp.root)],
        sources: [seen.source, cp.source],
        notes: [seen.note, cp.note],
      });
    }
  }
  return out;
}

/**
 * The body of a `tlog-witness` add-checkpoint request: `old <size>`, the consistency proof
 * (one base64 hash per line, empty when old size is 0), a blank line, then the checkpoint.
 *
 * @param checkpointNote The new signed checkpoint.
 * @param options `oldSize` and `proof` (RFC 6962 consistency proof from `oldSize`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addCheckpointRequest } from "./witness_protocol.ts";
 * const body = addCheckpointRequest("o\n1\nAA==\n\n— o AAAA\n", { oldSize: 0, proof: [] });
 * assert.equal(body.split("\n")[0], "old 0");
 * ```
 */
export function addCheckpointRequest(
  checkpointNote: string,
  options: { oldSize: number; proof: readonly Uint8Array[] },
): string {
  if (!Number.isSafeInteger(options.oldSize) || options.oldSize < 0) {
    throw new RangeError("old size must be >= 0");
  }
  if (options.oldSize === 0 && options.proof.length > 0) {
    throw new RangeError("the proof must be empty when old size is 0");
  }
  if (options.proof.length > 63) throw new RangeError("at most 63 consistency proof lines");
  const lines = [`old ${options.oldSize}`, ...options.proof.map(toBase64), ""];
  return lines.join("\n") + "\n" + checkpointNote;
}
