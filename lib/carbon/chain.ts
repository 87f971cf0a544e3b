/**
 * A fallback chain of intensity providers: the first one with a reading wins; a provider that
 * has no reading, fails or throws falls through to the next (static last).
 *
 * @module
 */

import type { IntensityProvider, IntensityQueryOptions, IntensityReading } from "./provider.ts";

/**
 * What happened when the chain asked one provider.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ProviderAttempt, ProviderChain } from "./chain.ts";
 * const empty = { name: "empty", intensityForSpan: () => Promise.resolve(null) };
 * const { attempts } = await new ProviderChain([empty]).resolve("FR", 0, 1000);
 * const first: ProviderAttempt = attempts[0];
 * assert.deepEqual(first, { provider: "empty", outcome: "no_reading" });
 * ```
 */
export interface ProviderAttempt {
  /** Provider name. */
  readonly provider: string;
  /** `reading`: it answered; `no_reading`: null or empty; `error`: it threw or rejected. */
  readonly outcome: "reading" | "no_reading" | "error";
  /** The error message when `outcome` is `error`. */
  readonly error?: string;
}

/**
 * The chain's answer: the readings, who gave them, and every attempt in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ChainResult, ProviderChain } from "./chain.ts";
 * const empty = { name: "empty", intensityForSpan: () => Promise.resolve([]) };
 * const result: ChainResult = await new ProviderChain([empty]).resolve("FR", 0, 1000);
 * assert.equal(result.readings, null);
 * assert.equal(result.provider, null);
 * assert.equal(result.attempts.length, 1);
 * ```
 */
export interface ChainResult {
  /** Readings of the first provider that had any, or null when none had. */
  readonly readings: IntensityReading[] | null;
  /** Name of the provider that answered, or null. */
  readonly provider: string | null;
  /** Every provider asked, in order. */
  readonly attempts: readonly ProviderAttempt[];
}

/**
 * Tries providers in order. Itself an `IntensityProvider`, so chains nest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProviderChain } from "./chain.ts";
 * import { StaticProvider } from "./static_provider.ts";
 * import { RegionCatalog } from "./catalog.ts";
 * const broken = { name: "broken", intensityForSpan: () => Promise.reject(new Error("down")) };
 * const chain = new ProviderChain([broken, new StaticProvider(RegionCatalog.embedded())]);
 * const result = await chain.resolve("FR", 0, 3_600_000);
 * assert.equal(result.provider, "static");
 * assert.deepEqual(result.attempts.map((a) => a.outcome), ["error", "reading"]);
 * assert.equal(result.attempts[0].error, "down");
 * assert.equal(chain.name, "chain(broken,static)");
 * ```
 */
export class ProviderChain implements IntensityProvider {
  /** `chain(<names>)`. */
  readonly name: string;
  /** The providers, in the order tried. */
  readonly providers: readonly IntensityProvider[];

  /**
   * A chain of `providers`.
   *
   * @param providers Providers to try, in order (put the static provider last).
   */
  constructor(providers: readonly IntensityProvider[]) {
    if (providers.length === 0) {
      throw new RangeError("a provider chain needs at least one provider");
    }
    this.providers = [...providers];
    this.name = `chain(${this.providers.map((p) => p.name).join(",")})`;
  }

  /**
   * Asks each provider in turn until one returns readings.
   *
   * @param region Region id.
   * @param startMs Span start (ms).
   * @param endMs Span end (ms).
   * @param options `signal` and `location`, passed to every provider.
   */
  async resolve(
    region: string,
    startMs: number,
    endMs: number,
    options: IntensityQueryOptions = {},
  ): Promise<ChainResult> {
    const attempts: ProviderAttempt[] = [];
    for (const p of this.providers) {
      options.signal?.throwIfAborted();
      try {
        const readings = await p.intensityForSpan(region, startMs, endMs, options);
        const valid = readings?.filter((r) =>
          Number.isFinite(r.intensityGPerKwh) && r.intensityGPerKwh >= 0 && r.endMs > r.startMs &&
          r.endMs > startMs && r.startMs < endMs
        ) ?? [];
        if (valid.length > 0) {
          attempts.push({ provider: p.name, outcome: "reading" });
          valid.sort((a, b) =>
            a.startMs - b.startMs
          );
          return { readings: valid, provider: p.name, attempts };
        }
        attempts.push({ provider: p.name, outcome: "no_reading" });
      } catch (err) {
        options.signal?.throwIfAborted();
        const msg = err instanceof Error ? err.message : String(err);
        attempts.push({ provider: p.name, outcome: "error", error: msg });
      }
    }
    return { readings: null, provider: null, attempts };
  }

  /**
   * `IntensityProvider` view: the readings of `resolve`, or null.
   *
   * @param region Region id.
   * @param startMs Span start (ms).
   * @param endMs Span end (ms).
   * @param options `signal` and `location`.
   */
  async intensityForSpan(
    region: string,
    startMs: number,
    endMs: number,
    options: IntensityQueryOptions = {},
  ): Promise<IntensityReading[] | null> {
    return (await this.resolve(region, startMs, endMs, options)).readings;
  }
}
