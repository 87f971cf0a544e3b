/**
 * The bucket loop of `estimateOverSpan` (private): buckets aligned to the grid and to the
 * readings, energy per bucket, each bucket's grams at its own reading, missing-reading policy,
 * coverage, and the intensity groups for the interval.
 *
 * @module
 */

import { describe, nextCovered, readingSigma } from "./_build_estimate.ts";
import type { ChainResult } from "./chain.ts";
import type { IntensityReading } from "./provider.ts";
import { bucketEnd, buildBuckets, type PowerSample, spreadEnergy } from "./span.ts";
import type { IntensityGroup } from "./uncertainty.ts";

/**
 * What the loop produced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SpanTotals } from "./_span_estimate.ts";
 * const totals: SpanTotals = {
 *   grams: 50,
 *   energyWh: 1000,
 *   groups: [{ grams: 50, sigma: 0.1 }],
 *   used: [],
 *   coverage: 1,
 *   buckets: 4,
 *   flags: [],
 * };
 * assert.equal(totals.grams / (totals.energyWh / 1000), 50);
 * ```
 */
export interface SpanTotals {
  grams: number;
  energyWh: number;
  groups: IntensityGroup[];
  used: IntensityReading[];
  coverage: number;
  buckets: number;
  flags: string[];
}

/**
 * Sums a span bucket by bucket. Throws RangeError when no reading covers anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accumulateSpan } from "./_span_estimate.ts";
 * const reading = {
 *   startMs: 0,
 *   endMs: 7_200_000,
 *   intensityGPerKwh: 100,
 *   source: "flat",
 *   dataset: "example",
 *   datasetVersion: "1",
 *   year: 2025,
 *   basis: "lifecycle" as const,
 *   zone: "X",
 *   uncertaintyPct: 10,
 *   measured: true,
 * };
 * const span = { startMs: 0, endMs: 7_200_000, regionId: "X", bucketMs: 3_600_000, maxBuckets: 10 };
 * const chain = { readings: [reading], provider: "flat", attempts: [] };
 * const totals = accumulateSpan({ ...span, chain, totalWh: 1000, pue: 1.5, policy: "step" });
 * assert.equal(totals.grams, 150);
 * assert.equal(totals.buckets, 2);
 * assert.equal(totals.coverage, 1);
 * const empty = { readings: null, provider: null, attempts: [] };
 * assert.throws(() => accumulateSpan({ ...span, chain: empty, totalWh: 1, pue: 1, policy: "step" }), RangeError);
 * ```
 */
export function accumulateSpan(a: {
  startMs: number;
  endMs: number;
  regionId: string;
  chain: ChainResult;
  bucketMs: number;
  maxBuckets: number;
  totalWh?: number;
  samples?: readonly PowerSample[];
  pue: number;
  policy: "step" | "drop";
}): SpanTotals {
  const { startMs, endMs, pue, policy } = a;
  const result = a.chain;
  const readings = result.readings ?? [];
  const buckets = buildBuckets({
    startMs,
    endMs,
    bucketMs: a.bucketMs,
    readings,
    maxBuckets: a.maxBuckets,
  });
  const energy = spreadEnergy(buckets, {
    ...(a.totalWh !== undefined ? { totalWh: a.totalWh } : {}),
    ...(a.samples ? { samples: a.samples } : {}),
  });
  const duration = endMs - startMs;
  const groups = new Map<number, number>();
  const used = new Set<IntensityReading>();
  let coveredMs = 0;
  const gramsSum = new NeumaierSum();
  const energySum = new NeumaierSum();
  let droppedWh = 0;
  let stepped = 0;
  let prev = -1;
  const next = nextCovered(buckets.reading);
  for (let k = 0; k < buckets.count; k++) {
    let idx = buckets.reading[k];
    const filled = idx < 0;
    if (filled) {
      if (policy === "drop") {
        droppedWh += energy[k];
        continue;
      }
      idx = prev >= 0 ? prev : next[k];
      if (idx < 0) {
        throw new RangeError(
          `no intensity reading for any part of ${new Date(startMs).toISOString()}..${
            new Date(endMs).toISOString()
          } ` +
            `in ${a.regionId} (providers: ${
              describe(result.attempts)
            }); check the providers or the region`,
        );
      }
      stepped++;
    } else {
      coveredMs += bucketEnd(buckets, k) - buckets.startMs[k];
      prev = idx;
    }
    const rd = readings[idx];
    used.add(rd);
    const g = energy[k] / 1000 * pue * rd.intensityGPerKwh;
    // Sigmas grouped at a resolution of 0.001 so that Monte Carlo stays bounded in time (at
    // most a few hundred groups, whatever the number of buckets).
    const s = Math.round(readingSigma(rd, duration, filled) * 1000) / 1000;
    groups.set(s, (groups.get(s) ?? 0) + g);
    gramsSum.add(g);
    energySum.add(energy[k]);
  }
  const grams = gramsSum.value;
  const energyWh = energySum.value;
  if (used.size === 0) {
    throw new RangeError(
      `no bucket of the span had an intensity reading (providers: ${describe(result.attempts)}); ` +
        `with missingPolicy "drop" nothing would be counted: use "step" or another provider`,
    );
  }
  const flags: string[] = [];
  if ([...used].some((x) => (x.averagingPeriodMs ?? 0) > 86_400_000)) {
    flags.push("annual_average_factor");
  }
  if (stepped > 0) flags.push(`stepped_buckets=${stepped}`);
  if (droppedWh > 0) flags.push(`dropped_energy_wh=${droppedWh.toFixed(6)}`);
  for (const a of result.attempts) {
    if (a.outcome !== "reading") flags.push(`provider_${a.outcome}:${a.provider}`);
  }
  return {
    grams,
    energyWh,
    groups: [...groups].map(([sigma, g]) => ({ sigma, grams: g })),
    used: [...used],
    coverage: coveredMs / duration,
    buckets: buckets.count,
    flags,
  };
}

/** Compensated (Neumaier) summation: a year of 15-minute buckets sums without drift. */
class NeumaierSum {
  #sum = 0;
  #c = 0;
  add(x: number): void {
    const t = this.#sum + x;
    this.#c += Math.abs(this.#sum) >= Math.abs(x) ? (this.#sum - t) + x : (x - t) + this.#sum;
    this.#sum = t;
  }
  get value(): number {
    return this.#sum + this.#c;
  }
}
