/**
 * A small, dependency-free SVG line chart (pure): series of points, optional shaded interval
 * bands, axes with ticks and a legend. Used by the aliasing demo and the HTML ledger report.
 *
 * @module
 */

/**
 * One line on the chart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ChartSeries, renderLineChart } from "./svg_chart.ts";
 * const series: ChartSeries = { name: "estimate", points: [[0, 1], [1, 2]], dashed: true };
 * assert.ok(renderLineChart([series]).includes("stroke-dasharray"));
 * ```
 */
export interface ChartSeries {
  /** Legend label. */
  readonly name: string;
  /** Points as `[x, y]`, x ascending. */
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour (default from a fixed palette). */
  readonly color?: string;
  /** Dashed line (default false). */
  readonly dashed?: boolean;
  /** Draw a dot at every point (default false; a single point always gets one). */
  readonly markers?: boolean;
  /** Per-point `[low, high]` band drawn shaded behind the line (default none). */
  readonly band?: readonly (readonly [number, number])[];
}

/**
 * Options of `renderLineChart`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ChartOptions, renderLineChart } from "./svg_chart.ts";
 * const options: ChartOptions = { width: 400, height: 200, id: "energy" };
 * const svg = renderLineChart([{ name: "a", points: [[0, 1], [1, 2]] }], options);
 * assert.match(svg, /^<svg[^>]* id="energy"/);
 * assert.match(svg, /width="400"/);
 * ```
 */
export interface ChartOptions {
  /** Title shown above the plot (default none). */
  readonly title?: string;
  /** X axis label (default none). */
  readonly xLabel?: string;
  /** Y axis label (default none). */
  readonly yLabel?: string;
  /** Width in px (default 760). */
  readonly width?: number;
  /** Height in px (default 360). */
  readonly height?: number;
  /** Formats x tick values (default: up to 3 significant decimals). */
  readonly formatX?: (x: number) => string;
  /** Formats y tick values (default: compact number). */
  readonly formatY?: (y: number) => string;
  /** `id` attribute of the `<svg>` (default "chart"). */
  readonly id?: string;
}

const PALETTE = ["#1b7837", "#2166ac", "#d6604d", "#762a83", "#e08214"];

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for XML/HTML content and attributes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeXml } from "./svg_chart.ts";
 * assert.equal(escapeXml("a < b & c"), "a &lt; b &amp; c");
 * assert.equal(escapeXml('"x"'), "&quot;x&quot;");
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(+v.toPrecision(12));
  }
  return out;
}

function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${+(n / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}

/**
 * Renders the series as a standalone `<svg>` element string. Empty input gives a chart that says
 * "no data" rather than failing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderLineChart } from "./svg_chart.ts";
 * const svg = renderLineChart([{ name: "truth", points: [[0, 0], [10, 3900]] }], { title: "Energy" });
 * assert.ok(svg.startsWith("<svg"));
 * assert.ok(svg.includes("Energy"));
 * assert.match(renderLineChart([]), /no data/);
 * ```
 */
export function renderLineChart(
  series: readonly ChartSeries[],
  options: ChartOptions = {},
): string {
  const width = options.width ?? 760;
  const height = options.height ?? 360;
  const fx = options.formatX ?? ((x: number) => `${+x.toPrecision(3)}`);
  const fy = options.formatY ?? compact;
  const m = { left: 70, right: 20, top: options.title ? 36 : 16, bottom: 70 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  // Loops, not Math.min(...xs): a spread over 50k+ points overflows the call stack (issue 16).
  let xMin = Infinity, xMax = -Infinity, yMin = 0, yMax = -Infinity, points = 0;
  for (const s of series) {
    for (const [x, y] of s.points) {
      points++;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
    for (const [lo, hi] of s.band ?? []) {
      if (lo < yMin) yMin = lo;
      if (hi > yMax) yMax = hi;
    }
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${
      escapeXml(options.id ?? "chart")
    }" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
  ];
  if (options.title) {
    parts.push(
      `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${
        escapeXml(options.title)
      }</text>`,
    );
  }
  if (points === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text></svg>`,
    );
    return parts.join("\n");
  }
  const x0 = xMin;
  const x1 = xMax === x0 ? x0 + 1 : xMax;
  const y0 = yMin;
  const y1 = yMax === y0 ? y0 + 1 : yMax * 1.05;
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const r = (v: number) => v.toFixed(1);
  for (const t of ticks(y0, y1, 5)) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${r(py(t))}" y2="${
        r(py(t))
      }" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${m.left - 6}" y="${r(py(t) + 4)}" text-anchor="end">${escapeXml(fy(t))}</text>`,
    );
  }
  for (const t of ticks(x0, x1, 6)) {
    parts.push(
      `<line x1="${r(px(t))}" x2="${r(px(t))}" y1="${m.top + ph}" y2="${
        m.top + ph + 4
      }" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${r(px(t))}" y="${m.top + ph + 18}" text-anchor="middle">${
        escapeXml(fx(t))
      }</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${
      m.top + ph
    }" stroke="#333"/>`,
  );
  parts.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#333"/>`,
  );
  if (options.xLabel) {
    parts.push(
      `<text x="${m.left + pw / 2}" y="${m.top + ph + 36}" text-anchor="middle">${
        escapeXml(options.xLabel)
      }</text>`,
    );
  }
  if (options.yLabel) {
    parts.push(
      `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${
        escapeXml(options.yLabel)
      }</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if (s.band && s.band.length === s.points.length && s.points.length > 0) {
      const upper = s.points.map((p, j) => `${r(px(p[0]))},${r(py(s.band![j][1]))}`);
      const lower = s.points.map((p, j) => `${r(px(p[0]))},${r(py(s.band![j][0]))}`).reverse();
      parts.push(
        `<polygon class="band" points="${upper.join(" ")} ${
          lower.join(" ")
        }" fill="${color}" fill-opacity="0.18" stroke="none"/>`,
      );
    }
    const d = s.points.map((p, j) => `${j === 0 ? "M" : "L"}${r(px(p[0]))},${r(py(p[1]))}`).join(
      " ",
    );
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(
      `<path class="series" data-name="${
        escapeXml(s.name)
      }" d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    if (s.markers || s.points.length === 1) {
      for (const p of s.points) {
        parts.push(
          `<circle class="marker" cx="${r(px(p[0]))}" cy="${r(py(p[1]))}" r="3" fill="${color}"/>`,
        );
      }
    }
    const lx = m.left + i * Math.min(200, pw / Math.max(1, series.length));
    const ly = height - 14;
    parts.push(
      `<line x1="${r(lx)}" x2="${r(lx + 18)}" y1="${ly - 4}" y2="${
        ly - 4
      }" stroke="${color}" stroke-width="3"${dash}/>`,
    );
    parts.push(`<text x="${r(lx + 24)}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
