import assert from "node:assert/strict";
import { assertAlmostEquals } from "../../_kit/assert.ts";
import {
  LB_PER_MWH_TO_G_PER_KWH,
  WATTTIME_UNCERTAINTY,
  type WattTimeOptions,
  WattTimeProvider,
} from "../../../lib/carbon/providers/watttime.ts";
import type { ProviderFailure } from "../../../lib/carbon/providers/failure.ts";
import { fakeApi, type FakeHandler, fastOptions, json, utc } from "../../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../../lib/base/clock.ts";

const USER = "carbon-ops", PASS = "p@ss wörd";
const MIN5 = 300_000;

/** Deterministic MOER in lb/MWh for a 5-minute point. */
function lbs(ms: number): number {
  const d = new Date(ms);
  return 700 + d.getUTCHours() * 10 + d.getUTCMinutes() / 5;
}

function basic(user: string, pass: string): string {
  const bytes = new TextEncoder().encode(`${user}:${pass}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

interface WtServer {
  tokens: Set<string>;
  logins: number;
}

/** The documented /login, /v3/historical and /v3/region-from-loc shapes. */
function wtHandler(
  state: WtServer,
  overrides: { meta?: Record<string, unknown> } = {},
): FakeHandler {
  return (req) => {
    if (req.path === "/login") {
      if (req.headers.get("authorization") !== basic(USER, PASS)) {
        return json({ error: "Unauthorized" }, 401);
      }
      const token = `tok-${++state.logins}`;
      state.tokens.add(token);
      return json({ token });
    }
    const bearer = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    if (!state.tokens.has(bearer)) return json({ error: "invalid token" }, 401);
    const signal = req.query.get("signal_type") ?? "co2_moer";
    if (req.path === "/v3/region-from-loc") {
      return json({
        region: "CAISO_NORTH",
        region_full_name: "California ISO Northern",
        signal_type: signal,
      });
    }
    if (req.path !== "/v3/historical") return json({ error: "not found" }, 404);
    const region = req.query.get("region") ?? "";
    const start = Date.parse(req.query.get("start") ?? "");
    const end = Date.parse(req.query.get("end") ?? "");
    if (!(end > start) || end - start > 32 * 86_400_000) return json({ error: "range" }, 400);
    const data = [];
    for (let t = start; t <= end; t += MIN5) {
      data.push({
        point_time: new Date(t).toISOString().replace(".000Z", "+00:00"),
        value: lbs(t),
      });
    }
    return json({
      data,
      meta: {
        data_point_period_seconds: 300,
        region,
        signal_type: signal,
        units: "lbs_co2_per_mwh",
        model: { date: "2024-10-01", type: "binned_regression" },
        warnings: [],
        ...overrides.meta,
      },
    });
  };
}

function provider(url: string, clock: VirtualClock, extra: Partial<WattTimeOptions> = {}) {
  return new WattTimeProvider({
    ...fastOptions(clock),
    username: USER,
    password: PASS,
    baseUrl: url,
    ...extra,
  });
}

Deno.test("WattTimeProvider logs in, then reads the span's 5-minute MOER converted to g/kWh", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const wt = provider(api.url, clock);
  const start = utc(2025, 8, 3, 14, 2), end = utc(2025, 8, 3, 14, 20);
  const readings = await wt.intensityForSpan("CAISO_NORTH", start, end);
  assert.ok(readings !== null, wt.lastError?.message);
  assert.deepEqual(
    readings.map((r) => r.startMs),
    [0, 5, 10, 15].map((m) => utc(2025, 8, 3, 14, m)),
  );
  for (const r of readings) {
    assertAlmostEquals(r.intensityGPerKwh, lbs(r.startMs) * 0.453592, 1e-9);
    assert.deepEqual(r.endMs - r.startMs, MIN5);
    assert.deepEqual([r.source, r.zone, r.basis, r.gases], [
      "watttime",
      "CAISO_NORTH",
      "marginal",
      "CO2",
    ]);
    assert.deepEqual(r.uncertaintyPct, WATTTIME_UNCERTAINTY.moerPct);
    assert.ok(r.datasetVersion.includes("2024-10-01"));
  }
  assert.deepEqual(api.requests.map((r) => r.path), ["/login", "/v3/historical"]);
  const q = api.requests[1].query;
  assert.deepEqual([q.get("region"), q.get("signal_type")], ["CAISO_NORTH", "co2_moer"]);
  assert.deepEqual([q.get("start"), q.get("end")], [
    "2025-08-03T00:00:00.000Z",
    "2025-08-04T00:00:00.000Z",
  ]);
  assert.deepEqual(api.requests[1].headers.get("authorization"), "Bearer tok-1");
});

Deno.test("LB_PER_MWH_TO_G_PER_KWH is 453.592 g per lb over 1000 kWh per MWh", () => {
  assertAlmostEquals(LB_PER_MWH_TO_G_PER_KWH, 453.592 / 1000, 1e-12);
});

Deno.test("WattTimeProvider reuses its token within 29 minutes and logs in again after", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const wt = provider(api.url, clock);
  await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 2), utc(2025, 1, 2, 1));
  assert.deepEqual(state.logins, 1);
  await clock.advance(30 * 60_000);
  await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 3), utc(2025, 1, 3, 1));
  assert.deepEqual(state.logins, 2);
});

Deno.test("WattTimeProvider logs in once more when the API rejects a cached token", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const wt = provider(api.url, clock);
  await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  state.tokens.clear(); // server-side revocation
  const readings = await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 2), utc(2025, 1, 2, 1));
  assert.deepEqual(readings?.length, 12);
  assert.deepEqual(state.logins, 2);
});

Deno.test("WattTimeProvider gives no reading (auth) and never reads data when login is refused", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const seen: ProviderFailure[] = [];
  const wt = provider(api.url, clock, {
    password: "wrong-secret",
    onDiagnostic: (f) => seen.push(f),
  });
  assert.deepEqual(
    await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
    null,
  );
  assert.deepEqual(wt.lastError?.kind, "auth");
  assert.ok(wt.lastError?.message.includes("carbon.wattTimeUsername"));
  assert.deepEqual(api.requests.map((r) => r.path), ["/login"]);
  assert.ok(!JSON.stringify(seen).includes("wrong-secret"));
});

Deno.test("WattTimeProvider finds the region from coordinates and caches the lookup", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const wt = provider(api.url, clock);
  const location = { id: "gcp:us-west1", latitude: 38.58, longitude: -121.49 };
  const a = await wt.intensityForSpan("gcp:us-west1", utc(2025, 1, 1), utc(2025, 1, 1, 1), {
    location,
  });
  const b = await wt.intensityForSpan("gcp:us-west1", utc(2025, 1, 5), utc(2025, 1, 5, 1), {
    location,
  });
  assert.deepEqual(a?.[0].zone, "CAISO_NORTH");
  assert.deepEqual(b?.[0].zone, "CAISO_NORTH");
  const lookups = api.requests.filter((r) => r.path === "/v3/region-from-loc");
  assert.deepEqual(lookups.length, 1);
  assert.deepEqual([lookups[0].query.get("latitude"), lookups[0].query.get("longitude")], [
    "38.58",
    "-121.49",
  ]);
});

Deno.test("WattTimeProvider gives no reading without any request for a region it cannot map", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const wt = provider(api.url, clock);
  assert.deepEqual(await wt.intensityForSpan("FR", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(wt.lastError?.kind, "unknown_region");
  assert.deepEqual(api.requests.length, 0);
});

Deno.test("WattTimeProvider is not configured when username or password is missing", async () => {
  const wt = new WattTimeProvider({ username: USER, password: null });
  assert.deepEqual(
    await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
    null,
  );
  assert.deepEqual(wt.lastError?.kind, "not_configured");
});

Deno.test("WattTimeProvider splits a 35-day span into requests of at most 30 days", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const wt = provider(api.url, clock);
  const readings = await wt.intensityForSpan("CAISO_NORTH", utc(2025, 3, 1), utc(2025, 4, 5));
  assert.deepEqual(readings?.length, 35 * 288);
  assert.deepEqual(api.requests.filter((r) => r.path === "/v3/historical").length, 2);
});

Deno.test("WattTimeProvider reads co2_aoer as an average (direct) signal when asked", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  await using api = fakeApi(wtHandler(state));
  const wt = provider(api.url, clock, { signalType: "co2_aoer" });
  const [r] = (await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 0, 5))) ??
    [];
  assert.deepEqual([r.basis, r.uncertaintyPct, r.dataset], [
    "direct",
    WATTTIME_UNCERTAINTY.aoerPct,
    "watttime_co2_aoer",
  ]);
  assert.deepEqual(api.requests[1].query.get("signal_type"), "co2_aoer");
});

Deno.test("WattTimeProvider honours Retry-After on 429 and gives up boundedly on 500", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  const inner = wtHandler(state);
  let data = 0;
  await using api = fakeApi((req) => {
    if (req.path === "/v3/historical" && data++ === 0) return json({}, 429, { "retry-after": "3" });
    if (req.path === "/v3/historical" && req.query.get("start")?.startsWith("2025-02")) {
      return json({}, 500);
    }
    return inner(req);
  });
  const wt = provider(api.url, clock);
  assert.deepEqual(
    (await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)))?.length,
    12,
  );
  assert.ok(clock.sleeps.includes(3000));
  assert.deepEqual(
    await wt.intensityForSpan("CAISO_NORTH", utc(2025, 2, 1), utc(2025, 2, 1, 1)),
    null,
  );
  assert.deepEqual([wt.lastError?.kind, wt.lastError?.attempts], ["http", 3]);
});

Deno.test("WattTimeProvider gives no reading when the data endpoint never answers", async () => {
  const clock = new VirtualClock();
  const state = { tokens: new Set<string>(), logins: 0 };
  const inner = wtHandler(state);
  await using api = fakeApi((req) => (req.path === "/login" ? inner(req) : "hang"));
  const wt = provider(api.url, clock, { timeoutMs: 40, maxAttempts: 2 });
  assert.deepEqual(
    await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
    null,
  );
  assert.deepEqual(wt.lastError?.kind, "timeout");
});

const BAD_META: [string, Record<string, unknown>][] = [
  ["units in kg", { units: "kg_co2_per_mwh" }],
  ["another region", { region: "PJM_DC" }],
  ["a zero period", { data_point_period_seconds: 0 }],
  ["a text period", { data_point_period_seconds: "300" }],
];

for (const [what, meta] of BAD_META) {
  Deno.test(`WattTimeProvider gives no reading (malformed) when meta has ${what}`, async () => {
    const clock = new VirtualClock();
    await using api = fakeApi(wtHandler({ tokens: new Set(), logins: 0 }, { meta }));
    const wt = provider(api.url, clock);
    assert.deepEqual(
      await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
      null,
    );
    assert.deepEqual(wt.lastError?.kind, "malformed");
  });
}

const BAD_BODY: [string, unknown][] = [
  ["a negative value", { data: [{ point_time: "2025-01-01T00:00:00Z", value: -1 }], meta: {} }],
  ["a text value", { data: [{ point_time: "2025-01-01T00:00:00Z", value: "800" }], meta: {} }],
  ["no point_time", { data: [{ value: 800 }], meta: {} }],
  ["no data array", { meta: {} }],
];

for (const [what, body] of BAD_BODY) {
  Deno.test(`WattTimeProvider gives no reading (malformed) when the body has ${what}`, async () => {
    const clock = new VirtualClock();
    const inner = wtHandler({ tokens: new Set(), logins: 0 });
    await using api = fakeApi((req) => (req.path === "/login" ? inner(req) : json(body)));
    const wt = provider(api.url, clock);
    assert.deepEqual(
      await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
      null,
    );
    assert.deepEqual(wt.lastError?.kind, "malformed");
  });
}

Deno.test("WattTimeProvider gives no reading (malformed) when login answers without a token", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({ access: "granted" }));
  const wt = provider(api.url, clock);
  assert.deepEqual(
    await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
    null,
  );
  assert.deepEqual(wt.lastError?.kind, "malformed");
});

Deno.test("WattTimeProvider gives no reading (empty) for an empty range and flags imputed points", async () => {
  const clock = new VirtualClock();
  const inner = wtHandler({ tokens: new Set(), logins: 0 });
  await using api = fakeApi((req) => {
    if (req.path === "/login") return inner(req);
    if (req.query.get("start")?.startsWith("2025-01-01")) return json({ data: [], meta: {} });
    return json({
      data: [{ point_time: "2025-01-02T00:00:00Z", value: 800, imputed_data_used: true }],
      meta: {},
    });
  });
  const wt = provider(api.url, clock);
  assert.deepEqual(
    await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
    null,
  );
  assert.deepEqual(wt.lastError?.kind, "empty");
  const [r] = (await wt.intensityForSpan("CAISO_NORTH", utc(2025, 1, 2), utc(2025, 1, 2, 0, 5))) ??
    [];
  assert.deepEqual(r.measured, false);
});
