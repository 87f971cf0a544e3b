/**
 * Pure time-span maths for `estimateOverSpan`: cutting a span into buckets aligned both to a
 * UTC grid of `bucketMs` and to the provider's reading periods, and spreading energy over the
 * buckets (uniformly, or by power samples).
 *
 * @module
 */

import type { IntensityReading } from "./provider.ts";

/**
 * A power sample: watts at an instant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildBuckets, type PowerSample, spreadEnergy } from "./span.ts";
 * const samples: PowerSample[] = [{ tsMs: 0, watts: 360 }];
 * const b = buildBuckets({ startMs: 0, endMs: 10_000, bucketMs: 10_000, readings: [], maxBuckets: 4 });
 * assert.equal(spreadEnergy(b, { samples })[0], 1);
 * ```
 */
export interface PowerSample {
  /** Unix epoch ms. */
  readonly tsMs: number;
  /** Power, W, finite and >= 0. */
  readonly watts: number;
}

/**
 * Buckets of a span, in struct-of-arrays form (a year of 15-minute buckets is 35,040).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildBuckets, type Buckets } from "./span.ts";
 * const b: Buckets = buildBuckets({ startMs: 500, endMs: 2500, bucketMs: 1000, readings: [], maxBuckets: 10 });
 * assert.deepEqual(Array.from(b.startMs), [500, 1000, 2000]);
 * assert.deepEqual(Array.from(b.reading), [-1, -1, -1]);
 * ```
 */
export interface Buckets {
  /** Start of each bucket (ms); bucket k is `[startMs[k], startMs[k+1])`, the last ends at `endMs`. */
  readonly startMs: Float64Array;
  /** End of the span. */
  readonly endMs: number;
  /** Index into the readings of the reading covering bucket k, or -1 when none does. */
  readonly reading: Int32Array;
  /** Number of buckets. */
  readonly count: number;
}

/**
 * Cuts `[startMs, endMs)` at every multiple of `bucketMs` (UTC epoch grid) and at every reading
 * boundary inside it. Overlapping readings: the earlier-starting one covers until it ends.
 *
 * @param span `startMs`, `endMs`, `bucketMs`, `readings` (sorted by start), `maxBuckets`.
 * @throws RangeError when the span needs more than `maxBuckets` buckets.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildBuckets } from "./span.ts";
 * const span = { startMs: 0, endMs: 3_600_000, bucketMs: 900_000, readings: [] };
 * assert.equal(buildBuckets({ ...span, maxBuckets: 10 }).count, 4);
 * assert.throws(() => buildBuckets({ ...span, maxBuckets: 3 }), RangeError);
 * ```
 */
export function buildBuckets(span: {
  startMs: number;
  endMs: number;
  bucketMs: number;
  readings: readonly IntensityReading[];
  maxBuckets: number;
}): Buckets {
  const { startMs, endMs, bucketMs, readings, maxBuckets } = span;
  const gridCount = Math.ceil(endMs / bucketMs) - Math.floor(startMs / bucketMs);
  if (gridCount + 2 * readings.length > maxBuckets) {
    throw new RangeError(
      `the span needs about ${gridCount} buckets of ${bucketMs / 60_000} minutes; at most ` +
        `${maxBuckets} are allowed: use a larger bucketMinutes or split the span`,
    );
  }
  // Reading boundaries inside the span, clipped so that readings do not overlap.
  const cuts: number[] = [];
  const owners: { from: number; to: number; index: number }[] = [];
  let covered = -Infinity;
  readings.forEach((r, index) => {
    const from = Math.max(r.startMs, covered, startMs);
    const to = Math.min(r.endMs, endMs);
    if (to <= from) return;
    owners.push({ from, to, index });
    covered = to;
    if (from > startMs) cuts.push(from);
    if (to < endMs) cuts.push(to);
  });
  const starts: number[] = [startMs];
  let ci = 0;
  cuts.sort((a, b) => a - b);
  let g = (Math.floor(startMs / bucketMs) + 1) * bucketMs;
  while (true) {
    const nextCut = ci < cuts.length ? cuts[ci] : Infinity;
    const next = Math.min(g, nextCut);
    if (next >= endMs) break;
    if (next > starts[starts.length - 1]) starts.push(next);
    if (next === g) g += bucketMs;
    if (next === nextCut) ci++;
  }
  const n = starts.length;
  const startArr = Float64Array.from(starts);
  const readingArr = new Int32Array(n).fill(-1);
  let oi = 0;
  for (let k = 0; k < n; k++) {
    const t = startArr[k];
    while (oi < owners.length && owners[oi].to <= t) oi++;
    if (oi < owners.length && owners[oi].from <= t) readingArr[k] = owners[oi].index;
  }
  return { startMs: startArr, endMs, reading: readingArr, count: n };
}

/**
 * End of bucket k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bucketEnd, buildBuckets } from "./span.ts";
 * const b = buildBuckets({ startMs: 0, endMs: 2500, bucketMs: 1000, readings: [], maxBuckets: 10 });
 * assert.equal(bucketEnd(b, 0), 1000);
 * assert.equal(bucketEnd(b, 2), 2500);
 * ```
 */
export function bucketEnd(b: Buckets, k: number): number {
  return k + 1 < b.count ? b.startMs[k + 1] : b.endMs;
}

/**
 * Energy (Wh) in each bucket. With `samples`, power is linear between samples and held flat
 * before the first and after the last; the bucket energies are then scaled to `totalWh` when
 * it is given. Without samples, `totalWh` is spread in proportion to time.
 *
 * @param b The buckets.
 * @param energy `totalWh` and/or `samples` (sorted or not; at least one sample when given).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildBuckets, spreadEnergy } from "./span.ts";
 * const b = buildBuckets({
 *   startMs: 0,
 *   endMs: 7_200_000,
 *   bucketMs: 3_600_000,
 *   readings: [],
 *   maxBuckets: 10,
 * });
 * const samples = [{ tsMs: 0, watts: 100 }, { tsMs: 7_200_000, watts: 300 }];
 * assert.deepEqual(Array.from(spreadEnergy(b, { samples })), [150, 250]);
 * assert.deepEqual(Array.from(spreadEnergy(b, { totalWh: 10 })), [5, 5]);
 * ```
 */
export function spreadEnergy(
  b: Buckets,
  energy: { totalWh?: number; samples?: readonly PowerSample[] },
): Float64Array {
  const out = new Float64Array(b.count);
  const span = b.endMs - b.startMs[0];
  if (!energy.samples || energy.samples.length === 0) {
    const total = energy.totalWh ?? 0;
    for (let k = 0; k < b.count; k++) out[k] = total * (bucketEnd(b, k) - b.startMs[k]) / span;
    return out;
  }
  // When a total is given only the shape of the curve matters: normalise to a peak of 1 W so
  // that tiny powers do not lose precision in subnormal floats.
  const peak = Math.max(...energy.samples.map((x) => x.watts));
  const norm = energy.totalWh !== undefined && peak > 0 ? 1 / peak : 1;
  const s = energy.samples.map((x) => ({ tsMs: x.tsMs, watts: x.watts * norm }))
    .sort((x, y) => x.tsMs - y.tsMs);
  // Cumulative energy (J) of the piecewise-linear power curve: at each sample (prefix sums of
  // trapezoids), then at any time by interpolation, for increasing times in one sweep.
  const cum = new Float64Array(s.length);
  for (let j = 1; j < s.length; j++) {
    cum[j] = cum[j - 1] + (s[j - 1].watts + s[j].watts) / 2 * (s[j].tsMs - s[j - 1].tsMs) / 1000;
  }
  const last = s.length - 1;
  let j = 0;
  const cumAt = (t: number): number => {
    if (t <= s[0].tsMs) return -s[0].watts * (s[0].tsMs - t) / 1000;
    if (t >= s[last].tsMs) return cum[last] + s[last].watts * (t - s[last].tsMs) / 1000;
    while (j + 1 < last && s[j + 1].tsMs <= t) j++;
    const a = s[j], c = s[j + 1];
    const pt = a.watts + (c.watts - a.watts) * (t - a.tsMs) / (c.tsMs - a.tsMs);
    return cum[j] + (a.watts + pt) / 2 * (t - a.tsMs) / 1000;
  };
  let prev = cumAt(b.startMs[0]);
  let sum = 0;
  for (let k = 0; k < b.count; k++) {
    const next = cumAt(bucketEnd(b, k));
    out[k] = (next - prev) / 3600;
    sum += out[k];
    prev = next;
  }
  if (energy.totalWh !== undefined) {
    // Scale to the given total; a power curve that is zero (or too small to scale) spreads
    // the total in proportion to time instead.
    const f = energy.totalWh / sum;
    if (sum > 0 && Number.isFinite(f)) {
      for (let k = 0; k < b.count; k++) out[k] *= f;
    } else {
      for (let k = 0; k < b.count; k++) {
        out[k] = energy.totalWh * (bucketEnd(b, k) - b.startMs[k]) / span;
      }
    }
  }
  return out;
}
