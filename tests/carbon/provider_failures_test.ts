// Issue 17 items 3 and 4: a provider that fails (HTTP 500 after retries, timeout, malformed JSON,
// 401, 429, connection refused) is `provider_error:<name>` with a readable reason, distinct from
// `provider_no_reading:<name>` (region not covered, no data); and the embedded figure's flags are
// not attached to an estimate priced with live readings.

import assert from "node:assert/strict";
import { type Answer, fakeApi, fastOptions, json, utc } from "../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import {
  CarbonEstimator,
  ProviderChain,
  RegionCatalog,
  StaticProvider,
} from "../../lib/carbon/mod.ts";
import type { IntensityProvider } from "../../lib/carbon/provider.ts";
import { ElectricityMapsProvider } from "../../lib/carbon/providers/electricity_maps.ts";
import { UkCarbonIntensityProvider } from "../../lib/carbon/providers/uk_carbon_intensity.ts";

const HOUR = 3_600_000;
const T0 = utc(2025, 3, 1, 10);
const span = { startTs: T0, endTs: T0 + 2 * HOUR, energyWh: 1000 };
const clockAfter = () => new VirtualClock({ wallMs: T0 + 30 * 86_400_000 });

async function estimateWith(live: IntensityProvider, region: string) {
  const catalog = RegionCatalog.embedded();
  const est = new CarbonEstimator({
    catalog,
    region,
    provider: new ProviderChain([live, new StaticProvider(catalog)]),
    pue: 1,
  });
  return await est.estimateOverSpan(span);
}

function emProvider(url: string, extra: { timeoutMs?: number; maxAttempts?: number } = {}) {
  return new ElectricityMapsProvider({
    ...fastOptions(clockAfter()),
    ...extra,
    token: "tok",
    baseUrl: url,
  });
}

/** A loopback port with nothing listening on it. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const failures: [string, string, () => Answer][] = [
  ["HTTP 500 after the retries", "http", () => json({ error: "down" }, 500)],
  ["a malformed (not JSON) body", "malformed", () => new Response("{not json", { status: 200 })],
  ["401", "auth", () => json({ error: "Unauthorized" }, 401)],
  ["429 after the retries", "rate_limited", () => json({ error: "slow down" }, 429)],
  ["no answer within the timeout", "timeout", () => "hang"],
];

for (const [what, kind, answer] of failures) {
  Deno.test(`a provider that fails with ${what} is provider_error:<name> with the reason (${kind})`, async () => {
    await using api = fakeApi(answer);
    const em = emProvider(api.url, kind === "timeout" ? { timeoutMs: 50, maxAttempts: 1 } : {});
    const e = await estimateWith(em, "DE");
    assert.deepEqual(e.source, "static");
    assert.ok(e.flags.includes("provider_error:electricitymaps"), e.flags.join(" | "));
    assert.ok(!e.flags.includes("provider_no_reading:electricitymaps"), e.flags.join(" | "));
    const reason = e.flags.find((f) => f.startsWith("electricitymaps failed"));
    assert.ok(reason?.startsWith(`electricitymaps failed (${kind}): `), e.flags.join(" | "));
    // The reason reaches the signed record's assumptions.
    const body = e.toLedgerBody({ reportingEntity: "E" }) as { assumptions: string[] };
    assert.ok(body.assumptions.includes(reason as string), body.assumptions.join(" | "));
  });
}

Deno.test("a refused connection is provider_error:<name> (network)", async () => {
  const em = emProvider(`http://127.0.0.1:${closedPort()}`, { maxAttempts: 1 });
  const e = await estimateWith(em, "DE");
  assert.ok(e.flags.includes("provider_error:electricitymaps"), e.flags.join(" | "));
  assert.ok(
    e.flags.some((f) => f.startsWith("electricitymaps failed (network): ")),
    e.flags.join(" | "),
  );
});

Deno.test("a region the provider does not cover, or a span without data, is provider_no_reading:<name>", async () => {
  const uk = new UkCarbonIntensityProvider({
    ...fastOptions(clockAfter()),
    fetch: () => Promise.reject(new Error("must not be asked")),
  });
  const fr = await estimateWith(uk, "FR");
  assert.ok(fr.flags.includes("provider_no_reading:ukcarbonintensity"), fr.flags.join(" | "));
  assert.ok(!fr.flags.includes("provider_error:ukcarbonintensity"), fr.flags.join(" | "));
  assert.ok(
    fr.flags.some((f) => f.startsWith("ukcarbonintensity had no reading (unknown_region): ")),
    fr.flags.join(" | "),
  );
  await using api = fakeApi((req) => json({ zone: req.query.get("zone"), data: [] }));
  const empty = await estimateWith(emProvider(api.url), "DE");
  assert.ok(empty.flags.includes("provider_no_reading:electricitymaps"), empty.flags.join(" | "));
  assert.ok(
    empty.flags.some((f) => f.startsWith("electricitymaps had no reading (empty): ")),
    empty.flags.join(" | "),
  );
});

Deno.test("the embedded figure's flags are not attached to an estimate from live readings", async () => {
  await using api = fakeApi((req) => {
    const m = /^\/intensity\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (!m) return json({ error: "bad path" }, 400);
    const data = [];
    for (let t = Date.parse(m[1]); t < Date.parse(m[2]); t += HOUR / 2) {
      const at = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";
      data.push({ from: at(t), to: at(t + HOUR / 2), intensity: { forecast: 200, actual: 200 } });
    }
    return json({ data });
  });
  const uk = new UkCarbonIntensityProvider({ ...fastOptions(clockAfter()), baseUrl: api.url });
  const live = await estimateWith(uk, "GB");
  assert.deepEqual(live.source, "ukcarbonintensity");
  assert.ok(
    !live.flags.includes("electricity_maps_GB_zone_is_Great_Britain_only"),
    live.flags.join(),
  );
  // The same region priced with the embedded figure keeps the figure's flag.
  const down = new UkCarbonIntensityProvider({
    ...fastOptions(clockAfter()),
    fetch: () => Promise.resolve(new Response("down", { status: 500 })),
  });
  const fallback = await estimateWith(down, "GB");
  assert.deepEqual(fallback.source, "static");
  assert.ok(
    fallback.flags.includes("electricity_maps_GB_zone_is_Great_Britain_only"),
    fallback.flags.join(),
  );

  await using em = fakeApi((req) =>
    json({
      zone: req.query.get("zone"),
      data: [0, 1, 2].map((h) => ({
        zone: req.query.get("zone"),
        carbonIntensity: 25,
        datetime: new Date(T0 + h * HOUR).toISOString(),
        isEstimated: false,
        temporalGranularity: "hourly",
      })),
    })
  );
  const stockholm = await estimateWith(emProvider(em.url), "aws:eu-north-1");
  assert.deepEqual(stockholm.source, "electricitymaps");
  assert.ok(!stockholm.flags.includes("subnational_zone_value"), stockholm.flags.join());
  assert.ok(!stockholm.flags.includes("low_carbon_grid_lt_100g"), stockholm.flags.join());
});
