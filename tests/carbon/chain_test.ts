import assert from "node:assert/strict";
import { ProviderChain } from "../../lib/carbon/chain.ts";
import { StaticProvider } from "../../lib/carbon/static_provider.ts";
import { RegionCatalog } from "../../lib/carbon/catalog.ts";
import { CarbonEstimator } from "../../lib/carbon/estimator.ts";
import { createProviders } from "../../lib/carbon/providers/factory.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";
import { fakeApi, fastOptions, json, utc } from "../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../lib/base/clock.ts";

const c = CONFIG_SCHEMA.carbon;

function settings(urls: { em: string; uk: string }, providers: string[]) {
  return {
    providers,
    electricityMapsToken: "t",
    electricityMapsUrl: urls.em,
    wattTimeUsername: null,
    wattTimePassword: null,
    wattTimeUrl: c.wattTimeUrl.default,
    ukCarbonIntensityUrl: urls.uk,
    providerTimeoutMs: 1000,
  };
}

function ukPeriods(from: string, to: string) {
  const out = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 1_800_000) {
    const f = new Date(t).toISOString().slice(0, 16) + "Z";
    const e = new Date(t + 1_800_000).toISOString().slice(0, 16) + "Z";
    out.push({ from: f, to: e, intensity: { forecast: 210, actual: 200, index: "moderate" } });
  }
  return out;
}

Deno.test("a failing live provider falls through the chain to the next one with a reason kept", async () => {
  const clock = new VirtualClock();
  await using em = fakeApi(() => json({ error: "down" }, 500));
  await using uk = fakeApi((req) => {
    const [, , from, to] = req.path.split("/");
    return json({ data: ukPeriods(from, to) });
  });
  const catalog = RegionCatalog.embedded();
  const live = createProviders(
    settings({ em: em.url, uk: uk.url }, ["electricitymaps", "ukcarbonintensity", "static"]),
    { ...fastOptions(clock), others: { static: () => new StaticProvider(catalog) } },
  );
  const chain = new ProviderChain(live);
  const result = await chain.resolve("GB", utc(2025, 6, 1, 9), utc(2025, 6, 1, 10), {
    location: { id: "GB", countryCode: "GB", electricityMapsZone: "GB" },
  });
  assert.deepEqual(result.provider, "ukcarbonintensity");
  // An HTTP 500 after the retries is a provider error, with its kind and reason.
  assert.deepEqual(result.attempts.map((a) => a.outcome), ["error", "reading"]);
  assert.deepEqual([result.attempts[0].kind, result.attempts[0].status], ["http", 500]);
  assert.deepEqual(result.readings?.map((r) => r.intensityGPerKwh), [200, 200]);
  const emProvider = live[0] as { lastError?: { kind: string } };
  assert.deepEqual(emProvider.lastError?.kind, "http");
});

Deno.test("the estimator prices a span with a live provider's readings for that span", async () => {
  const clock = new VirtualClock();
  await using uk = fakeApi((req) => {
    const [, , from, to] = req.path.split("/");
    return json({ data: ukPeriods(from, to) });
  });
  const catalog = RegionCatalog.embedded();
  const [ukProvider] = createProviders(
    settings({ em: "https://api.electricitymap.org", uk: uk.url }, ["ukcarbonintensity"]),
    fastOptions(clock),
  );
  const estimator = new CarbonEstimator({
    region: "GB",
    catalog,
    provider: new ProviderChain([ukProvider, new StaticProvider(catalog)]),
  });
  const estimate = await estimator.estimateOverSpan({
    startTs: utc(2025, 6, 1, 9),
    endTs: utc(2025, 6, 1, 10),
    energyWh: 1000,
  });
  assert.deepEqual(estimate.source, "ukcarbonintensity");
  assert.deepEqual(estimate.intensityGPerKwh, 200);
  assert.ok(estimate.grams > 200 && estimate.grams < 300, String(estimate.grams)); // 1 kWh x 200 x PUE
  assert.deepEqual(uk.requests[0].path, "/intensity/2025-06-01T00:00Z/2025-06-02T00:00Z");
});

Deno.test("a live provider without credentials leaves the estimate to the static figures", async () => {
  const catalog = RegionCatalog.embedded();
  const [noToken] = createProviders({
    ...settings({ em: "https://api.electricitymap.org", uk: c.ukCarbonIntensityUrl.default }, [
      "electricitymaps",
    ]),
    electricityMapsToken: null,
  });
  const chain = new ProviderChain([noToken, new StaticProvider(catalog)]);
  const result = await chain.resolve("FR", utc(2025, 6, 1), utc(2025, 6, 1, 1));
  assert.deepEqual(result.provider, "static");
  assert.deepEqual((noToken as { lastError?: { kind: string } }).lastError?.kind, "not_configured");
});
