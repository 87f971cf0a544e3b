/**
 * Pure arithmetic for live providers: cut a span into aligned pages (the unit of caching),
 * group missing pages into requests no longer than the API allows, and tidy readings into the
 * provider contract (overlapping the span, sorted, non-overlapping).
 *
 * @module
 */

import type { IntensityReading } from "../provider.ts";

/**
 * One UTC day, the default page: the unit of caching and of request batching.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DAY_MS, pageOf } from "./span_pages.ts";
 * assert.equal(pageOf(Date.UTC(2025, 0, 2, 13), DAY_MS), Date.UTC(2025, 0, 2));
 * ```
 */
export const DAY_MS = 86_400_000;

/**
 * Start times of the aligned pages that `[startMs, endMs)` touches.
 *
 * @param startMs Span start (inclusive), epoch ms.
 * @param endMs Span end (exclusive), epoch ms, `> startMs`.
 * @param pageMs Page length in ms (pages start at multiples of it).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pageStarts } from "./span_pages.ts";
 * assert.deepEqual(pageStarts(90, 310, 100), [0, 100, 200, 300]);
 * assert.deepEqual(pageStarts(100, 200, 100), [100]);
 * ```
 */
export function pageStarts(startMs: number, endMs: number, pageMs: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(startMs / pageMs) * pageMs; p < endMs; p += pageMs) out.push(p);
  return out;
}

/**
 * A run of consecutive pages fetched with one request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchPages, type PageBatch } from "./span_pages.ts";
 * const [batch]: PageBatch[] = batchPages([300, 400], 100, 5);
 * assert.deepEqual(batch, { startMs: 300, endMs: 500, pages: [300, 400] });
 * ```
 */
export interface PageBatch {
  /** Start of the first page. */
  readonly startMs: number;
  /** End of the last page. */
  readonly endMs: number;
  /** Start times of the pages in it. */
  readonly pages: readonly number[];
}

/**
 * Groups sorted page starts into runs of consecutive pages, at most `maxPages` per run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchPages } from "./span_pages.ts";
 * const batches = batchPages([0, 100, 200, 500], 100, 2);
 * assert.deepEqual(batches.map((b) => b.pages), [[0, 100], [200], [500]]);
 * ```
 */
export function batchPages(
  pages: readonly number[],
  pageMs: number,
  maxPages: number,
): PageBatch[] {
  const batches: PageBatch[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length === 0) return;
    batches.push({
      startMs: current[0],
      endMs: current[current.length - 1] + pageMs,
      pages: current,
    });
    current = [];
  };
  for (const p of pages) {
    const prev = current[current.length - 1];
    if (current.length >= maxPages || (prev !== undefined && p !== prev + pageMs)) flush();
    current.push(p);
  }
  flush();
  return batches;
}

/**
 * Readings overlapping `[startMs, endMs)`, sorted by start, one per start time (a measured one
 * preferred), each clipped so it ends no later than the next begins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tidyReadings } from "./span_pages.ts";
 * const r = { intensityGPerKwh: 1, source: "s", dataset: "d", datasetVersion: "v", year: 2025,
 *   basis: "lifecycle" as const, zone: "Z", uncertaintyPct: 10, measured: true };
 * const readings = [{ ...r, startMs: 50, endMs: 150 }, { ...r, startMs: 0, endMs: 100 }];
 * const out = tidyReadings(readings, 0, 200);
 * assert.deepEqual(out.map((x) => [x.startMs, x.endMs]), [[0, 50], [50, 150]]);
 * ```
 */
export function tidyReadings(
  readings: readonly IntensityReading[],
  startMs: number,
  endMs: number,
): IntensityReading[] {
  const byStart = new Map<number, IntensityReading>();
  for (const r of readings) {
    if (!(r.endMs > startMs && r.startMs < endMs)) continue;
    const seen = byStart.get(r.startMs);
    if (seen === undefined || (!seen.measured && r.measured)) byStart.set(r.startMs, r);
  }
  const sorted = [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
  const out: IntensityReading[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i];
    const next = sorted[i + 1];
    const clipped = next !== undefined && r.endMs > next.startMs
      ? { ...r, endMs: next.startMs }
      : r;
    if (clipped.endMs > startMs) out.push(clipped);
  }
  return out;
}

/**
 * Page start for a time (floor to a multiple of `pageMs`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pageOf } from "./span_pages.ts";
 * assert.equal(pageOf(250, 100), 200);
 * assert.equal(pageOf(200, 100), 200);
 * ```
 */
export function pageOf(timeMs: number, pageMs: number): number {
  return Math.floor(timeMs / pageMs) * pageMs;
}
