/**
 * GB Carbon Intensity API client (NESO, no key): 30-minute periods *for the span* from
 * `GET /intensity/{from}/{to}` (national: actual when published, else forecast) or
 * `GET /regional/intensity/{from}/{to}/regionid/{id}` (regional: forecast only), at most 14 days
 * per request. Values are gCO2/kWh on a direct (operational) basis.
 *
 * @module
 */

import type { IntensityReading, RegionLocation } from "../provider.ts";
import { checkBaseUrl } from "./base_url.ts";
import { fail, type Outcome, succeed } from "./failure.ts";
import {
  type FetchContext,
  LiveProvider,
  type LiveProviderOptions,
  type ZoneRef,
} from "./live_provider.ts";
import { isRecord, parseIsoMs, parseJsonBody } from "./parse_helpers.ts";
import { UK_REGIONS, type UkArea, ukAreaFor } from "./uk_regions.ts";

/**
 * Default uncertainties (1 sigma, log) of Carbon Intensity API values: 12% for national
 * "actual" (estimated from metered generation; the between-source method spread), 20% for the
 * national forecast and 25% for regional forecasts (forecast error in demand, wind and solar;
 * assumptions, see docs/carbon-providers.md), with a 10 g/kWh absolute floor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UK_CARBON_INTENSITY_UNCERTAINTY } from "./uk_carbon_intensity.ts";
 * assert.equal(UK_CARBON_INTENSITY_UNCERTAINTY.actualPct, 12);
 * assert.equal(UK_CARBON_INTENSITY_UNCERTAINTY.floorGPerKwh, 10);
 * ```
 */
export const UK_CARBON_INTENSITY_UNCERTAINTY: Readonly<{
  actualPct: number;
  nationalForecastPct: number;
  regionalForecastPct: number;
  floorGPerKwh: number;
}> = Object.freeze({
  actualPct: 12,
  nationalForecastPct: 20,
  regionalForecastPct: 25,
  floorGPerKwh: 10,
});

/**
 * Options of {@link UkCarbonIntensityProvider}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import { type UkCarbonIntensityOptions, UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
 * const urls: string[] = [];
 * const options: UkCarbonIntensityOptions = {
 *   baseUrl: "http://127.0.0.1:8080",
 *   clock: new VirtualClock(),
 *   fetch: (url) => (urls.push(url), Promise.resolve(new Response('{"data":[]}'))),
 * };
 * await new UkCarbonIntensityProvider(options).intensityForSpan("gb:london", 0, 1_800_000);
 * assert.equal(urls[0], "http://127.0.0.1:8080/regional/intensity/1970-01-01T00:00Z/1970-01-02T00:00Z/regionid/13");
 * ```
 */
export interface UkCarbonIntensityOptions extends LiveProviderOptions {
  /** Base URL (default `https://api.carbonintensity.org.uk`; config `carbon.ukCarbonIntensityUrl`). */
  readonly baseUrl?: string;
}

/**
 * UK Carbon Intensity provider (`ukcarbonintensity`). Regions: `GB` (national), `gb:<id>` or
 * `gb:<name>` (e.g. `gb:13`, `gb:london`), or any region located in GB (national).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UkCarbonIntensityProvider } from "./uk_carbon_intensity.ts";
 * const uk = new UkCarbonIntensityProvider();
 * assert.equal(await uk.intensityForSpan("FR", 0, 3_600_000), null);
 * assert.equal(uk.lastError?.kind, "unknown_region");
 * ```
 */
export class UkCarbonIntensityProvider extends LiveProvider {
  /** Provider name. */
  readonly name = "ukcarbonintensity";
  /** Half-hour periods. */
  protected readonly periodMs = 1_800_000;
  /** The API serves at most 14 days per request. */
  protected readonly maxPagesPerRequest = 14;
  /** Forecasts exist for the next 48 hours. */
  protected override readonly allowFuture = true;
  readonly #baseUrl: string;

  /**
   * Creates the provider (no network traffic until the first query).
   *
   * @param options Base URL and the shared {@link LiveProviderOptions}.
   */
  constructor(options: UkCarbonIntensityOptions = {}) {
    super(options);
    this.#baseUrl = checkBaseUrl(
      options.baseUrl ?? "https://api.carbonintensity.org.uk",
      "carbon.ukCarbonIntensityUrl",
    );
  }

  /** Always configured: the API needs no key. */
  protected configurationProblem(): string | undefined {
    return undefined; // the API needs no key
  }

  /** `GB`, `gb:<1-17>`, `gb:<region name>` (not Northern Ireland, `GB-NIR`). */
  protected ownsRegion(region: string): boolean {
    return region.toUpperCase() !== "GB-NIR" && ukAreaFor(region) !== undefined;
  }

  /** `GB` (national) or `GB-<id>` (regional); anything outside Great Britain is unknown. */
  protected resolveZone(
    region: string,
    location: RegionLocation | undefined,
  ): Promise<Outcome<ZoneRef>> {
    const northernIreland = [region, location?.electricityMapsZone ?? ""]
      .some((r) => r.trim().toUpperCase() === "GB-NIR");
    const area = northernIreland
      ? undefined
      : ukAreaFor(region, location?.countryCode ?? location?.electricityMapsZone);
    if (area === undefined) {
      return Promise.resolve(fail(
        "unknown_region",
        `the UK Carbon Intensity API covers Great Britain only; region "${region}" is not ` +
          `GB, gb:<1-17> or gb:<region name>`,
      ));
    }
    const zone = area.kind === "national" ? "GB" : `GB-${area.regionId}`;
    return Promise.resolve(succeed({ zone, cacheKey: zone }));
  }

  /** One national or regional from/to request for a page-aligned range. */
  protected async fetchRange(
    zone: ZoneRef,
    startMs: number,
    endMs: number,
    ctx: FetchContext,
  ): Promise<Outcome<IntensityReading[]>> {
    const area: UkArea = zone.zone === "GB"
      ? { kind: "national" }
      : { kind: "regional", regionId: Number(zone.zone.slice(3)) };
    const range = `${isoMinutes(startMs)}/${isoMinutes(endMs)}`;
    const url = area.kind === "national"
      ? `${this.#baseUrl}/intensity/${range}`
      : `${this.#baseUrl}/regional/intensity/${range}/regionid/${area.regionId}`;
    const got = await this.httpGet(url, {}, ctx);
    if (!got.ok) return got;
    const json = parseJsonBody(got.value.body);
    if (!json.ok) return fail(json.failure.kind, `${json.failure.message} (${url})`, { url });
    const periods = area.kind === "national"
      ? nationalPeriods(json.value)
      : regionalPeriods(json.value, area.regionId);
    if (!periods.ok) return fail("malformed", `${periods.failure.message} (${url})`, { url });
    const parsed = this.#readings(periods.value, zone.zone, area);
    if (!parsed.ok) return fail("malformed", `${parsed.failure.message} (${url})`, { url });
    return succeed(parsed.value.filter((r) => r.endMs > startMs && r.startMs < endMs));
  }

  #readings(periods: unknown[], zone: string, area: UkArea): Outcome<IntensityReading[]> {
    const out: IntensityReading[] = [];
    for (const [i, period] of periods.entries()) {
      if (!isRecord(period)) return fail("malformed", `data[${i}] is not an object`);
      const startMs = parseIsoMs(period.from);
      const endMs = parseIsoMs(period.to);
      if (startMs === undefined || endMs === undefined || endMs <= startMs) {
        return fail("malformed", `data[${i}] needs ISO 8601 "from" < "to"`);
      }
      const intensity = period.intensity;
      if (!isRecord(intensity)) return fail("malformed", `data[${i}].intensity is missing`);
      const actual = intensity.actual;
      const forecast = intensity.forecast;
      for (const [key, value] of [["actual", actual], ["forecast", forecast]] as const) {
        if (value === null || value === undefined) continue;
        if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
          return fail(
            "malformed",
            `data[${i}].intensity.${key} must be a number >= 0, got ${JSON.stringify(value)}`,
          );
        }
      }
      const measured = typeof actual === "number";
      const value = measured ? actual : forecast;
      if (typeof value !== "number") continue; // neither published: a gap
      const u = UK_CARBON_INTENSITY_UNCERTAINTY;
      out.push({
        startMs,
        endMs,
        intensityGPerKwh: value,
        source: this.name,
        dataset: "uk_carbon_intensity",
        datasetVersion: area.kind === "national"
          ? `API /intensity (${measured ? "actual" : "forecast"})`
          : `API /regional regionid ${area.regionId} ${UK_REGIONS[area.regionId]} (${
            measured ? "actual" : "forecast"
          })`,
        year: new Date(startMs).getUTCFullYear(),
        basis: "direct",
        zone,
        uncertaintyPct: this.uncertaintyOverridePct ??
          (measured
            ? u.actualPct
            : area.kind === "national"
            ? u.nationalForecastPct
            : u.regionalForecastPct),
        uncertaintyFloorGPerKwh: u.floorGPerKwh,
        measured,
        gases: "CO2",
        licence: "CC BY 4.0",
        attribution: "Carbon Intensity API, National Energy System Operator (NESO), " +
          "https://carbonintensity.org.uk",
      });
    }
    return succeed(out);
  }
}

function nationalPeriods(body: unknown): Outcome<unknown[]> {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    return fail("malformed", `response has no "data" array`);
  }
  return succeed(body.data);
}

/** The regional shape: `data` is the region object (or a one-element array of it). */
function regionalPeriods(body: unknown, regionId: number): Outcome<unknown[]> {
  if (!isRecord(body)) return fail("malformed", "response is not a JSON object");
  const region = Array.isArray(body.data) && body.data.length === 1 ? body.data[0] : body.data;
  if (!isRecord(region) || !Array.isArray(region.data)) {
    return fail("malformed", `response has no "data.data" array of periods`);
  }
  if (region.regionid !== undefined && region.regionid !== regionId) {
    return fail(
      "malformed",
      `response is for regionid ${String(region.regionid)}, not ${regionId}`,
    );
  }
  return succeed(region.data);
}

/** `YYYY-MM-DDThh:mmZ`, the API's documented path format. */
function isoMinutes(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + "Z";
}
