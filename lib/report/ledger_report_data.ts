/**
 * Reads a ledger directory into a `LedgerReportModel` (adapter): one streaming pass over the
 * lines (constant memory), the verifier's verdict when a trust file is given (after the pass, or
 * beside it in its own workers when `verifyJobs` > 1), the total's interval and the latest
 * checkpoint.
 *
 * @module
 */

import { Xoshiro128 } from "../base/prng.ts";
import { VERSION } from "../base/version.ts";
import { LATEST_CHECKPOINT, LEDGER_JSONL } from "../ledger/ledger_files.ts";
import { readLineBatches, readLines } from "../ledger/line_stream.ts";
import { leafHex } from "../ledger/record.ts";
import type { TrustFile } from "../ledger/trust.ts";
import { verifyLedger } from "../ledger/verify.ts";
import type { VerifyIssue, VerifyReport } from "../ledger/verify_report.ts";
import type { LedgerReportModel, ReportVerdict } from "./ledger_report.ts";
import { ReportAggregator } from "./report_aggregate.ts";
import { analyticalInterval, monteCarloInterval } from "./total_interval.ts";

/** Lines between two remembered offsets (to re-read a superseded record without an index). */
const OFFSET_EVERY = 4096;

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
  /** Workers for verification (default 1: in this thread). */
  readonly verifyJobs?: number;
}

const decoder = new TextDecoder();

function parse(bytes: Uint8Array): { seq: number; type: string; body: unknown } | null {
  try {
    const r = JSON.parse(decoder.decode(bytes));
    return r !== null && typeof r === "object" && typeof r.type === "string" ? r : null;
  } catch {
    return null;
  }
}

function toVerdict(r: VerifyReport, trust: TrustFile): ReportVerdict {
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
  };
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
  const path = `${dir}/${LEDGER_JSONL}`;
  const end = (await Deno.stat(path)).size;
  const jobs = options.verifyJobs ?? 1;
  const verify = (trust: TrustFile) =>
    verifyLedger(dir, { trust, jobs, useLedgerCheckpoint: true });
  // With workers, verification runs beside the report's pass (the workers take its CPU); in
  // this thread alone it runs after it, so the two never hold their memory at the same time.
  const verifying = options.trust && jobs > 1 ? verify(options.trust) : null;
  // Do not leave a rejection unobserved while the pass below runs; it is awaited after it.
  verifying?.catch(() => {});
  const agg = new ReportAggregator({ tableRows: options.tableRows });
  const offsets = new Map<number, number>();
  const targets: { seq: number; leaf: string }[] = [];
  for await (const batch of readLineBatches(path, { end, reuse: true })) {
    for (const line of batch) {
      if (line.index % OFFSET_EVERY === 0) offsets.set(line.index, line.offset);
      if (!line.terminated || line.oversize !== undefined) {
        agg.unreadable();
        continue;
      }
      const record = parse(line.bytes);
      if (record === null) {
        agg.unreadable();
        continue;
      }
      const target = agg.add({ seq: line.index, type: record.type, body: record.body });
      if (target !== null && target.seq < line.index) targets.push(target);
    }
  }
  // Superseded records: re-read each target line from the nearest remembered offset (once,
  // however many corrections name it).
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(`${t.seq}:${t.leaf}`)) continue;
    seen.add(`${t.seq}:${t.leaf}`);
    const base = Math.floor(t.seq / OFFSET_EVERY) * OFFSET_EVERY;
    const start = offsets.get(base);
    if (start === undefined) continue;
    for await (const line of readLines(path, { start, startIndex: base, end })) {
      if (line.index < t.seq) continue;
      const record = parse(line.bytes);
      if (record?.type === "emission" && leafHex(line.bytes) === t.leaf) {
        agg.retract(t.seq, record.body);
      }
      break;
    }
  }
  const data = agg.finish();
  const seed = options.seed ?? 1;
  const iterations = options.iterations ?? 20_000;
  const report = verifying ? await verifying : options.trust ? await verify(options.trust) : null;
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
    verdict: report && options.trust ? toVerdict(report, options.trust) : null,
    checkpoint,
    stackBy: options.stackBy ?? labelDefault ?? "category",
  };
}
