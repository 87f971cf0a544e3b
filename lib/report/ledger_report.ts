/**
 * A self-contained HTML page for a ledger (pure): emissions over time with their intervals,
 * totals by scope, category and label, the verification verdict and the head checkpoint. No
 * scripts, fonts or images from the network: one file that opens anywhere.
 *
 * @module
 */

import { rfc3339Ms } from "../base/rfc3339.ts";
import { escapeXml, renderLineChart } from "./svg_chart.ts";

/**
 * One emission record as the report shows it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReportEmission } from "./ledger_report.ts";
 * const row: ReportEmission = {
 *   seq: 1,
 *   start: "2026-01-01T00:00:00Z",
 *   end: "2026-01-01T01:00:00Z",
 *   co2eG: "42.5",
 *   lowerG: "30",
 *   upperG: "60",
 *   confidencePct: 95,
 *   energyKwh: "0.1",
 *   category: "scope 2 (location)",
 *   quality: "estimated",
 *   labels: { job: "nightly" },
 *   superseded: false,
 * };
 * assert.equal(Number(row.co2eG) / Number(row.energyKwh), 425);
 * ```
 */
export interface ReportEmission {
  /** Sequence number. */
  readonly seq: number;
  /** Activity period start and end (RFC 3339). */
  readonly start: string;
  /** Activity period end. */
  readonly end: string;
  /** Grams CO2e (exact decimal string). */
  readonly co2eG: string;
  /** Interval lower bound, grams. */
  readonly lowerG: string;
  /** Interval upper bound, grams. */
  readonly upperG: string;
  /** Confidence level of the interval, percent. */
  readonly confidencePct: number;
  /** Energy in kWh (exact decimal string). */
  readonly energyKwh: string;
  /** `scope 2 (location)`, `scope 3 category 1`, ... */
  readonly category: string;
  /** measured / estimated / fallback. */
  readonly quality: string;
  /** Labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Whether a correction supersedes it (excluded from totals). */
  readonly superseded: boolean;
}

/**
 * A totals table: rows of group, record count, grams and kWh.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReportTotals } from "./ledger_report.ts";
 * const byScope: ReportTotals = {
 *   title: "By scope",
 *   rows: [{ group: "scope 2 (location)", records: 2, co2eG: "85", energyKwh: "0.2" }],
 * };
 * assert.equal(byScope.rows[0].records, 2);
 * ```
 */
export interface ReportTotals {
  /** Heading, e.g. "By scope". */
  readonly title: string;
  /** Rows. */
  readonly rows: readonly { group: string; records: number; co2eG: string; energyKwh: string }[];
}

/**
 * Everything the page shows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LedgerReportModel, renderLedgerReport } from "./ledger_report.ts";
 * const model: LedgerReportModel = {
 *   origin: "example.org/<host>",
 *   dir: "/tmp/l",
 *   generatedAt: "2026-01-01T00:00:00.000Z",
 *   verdict: { status: "ok", exitCode: 0, entries: 1, errors: [], warnings: [] },
 *   checkpoint: null,
 *   emissions: [],
 *   totals: [],
 *   toolVersion: "0.2.0",
 * };
 * const html = renderLedgerReport(model);
 * assert.ok(html.includes("example.org/&lt;host&gt;"));
 * assert.ok(!html.includes("example.org/<host>"));
 * ```
 */
export interface LedgerReportModel {
  /** Ledger origin. */
  readonly origin: string;
  /** Directory the ledger was read from. */
  readonly dir: string;
  /** When the report was made (RFC 3339). */
  readonly generatedAt: string;
  /** Verification verdict, or null when no trust file was given. */
  readonly verdict: {
    readonly status: string;
    readonly exitCode: number;
    readonly entries: number;
    readonly errors: readonly string[];
    readonly warnings: readonly string[];
  } | null;
  /** The latest checkpoint note text, or null. */
  readonly checkpoint: string | null;
  /** Emission records in ledger order. */
  readonly emissions: readonly ReportEmission[];
  /** Totals tables (overall first). */
  readonly totals: readonly ReportTotals[];
  /** Software version. */
  readonly toolVersion: string;
}

const CSS =
  `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{padding:.8rem 1rem;border-radius:6px;font-weight:600}.valid{background:#e6f4ea;color:#1b5e20}
.bad{background:#fdecea;color:#b71c1c}.unknown{background:#fff8e1;color:#8d6e00}pre{background:#f6f6f6;padding:.8rem;overflow:auto}
.superseded{color:#999;text-decoration:line-through}small{color:#666}`;

function table(t: ReportTotals, id: string): string {
  const rows = t.rows.map((r) =>
    `<tr><td>${escapeXml(r.group)}</td><td class="n">${r.records}</td><td class="n">${
      escapeXml(r.co2eG)
    }</td><td class="n">${escapeXml(r.energyKwh)}</td></tr>`
  ).join("\n");
  return `<h2>${escapeXml(t.title)}</h2>
<table id="${id}"><thead><tr><th>group</th><th>records</th><th>g CO2e</th><th>kWh</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="4">no emission records</td></tr>'}
</tbody></table>`;
}

/**
 * Renders the page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderLedgerReport } from "./ledger_report.ts";
 * const html = renderLedgerReport({
 *   origin: "example.org/host-01", dir: "/tmp/l", generatedAt: "2026-01-01T00:00:00.000Z",
 *   verdict: null, checkpoint: null, emissions: [], totals: [], toolVersion: "0.2.0",
 * });
 * assert.ok(html.startsWith("<!doctype html>"));
 * assert.ok(html.includes("example.org/host-01"));
 * ```
 */
export function renderLedgerReport(m: LedgerReportModel): string {
  const live = m.emissions.filter((e) => !e.superseded);
  const points = live.map((e) => [rfc3339Ms(e.end) / 1000, Number(e.co2eG)] as const);
  const band = live.map((e) => [Number(e.lowerG), Number(e.upperG)] as const);
  const t0 = points.length ? points[0][0] : 0;
  const hours = (points.at(-1)?.[0] ?? t0) - t0 > 3 * 86_400;
  const chart = renderLineChart(
    [{
      name: "g CO2e per record (shaded: interval)",
      points: points.map(([x, y]) => [(x - t0) / (hours ? 3600 : 60), y] as const),
      band,
      markers: points.length <= 200,
    }],
    {
      id: "emissions-chart",
      title: "Emissions over time",
      xLabel: `${hours ? "hours" : "minutes"} since ${
        points.length ? new Date(t0 * 1000).toISOString() : "-"
      } (end of activity period)`,
      yLabel: "g CO2e",
    },
  );
  const v = m.verdict;
  const verdict = v === null
    ? `<div id="verdict" class="verdict unknown">not verified: no trust file was given (run with --trust FILE)</div>`
    : `<div id="verdict" class="verdict ${v.status === "valid" ? "valid" : "bad"}" data-status="${
      escapeXml(v.status)
    }">verification: ${escapeXml(v.status)} (exit code ${v.exitCode}), ${v.entries} records</div>
${v.errors.length ? `<ul>${v.errors.map((e) => `<li>${escapeXml(e)}</li>`).join("")}</ul>` : ""}
${
      v.warnings.length
        ? `<p>warnings:</p><ul>${v.warnings.map((e) => `<li>${escapeXml(e)}</li>`).join("")}</ul>`
        : ""
    }`;
  const records = m.emissions.slice(-500).map((e) =>
    `<tr class="${e.superseded ? "superseded" : ""}"><td class="n">${e.seq}</td><td>${
      escapeXml(e.start)
    }<br>${escapeXml(e.end)}</td><td class="n">${escapeXml(e.energyKwh)}</td><td class="n">${
      escapeXml(e.co2eG)
    }</td><td class="n">${escapeXml(e.lowerG)} to ${
      escapeXml(e.upperG)
    } (${e.confidencePct}%)</td><td>${escapeXml(e.category)}</td><td>${
      escapeXml(e.quality)
    }</td><td>${
      escapeXml(Object.entries(e.labels).map(([k, val]) => `${k}=${val}`).join(", "))
    }</td></tr>`
  ).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>carbon-ops ledger report: ${escapeXml(m.origin)}</title>
<style>${CSS}</style></head>
<body>
<h1>Ledger report: ${escapeXml(m.origin)}</h1>
<p><small>${escapeXml(m.dir)}: generated ${escapeXml(m.generatedAt)} by carbon-ops ${
    escapeXml(m.toolVersion)
  }. Figures are exact decimal sums of the signed records; superseded records are excluded from totals.</small></p>
${verdict}
<h2>Emissions over time</h2>
${chart}
${m.totals.map((t, i) => table(t, `totals-${i}`)).join("\n")}
<h2>Head checkpoint</h2>
<pre id="checkpoint">${
    m.checkpoint === null
      ? "no checkpoint written yet (run 'carbon-ops ledger checkpoint')"
      : escapeXml(m.checkpoint)
  }</pre>
<h2>Emission records${m.emissions.length > 500 ? " (last 500)" : ""}</h2>
<table id="records"><thead><tr><th>seq</th><th>period</th><th>kWh</th><th>g CO2e</th><th>interval</th><th>category</th><th>quality</th><th>labels</th></tr></thead>
<tbody>
${records || '<tr><td colspan="8">no emission records</td></tr>'}
</tbody></table>
</body></html>
`;
}
