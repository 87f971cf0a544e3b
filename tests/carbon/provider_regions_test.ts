// Issue 17 item 2: a region that a configured provider serves (gb:london, gb:13, SE-SE3,
// electricitymaps:<zone>, CAISO_NORTH, watttime:<code>, as docs/carbon-providers.md documents) is
// usable in an estimate; the estimator asks the provider chain before failing with "unknown
// region" from the embedded catalog.

import assert from "node:assert/strict";
import { assertThrows } from "../_kit/assert.ts";
import { fakeApi, fastOptions, json, type SeenRequest, utc } from "../_kit/fake_provider_api.ts";
import { runCli } from "../_kit/run_cli.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import {
  CarbonEstimator,
  ProviderChain,
  RegionCatalog,
  StaticProvider,
  UnknownRegionError,
} from "../../lib/carbon/mod.ts";
import type { IntensityProvider } from "../../lib/carbon/provider.ts";
import { ElectricityMapsProvider } from "../../lib/carbon/providers/electricity_maps.ts";
import { UkCarbonIntensityProvider } from "../../lib/carbon/providers/uk_carbon_intensity.ts";
import { WattTimeProvider } from "../../lib/carbon/providers/watttime.ts";

const HOUR = 3_600_000;
const HALF = 1_800_000;
const T0 = utc(2025, 3, 1, 10);
const minutes = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";

/** The documented national and regional UK shapes: 150 g regional forecast, 200 g national. */
function ukApi() {
  return fakeApi((req: SeenRequest) => {
    const m = /^\/(regional\/)?intensity\/([^/]+)\/([^/]+)(?:\/regionid\/(\d+))?$/.exec(req.path);
    if (!m) return json({ error: { code: "400 Bad Request", message: "bad path" } }, 400);
    const data = [];
    for (let t = Date.parse(m[2]); t < Date.parse(m[3]); t += HALF) {
      data.push({
        from: minutes(t),
        to: minutes(t + HALF),
        intensity: m[1] ? { forecast: 150, index: "low" } : { forecast: 200, actual: 200 },
      });
    }
    if (!m[1]) return json({ data });
    return json({ data: { regionid: Number(m[4]), shortname: "London", data } });
  });
}

/** The documented Electricity Maps past-range shape: 30 g every hour, for any zone. */
function emApi() {
  return fakeApi((req: SeenRequest) => {
    if (req.headers.get("auth-token") !== "tok") return json({ error: "Unauthorized" }, 401);
    if (req.path !== "/v3/carbon-intensity/past-range") return json({ error: "Not found" }, 404);
    const zone = req.query.get("zone") ?? "";
    const data = [];
    const end = Date.parse(req.query.get("end") ?? "");
    for (let t = Date.parse(req.query.get("start") ?? ""); t <= end; t += HOUR) {
      data.push({
        zone,
        carbonIntensity: 30,
        datetime: new Date(t).toISOString(),
        isEstimated: false,
        estimationMethod: null,
        temporalGranularity: "hourly",
      });
    }
    return json({ zone, data, temporalGranularity: "hourly" });
  });
}

/** The documented WattTime /login and /v3/historical shapes: 1000 lb/MWh every 5 minutes. */
function wtApi() {
  return fakeApi((req: SeenRequest) => {
    if (req.path === "/login") return json({ token: "t1" });
    if (req.headers.get("authorization") !== "Bearer t1") return json({ error: "token" }, 401);
    if (req.path !== "/v3/historical") return json({ error: "not found" }, 404);
    const region = req.query.get("region") ?? "";
    const data = [];
    const end = Date.parse(req.query.get("end") ?? "");
    for (let t = Date.parse(req.query.get("start") ?? ""); t <= end; t += 300_000) {
      data.push({ point_time: new Date(t).toISOString(), value: 1000 });
    }
    return json({
      data,
      meta: {
        data_point_period_seconds: 300,
        region,
        signal_type: "co2_moer",
        units: "lbs_co2_per_mwh",
        model: { date: "2024-10-01" },
      },
    });
  });
}

function estimator(live: IntensityProvider, region: string): CarbonEstimator {
  const catalog = RegionCatalog.embedded();
  return new CarbonEstimator({
    catalog,
    region,
    provider: new ProviderChain([live, new StaticProvider(catalog)]),
    pue: 1,
  });
}

const span = { startTs: T0, endTs: T0 + 2 * HOUR, energyWh: 1000 };

Deno.test("gb:london and gb:13 are estimated from the UK regional endpoint when the UK provider is configured", async () => {
  await using api = ukApi();
  const clock = new VirtualClock({ wallMs: T0 + 86_400_000 });
  const uk = new UkCarbonIntensityProvider({ ...fastOptions(clock), baseUrl: api.url });
  for (const region of ["gb:london", "gb:13"]) {
    const e = await estimator(uk, region).estimateOverSpan(span);
    assert.deepEqual([e.source, e.grams, e.region, e.requestedRegion], [
      "ukcarbonintensity",
      150,
      region,
      region,
    ]);
    assert.deepEqual(e.coverage, 1);
  }
  assert.ok(api.requests.every((r) => r.path.endsWith("/regionid/13")), api.requests[0].path);
});

Deno.test("SE-SE3, electricitymaps:<zone> and a bidding zone without a figure (SE4) use Electricity Maps", async () => {
  await using api = emApi();
  const clock = new VirtualClock({ wallMs: T0 + 30 * 86_400_000 });
  const em = new ElectricityMapsProvider({ ...fastOptions(clock), token: "tok", baseUrl: api.url });
  const zones: string[] = [];
  for (const region of ["SE-SE3", "electricitymaps:SE-SE4", "SE4", "NO-NO5"]) {
    const e = await estimator(em, region).estimateOverSpan(span);
    assert.deepEqual([e.source, e.grams], ["electricitymaps", 30], region);
    zones.push(api.requests.at(-1)?.query.get("zone") ?? "");
  }
  assert.deepEqual(zones, ["SE-SE3", "SE-SE4", "SE-SE4", "NO-NO5"]);
});

Deno.test("CAISO_NORTH and watttime:<code> are estimated from WattTime when it is configured", async () => {
  await using api = wtApi();
  const clock = new VirtualClock({ wallMs: T0 + 30 * 86_400_000 });
  const wt = new WattTimeProvider({
    ...fastOptions(clock),
    username: "u",
    password: "p",
    baseUrl: api.url,
  });
  for (const region of ["CAISO_NORTH", "watttime:PJM_DC"]) {
    const e = await estimator(wt, region).estimateOverSpan(span);
    assert.deepEqual(e.source, "watttime", region);
    assert.ok(Math.abs(e.grams - 453.592) < 1e-6, `${region}: ${e.grams}`);
  }
  const regions = api.requests.filter((r) => r.path === "/v3/historical")
    .map((r) => r.query.get("region"));
  assert.deepEqual([...new Set(regions)], ["CAISO_NORTH", "PJM_DC"]);
});

Deno.test("a provider region without that provider configured is an error naming the provider", () => {
  const catalog = RegionCatalog.embedded();
  const cases: [string, RegExp][] = [
    ["gb:london", /ukcarbonintensity provider/],
    ["CAISO_NORTH", /watttime provider/],
    ["electricitymaps:SE-SE4", /electricitymaps provider/],
    ["SE4", /electricitymaps provider serves it as zone SE-SE4/],
  ];
  for (const [region, why] of cases) {
    const e = assertThrows(
      () => new CarbonEstimator({ catalog, region }),
      UnknownRegionError,
    ) as UnknownRegionError;
    assert.match(e.message, why, region);
  }
});

Deno.test("a provider-only region without a span says to estimate over a span", () => {
  const uk = new UkCarbonIntensityProvider({ fetch: () => Promise.reject(new Error("no I/O")) });
  const e = assertThrows(
    () => estimator(uk, "gb:london").estimateFromEnergy(1000),
    UnknownRegionError,
  ) as UnknownRegionError;
  assert.match(e.message, /ukcarbonintensity provider serves it live: estimate over a span/);
});

Deno.test("carbon-ops estimate --region gb:london works with the UK provider configured", async () => {
  await using api = ukApi();
  const args = [
    "estimate",
    "--energy-wh",
    "1000",
    "--start",
    new Date(T0).toISOString(),
    "--end",
    new Date(T0 + 2 * HOUR).toISOString(),
    "--region",
    "gb:london",
    "--pue",
    "1",
    "--json",
  ];
  const env = {
    CARBON_OPS_CARBON_PROVIDERS: "ukcarbonintensity",
    CARBON_OPS_CARBON_UK_CARBON_INTENSITY_URL: api.url,
  };
  const r = await runCli(args, { env });
  assert.deepEqual(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.deepEqual([d.source, d.carbon_emissions_gco2], ["ukcarbonintensity", 150]);
  // Without the provider, the usage error names the provider that serves the region.
  const bare = await runCli(args, { env: {} });
  assert.deepEqual(bare.code, 2);
  assert.match(bare.stderr, /ukcarbonintensity/);
});
