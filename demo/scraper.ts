/**
 * A slow, Prometheus-style scraper of a raw energy counter (pure). Between two samples it adds
 * `cur - prev`, and when the counter went down it does what Prometheus `increase()` does with a
 * counter reset: it assumes the counter restarted from zero and adds `cur`. Between scrapes it
 * cannot know how many times the counter wrapped, which is what the aliasing demo shows.
 *
 * @module
 */

/**
 * What the scraper concluded from its samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ScrapeSummary } from "./scraper.ts";
 * import { prometheusIncrease } from "./scraper.ts";
 * const s: ScrapeSummary = prometheusIncrease([5n, 10n, 20n]);
 * assert.deepEqual(s, { increase: 15n, resetsSeen: 0 });
 * ```
 */
export interface ScrapeSummary {
  /** Sum of increases, in the counter's unit. */
  readonly increase: bigint;
  /** Decreases it saw (each taken as a counter reset). */
  readonly resetsSeen: number;
}

/**
 * Sums increases over consecutive raw samples the way Prometheus `increase()` treats counter
 * resets (no extrapolation: the samples are taken to span exactly the period of interest).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prometheusIncrease } from "./scraper.ts";
 * // 100 -> 900 (+800), then a decrease to 300 (taken as a reset: +300)
 * assert.deepEqual(prometheusIncrease([100n, 900n, 300n]), { increase: 1100n, resetsSeen: 1 });
 * ```
 */
export function prometheusIncrease(samples: readonly bigint[]): ScrapeSummary {
  let increase = 0n;
  let resetsSeen = 0;
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1];
    const cur = samples[i];
    if (cur >= prev) increase += cur - prev;
    else {
      increase += cur;
      resetsSeen++;
    }
  }
  return { increase, resetsSeen };
}

/**
 * Closed-form expectation for a counter driven at constant power.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AliasingExpectation } from "./scraper.ts";
 * import { expectedAliasing } from "./scraper.ts";
 * // 1 W never wraps a 2^32 uJ counter within two 15 s scrapes: nothing is lost.
 * const e: AliasingExpectation = expectedAliasing(1_000, { modulusUj: 2n ** 32n, scrapeMs: 15_000, scrapes: 2 });
 * assert.equal(e.scraperUj, e.truthUj);
 * assert.equal(e.wraps, 0);
 * ```
 */
export interface AliasingExpectation {
  /** True energy over the scraped span, microjoules. */
  readonly truthUj: bigint;
  /** What a Prometheus-style scraper of the raw counter reports, microjoules. */
  readonly scraperUj: bigint;
  /** Counter wraps that happened. */
  readonly wraps: number;
  /** Wraps the scraper did not see (a decrease reveals at most one wrap per scrape interval). */
  readonly wrapsMissed: number;
}

/**
 * The expectation for constant power: the counter after k scrape intervals is
 * `(start + k x energyPerScrape) mod modulus`, so the scraper's result follows in closed form
 * per interval without simulating ticks.
 *
 * @param powerMilliwatts Constant power (integer mW, so energy per interval is exact in uJ).
 * @param options `modulusUj` counter modulus, `scrapeMs` interval, `scrapes` number of intervals,
 *   `startUj` initial counter value (default 0).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedAliasing } from "./scraper.ts";
 * const e = expectedAliasing(390_000, { modulusUj: 2n ** 32n, scrapeMs: 15_000, scrapes: 8 });
 * assert.equal(e.truthUj, 46_800_000_000n); // 390 W for 2 minutes
 * assert.equal(e.scraperUj, 10_440_588_672n);
 * assert.deepEqual([e.wraps, e.wrapsMissed], [10, 8]);
 * ```
 */
export function expectedAliasing(
  powerMilliwatts: number,
  options: { modulusUj: bigint; scrapeMs: number; scrapes: number; startUj?: bigint },
): AliasingExpectation {
  const perScrapeUj = BigInt(powerMilliwatts) * BigInt(options.scrapeMs);
  const m = options.modulusUj;
  let absolute = options.startUj ?? 0n;
  const samples = [absolute % m];
  let wraps = 0;
  let wrapsMissed = 0;
  for (let k = 0; k < options.scrapes; k++) {
    const next = absolute + perScrapeUj;
    const w = Number(next / m - absolute / m);
    const cur = next % m;
    const seen = cur < samples[samples.length - 1] ? 1 : 0;
    wraps += w;
    wrapsMissed += w - seen;
    samples.push(cur);
    absolute = next;
  }
  return {
    truthUj: perScrapeUj * BigInt(options.scrapes),
    scraperUj: prometheusIncrease(samples).increase,
    wraps,
    wrapsMissed,
  };
}
