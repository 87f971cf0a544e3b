import assert from "node:assert/strict";
import {
  UK_CARBON_INTENSITY_UNCERTAINTY,
  type UkCarbonIntensityOptions,
  UkCarbonIntensityProvider,
} from "../../../lib/carbon/providers/uk_carbon_intensity.ts";
import { ukAreaFor } from "../../../lib/carbon/providers/uk_regions.ts";
import { fakeApi, type FakeHandler, fastOptions, json, utc } from "../../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../../lib/base/clock.ts";

const HALF = 1_800_000;

function forecast(ms: number): number {
  const d = new Date(ms);
  return 150 + d.getUTCHours() * 2 + (d.getUTCMinutes() === 30 ? 1 : 0);
}

const minutes = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";

function periods(from: number, to: number, actualUntil: number, regional: boolean) {
  const out = [];
  for (let t = from; t < to; t += HALF) {
    const intensity = regional ? { forecast: forecast(t), index: "moderate" } : {
      forecast: forecast(t),
      actual: t + HALF <= actualUntil ? forecast(t) - 5 : null,
      index: "moderate",
    };
    out.push({
      from: minutes(t),
      to: minutes(t + HALF),
      intensity,
      ...(regional ? { generationmix: [{ fuel: "wind", perc: 40 }] } : {}),
    });
  }
  return out;
}

/** The documented /intensity/{from}/{to} and /regional/intensity/{from}/{to}/regionid/{id}. */
function ukHandler(nowMs: () => number, shape: "object" | "array" = "object"): FakeHandler {
  return (req) => {
    const m = /^\/(regional\/)?intensity\/([^/]+)\/([^/]+)(?:\/regionid\/(\d+))?$/.exec(req.path);
    if (!m) {
      return json({ error: { code: "400 Bad Request", message: "Please enter valid path" } }, 400);
    }
    const from = Date.parse(m[2]), to = Date.parse(m[3]);
    if (!(to > from) || to - from > 14 * 86_400_000) {
      return json({
        error: { code: "400 Bad Request", message: "Please enter a valid date range" },
      }, 400);
    }
    if (!m[1]) return json({ data: periods(from, to, nowMs(), false) });
    const region = {
      regionid: Number(m[4]),
      dnoregion: "UKPN London",
      shortname: "London",
      data: periods(from, to, nowMs(), true),
    };
    return json({ data: shape === "object" ? region : [region] });
  };
}

function provider(
  url: string,
  clock: VirtualClock,
  extra: Partial<UkCarbonIntensityOptions> = {},
) {
  return new UkCarbonIntensityProvider({ ...fastOptions(clock), baseUrl: url, ...extra });
}

Deno.test("UkCarbonIntensityProvider reads the span's half hours, preferring actual values", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(ukHandler(() => clock.nowMs()));
  const uk = provider(api.url, clock);
  const readings = await uk.intensityForSpan(
    "GB",
    utc(2025, 6, 10, 10, 15),
    utc(2025, 6, 10, 11, 15),
  );
  assert.ok(readings !== null, uk.lastError?.message);
  assert.deepEqual(readings.map((r) => r.startMs), [
    utc(2025, 6, 10, 10),
    utc(2025, 6, 10, 10, 30),
    utc(2025, 6, 10, 11),
  ]);
  for (const r of readings) {
    assert.deepEqual(r.intensityGPerKwh, forecast(r.startMs) - 5);
    assert.deepEqual(r.endMs - r.startMs, HALF);
    assert.ok(r.measured);
    assert.deepEqual([r.source, r.zone, r.basis, r.gases, r.licence], [
      "ukcarbonintensity",
      "GB",
      "direct",
      "CO2",
      "CC BY 4.0",
    ]);
    assert.deepEqual(r.uncertaintyPct, UK_CARBON_INTENSITY_UNCERTAINTY.actualPct);
  }
  assert.deepEqual(api.requests.map((r) => r.path), [
    "/intensity/2025-06-10T00:00Z/2025-06-11T00:00Z",
  ]);
});

Deno.test("UkCarbonIntensityProvider uses the forecast, marked unmeasured, where no actual exists", async () => {
  const clock = new VirtualClock({ wallMs: utc(2026, 1, 1, 12) });
  await using api = fakeApi(ukHandler(() => clock.nowMs()));
  const uk = provider(api.url, clock);
  const readings = await uk.intensityForSpan("GB", utc(2026, 1, 1, 11), utc(2026, 1, 1, 13));
  assert.deepEqual(readings?.map((r) => r.measured), [true, true, false, false]);
  const future = readings?.[3];
  assert.deepEqual(future?.intensityGPerKwh, forecast(utc(2026, 1, 1, 12, 30)));
  assert.deepEqual(future?.uncertaintyPct, UK_CARBON_INTENSITY_UNCERTAINTY.nationalForecastPct);
});

Deno.test("UkCarbonIntensityProvider reads a region by name from the regional endpoint", async () => {
  for (const shape of ["object", "array"] as const) {
    const clock = new VirtualClock();
    await using api = fakeApi(ukHandler(() => clock.nowMs(), shape));
    const uk = provider(api.url, clock);
    const readings = await uk.intensityForSpan(
      "gb:london",
      utc(2025, 6, 10, 10),
      utc(2025, 6, 10, 11),
    );
    assert.deepEqual(readings?.map((r) => r.intensityGPerKwh), [
      forecast(utc(2025, 6, 10, 10)),
      forecast(utc(2025, 6, 10, 10, 30)),
    ]);
    assert.deepEqual(readings?.[0].zone, "GB-13");
    assert.deepEqual(readings?.[0].measured, false);
    assert.deepEqual(
      readings?.[0].uncertaintyPct,
      UK_CARBON_INTENSITY_UNCERTAINTY.regionalForecastPct,
    );
    assert.deepEqual(
      api.requests[0].path,
      "/regional/intensity/2025-06-10T00:00Z/2025-06-11T00:00Z/regionid/13",
    );
  }
});

Deno.test("UkCarbonIntensityProvider splits a 20-day span into requests of at most 14 days", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(ukHandler(() => clock.nowMs()));
  const uk = provider(api.url, clock);
  const readings = await uk.intensityForSpan("GB", utc(2025, 2, 1), utc(2025, 2, 21));
  assert.deepEqual(readings?.length, 20 * 48);
  assert.deepEqual(api.requests.length, 2);
  const again = await uk.intensityForSpan("GB", utc(2025, 2, 3), utc(2025, 2, 4));
  assert.deepEqual(again?.length, 48);
  assert.deepEqual(api.requests.length, 2); // served from the cache
});

Deno.test("UkCarbonIntensityProvider maps only Great Britain regions", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(ukHandler(() => clock.nowMs()));
  const uk = provider(api.url, clock);
  const span = [utc(2025, 1, 1), utc(2025, 1, 1, 1)] as const;
  for (const region of ["FR", "GB-NIR", "gb:99", "gb:atlantis"]) {
    assert.deepEqual(await uk.intensityForSpan(region, ...span), null, region);
    assert.deepEqual(uk.lastError?.kind, "unknown_region");
  }
  assert.deepEqual(api.requests.length, 0);
  const located = await uk.intensityForSpan("aws:eu-west-2", ...span, {
    location: { id: "aws:eu-west-2", countryCode: "GB" },
  });
  assert.deepEqual(located?.[0].zone, "GB");
});

Deno.test("ukAreaFor accepts ids, names and national spellings", () => {
  assert.deepEqual(ukAreaFor("gb:13"), { kind: "regional", regionId: 13 });
  assert.deepEqual(ukAreaFor("GB:North Wales & Merseyside"), { kind: "regional", regionId: 6 });
  assert.deepEqual(ukAreaFor("gb:south-east-england"), { kind: "regional", regionId: 14 });
  assert.deepEqual(ukAreaFor("gb:national"), { kind: "national" });
  assert.deepEqual(ukAreaFor("gb"), { kind: "national" });
  assert.deepEqual(ukAreaFor("DE"), undefined);
});

Deno.test("UkCarbonIntensityProvider gives no reading after bounded retries on HTTP 500", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({ error: { message: "oops" } }, 500));
  const uk = provider(api.url, clock);
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual([uk.lastError?.kind, uk.lastError?.attempts, api.requests.length], [
    "http",
    3,
    3,
  ]);
  assert.ok(uk.lastError?.message.includes("oops"));
});

Deno.test("UkCarbonIntensityProvider waits out a 429 Retry-After and then reads", async () => {
  const clock = new VirtualClock();
  const inner = ukHandler(() => clock.nowMs());
  let n = 0;
  await using api = fakeApi((
    req,
  ) => (n++ < 2 ? json({}, 429, { "retry-after": "1" }) : inner(req)));
  const uk = provider(api.url, clock);
  assert.deepEqual(
    (await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)))?.length,
    2,
  );
  assert.deepEqual(clock.sleeps.filter((ms) => ms >= 1000).length, 2);
});

Deno.test("UkCarbonIntensityProvider gives no reading when the server never answers", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => "hang");
  const uk = provider(api.url, clock, { timeoutMs: 40, maxAttempts: 1 });
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "timeout");
});

const P = { from: "2025-01-01T00:00Z", to: "2025-01-01T00:30Z" };
const MALFORMED: [string, () => Response][] = [
  ["bad JSON", () => new Response("<html>", { status: 200 })],
  ["no data", () => json({ result: [] })],
  ["no intensity", () => json({ data: [{ ...P }] })],
  [
    "a negative forecast",
    () => json({ data: [{ ...P, intensity: { forecast: -3, actual: null } }] }),
  ],
  ["a text actual", () => json({ data: [{ ...P, intensity: { forecast: 100, actual: "99" } }] })],
  [
    "from after to",
    () => json({ data: [{ from: P.to, to: P.from, intensity: { forecast: 100 } }] }),
  ],
  ["no from", () => json({ data: [{ to: P.to, intensity: { forecast: 100 } }] })],
];

for (const [what, answer] of MALFORMED) {
  Deno.test(`UkCarbonIntensityProvider gives no reading (malformed) when the body has ${what}`, async () => {
    const clock = new VirtualClock();
    await using api = fakeApi(answer);
    const uk = provider(api.url, clock);
    assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
    assert.deepEqual(uk.lastError?.kind, "malformed");
  });
}

Deno.test("UkCarbonIntensityProvider gives no reading (malformed) for another region's data", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({ data: { regionid: 3, data: [] } }));
  const uk = provider(api.url, clock);
  assert.deepEqual(await uk.intensityForSpan("gb:13", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "malformed");
});

Deno.test("UkCarbonIntensityProvider gives no reading (empty) for an empty range", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() => json({ data: [] }));
  const uk = provider(api.url, clock);
  assert.deepEqual(await uk.intensityForSpan("GB", utc(2025, 1, 1), utc(2025, 1, 1, 1)), null);
  assert.deepEqual(uk.lastError?.kind, "empty");
});

Deno.test("UkCarbonIntensityProvider skips periods with neither actual nor forecast", async () => {
  const clock = new VirtualClock();
  await using api = fakeApi(() =>
    json({
      data: [{ ...P, intensity: { forecast: null, actual: null } }, {
        from: P.to,
        to: "2025-01-01T01:00Z",
        intensity: { forecast: 90, actual: 88 },
      }],
    })
  );
  const readings = await provider(api.url, clock).intensityForSpan(
    "GB",
    utc(2025, 1, 1),
    utc(2025, 1, 1, 1),
  );
  assert.deepEqual(readings?.map((r) => r.intensityGPerKwh), [88]);
});

Deno.test("UkCarbonIntensityProvider copes with the extra period before 'from' and duplicate records", async () => {
  // The live API also returns the half hour ending at `from` (jnioche/carbonintensity-api#4) and
  // once served two records for one half hour (carbon-intensity/api-definitions#17).
  const clock = new VirtualClock();
  await using api = fakeApi((req) => {
    const [, , from, to] = req.path.split("/");
    const data = periods(Date.parse(from) - HALF, Date.parse(to), clock.nowMs(), false);
    data.splice(4, 0, { ...data[3], intensity: { forecast: 1, actual: 999, index: "high" } });
    return json({ data });
  });
  const uk = provider(api.url, clock);
  const day = await uk.intensityForSpan("GB", utc(2025, 6, 10), utc(2025, 6, 11));
  assert.deepEqual(day?.length, 48);
  assert.deepEqual(day?.[0].startMs, utc(2025, 6, 10));
  for (let i = 1; i < (day?.length ?? 0); i++) assert.deepEqual(day![i].startMs, day![i - 1].endMs);
  assert.deepEqual(day?.[2].intensityGPerKwh, forecast(utc(2025, 6, 10, 1)) - 5); // first record kept
});
