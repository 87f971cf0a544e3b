/**
 * Electricity Maps client: hourly carbon intensity *for the span* from
 * `GET /v3/carbon-intensity/past-range?zone=&start=&end=` (up to 10 days per request) or, for
 * spans within the last 24 hours, `GET /v3/carbon-intensity/history?zone=` (free tier), with
 * the `auth-token` header. Values are gCO2e/kWh, lifecycle by default.
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
import { electricityMapsZoneOf } from "./provider_names.ts";
import { DAY_MS } from "./span_pages.ts";

/**
 * Default uncertainties (1 sigma, log) of Electricity Maps hourly values: 13% for measured hours
 * (between-source method spread 0.12 and release revisions 0.05 in quadrature; no timing error
 * since the value is for the hour itself), 20% for estimated hours (an estimation model adds
 * about 0.15), with a 10 g/kWh absolute floor for low-carbon grids. See docs/carbon-providers.md.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ELECTRICITY_MAPS_UNCERTAINTY } from "./electricity_maps.ts";
 * const { measuredPct, estimatedPct } = ELECTRICITY_MAPS_UNCERTAINTY;
 * assert.equal(measuredPct, 13);
 * assert.ok(estimatedPct > measuredPct);
 * ```
 */
export const ELECTRICITY_MAPS_UNCERTAINTY: Readonly<
  { measuredPct: number; estimatedPct: number; floorGPerKwh: number }
> = Object.freeze({
  measuredPct: 13,
  estimatedPct: 20,
  floorGPerKwh: 10,
});

/**
 * Options of {@link ElectricityMapsProvider}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ElectricityMapsOptions, ElectricityMapsProvider } from "./electricity_maps.ts";
 * const options: ElectricityMapsOptions = { token: "t", endpoint: "history", zoneMap: { "my-dc": "SE-SE3" } };
 * const em = new ElectricityMapsProvider(options);
 * assert.equal(em.name, "electricitymaps");
 * assert.throws(() => new ElectricityMapsProvider({ baseUrl: "http://example.com" }), TypeError);
 * ```
 */
export interface ElectricityMapsOptions extends LiveProviderOptions {
  /** API token sent as `auth-token` (config `carbon.electricityMapsToken`); none: not configured. */
  readonly token?: string | null;
  /** Base URL (default `https://api.electricitymap.org`; config `carbon.electricityMapsUrl`). */
  readonly baseUrl?: string;
  /**
   * `past-range` (commercial, any past span), `history` (last 24 h, free tier) or `auto`
   * (default: `history` when the span starts within the last 24 h, else `past-range`).
   */
  readonly endpoint?: "auto" | "past-range" | "history";
  /** `lifecycle` (default) or `direct` emission factors. */
  readonly emissionFactorType?: "lifecycle" | "direct";
  /** Region id to zone overrides, e.g. `{ "my-dc": "SE-SE3" }` (default none). */
  readonly zoneMap?: Readonly<Record<string, string>>;
}

const GRANULARITY_MS: Readonly<Record<string, number>> = {
  "5_minutes": 300_000,
  "15_minutes": 900_000,
  "hourly": 3_600_000,
};

/**
 * Electricity Maps provider (`electricitymaps`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ElectricityMapsProvider } from "./electricity_maps.ts";
 * const em = new ElectricityMapsProvider({ token: null });
 * assert.equal(await em.intensityForSpan("FR", 0, 3_600_000), null);
 * assert.equal(em.lastError?.kind, "not_configured");
 * ```
 */
export class ElectricityMapsProvider extends LiveProvider {
  /** Provider name. */
  readonly name = "electricitymaps";
  /** Hourly periods. */
  protected readonly periodMs = 3_600_000;
  /** past-range allows 10 days (240 hours) per request. */
  protected readonly maxPagesPerRequest = 10;
  readonly #token: string | undefined;
  readonly #baseUrl: string;
  readonly #endpoint: "auto" | "past-range" | "history";
  readonly #factorType: "lifecycle" | "direct";
  readonly #zoneMap: Readonly<Record<string, string>>;

  /**
   * Creates the provider (no network traffic until the first query).
   *
   * @param options Token, base URL, endpoint and the shared {@link LiveProviderOptions}.
   */
  constructor(options: ElectricityMapsOptions = {}) {
    super(options);
    const token = options.token?.trim();
    this.#token = token === undefined || token === "" ? undefined : token;
    this.#baseUrl = checkBaseUrl(
      options.baseUrl ?? "https://api.electricitymap.org",
      "carbon.electricityMapsUrl",
    );
    this.#endpoint = options.endpoint ?? "auto";
    this.#factorType = options.emissionFactorType ?? "lifecycle";
    this.#zoneMap = options.zoneMap ?? {};
  }

  /** Not configured without a token. */
  protected configurationProblem(): string | undefined {
    return this.#token === undefined
      ? "no Electricity Maps token: set carbon.electricityMapsToken in the config file or " +
        "CARBON_OPS_CARBON_ELECTRICITY_MAPS_TOKEN"
      : undefined;
  }

  /** A `zoneMap` key, `electricitymaps:<zone>` or a zone-shaped id (`SE-SE3`, `US-CAL-CISO`). */
  protected ownsRegion(region: string): boolean {
    return this.#zoneMap[region] !== undefined || electricityMapsZoneOf(region) !== undefined;
  }

  /** Zone from `zoneMap`, the location's zone, `electricitymaps:<zone>`, or a zone-shaped id. */
  protected resolveZone(
    region: string,
    location: RegionLocation | undefined,
  ): Promise<Outcome<ZoneRef>> {
    const zone = this.#zoneMap[region] ?? location?.electricityMapsZone ??
      electricityMapsZoneOf(region);
    if (zone === undefined) {
      return Promise.resolve(fail(
        "unknown_region",
        `no Electricity Maps zone for region "${region}"; use a zone such as FR or ` +
          `US-CAL-CISO, or "electricitymaps:<zone>"`,
      ));
    }
    return Promise.resolve(succeed({ zone, cacheKey: `${this.#factorType}|${zone}` }));
  }

  /**
   * One past-range (or history) request for a page-aligned range. In `auto` mode, a past-range
   * refused for the plan (401/403) falls back to history when the range reaches into the last
   * 24 hours (the free tier's window).
   */
  protected async fetchRange(
    zone: ZoneRef,
    startMs: number,
    endMs: number,
    ctx: FetchContext,
  ): Promise<Outcome<IntensityReading[]>> {
    const recentFromMs = this.clock.nowMs() - DAY_MS;
    const auto = this.#endpoint === "auto";
    if (this.#endpoint === "history" || (auto && startMs >= recentFromMs)) {
      return await this.#request("history", zone, startMs, endMs, ctx);
    }
    const got = await this.#request("past-range", zone, startMs, endMs, ctx);
    if (!got.ok && got.failure.kind === "auth" && auto && endMs > recentFromMs) {
      return await this.#request("history", zone, startMs, endMs, ctx);
    }
    return got;
  }

  async #request(
    path: "history" | "past-range",
    zone: ZoneRef,
    startMs: number,
    endMs: number,
    ctx: FetchContext,
  ): Promise<Outcome<IntensityReading[]>> {
    const params = new URLSearchParams({ zone: zone.zone });
    if (path === "past-range") {
      params.set("start", isoSeconds(startMs));
      params.set("end", isoSeconds(endMs));
    }
    params.set("emissionFactorType", this.#factorType);
    const url = `${this.#baseUrl}/v3/carbon-intensity/${path}?${params}`;
    const got = await this.httpGet(url, { "auth-token": this.#token ?? "" }, ctx);
    if (!got.ok) return got;
    const json = parseJsonBody(got.value.body);
    if (!json.ok) return fail(json.failure.kind, `${json.failure.message} (${url})`, { url });
    const parsed = this.#parse(
      json.value,
      zone.zone,
      path === "history" ? "history" : "data",
      path,
    );
    if (!parsed.ok) return fail("malformed", `${parsed.failure.message} (${url})`, { url });
    return succeed(parsed.value.filter((r) => r.endMs > startMs && r.startMs < endMs));
  }

  #parse(
    body: unknown,
    zone: string,
    arrayKey: "data" | "history",
    path: string,
  ): Outcome<IntensityReading[]> {
    if (!isRecord(body)) return fail("malformed", "response is not a JSON object");
    if (typeof body.zone === "string" && body.zone !== zone) {
      return fail("malformed", `response is for zone ${body.zone}, not ${zone}`);
    }
    const items = body[arrayKey];
    if (!Array.isArray(items)) return fail("malformed", `response has no "${arrayKey}" array`);
    const out: IntensityReading[] = [];
    for (const [i, item] of items.entries()) {
      if (!isRecord(item)) return fail("malformed", `${arrayKey}[${i}] is not an object`);
      const startMs = parseIsoMs(item.datetime);
      if (startMs === undefined) {
        return fail("malformed", `${arrayKey}[${i}].datetime is not an ISO 8601 UTC time`);
      }
      if (typeof item.zone === "string" && item.zone !== zone) {
        return fail("malformed", `${arrayKey}[${i}] is for zone ${item.zone}, not ${zone}`);
      }
      const value = item.carbonIntensity;
      if (value === null) continue; // a documented gap: no value for this hour
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        return fail(
          "malformed",
          `${arrayKey}[${i}].carbonIntensity must be a number >= 0, got ${JSON.stringify(value)}`,
        );
      }
      const granularity = item.temporalGranularity ?? body.temporalGranularity ?? "hourly";
      const periodMs = typeof granularity === "string" ? GRANULARITY_MS[granularity] : undefined;
      if (periodMs === undefined) {
        return fail("malformed", `unsupported temporalGranularity ${JSON.stringify(granularity)}`);
      }
      if (item.isEstimated !== undefined && item.isEstimated !== null) {
        if (typeof item.isEstimated !== "boolean") {
          return fail("malformed", `${arrayKey}[${i}].isEstimated must be a boolean`);
        }
      }
      const measured = item.isEstimated !== true;
      out.push({
        startMs,
        endMs: startMs + periodMs,
        intensityGPerKwh: value,
        source: this.name,
        dataset: "electricity_maps",
        datasetVersion: `API v3 ${path} (${this.#factorType}` +
          (measured ? ")" : `, estimated: ${String(item.estimationMethod ?? "unspecified")})`),
        year: new Date(startMs).getUTCFullYear(),
        basis: this.#factorType,
        zone,
        uncertaintyPct: this.uncertaintyOverridePct ??
          (measured
            ? ELECTRICITY_MAPS_UNCERTAINTY.measuredPct
            : ELECTRICITY_MAPS_UNCERTAINTY.estimatedPct),
        uncertaintyFloorGPerKwh: ELECTRICITY_MAPS_UNCERTAINTY.floorGPerKwh,
        measured,
        gases: "CO2e",
        attribution: "Electricity Maps (https://www.electricitymaps.com)",
      });
    }
    return succeed(out);
  }
}

/** ISO 8601 UTC without milliseconds: `2025-01-01T00:00:00Z`. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
