/**
 * `CarbonEstimator`: energy (Wh) to grams of CO2e, with the factor's provenance, aligned to the
 * span of time when the energy was used, and an interval that means what it says.
 *
 * @module
 */

import {
  checkEnergySource,
  checkLevel,
  checkMethod,
  checkPct,
  checkPue,
  checkSamples,
  finiteNonNegative,
  positive,
  type TimeInput,
  timeMs,
} from "./_validate.ts";
import { type EnergyEvidence, singleEnergyEvidence } from "../base/energy_evidence.ts";
import {
  AmbiguousRegionError,
  RegionCatalog,
  type RegionLookup,
  UnknownRegionError,
} from "./catalog.ts";
import type { RegionFigure } from "./data/types.ts";
import { evidenceEnergySigma, mapEnergyEvidence } from "./evidence.ts";
import { attemptReasons, ProviderChain } from "./chain.ts";
import { liveProvidersServing } from "./providers/provider_names.ts";
import type { CarbonEstimate } from "./estimate.ts";
import { buildEstimate, readingSigma, type Resolved } from "./_build_estimate.ts";
import type { IntensityProvider, RegionLocation } from "./provider.ts";
import type { PowerSample } from "./span.ts";
import { accumulateSpan } from "./_span_estimate.ts";
import { readingFromFigure, StaticProvider } from "./static_provider.ts";
import type { EnergySourceKind, EstimationMethod, SamplingScheme } from "./uncertainty.ts";

/**
 * Options shared by every estimate (each falls back to the estimator's option of that name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator, type CommonEstimateOptions } from "./estimator.ts";
 * const options: CommonEstimateOptions = { region: "DE", energySource: "rapl", confidenceLevelPct: 90 };
 * const e = new CarbonEstimator({ region: "FR", pue: 1.1 }).estimateFromEnergy(1000, options);
 * assert.equal(e.region, "DE");
 * assert.equal(e.energySource, "rapl");
 * assert.equal(e.meta.confidenceLevelPct, 90);
 * ```
 */
export interface CommonEstimateOptions {
  /** `analytical_truncated` (default) or `monte_carlo` (`analytical`/`monte-carlo` accepted). */
  readonly method?: EstimationMethod | "analytical" | "monte-carlo";
  /** Monte Carlo seed (default 1); written into the result. */
  readonly seed?: number;
  /** Monte Carlo sampling scheme (default `rqmc`). */
  readonly sampling?: SamplingScheme;
  /** Confidence level, percent, 50 <= level < 100 (default 95). */
  readonly confidenceLevelPct?: number;
  /**
   * Where the energy figure came from, typed (from the energy logger's summary, `evidence`): sets
   * the energy uncertainty and the record's source and quality through `mapEnergyEvidence`.
   * Wins over `energySource`.
   */
  readonly energyEvidence?: EnergyEvidence;
  /** Shorthand for a single, not simulated source of this kind (default `model`). */
  readonly energySource?: EnergySourceKind;
  /** Override of the energy 1-sigma uncertainty, percent (default by `energySource`). */
  readonly energyUncertaintyPct?: number;
  /** Region for this estimate (default: the estimator's). */
  readonly region?: string;
  /** Activity period start (recorded; also sets the span length for the uncertainty). */
  readonly startTs?: TimeInput;
  /** Activity period end. */
  readonly endTs?: TimeInput;
  /**
   * Length of the activity, seconds, when its start is not known (ignored with `startTs`/`endTs`,
   * which give it): the temporal uncertainty of an annual factor depends on the length, not on
   * knowing the calendar dates. Default: unknown (flagged `timing_unknown`).
   */
  readonly durationS?: number;
}

/**
 * Options of `estimateFromEnergy` and `estimateFromPowerTime`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator, type EstimateOptions } from "./estimator.ts";
 * const options: EstimateOptions = { method: "monte_carlo", samples: 1000, seed: 7 };
 * const e = new CarbonEstimator({ region: "FR" }).estimateFromEnergy(1000, options);
 * assert.equal(e.meta.samples, 1000);
 * assert.equal(e.meta.seed, 7);
 * ```
 */
export interface EstimateOptions extends CommonEstimateOptions {
  /** Monte Carlo samples, 100..10,000,000 (default 10,000). */
  readonly samples?: number;
}

/**
 * Options of the estimator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator, type CarbonEstimatorOptions } from "./estimator.ts";
 * const options: CarbonEstimatorOptions = { region: "atlantis", allowFallback: true, pue: 1.2 };
 * const e = new CarbonEstimator(options).estimateFromEnergy(1000);
 * assert.equal(e.region, "global-average");
 * assert.equal(e.requestedRegion, "atlantis");
 * assert.equal(e.qualityFlag, "fallback");
 * assert.equal(e.pue, 1.2);
 * ```
 */
export interface CarbonEstimatorOptions extends EstimateOptions {
  /** PUE profile id (default: the region's, e.g. `aws`, else `cloud-hyperscale`). */
  readonly pueProfile?: string;
  /** PUE number, 1..3, instead of a profile. */
  readonly pue?: number;
  /** 1-sigma uncertainty of the PUE, percent of it (default 5 with `pue`, else the profile's). */
  readonly pueUncertaintyPct?: number;
  /** Regions and PUE profiles (default: the embedded dataset). */
  readonly catalog?: RegionCatalog;
  /** Providers for `estimateOverSpan` (default: static). A `ProviderChain` is used as is. */
  readonly provider?: IntensityProvider;
  /** Use `global-average` for an unknown region, flagged `fallback` (default false: error). */
  readonly allowFallback?: boolean;
  /** Most buckets one span may have (default 200,000). */
  readonly maxBuckets?: number;
}

/**
 * What `estimateOverSpan` needs: the span, and energy as a total, a power or power samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator, type SpanEstimateOptions } from "./estimator.ts";
 * const spec: SpanEstimateOptions = {
 *   startTs: "2025-01-01T00:00:00Z",
 *   endTs: "2025-01-01T02:00:00Z",
 *   powerWatts: 500,
 *   bucketMinutes: 30,
 * };
 * const e = await new CarbonEstimator({ region: "DE", pue: 1.1 }).estimateOverSpan(spec);
 * assert.equal(e.energyWh, 1000);
 * assert.equal(e.buckets, 4);
 * assert.equal(e.grams, 376.266);
 * ```
 */
export interface SpanEstimateOptions extends CommonEstimateOptions {
  /** Monte Carlo samples (default 10,000); `samples` here are power samples. */
  readonly mcSamples?: number;
  /** Span start. */
  readonly startTs: TimeInput;
  /** Span end, after start. */
  readonly endTs: TimeInput;
  /** Energy used in the span, Wh. */
  readonly energyWh?: number;
  /** Constant power over the span, W. */
  readonly powerWatts?: number;
  /** Power samples `{ tsMs, watts }`: spread the energy (or give it, without `energyWh`). */
  readonly samples?: readonly PowerSample[];
  /** Bucket length, minutes, 1..1440 (default 15); buckets also split at provider periods. */
  readonly bucketMinutes?: number;
  /** Buckets without a reading: `step` (default) carries the nearest reading; `drop` omits them. */
  readonly missingPolicy?: "step" | "drop";
  /** Cancels provider queries. */
  readonly signal?: AbortSignal;
}

/** A resolved region: the catalog figure, or a region only a configured provider serves. */
interface Target {
  readonly lookup: RegionLookup;
  /** Region id the provider chain is asked for. */
  readonly chainRegion: string;
  readonly location: RegionLocation;
  /** True when the embedded catalog has no figure: only the chain's live providers can answer. */
  readonly providerOnly: boolean;
  /** For providerOnly: the providers of the chain that serve it. */
  readonly servedBy: readonly string[];
}

/**
 * Turns energy into grams of CO2e with an interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnknownRegionError } from "./catalog.ts";
 * import { CarbonEstimator } from "./estimator.ts";
 * const est = new CarbonEstimator({ region: "FR" });
 * const r = est.estimateFromEnergy(1000, { method: "monte_carlo", samples: 10_000 });
 * assert.equal(r.grams.toFixed(1), "55.2");
 * assert.equal(r.meta.ciLowerG.toFixed(1), "19.3");
 * assert.equal(r.meta.ciUpperG.toFixed(1), "162.5");
 * assert.equal(est.estimateFromPowerTime(100, 36_000).energyWh, 1000);
 * assert.throws(() => new CarbonEstimator({ region: "Frnace" }), UnknownRegionError);
 * ```
 */
export class CarbonEstimator {
  readonly #o: CarbonEstimatorOptions;
  /** The catalog regions are looked up in. */
  readonly catalog: RegionCatalog;
  /** The provider chain used over spans. */
  readonly chain: ProviderChain;

  /**
   * Validates the options (region, PUE, method, level) up front.
   *
   * @param options See `CarbonEstimatorOptions`; every field has a default.
   */
  constructor(options: CarbonEstimatorOptions = {}) {
    this.catalog = options.catalog ?? RegionCatalog.embedded();
    const staticProvider = new StaticProvider(this.catalog);
    const p = options.provider;
    this.chain = p instanceof ProviderChain
      ? p
      : new ProviderChain(p ? [p, staticProvider] : [staticProvider]);
    if (options.pue !== undefined) checkPue(options.pue);
    if (options.pueProfile !== undefined) this.catalog.pueProfile(options.pueProfile);
    this.#o = options;
    this.#resolve({}); // validates method, level, energy source now
    this.#target(options.region ?? "global-average");
  }

  #mc(o: { samples?: number; seed?: number; sampling?: SamplingScheme }) {
    return {
      samples: o.samples ?? this.#o.samples ?? 10_000,
      seed: o.seed ?? this.#o.seed ?? 1,
      sampling: o.sampling ?? this.#o.sampling ?? "rqmc",
    };
  }

  #resolve(o: CommonEstimateOptions): Resolved {
    const d = this.#o;
    const evidence = o.energyEvidence ??
      (o.energySource !== undefined ? undefined : d.energyEvidence) ??
      singleEnergyEvidence(checkEnergySource(o.energySource ?? d.energySource ?? "model"));
    const energySource = mapEnergyEvidence(evidence).energySource;
    const u = o.energyUncertaintyPct ?? d.energyUncertaintyPct;
    return {
      method: checkMethod(o.method ?? d.method ?? "analytical_truncated"),
      level: checkLevel(o.confidenceLevelPct ?? d.confidenceLevelPct ?? 95),
      evidence,
      energySource,
      energySigma: u === undefined
        ? evidenceEnergySigma(evidence)
        : checkPct("energyUncertaintyPct", u, 200) / 100,
    };
  }

  /**
   * Resolves a region: the catalog's figure (id or alias; country names win over cloud
   * geographies, an ambiguous name is an error), else a region that a provider of the chain
   * serves on its own (`gb:london`, `SE-SE3`, `CAISO_NORTH`, `watttime:<code>`,
   * `electricitymaps:<zone>`, or a known place such as `SE4` through its Electricity Maps zone),
   * else the `global-average` fallback when allowed, else `UnknownRegionError` saying which
   * provider would serve it.
   */
  #target(region: string): Target {
    if (typeof region !== "string" || region.trim() === "") {
      throw new RangeError(
        "region must be a non-empty string (ISO country code, cloud region or grid zone)",
      );
    }
    const m = this.catalog.match(region);
    if (m.kind === "ambiguous") throw new AmbiguousRegionError(region, m.choices);
    if (m.kind === "figure") {
      const lookup = this.catalog.lookup(region);
      const f = lookup.figure;
      return {
        lookup,
        chainRegion: f.id,
        location: {
          id: f.id,
          ...(f.countryCode ? { countryCode: f.countryCode } : {}),
          ...(f.electricityMapsZone ? { electricityMapsZone: f.electricityMapsZone } : {}),
        },
        providerOnly: false,
        servedBy: [],
      };
    }
    const trimmed = region.trim();
    const place = m.kind === "place" ? m.place : undefined;
    const chainRegion = place ? place.electricityMapsZone : trimmed;
    const servedBy = chainRegion === undefined ? [] : this.chain.providersServing(chainRegion);
    if (chainRegion !== undefined && servedBy.length > 0) {
      const figure: RegionFigure = {
        id: chainRegion,
        name: place ? `${place.name} (${place.code})` : chainRegion,
        kind: "grid",
        ...(place ? { countryCode: place.countryCode } : {}),
        ...(place?.electricityMapsZone ? { electricityMapsZone: place.electricityMapsZone } : {}),
        intensityGPerKwh: Number.NaN, // no embedded figure: only live readings price it
        year: null,
        basis: "mixed",
        accounting: "provider",
        gases: "CO2e",
        sourceId: "provider",
        uncertaintyRel: 0,
        uncertaintyFloorGPerKwh: 0,
        flags: [],
        aliases: [],
      };
      return {
        lookup: { figure, requested: region, fallback: false },
        chainRegion,
        location: {
          id: chainRegion,
          ...(place ? { countryCode: place.countryCode } : {}),
          ...(place?.electricityMapsZone ? { electricityMapsZone: place.electricityMapsZone } : {}),
        },
        providerOnly: true,
        servedBy,
      };
    }
    if (this.#o.allowFallback === true) {
      const lookup = this.catalog.lookup(region, { fallback: true });
      return {
        lookup,
        chainRegion: lookup.figure.id,
        location: { id: lookup.figure.id },
        providerOnly: false,
        servedBy: [],
      };
    }
    if (place !== undefined) {
      throw new UnknownRegionError(region, [], this.catalog.placeHint(place));
    }
    const could = liveProvidersServing(trimmed);
    if (could.length > 0) {
      const names = could.join(" or ");
      throw new UnknownRegionError(
        region,
        [],
        `it is a region id of the ${names} provider, which is not configured here: add ` +
          `${could.length > 1 ? "one of them" : "it"} to carbon.providers (see ` +
          `docs/carbon-providers.md) and estimate over a span (--start/--end).`,
      );
    }
    throw new UnknownRegionError(region, this.catalog.suggest(region));
  }

  #lookup(region: string): RegionLookup {
    const t = this.#target(region);
    if (t.providerOnly) {
      throw new UnknownRegionError(
        region,
        [],
        `it has no embedded annual figure; the ${t.servedBy.join(" or ")} provider serves it ` +
          `live: estimate over a span (startTs/endTs; --start/--end on the command line).`,
      );
    }
    return t.lookup;
  }

  #pue(lookup: RegionLookup): { pue: number; sigma: number; source: string } {
    const o = this.#o;
    if (o.pue !== undefined) {
      const u = o.pueUncertaintyPct === undefined
        ? 5
        : checkPct("pueUncertaintyPct", o.pueUncertaintyPct, 100);
      return { pue: o.pue, sigma: u / 100, source: "user-supplied PUE" };
    }
    const p = this.catalog.pueProfile(
      o.pueProfile ?? lookup.figure.pueProfile ?? "cloud-hyperscale",
    );
    return {
      pue: p.pue,
      sigma: o.pueUncertaintyPct === undefined
        ? p.uncertaintyRel
        : checkPct("pueUncertaintyPct", o.pueUncertaintyPct, 100) / 100,
      source: `profile ${p.id}: ${p.source}${p.year ? ` ${p.year}` : ""}`,
    };
  }

  /**
   * Grams for `energyWh` used in the region, with the region's annual figure. Timing unknown
   * unless `startTs`/`endTs` are given: the annual figure then carries the hour-to-hour grid
   * variability (see docs/carbon-estimation.md).
   *
   * @param energyWh IT energy, Wh, finite and >= 0.
   * @param options Method, samples, seed, level, energy source, region, activity period.
   */
  estimateFromEnergy(energyWh: number, options: EstimateOptions = {}): CarbonEstimate {
    finiteNonNegative("energyWh", energyWh, "Wh");
    const r = this.#resolve(options);
    const lookup = this.#lookup(options.region ?? this.#o.region ?? "global-average");
    let startMs: number | undefined;
    let endMs: number | undefined;
    if (options.startTs !== undefined || options.endTs !== undefined) {
      if (options.startTs === undefined || options.endTs === undefined) {
        throw new RangeError("give both startTs and endTs, or neither");
      }
      startMs = timeMs("startTs", options.startTs);
      endMs = timeMs("endTs", options.endTs);
      if (!(endMs > startMs)) throw new RangeError("endTs must be after startTs");
    }
    const reading = readingFromFigure(lookup.figure, {
      startMs: startMs ?? 0,
      endMs: endMs ?? 1,
      catalog: this.catalog,
    });
    const duration = startMs !== undefined
      ? (endMs as number) - startMs
      : options.durationS !== undefined
      ? positive("durationS", options.durationS, "s") * 1000
      : undefined;
    const sigma = readingSigma(reading, duration, false);
    const pue = this.#pue(lookup);
    const grams = energyWh / 1000 * pue.pue * reading.intensityGPerKwh;
    return buildEstimate({
      r,
      lookup,
      pue,
      energyWh,
      grams,
      groups: [{ grams, sigma }],
      readings: [reading],
      coverage: 1,
      buckets: 1,
      startMs,
      endMs,
      flags: ["annual_average_factor", ...(duration === undefined ? ["timing_unknown"] : [])],
      mc: this.#mc(options),
    });
  }

  /**
   * Grams for a constant power over a duration (energy = power x duration).
   *
   * @param powerWatts Power, W, finite and >= 0.
   * @param durationS Duration, seconds, finite and > 0.
   * @param options As for `estimateFromEnergy`.
   */
  estimateFromPowerTime(
    powerWatts: number,
    durationS: number,
    options: EstimateOptions = {},
  ): CarbonEstimate {
    finiteNonNegative("powerWatts", powerWatts, "W");
    positive("durationS", durationS, "s");
    return this.estimateFromEnergy(powerWatts * durationS / 3600, { durationS, ...options });
  }

  /**
   * Grams for a span of time, with the intensity *of that time*: the provider chain is asked for
   * readings over the span, the span is cut into buckets aligned to a UTC grid and to the
   * readings' periods, energy is spread over the buckets (by power samples when given), and each
   * bucket's energy meets its own intensity. Factor errors are correlated across buckets.
   *
   * @param spec Span, energy (`energyWh` | `powerWatts` | `samples`), buckets, missing policy.
   */
  async estimateOverSpan(spec: SpanEstimateOptions): Promise<CarbonEstimate> {
    const r = this.#resolve(spec);
    const startMs = timeMs("startTs", spec.startTs);
    const endMs = timeMs("endTs", spec.endTs);
    if (!(endMs > startMs)) {
      throw new RangeError(`endTs must be after startTs (got ${spec.startTs} .. ${spec.endTs})`);
    }
    const given = [spec.energyWh, spec.powerWatts].filter((x) => x !== undefined).length;
    if (given > 1 || (given === 0 && spec.samples === undefined)) {
      throw new RangeError(
        "give exactly one of energyWh or powerWatts (samples may go with energyWh, or alone)",
      );
    }
    if (spec.powerWatts !== undefined && spec.samples !== undefined) {
      throw new RangeError(
        "powerWatts and samples cannot be combined: samples already give the power",
      );
    }
    if (spec.energyWh !== undefined) finiteNonNegative("energyWh", spec.energyWh, "Wh");
    if (spec.powerWatts !== undefined) finiteNonNegative("powerWatts", spec.powerWatts, "W");
    const samples = spec.samples === undefined ? undefined : checkSamples(spec.samples);
    const bucketMinutes = spec.bucketMinutes ?? 15;
    if (!Number.isFinite(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 1440) {
      throw new RangeError(`bucketMinutes must be from 1 to 1440, got ${bucketMinutes}`);
    }
    const policy = spec.missingPolicy ?? "step";
    if (policy !== "step" && policy !== "drop") {
      throw new RangeError(`missingPolicy must be "step" or "drop", got ${JSON.stringify(policy)}`);
    }
    const target = this.#target(spec.region ?? this.#o.region ?? "global-average");
    let lookup = target.lookup;
    const f = lookup.figure;
    const result = await this.chain.resolve(target.chainRegion, startMs, endMs, {
      location: target.location,
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
    const pue = this.#pue(lookup);
    const totalWh = spec.energyWh ??
      (spec.powerWatts !== undefined ? spec.powerWatts * (endMs - startMs) / 3_600_000 : undefined);
    const { grams, energyWh, groups, used, coverage, buckets, flags } = accumulateSpan({
      startMs,
      endMs,
      regionId: f.id,
      chain: result,
      bucketMs: bucketMinutes * 60_000,
      maxBuckets: this.#o.maxBuckets ?? 200_000,
      ...(totalWh !== undefined ? { totalWh } : {}),
      ...(samples ? { samples } : {}),
      pue: pue.pue,
      policy,
    });
    // The embedded figure's flags describe that figure (e.g. `subnational_zone_value`): they do
    // not belong to an estimate priced with live readings only.
    if (!used.some((x) => x.source === "static")) {
      lookup = { ...lookup, figure: { ...lookup.figure, flags: [] } };
    }
    // Why each provider before the one that answered had nothing: after the
    // `provider_error:<name>` / `provider_no_reading:<name>` flags, one readable sentence each.
    flags.push(...attemptReasons(result.attempts));
    return buildEstimate({
      r,
      lookup,
      pue,
      energyWh,
      grams,
      groups,
      readings: used,
      coverage,
      buckets,
      startMs,
      endMs,
      flags,
      mc: this.#mc({ ...spec, samples: spec.mcSamples }),
    });
  }
}
