import assert from "node:assert/strict";
import fc from "fast-check";
import { ElectricityMapsProvider } from "../../../lib/carbon/providers/electricity_maps.ts";
import { UkCarbonIntensityProvider } from "../../../lib/carbon/providers/uk_carbon_intensity.ts";
import { fakeApi, type FakeHandler, fastOptions, json, utc } from "../../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../../lib/base/clock.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const value = (ms: number) => 50 + (Math.floor(ms / HOUR) % 97);

/** A past-range / history server with hourly values that identify their hour. */
function hourly(nowMs: () => number, refusePastRange = false): FakeHandler {
  return (req) => {
    const zone = req.query.get("zone") ?? "";
    const item = (t: number) => ({
      zone,
      datetime: new Date(t).toISOString(),
      carbonIntensity: value(t),
    });
    if (req.path.endsWith("/history")) {
      const end = Math.floor(nowMs() / HOUR) * HOUR;
      return json({
        zone,
        history: Array.from({ length: 24 }, (_, i) => item(end - (24 - i) * HOUR)),
      });
    }
    if (refusePastRange) return json({ error: "plan does not include past-range" }, 403);
    const start = Date.parse(req.query.get("start") ?? ""),
      end = Date.parse(req.query.get("end") ?? "");
    const data = [];
    for (let t = start; t < end; t += HOUR) data.push(item(t));
    return json({ zone, data });
  };
}

Deno.test("LiveProvider returns exactly the span's hours, contiguous, for any span (property)", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(hourly(() => clock.nowMs()));
  const em = new ElectricityMapsProvider({ ...fastOptions(clock), token: "t", baseUrl: api.url });
  const base = utc(2025, 1, 1);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 300 * 24 * 60 }),
      fc.integer({ min: 1, max: 4 * 24 * 60 }),
      async (startMin, lenMin) => {
        const start = base + startMin * 60_000, end = start + lenMin * 60_000;
        const readings = await em.intensityForSpan("DE", start, end);
        assert.ok(readings !== null, em.lastError?.message);
        assert.deepEqual(readings[0].startMs, Math.floor(start / HOUR) * HOUR);
        assert.deepEqual(readings[readings.length - 1].endMs, Math.ceil(end / HOUR) * HOUR);
        for (let i = 0; i < readings.length; i++) {
          assert.deepEqual(readings[i].intensityGPerKwh, value(readings[i].startMs));
          if (i > 0) assert.deepEqual(readings[i].startMs, readings[i - 1].endMs);
        }
      },
    ),
    { numRuns: 40 },
  );
  for (const r of api.requests) {
    const s = Date.parse(r.query.get("start") ?? ""), e = Date.parse(r.query.get("end") ?? "");
    assert.deepEqual(s % DAY, 0);
    assert.deepEqual(e % DAY, 0);
    assert.ok(e - s <= 10 * DAY);
  }
});

Deno.test("LiveProvider fetches a day once when two queries for it run concurrently", async () => {
  const clock = new VirtualClock();
  const inner = hourly(() => clock.nowMs());
  await using api = fakeApi(async (req) => {
    await new Promise((r) => setTimeout(r, 20));
    return inner(req);
  });
  const em = new ElectricityMapsProvider({ ...fastOptions(clock), token: "t", baseUrl: api.url });
  const [a, b] = await Promise.all([
    em.intensityForSpan("DE", utc(2025, 5, 5, 1), utc(2025, 5, 5, 2)),
    em.intensityForSpan("DE", utc(2025, 5, 5, 3), utc(2025, 5, 5, 4)),
  ]);
  assert.deepEqual([a?.length, b?.length], [1, 1]);
  assert.deepEqual(api.requests.length, 1);
});

Deno.test("LiveProvider evicts the least recently used day when its cache is full", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(hourly(() => clock.nowMs()));
  const em = new ElectricityMapsProvider({
    ...fastOptions(clock),
    token: "t",
    baseUrl: api.url,
    cacheMaxEntries: 2,
  });
  for (const d of [1, 3, 5, 1]) {
    await em.intensityForSpan("DE", utc(2025, 5, d), utc(2025, 5, d, 1));
  }
  assert.deepEqual(api.requests.length, 4); // day 1 was evicted by day 5
  assert.deepEqual(em.stats().cache.evictions, 2);
});

Deno.test("LiveProvider returns no reading (aborted) when the caller aborts", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => "hang");
  const uk = new UkCarbonIntensityProvider({ ...fastOptions(clock), baseUrl: api.url });
  const ctrl = new AbortController();
  setTimeout(() => ctrl.abort(), 20);
  const out = await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1), {
    signal: ctrl.signal,
  });
  assert.deepEqual(out, null);
  assert.deepEqual(uk.lastError?.kind, "aborted");
});

Deno.test("LiveProvider still returns no reading when the diagnostics callback throws", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({}, 404));
  const uk = new UkCarbonIntensityProvider({
    ...fastOptions(clock),
    baseUrl: api.url,
    onDiagnostic: () => {
      throw new Error("logger broke");
    },
  });
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.status, 404);
  assert.deepEqual(uk.stats().failures, 1);
});

Deno.test("LiveProvider turns a throwing transport into no reading", async () => {
  const uk = new UkCarbonIntensityProvider({
    ...fastOptions(new VirtualClock()),
    maxAttempts: 1,
    fetch: () => {
      throw new TypeError("socket exploded");
    },
  });
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "network");
  assert.ok(uk.lastError?.message.includes("socket exploded"));
});

Deno.test("LiveProvider rejects empty, reversed, non-finite and over-long spans", async () => {
  const uk = new UkCarbonIntensityProvider({
    maxSpanDays: 3,
    fetch: () => Promise.reject(new Error("no")),
  });
  for (
    const [s, e] of [[10, 10], [10, 5], [NaN, 5], [0, Infinity], [utc(2025, 1, 1), utc(2025, 1, 5)]]
  ) {
    assert.deepEqual(await uk.intensityForSpan("GB", s, e), null);
    assert.deepEqual(uk.lastError?.kind, "invalid_span");
  }
});

Deno.test("ElectricityMapsProvider falls back to history when past-range is refused for a recent span", async () => {
  const clock = new VirtualClock({ wallMs: utc(2026, 1, 1, 6) });
  await using api = fakeApi(hourly(() => clock.nowMs(), true));
  const em = new ElectricityMapsProvider({
    ...fastOptions(clock),
    token: "free",
    baseUrl: api.url,
  });
  const recent = await em.intensityForSpan("FR", utc(2025, 12, 31, 20), utc(2025, 12, 31, 22));
  assert.deepEqual(recent?.map((r) => r.intensityGPerKwh), [
    value(utc(2025, 12, 31, 20)),
    value(utc(2025, 12, 31, 21)),
  ]);
  assert.deepEqual(api.requests.map((r) => r.path.split("/").pop()), ["past-range", "history"]);
  assert.deepEqual(await em.intensityForSpan("FR", utc(2025, 12, 1), utc(2025, 12, 1, 1)), null);
  assert.deepEqual(em.lastError?.kind, "auth");
});

Deno.test("LiveProvider sends nothing during the cool-down after a timeout, then tries again", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => "hang");
  const uk = new UkCarbonIntensityProvider({
    ...fastOptions(clock),
    baseUrl: api.url,
    timeoutMs: 30,
    maxAttempts: 1,
  });
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "timeout");
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 2), utc(2025, 1, 2, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "timeout");
  assert.ok(uk.lastError?.message.startsWith("not asked"), uk.lastError?.message);
  assert.deepEqual(api.requests.length, 1);
  await clock.advance(60_001);
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 3), utc(2025, 1, 3, 1)), null);
  assert.deepEqual(api.requests.length, 2);
});

Deno.test("LiveProvider still serves cached days while cooling down", async () => {
  const clock = new VirtualClock();
  const inner = hourly(() => clock.nowMs());
  await using api = fakeApi((req) =>
    req.query.get("start")?.startsWith("2025-05-02") ? json({ error: "down" }, 503) : inner(req)
  );
  const em = new ElectricityMapsProvider({ ...fastOptions(clock), token: "t", baseUrl: api.url });
  assert.deepEqual(
    (await em.intensityForSpan("DE", utc(2025, 5, 1), utc(2025, 5, 1, 2)))?.length,
    2,
  );
  assert.deepEqual(await em.intensityForSpan("DE", utc(2025, 5, 2), utc(2025, 5, 2, 2)), null);
  const requests = api.requests.length;
  assert.deepEqual(
    (await em.intensityForSpan("DE", utc(2025, 5, 1, 5), utc(2025, 5, 1, 6)))?.length,
    1,
  );
  assert.deepEqual(await em.intensityForSpan("DE", utc(2025, 5, 3), utc(2025, 5, 3, 1)), null);
  assert.deepEqual(api.requests.length, requests);
});

Deno.test("LiveProvider cools down for as long as a refused Retry-After asks", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({}, 429, { "retry-after": "600" }));
  const uk = new UkCarbonIntensityProvider({ ...fastOptions(clock), baseUrl: api.url });
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual([uk.lastError?.kind, uk.lastError?.retryAfterMs], ["rate_limited", 600_000]);
  await clock.advance(60_001);
  await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  assert.deepEqual(api.requests.length, 1);
  await clock.advance(540_000);
  await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1));
  assert.deepEqual(api.requests.length, 2);
});

Deno.test("LiveProvider gives up a whole query at queryTimeoutMs, retries included", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => "hang");
  const uk = new UkCarbonIntensityProvider({
    ...fastOptions(clock),
    baseUrl: api.url,
    timeoutMs: 10_000,
    queryTimeoutMs: 60,
  });
  const started = performance.now();
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "timeout");
  assert.ok(uk.lastError?.message.includes("60 ms in all"), uk.lastError?.message);
  assert.ok(performance.now() - started < 2000);
});

Deno.test("LiveProvider rejects an implausible intensity (a unit mix-up) as malformed", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi((req) =>
    json({
      zone: req.query.get("zone"),
      data: [{ datetime: "2025-01-01T00:00:00Z", carbonIntensity: 420_000 }],
    })
  );
  const em = new ElectricityMapsProvider({ ...fastOptions(clock), token: "t", baseUrl: api.url });
  assert.deepEqual(await em.intensityForSpan("PL", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(em.lastError?.kind, "malformed");
  assert.ok(em.lastError?.message.includes("implausible"), em.lastError?.message);
});
