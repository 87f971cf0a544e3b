/**
 * Carbon estimator benchmarks (docs/benchmarks.md, "Carbon estimator"). Targets: analytical
 * estimates >= 100,000/s; Monte Carlo with 10,000 samples < 20 ms; a one-year span in 15-minute
 * buckets with the static provider < 200 ms.
 *
 *   deno bench --allow-all bench/carbon_bench.ts
 */

import {
  CarbonEstimator,
  type IntensityProvider,
  type IntensityReading,
} from "../lib/carbon/mod.ts";

const est = new CarbonEstimator({ region: "DE", energySource: "governor" });
const cloud = new CarbonEstimator({ region: "aws:us-east-1", energySource: "rapl" });
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_END = Date.UTC(2026, 0, 1);
let sink = 0;

Deno.bench("carbon: analytical estimateFromEnergy (one estimate)", {
  group: "analytical",
  baseline: true,
}, () => {
  sink += est.estimateFromEnergy(1234.5).meta.ciUpperG;
});

Deno.bench("carbon: analytical estimateFromEnergy, 1000 estimates (cloud region)", {
  group: "analytical",
}, () => {
  for (let i = 0; i < 1000; i++) sink += cloud.estimateFromEnergy(i + 1).grams;
});

Deno.bench("carbon: monte_carlo estimateFromEnergy, 10,000 samples (rqmc)", { group: "mc" }, () => {
  sink += est.estimateFromEnergy(1234.5, { method: "monte_carlo", samples: 10_000 }).meta.ciUpperG;
});

Deno.bench("carbon: monte_carlo estimateFromEnergy, 10,000 samples (iid)", { group: "mc" }, () => {
  sink +=
    est.estimateFromEnergy(1234.5, { method: "monte_carlo", samples: 10_000, sampling: "iid" })
      .meta.ciUpperG;
});

Deno.bench("carbon: estimateOverSpan one year, 15-minute buckets, static provider", {
  group: "span",
}, async () => {
  const r = await est.estimateOverSpan({ startTs: YEAR_START, endTs: YEAR_END, powerWatts: 350 });
  sink += r.grams;
});

Deno.bench("carbon: estimateOverSpan one year, 15-minute buckets, 8760 power samples", {
  group: "span",
}, async () => {
  const samples = Array.from(
    { length: 8760 },
    (_, h) => ({ tsMs: YEAR_START + h * 3_600_000, watts: 200 + (h % 24) * 10 }),
  );
  const r = await est.estimateOverSpan({
    startTs: YEAR_START,
    endTs: YEAR_END,
    energyWh: 3_000_000,
    samples,
  });
  sink += r.grams;
});

/** A year of hourly readings on a low-carbon grid (floors make many distinct sigmas). */
const hourly: IntensityProvider = {
  name: "hourly",
  intensityForSpan(_region, startMs, endMs) {
    const out: IntensityReading[] = [];
    for (let t = startMs; t < endMs; t += 3_600_000) {
      out.push({
        startMs: t,
        endMs: t + 3_600_000,
        intensityGPerKwh: 20 + 60 * Math.abs(Math.sin(t / 7e6)),
        source: "hourly",
        dataset: "bench",
        datasetVersion: "1",
        year: 2025,
        basis: "lifecycle",
        zone: "FR",
        uncertaintyPct: 10,
        uncertaintyFloorGPerKwh: 10,
        measured: true,
      });
    }
    return Promise.resolve(out);
  },
};
const live = new CarbonEstimator({ region: "FR", provider: hourly });

Deno.bench("carbon: one year of 8760 hourly readings, 15-minute buckets, analytical", {
  group: "hourly",
}, async () => {
  sink +=
    (await live.estimateOverSpan({ startTs: YEAR_START, endTs: YEAR_END, powerWatts: 100 })).grams;
});

Deno.bench("carbon: one year of 8760 hourly readings, 15-minute buckets, monte_carlo", {
  group: "hourly",
}, async () => {
  const r = await live.estimateOverSpan({
    startTs: YEAR_START,
    endTs: YEAR_END,
    powerWatts: 100,
    method: "monte_carlo",
  });
  sink += r.meta.ciUpperG;
});

// Keep the results observable so the work is not optimised away.
globalThis.addEventListener("unload", () => {
  if (sink === 42) Deno.stderr.writeSync(new TextEncoder().encode(`${sink}\n`));
});
