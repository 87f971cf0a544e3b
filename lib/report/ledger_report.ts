/**
 * The HTML ledger report (pure): one self-contained, printable page for a sustainability lead and
 * an auditor. A summary (totals with the 95% interval of the total, energy, period, the
 * verification verdict and what was checked), charts by calendar time, breakdowns with
 * intervals, the method statement generated from the records (factors, PUE profiles, energy
 * evidence, models and data versions, corrections) and the first and last records. No scripts,
 * fonts or images from the network.
 *
 * @module
 */

import { renderCumulativeChart, renderStackedChart } from "./date_chart.ts";
import { formatInterval, formatMass, formatNumber } from "./mass_format.ts";
import { type RecordRow, ReportAggregator, type ReportData } from "./report_aggregate.ts";
import { escapeXml } from "./svg_chart.ts";
import type { Interval } from "./total_interval.ts";

/**
 * The verification verdict and what was checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReportVerdict } from "./ledger_report.ts";
 * const v: ReportVerdict = {
 *   status: "valid", exitCode: 0, entries: 3, errors: [], errorCount: 0, warnings: [],
 *   checkpoints: [], keys: [], witnesses: 0, witnessQuorum: 0,
 * };
 * assert.equal(v.status, "valid");
 * ```
 */
export interface ReportVerdict {
  /** valid / invalid / untrusted / inconsistent / torn. */
  readonly status: string;
  /** `ledger verify` exit code for the verdict. */
  readonly exitCode: number;
  /** Records (lines) checked: signatures, canonical form, schema, hash chain, Merkle tree. */
  readonly entries: number;
  /** Errors as text (at most 100). */
  readonly errors: readonly string[];
  /** Number of errors. */
  readonly errorCount: number;
  /** Warnings as text. */
  readonly warnings: readonly string[];
  /** Checkpoints checked against the Merkle tree. */
  readonly checkpoints: readonly { source: string; size: number | null; status: string }[];
  /** Keys that signed records and whether the trust file allows them. */
  readonly keys: readonly {
    kid: string;
    firstSeq: number;
    lastSeq: number;
    records: number;
    trusted: boolean;
  }[];
  /** Witnesses configured in the trust file. */
  readonly witnesses: number;
  /** Cosignatures required. */
  readonly witnessQuorum: number;
  /**
   * Base64 RFC 6962 root of the lines the figures were read from, equal to the verified root
   * (default: not shown).
   */
  readonly root?: string | null;
}

/**
 * Everything the page shows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyReportModel, renderLedgerReport } from "./ledger_report.ts";
 * const html = renderLedgerReport({ ...emptyReportModel(), origin: "example.org/<host>" });
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
  /** Software version. */
  readonly toolVersion: string;
  /** What the one pass over the ledger gathered. */
  readonly data: ReportData;
  /** The total's interval both ways (central value: the exact sum). */
  readonly total: {
    readonly monteCarlo: Interval;
    readonly analytical: Interval;
    readonly iterations: number;
    readonly seed: number;
  };
  /** Embodied total with its interval (Monte Carlo), when records carry it. */
  readonly embodied: Interval | null;
  /** Verification verdict, or null when no trust file was given. */
  readonly verdict: ReportVerdict | null;
  /** The latest checkpoint note text, or null. */
  readonly checkpoint: string | null;
  /** Dimension the stacked chart is stacked by (`category`, `region`, `label:team`, ...). */
  readonly stackBy: string;
}

/**
 * A model with no records (for tests and examples).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyReportModel } from "./ledger_report.ts";
 * assert.equal(emptyReportModel().data.emissions, 0);
 * ```
 */
export function emptyReportModel(): LedgerReportModel {
  const zero = { centralG: 0, lowerG: 0, upperG: 0 };
  return {
    origin: "(unknown origin)",
    dir: "",
    generatedAt: "1970-01-01T00:00:00.000Z",
    toolVersion: "",
    data: new ReportAggregator().finish(),
    total: { monteCarlo: zero, analytical: zero, iterations: 20_000, seed: 1 },
    embodied: null,
    verdict: null,
    checkpoint: null,
    stackBy: "category",
  };
}

const CSS =
  `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:2px solid #ddd}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{padding:.8rem 1rem;border-radius:6px;font-weight:600}.valid{background:#e6f4ea;color:#1b5e20}
.bad{background:#fdecea;color:#b71c1c}.unknown{background:#fff8e1;color:#8d6e00}
.big{font-size:1.35rem;font-weight:600}dl.summary{display:grid;grid-template-columns:14rem 1fr;gap:.35rem 1rem}
dl.summary dt{color:#555}dl.summary dd{margin:0}pre{background:#f6f6f6;padding:.8rem;overflow:auto}
.superseded{color:#999;text-decoration:line-through}small,.note{color:#666}code{font-size:.85em}
svg{max-width:100%;height:auto}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr,svg{break-inside:avoid}}`;

const e = escapeXml;

function kwh(x: string): string {
  const v = Number(x);
  return v >= 1000 ? `${formatNumber(v / 1000)} MWh` : `${formatNumber(v)} kWh`;
}

function verdictHtml(v: ReportVerdict | null): string {
  if (v === null) {
    return `<div id="verdict" class="verdict unknown" data-status="not-verified">not verified: no trust file was given (run with --trust FILE)</div>`;
  }
  const list = (items: readonly string[]) =>
    `<ul>${items.map((x) => `<li>${e(x)}</li>`).join("")}</ul>`;
  const cps = v.checkpoints.length
    ? v.checkpoints.map((c) => `${c.source}: ${c.status} (size ${c.size ?? "?"})`)
    : ["none given"];
  return `<div id="verdict" class="verdict ${
    v.status === "valid" ? "valid" : "bad"
  }" data-status="${e(v.status)}">Verification: ${
    e(v.status.toUpperCase())
  } (exit code ${v.exitCode}): ${v.entries} records checked</div>
<table id="checked"><tbody>
<tr><th>records</th><td>${v.entries} lines: canonical JSON, schema, Ed25519 signature each</td></tr>
<tr><th>chain</th><td>every <code>prev</code> is the hash of the line before; Merkle tree over all lines</td></tr>${
    v.root
      ? `<tr><th>figures</th><td id="figures-root">read from exactly the ${v.entries} verified lines: Merkle root <code>${
        e(v.root)
      }</code></td></tr>`
      : ""
  }
<tr><th>checkpoints</th><td>${cps.map(e).join("<br>")}</td></tr>
<tr><th>witnesses</th><td>${
    v.witnesses === 0
      ? "none configured in the trust file"
      : `${v.witnesses} configured, ${v.witnessQuorum} cosignature(s) required`
  }</td></tr>
<tr><th>trust key ids</th><td>${
    v.keys.map((k) =>
      `<code class="kid">${
        e(k.kid)
      }</code> seq ${k.firstSeq}..${k.lastSeq} (${k.records} records, ${
        k.trusted ? "trusted" : "NOT trusted"
      })`
    ).join("<br>") || "none"
  }</td></tr>
</tbody></table>
${
    v.errors.length
      ? `<p>${v.errorCount} error(s)${
        v.errorCount > v.errors.length ? ` (first ${v.errors.length} listed)` : ""
      }:</p>${list(v.errors)}`
      : ""
  }${v.warnings.length ? `<p>warnings:</p>${list(v.warnings)}` : ""}`;
}

const DIMENSION_TITLES: Record<string, string> = {
  month: "By month (activity start, UTC)",
  category: "By scope and category",
  region: "By region (of the emission factor)",
  evidence: "By energy evidence",
};

function breakdownHtml(d: ReportData["breakdowns"][number], totalG: number): string {
  const title = DIMENSION_TITLES[d.dimension] ?? `By label ${d.dimension.slice(6)}`;
  const id = `by-${d.dimension.replace(/[^a-z0-9]+/gi, "-")}`;
  const rows = d.rows.map((r) =>
    `<tr><td>${e(r.group)}</td><td class="n">${r.records}</td><td class="n">${
      e(formatInterval(r.interval))
    }</td><td class="n">${
      totalG > 0 ? formatNumber((r.interval.centralG / totalG) * 100) : 0
    }%</td><td class="n">${e(kwh(r.energyKwh))}</td><td class="n"><small>${
      e(r.co2eG)
    }</small></td></tr>`
  ).join("\n");
  return `<h3>${e(title)}</h3>
<table id="${id}"><thead><tr><th>${
    e(d.dimension.replace(/^label:/, ""))
  }</th><th class="n">records</th><th class="n">CO2e (95% interval)</th><th class="n">share</th><th class="n">energy</th><th class="n">exact g</th></tr></thead>
<tbody>${rows || '<tr><td colspan="6">no emission records</td></tr>'}</tbody></table>`;
}

function countList(map: ReadonlyMap<string, number>): string {
  const items = [...map.entries()].sort((a, b) => b[1] - a[1]);
  return items.length
    ? `<ul>${items.map(([k, n]) => `<li>${e(k)}: ${n} records</li>`).join("")}</ul>`
    : "<p>none</p>";
}

function methodHtml(m: LedgerReportModel): string {
  const d = m.data;
  const basis = (d.breakdowns.find((b) => b.dimension === "category")?.rows ?? []).map((r) => {
    const text = r.group.startsWith("scope 2 (location)")
      ? "GHG Protocol Scope 2, location-based (grid-average factors)"
      : r.group.startsWith("scope 2 (market)")
      ? "GHG Protocol Scope 2, market-based"
      : r.group.startsWith("scope 3 category 1")
      ? "GHG Protocol Scope 3 category 1 (purchased cloud services)"
      : `GHG Protocol ${r.group}`;
    return `<li>${e(text)}: ${r.records} records</li>`;
  }).join("");
  const factors = d.factors.map((f) =>
    `<tr><td>${e(f.region)}</td><td class="n">${e(f.value)}</td><td>${e(f.unit)}</td><td>${
      e(f.dataset)
    }</td><td>${e(f.version)}</td><td>${e(String(f.year))}</td><td>${e(f.basis)}</td><td>${
      e(f.instrument || "-")
    }</td><td>${e(f.gwpSet || "-")}</td><td>${
      e(f.licence || "not recorded")
    }</td><td class="n">${f.records}</td><td class="n">${e(formatMass(f.co2eG))}</td></tr>`
  ).join("\n");
  const t = m.total;
  const corrections = d.corrections.listed.map((c) =>
    `<li>seq ${c.seq} supersedes seq ${c.supersedesSeq}: ${e(c.reason)}</li>`
  ).join("");
  return `<h3>Accounting basis</h3><ul id="basis">${basis || "<li>no emission records</li>"}</ul>
<p>Each record: CO2e = energy (kWh) x PUE x emission factor (gCO2e/kWh), over its activity period. Totals are exact decimal sums of the signed figures; records superseded by a correction are left out.</p>
<h3>Emission factors used</h3>
<table id="factors"><thead><tr><th>region</th><th class="n">value</th><th>unit</th><th>source (dataset)</th><th>version</th><th>data year</th><th>basis</th><th>instrument</th><th>GWP set</th><th>licence</th><th class="n">records</th><th class="n">CO2e</th></tr></thead>
<tbody>${factors || '<tr><td colspan="12">none</td></tr>'}</tbody></table>
<h3>PUE profiles</h3><div id="pue">${countList(d.pueProfiles)}</div>
<h3>Energy evidence</h3><div id="energy-sources">${countList(d.energySources)}</div>
<h3>Models and data versions</h3><div id="versions">${countList(d.versions)}</div>
<h3>Uncertainty</h3>
<p>Record intervals (${
    e([...d.uncertaintyMethods.keys()].join(", ") || "none")
  }) are combined into the interval of each total with correlated records grouped: records that share an emission factor (region, dataset, version, year), a PUE profile or an energy model move together. This ledger has <b id="groups">${d.correlationGroups}</b> correlation group(s). The total's 95% interval is a Monte Carlo estimate (${t.iterations} draws, seed ${t.seed}, one deviate per group): <b>${
    e(formatInterval(t.monteCarlo))
  }</b>; the analytical approximation (groups' means and variances added, log-normal fit: Fenton-Wilkinson) gives ${
    e(formatInterval(t.analytical))
  }. Breakdown rows and the cumulative band use the analytical approximation.</p>
<h3>Corrections applied</h3>
<div id="corrections">${
    d.corrections.count
      ? `<p>${d.corrections.count} correction(s); ${d.superseded} emission record(s) superseded and excluded.</p><ul>${corrections}</ul>`
      : "<p>none</p>"
  }</div>`;
}

function recordRows(rows: readonly RecordRow[]): string {
  return rows.map((r) =>
    `<tr class="${r.superseded ? "superseded" : ""}"><td class="n">${r.seq}</td><td>${
      e(r.start)
    }<br>${e(r.end)}</td><td class="n">${e(r.energyKwh)}</td><td class="n">${
      e(r.co2eG)
    }</td><td class="n">${e(r.lowerG)} to ${e(r.upperG)} (${r.confidencePct}%)</td><td>${
      e(r.category)
    }</td><td>${e(r.region)}</td><td>${e(r.factor)}</td><td>${e(r.pue)}</td><td>${
      e(r.evidence)
    }</td><td>${e(r.labels)}</td></tr>`
  ).join("\n");
}

/**
 * Renders the page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyReportModel, renderLedgerReport } from "./ledger_report.ts";
 * const html = renderLedgerReport({ ...emptyReportModel(), origin: "example.org/host-01" });
 * assert.ok(html.startsWith("<!doctype html>"));
 * assert.ok(html.includes("example.org/host-01"));
 * assert.match(html, /not verified/);
 * ```
 */
export function renderLedgerReport(m: LedgerReportModel): string {
  const d = m.data;
  const shown = d.head.length + d.tail.length;
  const hidden = d.emissions + d.superseded - shown;
  const monthRows = d.breakdowns.find((b) => b.dimension === "month")?.rows.length ?? 0;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>carbon-ops ledger report: ${e(m.origin)}</title>
<style>${CSS}</style></head>
<body>
<h1>Ledger report: ${e(m.origin)}</h1>
<p><small>${e(m.dir)}: generated ${e(m.generatedAt)} by carbon-ops ${e(m.toolVersion)}.</small></p>
<h2>Summary</h2>
<dl class="summary" id="summary">
<dt>Operational emissions</dt><dd><span class="big" id="total-operational">${
    e(formatInterval(m.total.monteCarlo))
  }</span> CO2e<br><small>exact sum ${e(d.totalCo2eG)} g</small></dd>
<dt>Embodied emissions</dt><dd id="total-embodied">${
    m.embodied && d.embodied
      ? `${
        e(formatInterval(m.embodied))
      } CO2e (${d.embodied.records} records)<br><small>exact sum ${e(d.embodied.co2eG)} g</small>`
      : "not recorded in this ledger"
  }</dd>
<dt>Energy</dt><dd id="total-energy">${e(kwh(d.totalEnergyKwh))} <small>(exact ${
    e(d.totalEnergyKwh)
  } kWh)</small></dd>
<dt>Period covered</dt><dd id="period">${
    d.period ? `${e(d.period.start)} to ${e(d.period.end)} (${monthRows} month(s))` : "no activity"
  }</dd>
<dt>Emission records</dt><dd>${d.emissions} counted${
    d.superseded ? `, ${d.superseded} superseded by corrections` : ""
  }${
    d.unreadable ? `, ${d.unreadable} unreadable (see the verdict)` : ""
  }; ${d.lines} lines in all</dd>
</dl>
${verdictHtml(m.verdict)}
<h2>Emissions over time</h2>
${renderStackedChart(d.days, { stackBy: m.stackBy })}
${renderCumulativeChart(d.days)}
<h2>Breakdowns</h2>
${d.breakdowns.map((b) => breakdownHtml(b, Number(d.totalCo2eG))).join("\n")}
<h2 id="method-statement">Method statement</h2>
<div id="method">${methodHtml(m)}</div>
<h2>Head checkpoint</h2>
<pre id="checkpoint">${
    m.checkpoint === null
      ? "no checkpoint written yet (run 'carbon-ops ledger checkpoint')"
      : e(m.checkpoint)
  }</pre>
<h2>Emission records</h2>
<p class="note" id="records-note">${
    hidden > 0
      ? `${
        d.emissions + d.superseded
      } emission records: the first ${d.head.length} and the last ${d.tail.length} are shown, ${hidden} in between are not (use 'carbon-ops ledger show' or 'ledger export' for all).`
      : `All ${shown} emission records.`
  }</p>
<table id="records"><thead><tr><th class="n">seq</th><th>period</th><th class="n">kWh</th><th class="n">g CO2e</th><th class="n">interval</th><th>category</th><th>region</th><th>factor</th><th>PUE</th><th>energy evidence</th><th>labels</th></tr></thead>
<tbody>
${recordRows(d.head) || '<tr><td colspan="11">no emission records</td></tr>'}
${
    hidden > 0
      ? `<tr class="gap"><td colspan="11">... ${hidden} records not shown ...</td></tr>`
      : ""
  }
${recordRows(d.tail)}
</tbody></table>
</body></html>
`;
}
