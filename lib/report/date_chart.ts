/**
 * Charts by calendar time (pure SVG): emissions per period stacked by a group, and cumulative
 * emissions with their interval band. Days are bucketed into days, weeks (from Monday) or
 * months depending on the span, so a chart has at most about a hundred bars at 40 records and at
 * a million; the x axis is labelled with dates (UTC).
 *
 * @module
 */

import { formatNumber, massUnit } from "./mass_format.ts";
import type { DayBucket } from "./report_aggregate.ts";
import { escapeXml } from "./svg_chart.ts";

/**
 * The bucket size: a day, a week or a calendar month.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bucketUnitFor, type BucketUnit } from "./date_chart.ts";
 * const unit: BucketUnit = bucketUnitFor(400);
 * assert.equal(unit, "week");
 * ```
 */
export type BucketUnit = "day" | "week" | "month";

/**
 * The bucket size for a span of days: day up to 92 days, week up to two years, else month.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bucketUnitFor } from "./date_chart.ts";
 * assert.equal(bucketUnitFor(30), "day");
 * assert.equal(bucketUnitFor(365), "week");
 * assert.equal(bucketUnitFor(3 * 365), "month");
 * ```
 */
export function bucketUnitFor(spanDays: number): BucketUnit {
  if (spanDays <= 92) return "day";
  if (spanDays <= 731) return "week";
  return "month";
}

/**
 * The first day (days since 1970-01-01 UTC) of the bucket holding `day`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bucketStart } from "./date_chart.ts";
 * const day = Date.UTC(2026, 0, 15) / 86_400_000; // a Thursday
 * assert.equal(bucketStart(day, "day"), day);
 * assert.equal(bucketStart(day, "week"), Date.UTC(2026, 0, 12) / 86_400_000); // Monday
 * assert.equal(bucketStart(day, "month"), Date.UTC(2026, 0, 1) / 86_400_000);
 * ```
 */
export function bucketStart(day: number, unit: BucketUnit): number {
  if (unit === "day") return day;
  if (unit === "week") return day - ((day + 3) % 7 + 7) % 7; // 1970-01-01 was a Thursday
  const d = new Date(day * 86_400_000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 86_400_000;
}

/**
 * The date of a day number as `YYYY-MM-DD`, or `YYYY-MM` for month buckets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dayLabel } from "./date_chart.ts";
 * assert.equal(dayLabel(Date.UTC(2026, 2, 1) / 86_400_000, "day"), "2026-03-01");
 * assert.equal(dayLabel(Date.UTC(2026, 2, 1) / 86_400_000, "month"), "2026-03");
 * ```
 */
export function dayLabel(day: number, unit: BucketUnit): string {
  const iso = new Date(day * 86_400_000).toISOString();
  return unit === "month" ? iso.slice(0, 7) : iso.slice(0, 10);
}

const PALETTE = ["#1b7837", "#2166ac", "#d6604d", "#762a83", "#e08214", "#35978f", "#999999"];
const W = 760, H = 340, LEFT = 70, RIGHT = 20, TOP = 36, BOTTOM = 80;
const PW = W - LEFT - RIGHT, PH = H - TOP - BOTTOM;

function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

interface Frame {
  parts: string[];
  x: (i: number) => number;
  y: (v: number) => number;
  barWidth: number;
}

/** Axes, y grid, date tick labels and titles; `x(i)` is the left edge of bucket `i`. */
function frame(
  id: string,
  title: string,
  starts: readonly number[],
  unit: BucketUnit,
  yMax: number,
  yLabel: string,
  yDivisor: number,
): Frame {
  const n = Math.max(1, starts.length);
  const barWidth = PW / n;
  const x = (i: number) => LEFT + i * barWidth;
  const top = yMax > 0 ? yMax * 1.05 : 1;
  const y = (v: number) => TOP + PH - (v / top) * PH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${
      escapeXml(id)
    }" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${
      escapeXml(title)
    }</text>`,
  ];
  for (const t of niceTicks(top / yDivisor)) {
    const py = y(t * yDivisor).toFixed(1);
    parts.push(`<line x1="${LEFT}" x2="${LEFT + PW}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${LEFT - 6}" y="${(Number(py) + 4).toFixed(1)}" text-anchor="end">${
        formatNumber(t)
      }</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(starts.length / 7));
  for (let i = 0; i < starts.length; i += every) {
    const px = (x(i) + barWidth / 2).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${TOP + PH}" y2="${TOP + PH + 4}" stroke="#333"/>`,
      `<text class="x-tick" x="${px}" y="${TOP + PH + 18}" text-anchor="middle">${
        dayLabel(starts[i], unit)
      }</text>`,
    );
  }
  parts.push(
    `<line x1="${LEFT}" x2="${LEFT + PW}" y1="${TOP + PH}" y2="${TOP + PH}" stroke="#333"/>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + PH}" stroke="#333"/>`,
    `<text x="${LEFT + PW / 2}" y="${TOP + PH + 36}" text-anchor="middle">activity start (UTC), ${
      { day: "daily", week: "weekly", month: "monthly" }[unit]
    } buckets</text>`,
    `<text transform="translate(16 ${TOP + PH / 2}) rotate(-90)" text-anchor="middle">${
      escapeXml(yLabel)
    }</text>`,
  );
  return { parts, x, y, barWidth };
}

/** Days grouped into buckets: bucket start days and, per bucket, the days in it. */
function buckets(days: readonly DayBucket[], unit: BucketUnit): [number, DayBucket[]][] {
  const out: [number, DayBucket[]][] = [];
  for (const d of days) {
    const s = bucketStart(d.day, unit);
    if (out.length && out[out.length - 1][0] === s) out[out.length - 1][1].push(d);
    else out.push([s, [d]]);
  }
  return out;
}

/**
 * Options of the date charts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DateChartOptions } from "./date_chart.ts";
 * const o: DateChartOptions = { id: "stacked", stackBy: "label:team", maxGroups: 4 };
 * assert.equal(o.maxGroups, 4);
 * ```
 */
export interface DateChartOptions {
  /** `id` of the `<svg>` (default "emissions-chart" / "cumulative-chart"). */
  readonly id?: string;
  /** The dimension to stack by (default "category"). */
  readonly stackBy?: string;
  /** Groups drawn on their own; the rest are "other" (default 6). */
  readonly maxGroups?: number;
  /** Bucket size (default from the span: `bucketUnitFor`). */
  readonly unit?: BucketUnit;
}

function unitOf(days: readonly DayBucket[], options: DateChartOptions): BucketUnit {
  if (options.unit) return options.unit;
  return bucketUnitFor(days.length ? days[days.length - 1].day - days[0].day + 1 : 1);
}

/**
 * Emissions per bucket as stacked bars, one colour per group of `stackBy` (the largest
 * `maxGroups`, the rest as "other"). Empty input gives a chart that says "no data".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderStackedChart } from "./date_chart.ts";
 * const day = Date.UTC(2026, 0, 1) / 86_400_000;
 * const cum = { centralG: 0, lowerG: 0, upperG: 0 };
 * const svg = renderStackedChart([
 *   { day, co2eG: 30, byDimension: new Map([["category", new Map([["scope 2 (location)", 30]])]]), cumulative: cum },
 *   { day: day + 1, co2eG: 10, byDimension: new Map([["category", new Map([["scope 2 (location)", 10]])]]), cumulative: cum },
 * ]);
 * assert.match(svg, /class="x-tick"[^>]*>2026-01-01</);
 * assert.equal((svg.match(/<rect class="bar"/g) ?? []).length, 2);
 * ```
 */
export function renderStackedChart(
  days: readonly DayBucket[],
  options: DateChartOptions = {},
): string {
  const unit = unitOf(days, options);
  const dim = options.stackBy ?? "category";
  const maxGroups = options.maxGroups ?? 6;
  const sums = new Map<string, number>();
  for (const d of days) {
    for (const [g, v] of d.byDimension.get(dim) ?? []) sums.set(g, (sums.get(g) ?? 0) + v);
  }
  const ranked = [...sums.entries()].sort((a, b) => b[1] - a[1]).map(([g]) => g);
  const shown = ranked.length > maxGroups ? ranked.slice(0, maxGroups - 1) : ranked;
  const groups = ranked.length > shown.length ? [...shown, "other"] : shown;
  const bs = buckets(days, unit).map(([start, ds]) => {
    const v = new Map<string, number>();
    for (const d of ds) {
      for (const [g, x] of d.byDimension.get(dim) ?? []) {
        const key = shown.includes(g) ? g : "other";
        v.set(key, (v.get(key) ?? 0) + x);
      }
    }
    return { start, v, total: [...v.values()].reduce((a, b) => a + b, 0) };
  });
  let yMax = 0;
  for (const b of bs) yMax = Math.max(yMax, b.total);
  const mu = massUnit(yMax);
  const title = `Emissions per ${unit} by ${dim.replace(/^label:/, "")}`;
  const f = frame(
    options.id ?? "emissions-chart",
    title,
    bs.map((b) => b.start),
    unit,
    yMax,
    `${mu.symbol} CO2e per ${unit}`,
    mu.grams,
  );
  if (bs.length === 0) {
    f.parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text></svg>`);
    return f.parts.join("\n");
  }
  const gap = f.barWidth > 4 ? 1 : 0;
  bs.forEach((b, i) => {
    let base = 0;
    groups.forEach((g, k) => {
      const v = b.v.get(g) ?? 0;
      if (v <= 0) return;
      const y0 = f.y(base), y1 = f.y(base + v);
      f.parts.push(
        `<rect class="bar" data-group="${escapeXml(g)}" x="${f.x(i).toFixed(1)}" y="${
          y1.toFixed(1)
        }" width="${Math.max(0.5, f.barWidth - gap).toFixed(1)}" height="${
          Math.max(0, y0 - y1).toFixed(1)
        }" fill="${PALETTE[k % PALETTE.length]}"><title>${dayLabel(b.start, unit)} ${
          escapeXml(g)
        }: ${formatNumber(v / mu.grams)} ${mu.symbol}</title></rect>`,
      );
      base += v;
    });
  });
  groups.forEach((g, k) => {
    const lx = LEFT + k * Math.min(160, PW / groups.length);
    f.parts.push(
      `<rect x="${lx.toFixed(1)}" y="${H - 24}" width="12" height="12" fill="${
        PALETTE[k % PALETTE.length]
      }"/>`,
      `<text class="legend" x="${(lx + 16).toFixed(1)}" y="${H - 14}">${escapeXml(g)}</text>`,
    );
  });
  f.parts.push("</svg>");
  return f.parts.join("\n");
}

/**
 * Cumulative emissions at the end of each bucket, with the 95% band of the cumulative total
 * (correlated groups: see total_interval.ts). Empty input gives a chart that says "no data".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderCumulativeChart } from "./date_chart.ts";
 * const day = Date.UTC(2026, 0, 1) / 86_400_000;
 * const svg = renderCumulativeChart([
 *   { day, co2eG: 30, byDimension: new Map(), cumulative: { centralG: 30, lowerG: 25, upperG: 36 } },
 *   { day: day + 1, co2eG: 10, byDimension: new Map(), cumulative: { centralG: 40, lowerG: 33, upperG: 48 } },
 * ]);
 * assert.match(svg, /<polygon class="band"/);
 * assert.match(svg, /class="x-tick"[^>]*>2026-01-02</);
 * ```
 */
export function renderCumulativeChart(
  days: readonly DayBucket[],
  options: DateChartOptions = {},
): string {
  const unit = unitOf(days, options);
  const bs = buckets(days, unit).map(([start, ds]) => ({ start, c: ds[ds.length - 1].cumulative }));
  let yMax = 0;
  for (const b of bs) yMax = Math.max(yMax, b.c.upperG);
  const mu = massUnit(yMax);
  const f = frame(
    options.id ?? "cumulative-chart",
    "Cumulative emissions (shaded: 95% interval of the running total)",
    bs.map((b) => b.start),
    unit,
    yMax,
    `${mu.symbol} CO2e`,
    mu.grams,
  );
  if (bs.length === 0) {
    f.parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text></svg>`);
    return f.parts.join("\n");
  }
  const px = (i: number) => (f.x(i) + f.barWidth).toFixed(1);
  const upper = bs.map((b, i) => `${px(i)},${f.y(b.c.upperG).toFixed(1)}`);
  const lower = bs.map((b, i) => `${px(i)},${f.y(b.c.lowerG).toFixed(1)}`).reverse();
  f.parts.push(
    `<polygon class="band" points="${
      [`${LEFT},${f.y(0).toFixed(1)}`, ...upper, ...lower].join(" ")
    }" fill="#2166ac" fill-opacity="0.18" stroke="none"/>`,
    `<path class="series" d="M${LEFT},${f.y(0).toFixed(1)} ${
      bs.map((b, i) => `L${px(i)},${f.y(b.c.centralG).toFixed(1)}`).join(" ")
    }" fill="none" stroke="#2166ac" stroke-width="2"/>`,
    `<text class="legend" x="${LEFT}" y="${H - 14}">total at the end of each ${unit}: ${
      formatNumber(bs[bs.length - 1].c.centralG / mu.grams)
    } ${mu.symbol}</text>`,
    "</svg>",
  );
  return f.parts.join("\n");
}
