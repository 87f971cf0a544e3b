/**
 * Verifying a fleet: many ledger directories (one per host) against the auditor's trust files and
 * checkpoints, matched by origin, with one summary. Each ledger gets the full `verifyLedger`;
 * the fleet's exit code is the most serious verdict (1, then 4, then 3, then 5, then 0).
 *
 * @module
 */

import { LEDGER_JSONL } from "./ledger_files.ts";
import type { TrustFile } from "./trust.ts";
import { type CheckpointInput, verifyLedger } from "./verify.ts";
import type { VerifyReport } from "./verify_report.ts";

/**
 * One ledger's line in the fleet summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FleetEntry } from "./fleet.ts";
 * const entry: FleetEntry = {
 *   dir: "/ledgers/host-01",
 *   origin: null,
 *   status: "unreadable",
 *   exitCode: 1,
 *   entries: 0,
 *   checkpoints: 0,
 *   firstError: "no ledger.jsonl",
 *   report: null,
 * };
 * assert.equal(entry.exitCode, 1);
 * ```
 */
export interface FleetEntry {
  /** The directory. */
  readonly dir: string;
  /** Origin read from its genesis record, or null when unreadable. */
  readonly origin: string | null;
  /** Verdict: valid, invalid, inconsistent, untrusted, torn; or `unreadable`. */
  readonly status: string;
  /** Exit code of that verdict (unreadable counts as 1). */
  readonly exitCode: number;
  /** Records examined. */
  readonly entries: number;
  /** Checkpoints checked for it. */
  readonly checkpoints: number;
  /** First error, or why it could not be verified. */
  readonly firstError: string | null;
  /** The full report, when the ledger could be verified. */
  readonly report: VerifyReport | null;
}

/**
 * The fleet summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fleetToText, type FleetReport } from "./fleet.ts";
 * const fleet: FleetReport = { entries: [], exitCode: 0, byStatus: {} };
 * assert.match(fleetToText(fleet), /fleet: 0 ledgers \(none\); exit 0/);
 * ```
 */
export interface FleetReport {
  /** One entry per directory, in the order given. */
  readonly entries: readonly FleetEntry[];
  /** Most serious exit code over the fleet. */
  readonly exitCode: number;
  /** Count of ledgers per status. */
  readonly byStatus: Readonly<Record<string, number>>;
}

const SEVERITY = [1, 4, 3, 5, 0];

/**
 * The most serious of several verifier exit codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { worstExitCode } from "./fleet.ts";
 * assert.equal(worstExitCode([0, 5, 3]), 3);
 * assert.equal(worstExitCode([0, 0]), 0);
 * ```
 */
export function worstExitCode(codes: readonly number[]): number {
  let worst = 0;
  for (const c of codes) if (SEVERITY.indexOf(c) < SEVERITY.indexOf(worst)) worst = c;
  return worst;
}

async function originOfDir(dir: string): Promise<string> {
  using file = await Deno.open(`${dir}/${LEDGER_JSONL}`, { read: true });
  const buf = new Uint8Array(64 * 1024);
  const n = (await file.read(buf)) ?? 0;
  const first = new TextDecoder().decode(buf.subarray(0, n)).split("\n")[0];
  const m = /"origin":"((?:[^"\\]|\\.)*)"/.exec(first);
  if (!m || !first.includes('"type":"genesis"')) {
    throw new Error("the first line is not a genesis record");
  }
  return JSON.parse(`"${m[1]}"`);
}

/**
 * Verifies every directory in `dirs` with the trust file whose origin matches its genesis record
 * (a ledger's own `trust.json` is never used: trust comes from the auditor), and the checkpoints
 * whose first line names that origin.
 *
 * @param options `trusts` (required), `checkpoints` (default none), `useLedgerCheckpoint`
 *   (default true).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyFleet } from "./fleet.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key: generateSigningKey() });
 * const fleet = await verifyFleet([dir], { trusts: [trust] });
 * assert.equal(fleet.exitCode, 0);
 * assert.deepEqual(fleet.byStatus, { valid: 1 });
 * assert.equal(fleet.entries[0].origin, "example.org/host-01");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function verifyFleet(
  dirs: readonly string[],
  options: {
    trusts: readonly TrustFile[];
    checkpoints?: readonly CheckpointInput[];
    useLedgerCheckpoint?: boolean;
  },
): Promise<FleetReport> {
  const entries: FleetEntry[] = [];
  for (const dir of dirs) {
    let origin: string | null = null;
    try {
      origin = await originOfDir(dir);
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound
        ? `no ${LEDGER_JSONL}`
        : (err as Error).message;
      entries.push({
        dir,
        origin,
        status: "unreadable",
        exitCode: 1,
        entries: 0,
        checkpoints: 0,
        firstError: why,
        report: null,
      });
      continue;
    }
    const trust = options.trusts.find((t) => t.origin === origin);
    if (!trust) {
      entries.push({
        dir,
        origin,
        status: "untrusted",
        exitCode: 4,
        entries: 0,
        checkpoints: 0,
        firstError: `no trust file for origin ${origin}`,
        report: null,
      });
      continue;
    }
    const checkpoints = (options.checkpoints ?? []).filter((c) => c.note.split("\n")[0] === origin);
    const report = await verifyLedger(dir, {
      trust,
      checkpoints,
      useLedgerCheckpoint: options.useLedgerCheckpoint ?? true,
    });
    const e = report.errors[0];
    entries.push({
      dir,
      origin,
      status: report.status,
      exitCode: report.exitCode,
      entries: report.entries,
      checkpoints: report.checkpoints.length,
      firstError: e ? `${e.code}${e.seq === null ? "" : ` at seq ${e.seq}`}: ${e.message}` : null,
      report,
    });
  }
  const byStatus: Record<string, number> = {};
  for (const e of entries) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
  return { entries, exitCode: worstExitCode(entries.map((e) => e.exitCode)), byStatus };
}

/**
 * The fleet summary as a table for people.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fleetToText } from "./fleet.ts";
 * const text = fleetToText({ entries: [], exitCode: 0, byStatus: {} });
 * assert.equal(text.split("\n").at(-2), "fleet: 0 ledgers (none); exit 0");
 * ```
 */
export function fleetToText(fleet: FleetReport): string {
  const w = Math.max(9, ...fleet.entries.map((e) => e.dir.length));
  const lines = [
    `${"directory".padEnd(w)}  ${"status".padEnd(12)} ${
      "records".padStart(8)
    }  checkpoints  origin`,
  ];
  for (const e of fleet.entries) {
    lines.push(
      `${e.dir.padEnd(w)}  ${e.status.toUpperCase().padEnd(12)} ${String(e.entries).padStart(8)}  ${
        String(e.checkpoints).padStart(11)
      }  ${e.origin ?? "-"}`,
    );
    if (e.firstError) lines.push(`${"".padEnd(w)}    ${e.firstError}`);
  }
  const counts = Object.entries(fleet.byStatus).map(([s, n]) => `${n} ${s}`).join(", ");
  lines.push(
    "",
    `fleet: ${fleet.entries.length} ledgers (${counts || "none"}); exit ${fleet.exitCode}`,
  );
  return lines.join("\n") + "\n";
}
