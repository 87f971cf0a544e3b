import assert from "node:assert/strict";
import { assertAlmostEquals } from "../_kit/assert.ts";
import { fakeApi, fastOptions, json, type SeenRequest } from "../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import { UkCarbonIntensityProvider } from "../../lib/carbon/providers/uk_carbon_intensity.ts";
import { runCli } from "../_kit/run_cli.ts";
import {
  CarbonEstimator,
  ProviderChain,
  RegionCatalog,
  StaticProvider,
} from "../../lib/carbon/mod.ts";

const HALF = 1_800_000;
const T0 = Date.UTC(2025, 2, 1, 10, 0);
const minutes = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";
/** 100 g before 11:00, 300 g from 11:00 (the documented national shape, actual values). */
const value = (t: number) => (t < T0 + 2 * HALF ? 100 : 300);

function ukApi(status = 200) {
  return fakeApi((req: SeenRequest) => {
    if (status !== 200) return json({ error: { code: `${status}`, message: "down" } }, status);
    const m = /^\/intensity\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (!m) return json({ error: { code: "400 Bad Request", message: "bad path" } }, 400);
    const data = [];
    for (let t = Date.parse(m[1]); t < Date.parse(m[2]); t += HALF) {
      data.push({
        from: minutes(t),
        to: minutes(t + HALF),
        intensity: { forecast: value(t), actual: value(t), index: "low" },
      });
    }
    return json({ data });
  });
}

Deno.test("estimator over a live provider: buckets follow the API's half-hours, then static when it fails", async () => {
  const catalog = RegionCatalog.embedded();
  const clock = new VirtualClock({ wallMs: T0 + 86_400_000 });
  {
    await using api = ukApi();
    const uk = new UkCarbonIntensityProvider({ ...fastOptions(clock), baseUrl: api.url });
    const est = new CarbonEstimator({
      catalog,
      region: "GB",
      provider: new ProviderChain([uk, new StaticProvider(catalog)]),
      pue: 1,
      energySource: "governor",
    });
    // 10:15 .. 11:15 at constant power: 45 min at 100 g + 15 min at 300 g.
    const r = await est.estimateOverSpan({
      startTs: T0 + HALF / 2,
      endTs: T0 + 5 * HALF / 2,
      energyWh: 1000,
    });
    assertAlmostEquals(r.grams, 750 / 1000 * 100 + 250 / 1000 * 300, 1e-9);
    assert.deepEqual([r.source, r.basis, r.coverage], ["ukcarbonintensity", "direct", 1]);
    assert.ok(!r.flags.includes("annual_average_factor"));
    assert.deepEqual(r.toLedgerBody({ reportingEntity: "E" }).scope, 2);
    assert.ok(api.requests.length >= 1);
  }
  {
    await using api = ukApi(503);
    const uk = new UkCarbonIntensityProvider({ ...fastOptions(clock), baseUrl: api.url });
    const est = new CarbonEstimator({
      catalog,
      region: "GB",
      provider: new ProviderChain([uk, new StaticProvider(catalog)]),
    });
    const r = await est.estimateOverSpan({ startTs: T0, endTs: T0 + 4 * HALF, energyWh: 1000 });
    assert.deepEqual([r.source, r.dataset], ["static", "ember"]);
    // A 503 after the retries is a provider error, not "no reading", and the estimate says why.
    assert.ok(r.flags.includes("provider_error:ukcarbonintensity"), r.flags.join());
    assert.ok(!r.flags.includes("provider_no_reading:ukcarbonintensity"), r.flags.join());
    assert.ok(
      r.flags.some((f) => /^ukcarbonintensity failed \(http\): .*503/.test(f)),
      r.flags.join(),
    );
  }
});

Deno.test("carbon-ops estimate reads a span from the configured live provider, static behind it", async () => {
  await using api = ukApi();
  const env = {
    CARBON_OPS_CARBON_PROVIDERS: "ukcarbonintensity",
    CARBON_OPS_CARBON_UK_CARBON_INTENSITY_URL: api.url,
  };
  const args = [
    "estimate",
    "--energy-wh",
    "1000",
    "--start",
    new Date(T0).toISOString(),
    "--end",
    new Date(T0 + 4 * HALF).toISOString(),
    "--region",
    "GB",
    "--pue",
    "1",
    "--json",
  ];
  const r = await runCli(args, { env });
  assert.deepEqual(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.deepEqual([d.source, d.carbon_emissions_gco2], ["ukcarbonintensity", 200]);
  assert.ok(api.requests.length >= 1);
  // Outside Great Britain the UK provider has no reading and the embedded figure answers.
  const fr = await runCli([...args.slice(0, -5), "--region", "FR", "--pue", "1", "--json"], {
    env,
  });
  assert.deepEqual(fr.code, 0, fr.stderr);
  assert.deepEqual(JSON.parse(fr.stdout).source, "static");
});
