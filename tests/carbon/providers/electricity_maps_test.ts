import assert from "node:assert/strict";
import {
  ELECTRICITY_MAPS_UNCERTAINTY,
  type ElectricityMapsOptions,
  ElectricityMapsProvider,
} from "../../../lib/carbon/providers/electricity_maps.ts";
import type { ProviderFailure } from "../../../lib/carbon/providers/failure.ts";
import { fakeApi, type FakeHandler, fastOptions, json, utc } from "../../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../../lib/base/clock.ts";

const TOKEN = "em-test-token";
const HOUR = 3_600_000;

/** Deterministic "true" intensity of an hour, so tests can check the span's own hours came back. */
function truth(ms: number): number {
  const d = new Date(ms);
  return 100 + d.getUTCHours() * 3 + d.getUTCDate();
}

function item(zone: string, ms: number, extra: Record<string, unknown> = {}) {
  return {
    zone,
    carbonIntensity: truth(ms),
    datetime: new Date(ms).toISOString(),
    updatedAt: "2025-07-01T00:00:00.000Z",
    createdAt: "2025-06-01T00:00:00.000Z",
    emissionFactorType: "lifecycle",
    isEstimated: false,
    estimationMethod: null,
    temporalGranularity: "hourly",
    ...extra,
  };
}

/** The documented past-range / history shapes, with auth and the 10-day range limit. */
function emHandler(nowMs: () => number): FakeHandler {
  return (req) => {
    if (req.headers.get("auth-token") !== TOKEN) return json({ error: "Unauthorized" }, 401);
    const zone = req.query.get("zone") ?? "";
    if (req.path === "/v3/carbon-intensity/history") {
      const end = Math.floor(nowMs() / HOUR) * HOUR;
      const history = [];
      for (let t = end - 24 * HOUR; t < end; t += HOUR) history.push(item(zone, t));
      return json({ zone, history, temporalGranularity: "hourly" });
    }
    if (req.path !== "/v3/carbon-intensity/past-range") return json({ error: "Not found" }, 404);
    const start = Date.parse(req.query.get("start") ?? "");
    const end = Date.parse(req.query.get("end") ?? "");
    if (!(end > start) || end - start > 240 * HOUR) {
      return json({ error: "The time range is limited to 10 days" }, 400);
    }
    const data = [];
    for (let t = start; t <= end; t += HOUR) data.push(item(zone, t)); // end inclusive
    return json({ zone, data, temporalGranularity: "hourly" });
  };
}

function provider(
  url: string,
  clock: VirtualClock,
  extra: Partial<ElectricityMapsOptions> = {},
) {
  return new ElectricityMapsProvider({
    ...fastOptions(clock),
    token: TOKEN,
    baseUrl: url,
    ...extra,
  });
}

Deno.test("ElectricityMapsProvider reads the span's own hours from past-range, not latest", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = provider(api.url, clock);
  const start = utc(2025, 6, 10, 10, 30), end = utc(2025, 6, 10, 13);
  const readings = await em.intensityForSpan("FR", start, end);
  assert.ok(readings !== null, em.lastError?.message);
  assert.deepEqual(readings.map((r) => r.startMs), [
    utc(2025, 6, 10, 10),
    utc(2025, 6, 10, 11),
    utc(2025, 6, 10, 12),
  ]);
  for (const r of readings) {
    assert.deepEqual(r.intensityGPerKwh, truth(r.startMs));
    assert.deepEqual(r.endMs - r.startMs, HOUR);
    assert.deepEqual([r.source, r.dataset, r.zone, r.basis, r.year], [
      "electricitymaps",
      "electricity_maps",
      "FR",
      "lifecycle",
      2025,
    ]);
    assert.deepEqual(r.uncertaintyPct, ELECTRICITY_MAPS_UNCERTAINTY.measuredPct);
    assert.ok(r.measured);
  }
  assert.deepEqual(api.requests.length, 1);
  const q = api.requests[0];
  assert.deepEqual(q.path, "/v3/carbon-intensity/past-range");
  assert.deepEqual(q.query.get("zone"), "FR");
  assert.deepEqual(q.query.get("start"), "2025-06-10T00:00:00Z");
  assert.deepEqual(q.query.get("end"), "2025-06-11T00:00:00Z");
  assert.deepEqual(q.headers.get("auth-token"), TOKEN);
});

Deno.test("ElectricityMapsProvider answers a second span of the same day from the cache", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = provider(api.url, clock);
  await em.intensityForSpan("DE", utc(2025, 3, 1, 1), utc(2025, 3, 1, 2));
  const second = await em.intensityForSpan("DE", utc(2025, 3, 1, 20), utc(2025, 3, 1, 22));
  assert.deepEqual(second?.map((r) => r.intensityGPerKwh), [
    truth(utc(2025, 3, 1, 20)),
    truth(utc(2025, 3, 1, 21)),
  ]);
  assert.deepEqual(api.requests.length, 1);
  const s = em.stats();
  assert.deepEqual([s.queries, s.requests, s.cache.hits, s.cache.misses], [2, 1, 1, 1]);
});

Deno.test("ElectricityMapsProvider fetches again after the cache TTL passes", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = provider(api.url, clock, { cacheTtlMs: 60_000 });
  await em.intensityForSpan("DE", utc(2025, 3, 1, 1), utc(2025, 3, 1, 2));
  await clock.advance(60_001);
  await em.intensityForSpan("DE", utc(2025, 3, 1, 1), utc(2025, 3, 1, 2));
  assert.deepEqual(api.requests.length, 2);
  assert.deepEqual(em.stats().cache.expirations, 1);
});

Deno.test("ElectricityMapsProvider splits a 12-day span into requests of at most 10 days", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = provider(api.url, clock);
  const readings = await em.intensityForSpan("DE", utc(2025, 5, 1), utc(2025, 5, 13));
  assert.deepEqual(readings?.length, 12 * 24);
  assert.deepEqual(api.requests.length, 2);
  for (let i = 1; i < (readings?.length ?? 0); i++) {
    assert.deepEqual(readings![i].startMs, readings![i - 1].endMs); // no overlap, no duplicate
  }
});

Deno.test("ElectricityMapsProvider uses the history endpoint for a span within the last day", async () => {
  const clock = new VirtualClock({ wallMs: utc(2026, 1, 1, 12) });
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = provider(api.url, clock);
  const readings = await em.intensityForSpan("FR", utc(2026, 1, 1, 8), utc(2026, 1, 1, 10));
  assert.deepEqual(readings?.map((r) => r.intensityGPerKwh), [
    truth(utc(2026, 1, 1, 8)),
    truth(utc(2026, 1, 1, 9)),
  ]);
  assert.deepEqual(api.requests[0].path, "/v3/carbon-intensity/history");
});

Deno.test("ElectricityMapsProvider returns no reading without a request when the span is in the future", async () => {
  const clock = new VirtualClock({ wallMs: utc(2026, 1, 1) });
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = provider(api.url, clock);
  assert.deepEqual(await em.intensityForSpan("FR", utc(2026, 2, 1), utc(2026, 2, 2)), null);
  assert.deepEqual(em.lastError?.kind, "empty");
  assert.deepEqual(api.requests.length, 0);
});

Deno.test("ElectricityMapsProvider gives no reading (auth, one request) when the token is refused", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const seen: ProviderFailure[] = [];
  const em = new ElectricityMapsProvider({
    ...fastOptions(clock),
    token: "wrong-token",
    baseUrl: api.url,
    onDiagnostic: (f) => seen.push(f),
  });
  assert.deepEqual(await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(em.lastError?.kind, "auth");
  assert.deepEqual(em.lastError?.status, 401);
  assert.deepEqual(api.requests.length, 1);
  assert.deepEqual(seen.map((f) => f.provider), ["electricitymaps"]);
  assert.ok(!JSON.stringify(seen).includes("wrong-token"));
});

Deno.test("ElectricityMapsProvider gives no reading after bounded retries on HTTP 500", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({ error: "internal" }, 500));
  const em = provider(api.url, clock);
  assert.deepEqual(await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(em.lastError?.kind, "http");
  assert.deepEqual(api.requests.length, 3);
  assert.deepEqual(clock.sleeps.length, 2);
});

Deno.test("ElectricityMapsProvider gives no reading when the server never answers", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => "hang");
  const em = provider(api.url, clock, { timeoutMs: 40, maxAttempts: 2 });
  assert.deepEqual(await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(em.lastError?.kind, "timeout");
  assert.deepEqual(api.requests.length, 2);
});

Deno.test("ElectricityMapsProvider honours Retry-After on 429 and then reads the span", async () => {
  const clock = new VirtualClock();
  const inner = emHandler(() => clock.nowMs());
  let n = 0;
  await using api = fakeApi((req) =>
    n++ === 0 ? json({ error: "Too many requests" }, 429, { "retry-after": "2" }) : inner(req)
  );
  const em = provider(api.url, clock);
  const readings = await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  assert.deepEqual(readings?.length, 1);
  assert.ok(clock.sleeps.includes(2000));
});

const MALFORMED: [string, () => Response][] = [
  ["bad JSON", () => new Response("{not json", { status: 200 })],
  ["no data array", () => json({ zone: "FR" })],
  ["data not an array", () => json({ zone: "FR", data: { a: 1 } })],
  [
    "string intensity",
    () => json({ zone: "FR", data: [item("FR", utc(2025, 1, 1), { carbonIntensity: "120" })] }),
  ],
  [
    "negative intensity",
    () => json({ zone: "FR", data: [item("FR", utc(2025, 1, 1), { carbonIntensity: -5 })] }),
  ],
  [
    "missing datetime",
    () => json({ zone: "FR", data: [item("FR", utc(2025, 1, 1), { datetime: undefined })] }),
  ],
  [
    "zoneless datetime",
    () =>
      json({
        zone: "FR",
        data: [item("FR", utc(2025, 1, 1), { datetime: "2025-01-01T00:00:00" })],
      }),
  ],
  ["other zone", () => json({ zone: "DE", data: [item("DE", utc(2025, 1, 1))] })],
  [
    "unknown granularity",
    () =>
      json({
        zone: "FR",
        data: [item("FR", utc(2025, 1, 1), { temporalGranularity: "fortnightly" })],
      }),
  ],
];

for (const [what, answer] of MALFORMED) {
  Deno.test(`ElectricityMapsProvider gives no reading (malformed) when the body has ${what}`, async () => {
    const clock = new VirtualClock();
    await using api = fakeApi(answer);
    const em = provider(api.url, clock);
    assert.deepEqual(await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
    assert.deepEqual(em.lastError?.kind, "malformed");
    assert.deepEqual(api.requests.length, 1);
  });
}

Deno.test("ElectricityMapsProvider treats a null intensity as a gap and keeps the other hours", async () => {
  const clock = new VirtualClock();
  const t = utc(2025, 1, 1);
  await using api = fakeApi(() =>
    json({
      zone: "FR",
      data: [
        item("FR", t),
        item("FR", t + HOUR, { carbonIntensity: null }),
        item("FR", t + 2 * HOUR),
      ],
    })
  );
  const readings = await provider(api.url, clock).intensityForSpan("FR", t, t + 3 * HOUR);
  assert.deepEqual(readings?.map((r) => r.startMs), [t, t + 2 * HOUR]);
});

Deno.test("ElectricityMapsProvider gives no reading (empty) when the range has no data", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({ zone: "FR", data: [] }));
  const em = provider(api.url, clock);
  assert.deepEqual(await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(em.lastError?.kind, "empty");
});

Deno.test("ElectricityMapsProvider marks estimated hours and widens their uncertainty", async () => {
  const clock = new VirtualClock();
  const t = utc(2025, 1, 1);
  await using api = fakeApi(() =>
    json({
      zone: "FR",
      data: [item("FR", t, { isEstimated: true, estimationMethod: "TIME_SLICER_AVERAGE" })],
    })
  );
  const [r] = (await provider(api.url, clock).intensityForSpan("FR", t, t + HOUR)) ?? [];
  assert.deepEqual(r.measured, false);
  assert.deepEqual(r.uncertaintyPct, ELECTRICITY_MAPS_UNCERTAINTY.estimatedPct);
  assert.ok(r.datasetVersion.includes("TIME_SLICER_AVERAGE"));
});

Deno.test("ElectricityMapsProvider makes no request when no token is configured", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = new ElectricityMapsProvider({ ...fastOptions(clock), token: "  ", baseUrl: api.url });
  assert.deepEqual(await em.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(em.lastError?.kind, "not_configured");
  assert.ok(em.lastError?.message.includes("CARBON_OPS_CARBON_ELECTRICITY_MAPS_TOKEN"));
  assert.deepEqual(api.requests.length, 0);
});

Deno.test("ElectricityMapsProvider maps a cloud region through its location's zone", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(emHandler(() => clock.nowMs()));
  const em = provider(api.url, clock);
  const span = [utc(2025, 1, 1), utc(2025, 1, 1, 1)] as const;
  assert.deepEqual(await em.intensityForSpan("aws:eu-west-3", ...span), null);
  assert.deepEqual(em.lastError?.kind, "unknown_region");
  const located = await em.intensityForSpan("aws:eu-west-3", ...span, {
    location: { id: "aws:eu-west-3", electricityMapsZone: "FR" },
  });
  assert.deepEqual(located?.[0].zone, "FR");
  assert.deepEqual(api.requests.map((r) => r.query.get("zone")), ["FR"]);
});

Deno.test("ElectricityMapsProvider rejects a plain-http base URL to a remote host", () => {
  let message = "";
  try {
    new ElectricityMapsProvider({ token: TOKEN, baseUrl: "http://api.example.com" });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.ok(message.includes("https"), message);
});
