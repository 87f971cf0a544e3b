/**
 * Content negotiation for the metrics endpoint: reads an HTTP `Accept` header (media ranges,
 * parameters, quality values, RFC 9110 section 12.5.1) and picks the exposition to answer with.
 *
 * @module
 */

import type { MetricsFormat } from "./metrics_exposition.ts";

/** One media range of an `Accept` header. */
interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

/** Splits on `sep` outside double-quoted strings. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === "\\" && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string | null {
  if (!value.startsWith('"')) return TOKEN.test(value) ? value : null;
  if (value.length < 2 || !value.endsWith('"')) return null;
  return value.slice(1, -1).replace(/\\(.)/g, "$1");
}

/** Parses one media range; null when it is malformed (it is then ignored). */
function parseRange(text: string): MediaRange | null {
  const [mediaType, ...rawParams] = splitOutsideQuotes(text, ";").map((p) => p.trim());
  const slash = mediaType.indexOf("/");
  const type = mediaType.slice(0, slash).toLowerCase();
  const subtype = mediaType.slice(slash + 1).toLowerCase();
  if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  if (type === "*" && subtype !== "*") return null;
  const params = new Map<string, string>();
  let q = 1;
  for (const raw of rawParams) {
    const eq = raw.indexOf("=");
    if (eq < 0) return null;
    const name = raw.slice(0, eq).trim().toLowerCase();
    const value = unquote(raw.slice(eq + 1).trim());
    if (!TOKEN.test(name) || value === null) return null;
    if (name === "q") {
      if (!QVALUE.test(value)) return null;
      q = Number(value);
    } else {
      params.set(name, value);
    }
  }
  return { type, subtype, params, q };
}

/** What each exposition is, as a media type and the `version` parameters it answers to. */
const OFFERS: readonly {
  format: MetricsFormat;
  type: string;
  subtype: string;
  versions: readonly string[];
}[] = [
  {
    format: "openmetrics",
    type: "application",
    subtype: "openmetrics-text",
    versions: ["1.0.0", "0.0.1"],
  },
  { format: "classic", type: "text", subtype: "plain", versions: ["0.0.4"] },
];

/**
 * How well `range` matches an offer: -1 when it does not, else its specificity (0 for `*\/*`,
 * 1 for `type/*`, 2 for `type/subtype`, 3 when it also names the version).
 */
function specificity(range: MediaRange, offer: (typeof OFFERS)[number]): number {
  if (range.type === "*") return 0;
  if (range.type !== offer.type) return -1;
  if (range.subtype === "*") return 1;
  if (range.subtype !== offer.subtype) return -1;
  const version = range.params.get("version");
  if (version === undefined) return 2;
  return offer.versions.includes(version) ? 3 : -1;
}

function isAbove(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/**
 * Picks the exposition for an `Accept` header. Each format gets the quality of the most specific
 * media range that matches it (`application/openmetrics-text` with `version=1.0.0` or `0.0.1`, or
 * none, for OpenMetrics; `text/plain` with `version=0.0.4`, or none, for the classic format;
 * `type/*` and `*\/*` for both); the higher quality wins. On a tie, a format the client named
 * beats one it only matched with a wildcard, and OpenMetrics beats the classic format only when
 * it was named. With no header, a malformed one, or nothing acceptable, the answer is the classic
 * format, which every Prometheus-compatible scraper reads. Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { negotiateMetricsFormat } from "./metrics_negotiation.ts";
 * assert.equal(negotiateMetricsFormat(null), "classic");
 * assert.equal(negotiateMetricsFormat("*\/*"), "classic");
 * assert.equal(
 *   negotiateMetricsFormat(
 *     "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1",
 *   ),
 *   "openmetrics",
 * );
 * assert.equal(
 *   negotiateMetricsFormat("application/openmetrics-text;q=0.3, text/plain;q=0.7"),
 *   "classic",
 * );
 * assert.equal(negotiateMetricsFormat("application/openmetrics-text; version=2.0.0"), "classic");
 * ```
 */
export function negotiateMetricsFormat(accept: string | null): MetricsFormat {
  if (accept === null) return "classic";
  const ranges: MediaRange[] = [];
  for (const part of splitOutsideQuotes(accept, ",")) {
    if (part.trim() === "") continue;
    const range = parseRange(part);
    if (range === null) return "classic";
    ranges.push(range);
  }
  // Ranked by quality, then named over wildcard, then the server's preference: OpenMetrics when
  // named (it carries units and types), the classic format when only a wildcard matched.
  let best: { format: MetricsFormat; rank: readonly number[] } | null = null;
  for (const offer of OFFERS) {
    let top = -1;
    let q = 0;
    for (const range of ranges) {
      const s = specificity(range, offer);
      if (s > top) [top, q] = [s, range.q];
    }
    if (top < 0 || q <= 0) continue;
    const named = top >= 2;
    const preferred = named === (offer.format === "openmetrics");
    const rank = [q, named ? 1 : 0, preferred ? 1 : 0];
    if (best === null || isAbove(rank, best.rank)) best = { format: offer.format, rank };
  }
  return best?.format ?? "classic";
}
