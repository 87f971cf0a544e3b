/**
 * Reads a ledger directory into a `LedgerReportModel` (adapter). With a trust file the verifier
 * (`verifyLedger`, on `verifyJobs` threads) and the report's own pass (`report_pass.ts`) run at
 * the same time over the same bytes, and are bound together: the pass computes the Merkle root
 * of exactly the lines it read, and the figures are shown only when that root and line count
 * equal the verifier's head; otherwise the ledger changed between the two passes and the report
 * fails (an `Error` saying so) rather than show figures that were not verified. Without a trust
 * file only the pass runs (no hashing). Then the total's interval and the latest checkpoint.
 *
 * @module
 */

import { Xoshiro128 } from "../base/prng.ts";
import { VERSION } from "../base/version.ts";
import { LATEST_CHECKPOINT } from "../ledger/ledger_files.ts";
import type { TrustFile } from "../ledger/trust.ts";
import type { VerifyIssue, VerifyReport } from "../ledger/verify_report.ts";
import type { LedgerReportModel, ReportVerdict } from "./ledger_report.ts";
import { readReportPass, type ReportPass } from "./report_pass.ts";
import { analyticalInterval, monteCarloInterval } from "./total_interval.ts";

/**
 * Options of `buildLedgerReport`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LedgerReportOptions } from "./ledger_report_data.ts";
 * const options: LedgerReportOptions = { stackBy: "region", seed: 7 };
 * assert.equal(options.seed, 7);
 * ```
 */
export interface LedgerReportOptions {
  /** Trust file to verify with (default none: the page says it was not verified). */
  readonly trust?: TrustFile;
  /** Time of the report, ms since the epoch (default `Date.now()`). */
  readonly nowMs?: number;
  /**
   * Dimension the stacked chart is stacked by: `category`, `region`, `evidence`, `month` or
   * `label:KEY` (default: `label:team`, `label:project` or `label:tenant`, the first present,
   * else `category`).
   */
  readonly stackBy?: string;
  /** Records shown at each end of the records table (default 50). */
  readonly tableRows?: number;
  /** Monte Carlo draws for the total's interval (default 20,000). */
  readonly iterations?: number;
  /** Seed of the Monte Carlo generator (default 1: the same ledger gives the same page). */
  readonly seed?: number;
  /** Threads that verify (`verifyLedger`'s `jobs`; default 1: this thread only). */
  readonly verifyJobs?: number;
  /**
   * The lines file the report's own pass reads (default `DIR/ledger.jsonl`, the file the
   * verifier reads). Tests give another file to stand for a ledger changed between the passes.
   */
  readonly linesPath?: string;
}

function toVerdict(r: VerifyReport, trust: TrustFile, root: string | null): ReportVerdict {
  const fmt = (i: VerifyIssue) =>
    `${i.code}${i.seq === null ? "" : ` at seq ${i.seq}`}: ${i.message}`;
  return {
    status: r.status,
    exitCode: r.exitCode,
    entries: r.entries,
    errors: r.errors.map(fmt),
    errorCount: r.errorCount,
    warnings: r.warnings.map(fmt),
    checkpoints: r.checkpoints.map((c) => ({
      source: c.source,
      size: c.size,
      status: c.status,
    })),
    keys: r.keys.map((k) => ({ ...k })),
    witnesses: trust.witnesses?.length ?? 0,
    witnessQuorum: trust.witnessQuorum ?? trust.witnesses?.length ?? 0,
    root,
  };
}

/**
 * Throws when the pass did not read exactly the lines the verifier checked: the same number of
 * complete lines and, when the verifier names a head, the same Merkle root.
 */
function checkSameLines(dir: string, report: VerifyReport, pass: ReportPass): void {
  const root = report.head?.root ?? null;
  if (pass.entries === report.entries && (root === null || root === pass.root)) return;
  throw new Error(
    `the ledger ${dir} changed while the report was made: the verifier checked ` +
      `${report.entries} lines (Merkle root ${root ?? "none"}) but the report read ` +
      `${pass.entries} lines (Merkle root ${pass.root}); no page was written. Run the report ` +
      `again; if this repeats while nothing appends to the ledger, its lines are being ` +
      `rewritten: run 'carbon-ops ledger verify ${dir}' and restore it from a trusted copy`,
  );
}

/**
 * Builds the report model for the ledger in `dir`, reading its lines once.
 *
 * @param options Trust file, time, chart grouping, table size, Monte Carlo draws and seed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "../ledger/init.ts";
 * import { generateSigningKey } from "../ledger/keys.ts";
 * import { buildLedgerReport } from "./ledger_report_data.ts";
 * import { renderLedgerReport } from "./ledger_report.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   const { trust } = await initLedger(dir, { origin: "example.org/host-01", key: generateSigningKey() });
 *   const model = await buildLedgerReport(dir, { trust, nowMs: Date.UTC(2026, 0, 1) });
 *   assert.equal(model.origin, "example.org/host-01");
 *   assert.equal(model.generatedAt, "2026-01-01T00:00:00.000Z");
 *   assert.equal(model.verdict?.exitCode, 0);
 *   assert.equal(model.data.emissions, 0);
 *   assert.ok(renderLedgerReport(model).includes("example.org/host-01"));
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function buildLedgerReport(
  dir: string,
  options: LedgerReportOptions = {},
): Promise<LedgerReportModel> {
  const trust = options.trust;
  const passOptions = { path: options.linesPath, tableRows: options.tableRows };
  let pass: ReportPass;
  let report: VerifyReport | null = null;
  if (trust === undefined) {
    pass = await readReportPass(dir, passOptions);
  } else {
    // Both passes at once; whichever fails first stops the other.
    // The verifier is loaded only when it runs: a report without --trust does not load it.
    const { verifyLedger } = await import("../ledger/verify.ts");
    const stop = new AbortController();
    const both = await Promise.all([
      verifyLedger(dir, {
        trust,
        jobs: options.verifyJobs ?? 1,
        useLedgerCheckpoint: true,
        signal: stop.signal,
      }),
      readReportPass(dir, { ...passOptions, merkle: true, signal: stop.signal }),
    ]).catch((err) => {
      stop.abort(err);
      throw err;
    });
    report = both[0];
    pass = both[1];
    if (pass.entries !== report.entries) {
      // Each pass took the ledger's size for itself; an append between the two reads of the
      // size makes them differ. Read again exactly the lines the verifier checked.
      pass = await readReportPass(dir, {
        ...passOptions,
        merkle: true,
        maxLines: report.entries,
      });
    }
    checkSameLines(dir, report, pass);
  }
  const data = pass.data;
  const seed = options.seed ?? 1;
  const iterations = options.iterations ?? 20_000;
  const checkpoint = await Deno.readTextFile(`${dir}/${LATEST_CHECKPOINT}`).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  });
  const labelDefault = ["label:team", "label:project", "label:tenant"].find((d) =>
    data.breakdowns.some((b) => b.dimension === d)
  );
  return {
    origin: data.origin ?? "(unknown origin)",
    dir,
    generatedAt: new Date(options.nowMs ?? Date.now()).toISOString(),
    toolVersion: VERSION,
    data,
    total: {
      monteCarlo: monteCarloInterval(data.totalGroups, {
        iterations,
        random: new Xoshiro128(seed),
      }),
      analytical: analyticalInterval(data.totalGroups),
      iterations,
      seed,
    },
    embodied: data.embodied
      ? monteCarloInterval(data.embodied.groups, { iterations, random: new Xoshiro128(seed) })
      : null,
    verdict: report && trust ? toVerdict(report, trust, pass.root) : null,
    checkpoint,
    stackBy: options.stackBy ?? labelDefault ?? "category",
  };
}
