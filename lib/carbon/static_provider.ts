/**
 * The static provider: annual-average figures from the region catalog (embedded dataset plus
 * user file). Always the last provider of a chain.
 *
 * @module
 */

import { type RegionCatalog, UnknownRegionError } from "./catalog.ts";
import type { RegionFigure } from "./data/types.ts";
import type { IntensityProvider, IntensityQueryOptions, IntensityReading } from "./provider.ts";

/**
 * Milliseconds in a (non-leap) year: the averaging period of annual figures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { YEAR_MS } from "./static_provider.ts";
 * assert.equal(YEAR_MS / 86_400_000, 365);
 * ```
 */
export const YEAR_MS = 365 * 86_400_000;

/**
 * Turns a catalog figure into a reading covering `[startMs, endMs)`.
 *
 * @param figure The region figure.
 * @param span `startMs`, `endMs`, and the catalog (for the source's licence and version).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RegionCatalog } from "./catalog.ts";
 * import { readingFromFigure } from "./static_provider.ts";
 * const catalog = RegionCatalog.embedded();
 * const r = readingFromFigure(catalog.lookup("FR").figure, { startMs: 0, endMs: 1000, catalog });
 * assert.equal(r.dataset, "ember");
 * assert.equal(r.zone, "FR");
 * assert.equal(r.measured, false);
 * ```
 */
export function readingFromFigure(
  figure: RegionFigure,
  span: { startMs: number; endMs: number; catalog: RegionCatalog },
): IntensityReading {
  const src = span.catalog.source(figure.sourceId);
  return {
    startMs: span.startMs,
    endMs: span.endMs,
    intensityGPerKwh: figure.intensityGPerKwh,
    source: "static",
    dataset: figure.sourceId,
    datasetVersion: src?.version ?? span.catalog.version,
    year: figure.year ?? 0,
    basis: figure.basis,
    zone: figure.id,
    uncertaintyPct: figure.uncertaintyRel * 100,
    uncertaintyFloorGPerKwh: figure.uncertaintyFloorGPerKwh,
    averagingPeriodMs: YEAR_MS,
    measured: false,
    gases: figure.gases,
    ...(src ? { licence: src.licence, attribution: src.attribution } : {}),
  };
}

/**
 * Annual averages from a `RegionCatalog`: one reading covering the whole span. An unknown
 * region is "no reading" (`null`); the estimator checks regions before asking providers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RegionCatalog } from "./catalog.ts";
 * import { StaticProvider } from "./static_provider.ts";
 * const p = new StaticProvider(RegionCatalog.embedded());
 * const readings = await p.intensityForSpan("DE", Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 2));
 * assert.equal(readings?.[0].intensityGPerKwh, 342.06);
 * assert.equal(await p.intensityForSpan("nowhere", 0, 1000), null);
 * ```
 */
export class StaticProvider implements IntensityProvider {
  /** Always `static`. */
  readonly name = "static";
  /** The catalog read. */
  readonly catalog: RegionCatalog;

  /**
   * A provider over `catalog`.
   *
   * @param catalog Regions to serve.
   */
  constructor(catalog: RegionCatalog) {
    this.catalog = catalog;
  }

  /**
   * One reading spanning `[startMs, endMs)`, or null for an unknown region.
   *
   * @param region Region id or alias.
   * @param startMs Span start (ms).
   * @param endMs Span end (ms).
   * @param _options Unused (no I/O).
   */
  intensityForSpan(
    region: string,
    startMs: number,
    endMs: number,
    _options?: IntensityQueryOptions,
  ): Promise<IntensityReading[] | null> {
    try {
      const { figure } = this.catalog.lookup(region);
      return Promise.resolve([
        readingFromFigure(figure, { startMs, endMs, catalog: this.catalog }),
      ]);
    } catch (err) {
      if (err instanceof UnknownRegionError) return Promise.resolve(null);
      return Promise.reject(err);
    }
  }
}
