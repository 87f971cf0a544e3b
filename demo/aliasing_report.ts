/**
 * Text and SVG renderings of an aliasing demo result (pure).
 *
 * @module
 */

import { renderLineChart } from "../lib/report/svg_chart.ts";
import type { AliasingResult } from "./aliasing.ts";

function pct(value: number, truth: number | null): string {
  if (truth === null || truth === 0) return "";
  const p = ((value - truth) / truth) * 100;
  return `${p >= 0 ? "+" : ""}${p.toFixed(3)}%`;
}

/**
 * A table for people: truth, governor, scraper, the governor's counter scraped slowly, and what
 * was missed.
 *
 * @param result The demo's result.
 * @param heading First line describing the setup.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aliasingTable } from "./aliasing_report.ts";
 * const table = aliasingTable({
 *   source: "sim",
 *   duration_s: 15,
 *   scrape_s: 15,
 *   interval_ms: 100,
 *   truth_j: 5850,
 *   governor_j: 5850,
 *   scraper_j: 1555,
 *   openmetrics_scraper_j: 5850,
 *   missed_j: 4295,
 *   wraps: 1,
 *   wraps_missed: 1,
 *   series: [],
 * }, "example");
 * assert.ok(table.startsWith("example\n"));
 * assert.match(table, /scraper \(raw counter every 15 s, increase\(\)\) +1555\.000 +-73\.419%/);
 * assert.match(table, /counter wraps: 1; missed by the scraper: 1; energy the scraper missed: 4295\.000 J/);
 * ```
 */
export function aliasingTable(result: AliasingResult, heading: string): string {
  const ref = result.truth_j ?? result.governor_j;
  const rows: [string, number | null, string][] = [
    ["truth", result.truth_j, result.truth_j === null ? "(unknown on hardware)" : ""],
    [
      `governor (every ${result.interval_ms} ms, wrap-safe)`,
      result.governor_j,
      pct(result.governor_j, ref),
    ],
    [
      `scraper (raw counter every ${result.scrape_s} s, increase())`,
      result.scraper_j,
      pct(result.scraper_j, ref),
    ],
    [
      `governor's OpenMetrics counter every ${result.scrape_s} s`,
      result.openmetrics_scraper_j,
      pct(result.openmetrics_scraper_j, ref),
    ],
  ];
  const lines = [
    heading,
    "",
    `  ${"".padEnd(52)}${"energy (J)".padStart(14)}  vs ${
      result.truth_j === null ? "governor" : "truth"
    }`,
  ];
  for (const [name, value, note] of rows) {
    lines.push(
      `  ${name.padEnd(52)}${(value === null ? "-" : value.toFixed(3)).padStart(14)}  ${note}`,
    );
  }
  lines.push("");
  lines.push(
    `  counter wraps: ${result.wraps}; missed by the scraper: ${result.wraps_missed}; energy the scraper missed: ${
      result.missed_j.toFixed(3)
    } J`,
  );
  lines.push(
    result.missed_j > 0
      ? "  The scraper sees at most one decrease per interval and takes it for a reset, so each wrap costs it up to a whole counter range."
      : "  The scraper missed nothing here: the counter did not wrap between scrapes.",
  );
  return lines.join("\n") + "\n";
}

/**
 * An SVG chart of cumulative energy for truth, governor and scraper.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aliasingSvg } from "./aliasing_report.ts";
 * const svg = aliasingSvg({
 *   source: "sim", duration_s: 15, scrape_s: 15, interval_ms: 100, truth_j: 5850, governor_j: 5850,
 *   scraper_j: 1555, openmetrics_scraper_j: 5850, missed_j: 4295, wraps: 1, wraps_missed: 1,
 *   series: [{ tS: 0, truthJ: 0, governorJ: 0, scraperJ: 0 }, { tS: 15, truthJ: 5850, governorJ: 5850, scraperJ: 1555 }],
 * });
 * assert.ok(svg.startsWith("<svg"));
 * assert.ok(svg.trimEnd().endsWith("</svg>"));
 * ```
 */
export function aliasingSvg(result: AliasingResult): string {
  const s = result.series;
  const series = [];
  series.push({
    name: "governor (10 Hz)",
    points: s.map((p) => [p.tS, p.governorJ] as const),
    color: "#1b7837",
  });
  series.push({
    name: `scraper (raw counter, ${result.scrape_s} s)`,
    points: s.map((p) => [p.tS, p.scraperJ] as const),
    color: "#d6604d",
  });
  if (result.truth_j !== null) {
    series.push({
      name: "truth",
      points: s.map((p) => [p.tS, p.truthJ ?? 0] as const),
      color: "#555",
      dashed: true,
    });
  }
  return renderLineChart(series, {
    title:
      `Cumulative energy: ${result.wraps} counter wraps, ${result.wraps_missed} missed by the scraper`,
    xLabel: "time (s)",
    yLabel: "energy (J)",
    id: "aliasing",
  });
}
