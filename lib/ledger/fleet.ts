/**
 * Verifying a fleet: many ledger directories (one per host) against the auditor's trust files and
 * checkpoints, matched by origin, with one summary. Each ledger gets the full `verifyLedger`;
 * the fleet's exit code is the most serious verdict (1, then 4, then 3, then 5, then 0).
 *
 * Coverage is checked too, because matching by origin alone lets a swap go unnoticed (host A's
 * directory replaced by a copy of host B's verifies with B's trust file, and A's trust file and
 * held checkpoints would simply match nothing): every trust file and checkpoint given must be
 * used by a ledger of the origin it names, every ledger must have a trust file, and no two
 * directories may claim one origin. Each gap is a `FleetCoverageProblem` and a trust failure
 * (exit 4).
 *
 * @module
 */

import { LEDGER_JSONL } from "./ledger_files.ts";
import { LedgerFileError, openLedgerFileSync } from "./ledger_file_check.ts";
import type { TrustFile } from "./trust.ts";
import type { NoteInput } from "./signed_note.ts";
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
 * A trust file with the name it is reported under (its path, for the CLI).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FleetTrust } from "./fleet.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const given: FleetTrust = {
 *   source: "trust/host-01.json",
 *   trust: { origin: "example.org/host-01", keys: [{ key: generateSigningKey(), role: "both", seqFrom: 0, seqTo: null }] },
 * };
 * assert.equal(given.trust.origin, "example.org/host-01");
 * ```
 */
export interface FleetTrust {
  /** Where it came from (a path), named in coverage problems. */
  readonly source: string;
  /** The parsed trust file. */
  readonly trust: TrustFile;
}

/**
 * A gap in what the fleet run covers; each one makes the verdict a trust failure (exit 4).
 * `trust`: a trust file no ledger used (no directory has its origin, or another trust file
 * already covers that origin). `checkpoint`: a held checkpoint no ledger used (no directory has
 * the origin on its first line). `ledger`: a directory with no trust file for its origin, or
 * one claiming the same origin as another directory (one of them is a copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FleetCoverageProblem } from "./fleet.ts";
 * const orphan: FleetCoverageProblem = {
 *   kind: "checkpoint",
 *   source: "anchors/host-01.checkpoint",
 *   origin: "example.org/host-01",
 *   problem: "checkpoint anchors/host-01.checkpoint (origin example.org/host-01) was used by no ledger",
 * };
 * assert.equal(orphan.kind, "checkpoint");
 * ```
 */
export interface FleetCoverageProblem {
  /** What was left uncovered: a trust file, a checkpoint or a ledger directory. */
  readonly kind: "trust" | "checkpoint" | "ledger";
  /** The trust file or checkpoint source, or the ledger directory. */
  readonly source: string;
  /** The origin it names, when known. */
  readonly origin: string | null;
  /** What is wrong and what to do. */
  readonly problem: string;
}

/**
 * The fleet summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fleetToText, type FleetReport } from "./fleet.ts";
 * const fleet: FleetReport = { entries: [], coverage: [], exitCode: 0, byStatus: {} };
 * assert.match(fleetToText(fleet), /fleet: 0 ledgers \(none\); exit 0/);
 * ```
 */
export interface FleetReport {
  /** One entry per directory, in the order given. */
  readonly entries: readonly FleetEntry[];
  /** Coverage gaps (orphan trust files and checkpoints, uncovered or duplicate ledgers). */
  readonly coverage: readonly FleetCoverageProblem[];
  /** Most serious exit code over the fleet (4 at least when `coverage` is not empty). */
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
  // Stat before open: a FIFO would block open(2) forever (ledger_file_check.ts).
  using file = openLedgerFileSync(`${dir}/${LEDGER_JSONL}`);
  const buf = new Uint8Array(64 * 1024);
  const n = (await file.read(buf)) ?? 0;
  const first = new TextDecoder().decode(buf.subarray(0, n)).split("\n")[0];
  const m = /"origin":"((?:[^"\\]|\\.)*)"/.exec(first);
  if (!m || !first.includes('"type":"genesis"')) {
    throw new Error("the first line is not a genesis record");
  }
  return JSON.parse(`"${m[1]}"`);
}

function checkpointOrigin(note: NoteInput): string {
  const text = typeof note === "string" ? note : new TextDecoder().decode(note);
  return text.split("\n")[0];
}

/**
 * Verifies every directory in `dirs` with the trust file whose origin matches its genesis record
 * (a ledger's own `trust.json` is never used: trust comes from the auditor), and the checkpoints
 * whose first line names that origin. Then checks coverage: a trust file or checkpoint that no
 * ledger used, a ledger without a trust file, and two directories with one origin are each a
 * `FleetCoverageProblem` and make the verdict at least a trust failure (exit 4).
 *
 * @param options `trusts` (required; a `TrustFile`, or `{ source, trust }` to name it in
 *   problems), `checkpoints` (default none), `useLedgerCheckpoint` (default true), `jobs`
 *   (workers per ledger, as `verifyLedger`; default 1).
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
 * const stray = { source: "trust/host-02.json", trust: { ...trust, origin: "example.org/host-02" } };
 * const orphaned = await verifyFleet([dir], { trusts: [trust, stray] });
 * assert.equal(orphaned.exitCode, 4);
 * assert.deepEqual(orphaned.coverage.map((c) => [c.kind, c.source]), [["trust", "trust/host-02.json"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function verifyFleet(
  dirs: readonly string[],
  options: {
    trusts: readonly (TrustFile | FleetTrust)[];
    checkpoints?: readonly CheckpointInput[];
    useLedgerCheckpoint?: boolean;
    jobs?: number;
  },
): Promise<FleetReport> {
  const trusts: FleetTrust[] = options.trusts.map((t, i) =>
    "trust" in t ? t : { source: `trust file #${i + 1}`, trust: t }
  );
  const checkpointsGiven = options.checkpoints ?? [];
  const usedTrusts = new Set<FleetTrust>();
  const usedCheckpoints = new Set<CheckpointInput>();
  const coverage: FleetCoverageProblem[] = [];
  const dirOfOrigin = new Map<string, string>();
  const entries: FleetEntry[] = [];
  for (const dir of dirs) {
    let origin: string | null = null;
    try {
      origin = await originOfDir(dir);
    } catch (err) {
      const why = err instanceof LedgerFileError && err.code === "LEDGER_MISSING"
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
    const sameOrigin = dirOfOrigin.get(origin);
    if (sameOrigin === undefined) dirOfOrigin.set(origin, dir);
    else {
      coverage.push({
        kind: "ledger",
        source: dir,
        origin,
        problem: `ledger ${dir} has origin ${origin}, as does ${sameOrigin}: each host's ledger ` +
          "has its own origin, so one directory is a copy of the other; check which host each " +
          "directory was collected from",
      });
    }
    const given = trusts.find((t) => t.trust.origin === origin);
    if (!given) {
      coverage.push({
        kind: "ledger",
        source: dir,
        origin,
        problem: `ledger ${dir} (origin ${origin}) is covered by no trust file: pass the ` +
          "auditor's trust file for that origin with --trust, or leave the directory out",
      });
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
    usedTrusts.add(given);
    const checkpoints = checkpointsGiven.filter((c) => checkpointOrigin(c.note) === origin);
    for (const c of checkpoints) usedCheckpoints.add(c);
    const report = await verifyLedger(dir, {
      trust: given.trust,
      checkpoints,
      useLedgerCheckpoint: options.useLedgerCheckpoint ?? true,
      jobs: options.jobs,
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
  for (const t of trusts) {
    if (usedTrusts.has(t)) continue;
    const origin = t.trust.origin;
    const first = trusts.find((u) => u.trust.origin === origin);
    const why = first !== t
      ? `${first?.source} already covers that origin; give one trust file per origin`
      : "no ledger directory given has that origin (a host's directory is missing or was " +
        "replaced by another host's); add that host's ledger or drop the --trust";
    coverage.push({
      kind: "trust",
      source: t.source,
      origin,
      problem: `trust file ${t.source} (origin ${origin}) was used by no ledger: ${why}`,
    });
  }
  for (const c of checkpointsGiven) {
    if (usedCheckpoints.has(c)) continue;
    const origin = checkpointOrigin(c.note);
    const covered = dirOfOrigin.has(origin);
    const why = covered
      ? "the ledger of that origin has no trust file to check it with"
      : "no ledger directory given has that origin (a host's directory is missing or was " +
        "replaced by another host's); add that host's ledger or drop the --checkpoint";
    coverage.push({
      kind: "checkpoint",
      source: c.source,
      origin,
      problem: `checkpoint ${c.source} (origin ${origin}) was used by no ledger: ${why}`,
    });
  }
  const byStatus: Record<string, number> = {};
  for (const e of entries) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
  const codes = entries.map((e) => e.exitCode);
  if (coverage.length) codes.push(4);
  return { entries, coverage, exitCode: worstExitCode(codes), byStatus };
}

/**
 * The fleet summary as a table for people.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fleetToText } from "./fleet.ts";
 * const text = fleetToText({ entries: [], coverage: [], exitCode: 0, byStatus: {} });
 * assert.equal(text.split("\n").at(-2), "fleet: 0 ledgers (none); exit 0");
 * const gap = { kind: "trust" as const, source: "t.json", origin: "o", problem: "trust file t.json (origin o) was used by no ledger" };
 * const orphaned = fleetToText({ entries: [], coverage: [gap], exitCode: 4, byStatus: {} });
 * assert.match(orphaned, /^coverage: trust file t\.json \(origin o\) was used by no ledger$/m);
 * assert.match(orphaned, /fleet: 0 ledgers \(none\), 1 coverage problem\(s\); exit 4/);
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
  if (fleet.coverage.length) lines.push("");
  for (const c of fleet.coverage) lines.push(`coverage: ${c.problem}`);
  const counts = Object.entries(fleet.byStatus).map(([s, n]) => `${n} ${s}`).join(", ");
  const gaps = fleet.coverage.length ? `, ${fleet.coverage.length} coverage problem(s)` : "";
  lines.push(
    "",
    `fleet: ${fleet.entries.length} ledgers (${counts || "none"})${gaps}; exit ${fleet.exitCode}`,
  );
  return lines.join("\n") + "\n";
}
