/**
 * A fallback chain of intensity providers: the first one with a reading wins; a provider that
 * has no reading, fails or throws falls through to the next (static last). Each attempt says
 * whether the provider had nothing for the region or span (`no_reading`) or failed (`error`,
 * with the kind and the reason).
 *
 * @module
 */

import type {
  IntensityProvider,
  IntensityQueryOptions,
  IntensityReading,
  QueryFailure,
} from "./provider.ts";

/**
 * Failure kinds that mean "this provider has nothing for the region or span", not a failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_DATA_KINDS } from "./chain.ts";
 * assert.ok(NO_DATA_KINDS.includes("unknown_region"));
 * assert.ok(!NO_DATA_KINDS.includes("timeout"));
 * ```
 */
export const NO_DATA_KINDS: readonly string[] = Object.freeze(["unknown_region", "empty"]);

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
  /**
   * `reading`: it answered; `no_reading`: the region is not covered or there is no data for
   * the span (null or empty, failure kind `unknown_region`/`empty`); `error`: it failed (HTTP
   * error, timeout, refused connection, malformed body, 401, 429, no credentials...) or threw.
   */
  readonly outcome: "reading" | "no_reading" | "error";
  /** Failure kind as the provider reported it (e.g. `http`, `timeout`, `unknown_region`). */
  readonly kind?: string;
  /** Why: the error message (`error`), or the provider's reason for `no_reading` when given. */
  readonly error?: string;
  /** HTTP status of the last response, when the provider reported one. */
  readonly status?: number;
  /** HTTP attempts made for the failing request, when the provider reported them. */
  readonly attempts?: number;
}

/**
 * One readable sentence per attempt that did not give a reading, e.g.
 * `electricitymaps failed (http): HTTP 500 ... (after 3 attempt(s))` or
 * `ukcarbonintensity had no reading (unknown_region): ...`. The estimator puts them into the
 * estimate's flags (and so the ledger record's assumptions) after `provider_error:<name>` or
 * `provider_no_reading:<name>`.
 *
 * @param attempts The chain's attempts.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attemptReasons } from "./chain.ts";
 * const reasons = attemptReasons([
 *   { provider: "watttime", outcome: "error", kind: "timeout", error: "no answer in 5 s", attempts: 3 },
 *   { provider: "static", outcome: "reading" },
 * ]);
 * assert.deepEqual(reasons, ["watttime failed (timeout): no answer in 5 s"]);
 * ```
 */
export function attemptReasons(attempts: readonly ProviderAttempt[]): string[] {
  const out: string[] = [];
  for (const a of attempts) {
    if (a.outcome === "reading") continue;
    const head = a.outcome === "error" ? `${a.provider} failed` : `${a.provider} had no reading`;
    const kind = a.kind === undefined ? "" : ` (${a.kind})`;
    out.push(`${head}${kind}${a.error ? `: ${a.error}` : ""}`);
  }
  return out;
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
      // One listener per query: concurrent queries never see each other's failures.
      let failure: QueryFailure | undefined;
      const onFailure = (f: QueryFailure) => {
        failure = f;
        options.onFailure?.(f);
      };
      try {
        const readings = await p.intensityForSpan(region, startMs, endMs, {
          ...options,
          onFailure,
        });
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
        attempts.push(failedAttempt(p.name, failure));
      } catch (err) {
        options.signal?.throwIfAborted();
        const msg = err instanceof Error ? err.message : String(err);
        attempts.push({ provider: p.name, outcome: "error", kind: "exception", error: msg });
      }
    }
    return { readings: null, provider: null, attempts };
  }

  /**
   * True when one of the providers serves `region` on its own (see
   * `IntensityProvider.servesRegion`).
   *
   * @param region Region id as the user gave it.
   */
  servesRegion(region: string): boolean {
    return this.providers.some((p) => p.servesRegion?.(region) === true);
  }

  /**
   * Names of the providers that serve `region` on its own, in chain order.
   *
   * @param region Region id as the user gave it.
   */
  providersServing(region: string): string[] {
    return this.providers.flatMap((p) => {
      if (p instanceof ProviderChain) return p.providersServing(region);
      return p.servesRegion?.(region) === true ? [p.name] : [];
    });
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

function failedAttempt(provider: string, failure: QueryFailure | undefined): ProviderAttempt {
  if (failure === undefined) return { provider, outcome: "no_reading" };
  return {
    provider,
    outcome: NO_DATA_KINDS.includes(failure.kind) ? "no_reading" : "error",
    kind: failure.kind,
    error: failure.message,
    ...(failure.status === undefined ? {} : { status: failure.status }),
    ...(failure.attempts === undefined ? {} : { attempts: failure.attempts }),
  };
}
