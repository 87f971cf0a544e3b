/**
 * The trust file's witness policy applied to the checkpoints `ledger verify` is given: each
 * checkpoint given as an anchor (`--checkpoint`) must carry valid cosignatures from
 * `witness_quorum` distinct trusted witnesses; the ledger's own latest checkpoint, which is
 * usually not cosigned yet, only gets a warning. A trusted witness's cosignature that does not
 * verify is an integrity error wherever it appears.
 *
 * @module
 */

import type { NoteInput } from "./signed_note.ts";
import type { TrustFile } from "./trust.ts";
import { verifyCosignatures } from "./witness.ts";

/**
 * One finding: an error (with its class) or a warning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WitnessFinding } from "./witness_check.ts";
 * const f: WitnessFinding = { level: "error", cls: "trust", code: "WITNESS_QUORUM", message: "cp: 0 of 1" };
 * assert.equal(f.level, "error");
 * ```
 */
export interface WitnessFinding {
  /** `error` findings fail verification; `warning` ones are reported only. */
  readonly level: "error" | "warning";
  /** Issue class for errors: `trust` (quorum not met) or `integrity` (bad cosignature). */
  readonly cls: "trust" | "integrity";
  /** `WITNESS_QUORUM` or `WITNESS_BAD_COSIGNATURE`. */
  readonly code: "WITNESS_QUORUM" | "WITNESS_BAD_COSIGNATURE";
  /** What, with the checkpoint's source. */
  readonly message: string;
}

/**
 * Checks each opened checkpoint against the trust file's witness policy (no findings when the
 * trust file lists no witnesses).
 *
 * @param checkpoints `source`, signed `note` (its bytes when read from a file), and `own` (true
 *   for the ledger's own checkpoint).
 * @param trust The trust file.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { witnessFindings } from "./witness_check.ts";
 * import { witnessKey } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * assert.deepEqual(witnessFindings([], { origin: "o", keys: [] }), []);
 * const note = "o\n1\n" + "A".repeat(43) + "=\n\n— o AAAAAAAA\n";
 * const trust = { origin: "o", keys: [], witnesses: [witnessKey("w1", generateSigningKey())], witnessQuorum: 1 };
 * const [finding] = witnessFindings([{ source: "cp", note, own: false }], trust);
 * assert.equal(finding.code, "WITNESS_QUORUM");
 * ```
 */
export function witnessFindings(
  checkpoints: readonly { source: string; note: NoteInput; own: boolean }[],
  trust: TrustFile,
): WitnessFinding[] {
  const witnesses = trust.witnesses ?? [];
  if (witnesses.length === 0) return [];
  const quorum = trust.witnessQuorum ?? witnesses.length;
  const out: WitnessFinding[] = [];
  for (const cp of checkpoints) {
    const r = verifyCosignatures(cp.note, { witnesses, quorum });
    for (const bad of r.invalid) {
      out.push({
        level: "error",
        cls: "integrity",
        code: "WITNESS_BAD_COSIGNATURE",
        message: `${cp.source}: witness ${bad.name}: ${bad.reason}`,
      });
    }
    if (r.valid.length < quorum) {
      out.push({
        level: cp.own ? "warning" : "error",
        cls: "trust",
        code: "WITNESS_QUORUM",
        message: `${cp.source}: ${r.valid.length} of the ${quorum} required witnesses cosigned${
          cp.own ? " (the ledger's own checkpoint; send it to the witnesses)" : ""
        }`,
      });
    }
  }
  return out;
}
