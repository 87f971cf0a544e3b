/**
 * WattTime client: logs in (basic auth to a 30-minute bearer token), then reads the signal *for
 * the span* from `GET /v3/historical?region=&start=&end=&signal_type=co2_moer` (at most 30 days
 * per request). Values arrive in lb/MWh and are converted to g/kWh (x 0.453592).
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
import { WATTTIME_REGION_CODE } from "./provider_names.ts";
import { TtlLruCache } from "./ttl_lru_cache.ts";
import { WattTimeSession } from "./watttime_session.ts";

/**
 * 1 lb/MWh in g/kWh: 453.592 g per lb / 1000 kWh per MWh.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LB_PER_MWH_TO_G_PER_KWH } from "./watttime.ts";
 * assert.equal((1000 * LB_PER_MWH_TO_G_PER_KWH).toFixed(3), "453.592");
 * ```
 */
export const LB_PER_MWH_TO_G_PER_KWH = 0.453592;

/**
 * Default uncertainties (1 sigma, log): 30% for the marginal signal `co2_moer` (a model output
 * for which WattTime publishes no error; an assumption, see docs/carbon-providers.md) and 15%
 * for the average signal `co2_aoer` (the base case for an average factor).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WATTTIME_UNCERTAINTY } from "./watttime.ts";
 * assert.deepEqual({ ...WATTTIME_UNCERTAINTY }, { moerPct: 30, aoerPct: 15, floorGPerKwh: 10 });
 * ```
 */
export const WATTTIME_UNCERTAINTY: Readonly<
  { moerPct: number; aoerPct: number; floorGPerKwh: number }
> = Object.freeze({
  moerPct: 30,
  aoerPct: 15,
  floorGPerKwh: 10,
});

/**
 * Options of {@link WattTimeProvider}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type WattTimeOptions, WattTimeProvider } from "./watttime.ts";
 * const options: WattTimeOptions = { username: "u", password: null, signalType: "co2_aoer" };
 * const wt = new WattTimeProvider(options);
 * assert.equal(await wt.intensityForSpan("CAISO_NORTH", 0, 300_000), null);
 * assert.equal(wt.lastError?.kind, "not_configured");
 * ```
 */
export interface WattTimeOptions extends LiveProviderOptions {
  /** Username (config `carbon.wattTimeUsername`, else `WATTTIME_USER`); none: not configured. */
  readonly username?: string | null;
  /** Password (config `carbon.wattTimePassword`, else `WATTTIME_PASSWORD`). */
  readonly password?: string | null;
  /** Base URL (default `https://api.watttime.org`; config `carbon.wattTimeUrl`). */
  readonly baseUrl?: string;
  /** `co2_moer` (marginal, default) or `co2_aoer` (average). */
  readonly signalType?: "co2_moer" | "co2_aoer";
  /** Region id to WattTime region overrides, e.g. `{ "aws:us-west-1": "CAISO_NORTH" }`. */
  readonly regionMap?: Readonly<Record<string, string>>;
}

/**
 * WattTime provider (`watttime`). Regions: a WattTime region code (`CAISO_NORTH`),
 * `watttime:<code>`, a `regionMap` entry, or any region with coordinates (looked up with
 * `/v3/region-from-loc`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WattTimeProvider } from "./watttime.ts";
 * const wt = new WattTimeProvider({});
 * assert.equal(await wt.intensityForSpan("CAISO_NORTH", 0, 3_600_000), null);
 * assert.equal(wt.lastError?.kind, "not_configured");
 * ```
 */
export class WattTimeProvider extends LiveProvider {
  /** Provider name. */
  readonly name = "watttime";
  /** Five-minute points. */
  protected readonly periodMs = 300_000;
  /** The API allows 32 days per request; 30 as in WattTime's own client. */
  protected readonly maxPagesPerRequest = 30;
  readonly #baseUrl: string;
  readonly #session: WattTimeSession | undefined;
  readonly #signal: "co2_moer" | "co2_aoer";
  readonly #regionMap: Readonly<Record<string, string>>;
  readonly #located: TtlLruCache<string>;

  /**
   * Creates the provider (no network traffic until the first query).
   *
   * @param options Credentials, base URL, signal and the shared {@link LiveProviderOptions}.
   */
  constructor(options: WattTimeOptions = {}) {
    super(options);
    this.#baseUrl = checkBaseUrl(
      options.baseUrl ?? "https://api.watttime.org",
      "carbon.wattTimeUrl",
    );
    const username = options.username?.trim() ?? "";
    const password = options.password ?? "";
    this.#session = username !== "" && password !== ""
      ? new WattTimeSession(`${this.#baseUrl}/login`, { username, password, clock: this.clock })
      : undefined;
    this.#signal = options.signalType ?? "co2_moer";
    this.#regionMap = options.regionMap ?? {};
    this.#located = new TtlLruCache(this.clock, { maxEntries: 256, defaultTtlMs: 86_400_000 });
  }

  /** Not configured without both username and password. */
  protected configurationProblem(): string | undefined {
    return this.#session === undefined
      ? "no WattTime credentials: set carbon.wattTimeUsername and carbon.wattTimePassword " +
        "(or WATTTIME_USER and WATTTIME_PASSWORD)"
      : undefined;
  }

  /** A `regionMap` key, `watttime:<code>` or a WattTime region code (`CAISO_NORTH`). */
  protected ownsRegion(region: string): boolean {
    return this.#regionMap[region] !== undefined || /^watttime:.+$/i.test(region) ||
      WATTTIME_REGION_CODE.test(region);
  }

  /** Region from `regionMap`, `watttime:<code>`, a code-shaped id, or coordinates. */
  protected async resolveZone(
    region: string,
    location: RegionLocation | undefined,
    ctx: FetchContext,
  ): Promise<Outcome<ZoneRef>> {
    const trimmed = region.trim();
    const explicit = /^watttime:(.+)$/i.exec(trimmed)?.[1];
    const mapped = this.#regionMap[region] ??
      (location === undefined ? undefined : this.#regionMap[location.id]);
    let code = mapped ?? explicit ??
      (WATTTIME_REGION_CODE.test(trimmed) ? trimmed : undefined);
    if (
      code === undefined && location?.latitude !== undefined && location.longitude !== undefined
    ) {
      const found = await this.#regionFromLocation(location.latitude, location.longitude, ctx);
      if (!found.ok) return found;
      code = found.value;
    }
    if (code === undefined) {
      return fail(
        "unknown_region",
        `no WattTime region for "${region}": map it in carbon.wattTimeRegionMap ` +
          `("${region}=CAISO_NORTH"), or use a WattTime region code or "watttime:<code>"`,
      );
    }
    return succeed({ zone: code, cacheKey: `${this.#signal}|${code}` });
  }

  async #regionFromLocation(lat: number, lon: number, ctx: FetchContext): Promise<Outcome<string>> {
    const key = `${lat},${lon}|${this.#signal}`;
    const cached = this.#located.get(key);
    if (cached !== undefined) return succeed(cached);
    const params = new URLSearchParams({
      latitude: String(lat),
      longitude: String(lon),
      signal_type: this.#signal,
    });
    const got = await this.#authorizedGet(`${this.#baseUrl}/v3/region-from-loc?${params}`, ctx);
    if (!got.ok) return got;
    const json = parseJsonBody(got.value.body);
    const code = json.ok && isRecord(json.value) ? json.value.region : undefined;
    if (typeof code !== "string" || code === "") {
      return fail("malformed", `region-from-loc answered without a "region" string`);
    }
    this.#located.set(key, code);
    return succeed(code);
  }

  /** GET with the bearer token; on 401/403 with a cached token, logs in again once. */
  async #authorizedGet(url: string, ctx: FetchContext) {
    const get = (u: string, h: Record<string, string>) => this.httpGet(u, h, ctx);
    const session = this.#session;
    if (session === undefined) return fail("not_configured", "no WattTime credentials");
    const hadToken = session.hasToken;
    const token = await session.token(get);
    if (!token.ok) return token;
    const first = await get(url, { authorization: `Bearer ${token.value}` });
    if (first.ok || first.failure.kind !== "auth" || !hadToken) return first;
    session.invalidate();
    const fresh = await session.token(get);
    if (!fresh.ok) return fresh;
    return await get(url, { authorization: `Bearer ${fresh.value}` });
  }

  /** One `/v3/historical` request for a page-aligned range. */
  protected async fetchRange(
    zone: ZoneRef,
    startMs: number,
    endMs: number,
    ctx: FetchContext,
  ): Promise<Outcome<IntensityReading[]>> {
    const params = new URLSearchParams({
      region: zone.zone,
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      signal_type: this.#signal,
    });
    const url = `${this.#baseUrl}/v3/historical?${params}`;
    const got = await this.#authorizedGet(url, ctx);
    if (!got.ok) return got;
    const json = parseJsonBody(got.value.body);
    if (!json.ok) return fail(json.failure.kind, `${json.failure.message} (${url})`, { url });
    const parsed = this.#parse(json.value, zone.zone);
    if (!parsed.ok) return fail("malformed", `${parsed.failure.message} (${url})`, { url });
    return succeed(parsed.value.filter((r) => r.endMs > startMs && r.startMs < endMs));
  }

  #parse(body: unknown, region: string): Outcome<IntensityReading[]> {
    if (!isRecord(body) || !Array.isArray(body.data)) {
      return fail("malformed", `response has no "data" array`);
    }
    const meta = isRecord(body.meta) ? body.meta : {};
    if (typeof meta.region === "string" && meta.region !== region) {
      return fail("malformed", `response is for region ${meta.region}, not ${region}`);
    }
    if (meta.units !== undefined && meta.units !== "lbs_co2_per_mwh") {
      return fail("malformed", `unsupported units ${JSON.stringify(meta.units)}`);
    }
    const seconds = meta.data_point_period_seconds ?? 300;
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds <= 0) {
      return fail("malformed", `meta.data_point_period_seconds must be a positive integer`);
    }
    const model = isRecord(meta.model) && typeof meta.model.date === "string"
      ? meta.model.date
      : "unspecified";
    const marginal = this.#signal === "co2_moer";
    const out: IntensityReading[] = [];
    for (const [i, point] of body.data.entries()) {
      if (!isRecord(point)) return fail("malformed", `data[${i}] is not an object`);
      const startMs = parseIsoMs(point.point_time);
      if (startMs === undefined) {
        return fail("malformed", `data[${i}].point_time is not an ISO 8601 time with zone`);
      }
      const value = point.value;
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        return fail(
          "malformed",
          `data[${i}].value must be a number >= 0 (lb/MWh), got ${JSON.stringify(value)}`,
        );
      }
      out.push({
        startMs,
        endMs: startMs + seconds * 1000,
        intensityGPerKwh: value * LB_PER_MWH_TO_G_PER_KWH,
        source: this.name,
        dataset: `watttime_${this.#signal}`,
        datasetVersion: `API v3 historical ${this.#signal} model ${model}`,
        year: new Date(startMs).getUTCFullYear(),
        basis: marginal ? "marginal" : "direct",
        zone: region,
        uncertaintyPct: this.uncertaintyOverridePct ??
          (marginal ? WATTTIME_UNCERTAINTY.moerPct : WATTTIME_UNCERTAINTY.aoerPct),
        uncertaintyFloorGPerKwh: WATTTIME_UNCERTAINTY.floorGPerKwh,
        measured: point.imputed_data_used !== true,
        gases: "CO2",
        attribution: "WattTime (https://watttime.org)",
      });
    }
    return succeed(out);
  }
}
