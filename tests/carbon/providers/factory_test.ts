import assert from "node:assert/strict";
import {
  createLiveProvider,
  createProviders,
  parseRegionMap,
  type ProviderSettings,
} from "../../../lib/carbon/providers/factory.ts";
import {
  checkProviderName,
  LIVE_PROVIDER_NAMES,
} from "../../../lib/carbon/providers/provider_names.ts";
import { ElectricityMapsProvider } from "../../../lib/carbon/providers/electricity_maps.ts";
import { WattTimeProvider } from "../../../lib/carbon/providers/watttime.ts";
import { TtlLruCache } from "../../../lib/carbon/providers/ttl_lru_cache.ts";
import type { IntensityProvider, IntensityReading } from "../../../lib/carbon/provider.ts";
import { ConfigError } from "../../../lib/base/errors.ts";
import { CONFIG_SCHEMA } from "../../../lib/config/schema.ts";
import { fakeApi, fastOptions, json, utc } from "../../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../../lib/base/clock.ts";

function settings(extra: Partial<ProviderSettings> = {}): ProviderSettings {
  const c = CONFIG_SCHEMA.carbon;
  return {
    providers: c.providers.default,
    electricityMapsToken: c.electricityMapsToken.default,
    electricityMapsUrl: c.electricityMapsUrl.default,
    wattTimeUsername: c.wattTimeUsername.default,
    wattTimePassword: c.wattTimePassword.default,
    wattTimeUrl: c.wattTimeUrl.default,
    ukCarbonIntensityUrl: c.ukCarbonIntensityUrl.default,
    providerTimeoutMs: c.providerTimeoutMs.default,
    ...extra,
  };
}

const staticStub: IntensityProvider = {
  name: "static",
  intensityForSpan: () => Promise.resolve(null),
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("createProviders builds the configured providers in order, static from the caller", () => {
  const providers = createProviders(
    settings({ providers: ["electricitymaps", "watttime", "ukcarbonintensity", "static"] }),
    { others: { static: () => staticStub } },
  );
  assert.deepEqual(providers.map((p) => p.name), [...LIVE_PROVIDER_NAMES, "static"]);
});

Deno.test("createProviders rejects the Python package's misspelling with a did-you-mean", () => {
  const err = configError(() =>
    createProviders(settings({ providers: ["wattime"] }), { others: { static: () => staticStub } })
  );
  assert.deepEqual(err.key, "carbon.providers");
  assert.ok(err.message.includes("did you mean watttime?"), err.message);
});

Deno.test("checkProviderName suggests the right name for near misses and accepts any case", () => {
  assert.ok(
    configError(() => checkProviderName("electricity_maps", LIVE_PROVIDER_NAMES)).message
      .includes("did you mean electricitymaps?"),
  );
  assert.ok(
    configError(() => checkProviderName("ukcarbon", LIVE_PROVIDER_NAMES)).message
      .includes("ukcarbonintensity"),
  );
  assert.deepEqual(
    checkProviderName("UKCarbonIntensity", LIVE_PROVIDER_NAMES),
    "ukcarbonintensity",
  );
  const far = configError(() => checkProviderName("zzz", LIVE_PROVIDER_NAMES));
  assert.ok(
    far.message.includes("known: electricitymaps, watttime, ukcarbonintensity"),
    far.message,
  );
});

Deno.test("createProviders rejects a provider listed twice", () => {
  const err = configError(() => createProviders(settings({ providers: ["watttime", "WattTime"] })));
  assert.ok(err.message.includes("listed twice"), err.message);
});

Deno.test("createLiveProvider refuses a plain-http remote base URL as a ConfigError on its key", () => {
  const err = configError(() =>
    createLiveProvider("electricitymaps", settings({ electricityMapsUrl: "http://em.example" }))
  );
  assert.deepEqual(err.key, "carbon.electricityMapsUrl");
  assert.ok(err.message.includes("https"));
});

Deno.test("createLiveProvider passes the config token and timeout to Electricity Maps", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi((req) =>
    json({
      zone: "FR",
      data: [{
        datetime: "2025-01-01T00:00:00.000Z",
        carbonIntensity: 42,
        token: req.headers.get("auth-token"),
      }],
    })
  );
  const em = createLiveProvider(
    "electricitymaps",
    settings({
      electricityMapsToken: "cfg-token",
      electricityMapsUrl: api.url,
      providerTimeoutMs: 1000,
    }),
    { ...fastOptions(clock), timeoutMs: undefined },
  );
  assert.ok(em instanceof ElectricityMapsProvider);
  const readings = await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  assert.deepEqual(readings?.[0].intensityGPerKwh, 42);
  assert.deepEqual(api.requests[0].headers.get("auth-token"), "cfg-token");
});

Deno.test("createLiveProvider applies carbon.providerTimeoutMs to each request", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => "hang");
  const uk = createLiveProvider(
    "ukcarbonintensity",
    settings({ ukCarbonIntensityUrl: api.url, providerTimeoutMs: 100 }),
    { ...fastOptions(clock), timeoutMs: undefined, maxAttempts: 1 },
  );
  const started = performance.now();
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "timeout");
  assert.ok(uk.lastError?.message.includes("100 ms"), uk.lastError?.message);
  assert.ok(performance.now() - started < 1500);
});

Deno.test("createLiveProvider takes WATTTIME_USER/WATTTIME_PASSWORD only when config has neither", async () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  await using api = fakeApi((req) => {
    if (req.path === "/login") {
      seen.push(atob((req.headers.get("authorization") ?? "").replace("Basic ", "")));
      return json({}, 401);
    }
    return json({}, 404);
  });
  const env = (k: string) => ({ WATTTIME_USER: "env-user", WATTTIME_PASSWORD: "env-pass" })[k];
  const fromEnv = createLiveProvider("watttime", settings({ wattTimeUrl: api.url }), {
    ...fastOptions(clock),
    env,
  });
  const fromConfig = createLiveProvider(
    "watttime",
    settings({ wattTimeUrl: api.url, wattTimeUsername: "cfg-user", wattTimePassword: "cfg-pass" }),
    { ...fastOptions(clock), env },
  );
  assert.ok(fromEnv instanceof WattTimeProvider && fromConfig instanceof WattTimeProvider);
  await fromEnv.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  await fromConfig.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  assert.deepEqual(seen, ["env-user:env-pass", "cfg-user:cfg-pass"]);
  const none = createLiveProvider("watttime", settings(), { env: () => undefined });
  assert.deepEqual(await none.intensityForSpan("CAISO_NORTH", 0, 1000), null);
  assert.deepEqual(none.lastError?.kind, "not_configured");
});

Deno.test("createProviders can share one page cache between providers", async () => {
  const clock = new VirtualClock();
  const cache = new TtlLruCache<readonly IntensityReading[]>(clock, { maxEntries: 8 });
  await using api = fakeApi(() =>
    json({
      data: [{
        from: "2025-01-01T00:00Z",
        to: "2025-01-01T00:30Z",
        intensity: { forecast: 100, actual: 98 },
      }],
    })
  );
  const [uk] = createProviders(
    settings({ providers: ["ukcarbonintensity"], ukCarbonIntensityUrl: api.url }),
    { ...fastOptions(clock), cache },
  );
  await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 0, 30));
  assert.deepEqual(cache.stats().size, 1);
});

Deno.test("createLiveProvider passes carbon.wattTimeSignalType and electricityMapsEndpoint", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi((req) => {
    if (req.path === "/login") return json({ token: "tok" });
    if (req.path === "/v3/historical") return json({ data: [], meta: {} });
    return json({ zone: "FR", history: [] });
  });
  const wt = createLiveProvider(
    "watttime",
    settings({
      wattTimeUrl: api.url,
      wattTimeUsername: "u",
      wattTimePassword: "p",
      wattTimeSignalType: "co2_aoer",
    }),
    fastOptions(clock),
  );
  await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  assert.deepEqual(api.requests[1].query.get("signal_type"), "co2_aoer");
  const em = createLiveProvider(
    "electricitymaps",
    settings({
      electricityMapsUrl: api.url,
      electricityMapsToken: "t",
      electricityMapsEndpoint: "history",
    }),
    fastOptions(clock),
  );
  await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  assert.deepEqual(api.requests[2].path, "/v3/carbon-intensity/history");
});

Deno.test("parseRegionMap reads region=CODE pairs and names a bad entry", () => {
  assert.deepEqual(parseRegionMap([" aws:us-west-1 = CAISO_NORTH ", "gcp:us-east4=PJM_DC"]), {
    "aws:us-west-1": "CAISO_NORTH",
    "gcp:us-east4": "PJM_DC",
  });
  for (const bad of ["CAISO_NORTH", "=PJM_DC", "aws:us-west-1=", "a=b c"]) {
    const err = configError(() => parseRegionMap([bad]));
    assert.deepEqual(err.key, "carbon.wattTimeRegionMap");
    assert.ok(err.message.includes(bad), err.message);
  }
});

Deno.test("createLiveProvider maps a catalog region to WattTime through carbon.wattTimeRegionMap", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi((req) => {
    if (req.path === "/login") return json({ token: "tok" });
    return json({
      data: [{ point_time: "2025-01-01T00:00:00Z", value: 1000 }],
      meta: { region: req.query.get("region") },
    });
  });
  const wt = createLiveProvider(
    "watttime",
    settings({
      wattTimeUrl: api.url,
      wattTimeUsername: "u",
      wattTimePassword: "p",
      wattTimeRegionMap: ["aws:us-west-1=CAISO_NORTH"],
    }),
    fastOptions(clock),
  );
  const readings = await wt.intensityForSpan(
    "aws:us-west-1",
    utc(2025, 1, 1),
    utc(2025, 1, 1, 0, 5),
  );
  assert.deepEqual(readings?.[0].zone, "CAISO_NORTH");
  assert.deepEqual(api.requests[1].query.get("region"), "CAISO_NORTH");
});
