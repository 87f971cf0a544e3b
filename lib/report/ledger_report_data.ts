/**
 * Reads a ledger directory into a `LedgerReportModel` (adapter): records, totals, the verdict of
 * the verifier when a trust file is given, and the latest checkpoint.
 *
 * @module
 */

import { LATEST_CHECKPOINT, LEDGER_JSONL } from "../ledger/ledger_files.ts";
import { readLines } from "../ledger/line_stream.ts";
import { decodeRecordLine, leafHex } from "../ledger/record.ts";
import { ledgerTotals } from "../ledger/query.ts";
import type { TrustFile } from "../ledger/trust.ts";
import { verifyLedger } from "../ledger/verify.ts";
import { VERSION } from "../base/version.ts";
import type { LedgerReportModel, ReportEmission, ReportTotals } from "./ledger_report.ts";

type Body = Record<string, unknown>;

function category(body: Body): string {
  if (body.scope === 3) return `scope 3 category ${body.scope3_category}`;
  if (body.scope === 2) return `scope 2 (${body.scope2_method})`;
  return "scope 1";
}

/**
 * Builds the report model for the ledger in `dir`.
 *
 * @param options `trust` (default none: the page says it was not verified), `nowMs` (default
 *   `Date.now()`).
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
 *   assert.equal(model.emissions.length, 0);
 *   assert.ok(renderLedgerReport(model).includes("example.org/host-01"));
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function buildLedgerReport(
  dir: string,
  options: { trust?: TrustFile; nowMs?: number } = {},
): Promise<LedgerReportModel> {
  const emissions: (Omit<ReportEmission, "superseded"> & { leaf: string })[] = [];
  const superseded = new Set<string>();
  const labelKeys = new Set<string>();
  let origin = "(unknown origin)";
  for await (const line of readLines(`${dir}/${LEDGER_JSONL}`)) {
    if (!line.terminated) break;
    let record;
    try {
      record = decodeRecordLine(line.bytes).record;
    } catch {
      continue; // the verdict reports it; the page shows what can be read
    }
    const body = record.body as Body;
    if (record.type === "genesis" && typeof body.origin === "string") origin = body.origin;
    if (record.type === "correction") {
      const s = body.supersedes as { seq: number; leaf: string };
      superseded.add(`${s.seq}:${s.leaf}`);
    }
    if (record.type !== "emission") continue;
    const result = body.result as Body & { interval: { lower_g: string; upper_g: string } };
    const period = body.activity_period as { start: string; end: string };
    const labels = (body.labels ?? {}) as Record<string, string>;
    for (const k of Object.keys(labels)) labelKeys.add(k);
    emissions.push({
      seq: record.seq,
      leaf: leafHex(line.bytes),
      start: period.start,
      end: period.end,
      co2eG: String(result.co2e_g),
      lowerG: result.interval.lower_g,
      upperG: result.interval.upper_g,
      confidencePct: Number(result.confidence_level_pct),
      energyKwh: String((body.activity as Body).energy_kwh),
      category: category(body),
      quality: String(body.quality),
      labels,
    });
  }
  const totals: ReportTotals[] = [];
  const groupings: [string, string][] = [
    ["none", "Totals"],
    ["scope", "By scope"],
    ["category", "By category"],
    ...[...labelKeys].sort().map((k): [string, string] => [`label:${k}`, `By label ${k}`]),
  ];
  for (const [by, title] of groupings) {
    const t = await ledgerTotals(dir, { by });
    totals.push({ title, rows: by === "none" ? [t.total] : t.rows });
  }
  let verdict: LedgerReportModel["verdict"] = null;
  if (options.trust) {
    const r = await verifyLedger(dir, { trust: options.trust });
    const fmt = (i: { code: string; message: string; seq: number | null }) =>
      `${i.code}${i.seq === null ? "" : ` at seq ${i.seq}`}: ${i.message}`;
    verdict = {
      status: r.status,
      exitCode: r.exitCode,
      entries: r.entries,
      errors: r.errors.map(fmt),
      warnings: r.warnings.map(fmt),
    };
  }
  const checkpoint = await Deno.readTextFile(`${dir}/${LATEST_CHECKPOINT}`).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  });
  return {
    origin,
    dir,
    generatedAt: new Date(options.nowMs ?? Date.now()).toISOString(),
    verdict,
    checkpoint,
    emissions: emissions.map(({ leaf, ...e }) => ({
      ...e,
      superseded: superseded.has(`${e.seq}:${leaf}`),
    })),
    totals,
    toolVersion: VERSION,
  };
}
