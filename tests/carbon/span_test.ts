import assert from "node:assert/strict";
import { assertAlmostEquals, assertRejects } from "../_kit/assert.ts";
import fc from "fast-check";
import {
  CarbonEstimator,
  type IntensityProvider,
  type IntensityReading,
  ProviderChain,
  RegionCatalog,
  StaticProvider,
} from "../../lib/carbon/mod.ts";
import { buildBuckets, spreadEnergy } from "../../lib/carbon/span.ts";

const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 1, 0, 0, 0);

/** A provider serving fixed half-hour readings (like the UK API) from a table. */
function halfHourly(values: Record<number, number>, name = "halfhour"): IntensityProvider & {
  calls: [number, number][];
} {
  const calls: [number, number][] = [];
  return {
    name,
    calls,
    intensityForSpan(_region, startMs, endMs) {
      calls.push([startMs, endMs]);
      const out: IntensityReading[] = [];
      for (const [k, g] of Object.entries(values)) {
        const s = T0 + Number(k) * H / 2;
        if (s + H / 2 <= startMs || s >= endMs) continue;
        out.push({
          startMs: s,
          endMs: s + H / 2,
          intensityGPerKwh: g,
          source: name,
          dataset: "test",
          datasetVersion: "1",
          year: 2025,
          basis: "direct",
          zone: "GB",
          uncertaintyPct: 10,
          measured: true,
        });
      }
      return Promise.resolve(out.length ? out : null);
    },
  };
}

Deno.test("buildBuckets cuts at the UTC grid and at reading boundaries", () => {
  const r = (s: number, e: number) => ({
    startMs: s,
    endMs: e,
    intensityGPerKwh: 1,
    source: "t",
    dataset: "t",
    datasetVersion: "1",
    year: 2025,
    basis: "direct" as const,
    zone: "X",
    uncertaintyPct: 0,
    measured: true,
  });
  // Span 00:10..01:10 with 15-minute grid and a reading 00:20..00:50.
  const b = buildBuckets({
    startMs: T0 + 10 * 60_000,
    endMs: T0 + 70 * 60_000,
    bucketMs: 15 * 60_000,
    readings: [r(T0 + 20 * 60_000, T0 + 50 * 60_000)],
    maxBuckets: 100,
  });
  const mins = Array.from(b.startMs, (x) => (x - T0) / 60_000);
  assert.deepEqual(mins, [10, 15, 20, 30, 45, 50, 60]);
  assert.deepEqual(Array.from(b.reading), [-1, -1, 0, 0, 0, -1, -1]);
});

Deno.test("spreadEnergy preserves the total and follows the power samples", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          t: fc.integer({ min: 0, max: 240 }),
          w: fc.double({ min: 0, max: 500, noNaN: true }),
        }),
        {
          minLength: 1,
          maxLength: 20,
        },
      ),
      fc.double({ min: 0.1, max: 1e6, noNaN: true }),
      (samples, total) => {
        const b = buildBuckets({
          startMs: T0,
          endMs: T0 + 4 * H,
          bucketMs: 15 * 60_000,
          readings: [],
          maxBuckets: 100,
        });
        const s = samples.map((x) => ({ tsMs: T0 + x.t * 60_000, watts: x.w }));
        const e = spreadEnergy(b, { totalWh: total, samples: s });
        const sum = e.reduce((a, x) => a + x, 0);
        assertAlmostEquals(sum, total, total * 1e-9);
        for (const x of e) assert.ok(x >= 0);
      },
    ),
  );
  // Power ramp 100 W -> 300 W over two hours: 150 Wh then 250 Wh.
  const b = buildBuckets({ startMs: 0, endMs: 2 * H, bucketMs: H, readings: [], maxBuckets: 10 });
  const e = spreadEnergy(b, { samples: [{ tsMs: 0, watts: 100 }, { tsMs: 2 * H, watts: 300 }] });
  assertAlmostEquals(e[0], 150, 1e-9);
  assertAlmostEquals(e[1], 250, 1e-9);
});

Deno.test("estimateOverSpan uses the intensity of the span's own time, bucket by bucket", async () => {
  const p = halfHourly({ 0: 100, 1: 300 });
  const est = new CarbonEstimator({ region: "GB", provider: p, pue: 1, energySource: "governor" });
  const r = await est.estimateOverSpan({ startTs: T0, endTs: T0 + H, energyWh: 1000 });
  // 500 Wh at 100 g/kWh + 500 Wh at 300 g/kWh = 200 g.
  assertAlmostEquals(r.grams, 200, 1e-9);
  assert.deepEqual(r.coverage, 1);
  assert.deepEqual(r.source, "halfhour");
  assert.deepEqual(r.startTs, new Date(T0).toISOString());
  assert.deepEqual(p.calls, [[T0, T0 + H]]);
  assert.deepEqual(r.buckets, 4);
});

Deno.test("estimateOverSpan spreads energy by power samples across the provider's periods", async () => {
  const p = halfHourly({ 0: 100, 1: 300 });
  const est = new CarbonEstimator({ region: "GB", provider: p, pue: 1 });
  // All the power in the second half hour.
  const r = await est.estimateOverSpan({
    startTs: T0,
    endTs: T0 + H,
    energyWh: 1000,
    samples: [{ tsMs: T0, watts: 0 }, { tsMs: T0 + H / 2 - 1, watts: 0 }, {
      tsMs: T0 + H / 2,
      watts: 2000,
    }, {
      tsMs: T0 + H,
      watts: 2000,
    }],
  });
  assertAlmostEquals(r.grams, 300, 0.01);
});

Deno.test("estimateOverSpan missingPolicy step carries readings, drop leaves buckets out", async () => {
  const p = halfHourly({ 0: 100 }); // only the first half hour has data
  const est = new CarbonEstimator({ region: "GB", provider: p, pue: 1 });
  const step = await est.estimateOverSpan({ startTs: T0, endTs: T0 + H, energyWh: 1000 });
  assertAlmostEquals(step.grams, 100, 1e-9);
  assertAlmostEquals(step.coverage, 0.5, 1e-12);
  assert.ok(step.flags.some((f) => f.startsWith("stepped_buckets=")));
  const drop = await est.estimateOverSpan({
    startTs: T0,
    endTs: T0 + H,
    energyWh: 1000,
    missingPolicy: "drop",
  });
  assertAlmostEquals(drop.grams, 50, 1e-9);
  assertAlmostEquals(drop.energyWh, 500, 1e-9);
  assertAlmostEquals(drop.coverage, 0.5, 1e-12);
  assert.ok(drop.flags.some((f) => f.startsWith("dropped_energy_wh=")));
  // The stepped bucket carries extra uncertainty (hour-to-hour variability).
  assert.ok(step.uncertaintyComponentsPct.intensity > drop.uncertaintyComponentsPct.intensity);
});

Deno.test("estimateOverSpan falls through a failing provider to static, and says so", async () => {
  const broken: IntensityProvider = {
    name: "broken",
    intensityForSpan: () => Promise.reject(new Error("HTTP 503")),
  };
  const empty: IntensityProvider = { name: "empty", intensityForSpan: () => Promise.resolve(null) };
  const catalog = RegionCatalog.embedded();
  const chain = new ProviderChain([broken, empty, new StaticProvider(catalog)]);
  const est = new CarbonEstimator({ region: "DE", provider: chain, catalog });
  const r = await est.estimateOverSpan({ startTs: T0, endTs: T0 + 24 * H, powerWatts: 100 });
  assert.deepEqual(r.source, "static");
  assert.deepEqual(r.dataset, "ember");
  assertAlmostEquals(r.energyWh, 2400, 1e-9);
  assert.ok(r.flags.includes("provider_error:broken"));
  assert.ok(r.flags.includes("provider_no_reading:empty"));
  const res = await chain.resolve("DE", T0, T0 + H);
  assert.deepEqual(res.attempts.map((a) => a.outcome), ["error", "no_reading", "reading"]);
  assert.deepEqual(res.attempts[0].error, "HTTP 503");
});

Deno.test("estimateOverSpan with drop and no reading at all fails instead of reporting 0 g", async () => {
  const none: IntensityProvider = { name: "none", intensityForSpan: () => Promise.resolve(null) };
  const est = new CarbonEstimator({ region: "GB", provider: new ProviderChain([none]) });
  await assertRejects(
    () => est.estimateOverSpan({ startTs: T0, endTs: T0 + H, energyWh: 10, missingPolicy: "drop" }),
    RangeError,
    "no bucket",
  );
  await assertRejects(
    () => est.estimateOverSpan({ startTs: T0, endTs: T0 + H, energyWh: 10 }),
    RangeError,
    "no intensity reading",
  );
});

Deno.test("estimateOverSpan: a longer span with annual factors is not more certain per gram", async () => {
  const est = new CarbonEstimator({ region: "DE", energySource: "governor", pue: 1.2 });
  const day = await est.estimateOverSpan({ startTs: T0, endTs: T0 + 24 * H, powerWatts: 100 });
  const week = await est.estimateOverSpan({ startTs: T0, endTs: T0 + 7 * 24 * H, powerWatts: 100 });
  const year = await est.estimateOverSpan({
    startTs: T0,
    endTs: T0 + 365 * 24 * H,
    powerWatts: 100,
  });
  // Relative width never drops below the factor's own (correlated) uncertainty.
  const relWidth = (x: typeof day) => x.meta.ciUpperG / x.grams;
  const floor = Math.exp(1.959964 * 0.15);
  for (const x of [day, week, year]) assert.ok(relWidth(x) >= floor, `${x.buckets} buckets`);
  // Hour-to-hour variability averages out over the year only (not the factor error).
  assert.ok(relWidth(year) < relWidth(day));
  assert.deepEqual(year.buckets, 365 * 96);
});

Deno.test("estimateOverSpan MC and analytical agree within 2% for a multi-reading span", async () => {
  const p = halfHourly({ 0: 50, 1: 400, 2: 200, 3: 90 });
  const est = new CarbonEstimator({ region: "GB", provider: p });
  const spec = { startTs: T0, endTs: T0 + 2 * H, energyWh: 800 };
  const a = await est.estimateOverSpan(spec);
  const m = await est.estimateOverSpan({ ...spec, method: "monte_carlo" });
  assert.ok(Math.abs(m.meta.ciLowerG / a.meta.ciLowerG - 1) < 0.02);
  assert.ok(Math.abs(m.meta.ciUpperG / a.meta.ciUpperG - 1) < 0.02);
});
