import assert from "node:assert/strict";
import { assertAlmostEquals, assertRejects, assertThrows } from "../_kit/assert.ts";
import fc from "fast-check";
import { CarbonEstimator, RegionCatalog, UnknownRegionError } from "../../lib/carbon/mod.ts";

const catalog = RegionCatalog.embedded();
const regionIds = catalog.list().map((f) => f.id);
const region = fc.constantFrom(...regionIds);
const energy = fc.double({ min: 0.001, max: 1e7, noNaN: true });
const pue = fc.double({ min: 1, max: 3, noNaN: true });
const level = fc.double({ min: 50, max: 99.9, noNaN: true });
const source = fc.constantFrom("governor" as const, "rapl" as const, "model" as const);
const rel = (a: number, b: number) => Math.abs(a / b - 1);

Deno.test("CarbonEstimator grams scale linearly with energy", () => {
  fc.assert(
    fc.property(region, energy, fc.double({ min: 0.01, max: 100, noNaN: true }), (r, e, k) => {
      const est = new CarbonEstimator({ region: r, catalog });
      const a = est.estimateFromEnergy(e);
      const b = est.estimateFromEnergy(e * k);
      assert.ok(rel(b.grams, a.grams * k) < 1e-12);
      assert.ok(rel(b.meta.ciUpperG, a.meta.ciUpperG * k) < 1e-12);
    }),
    { numRuns: 200 },
  );
});

Deno.test("CarbonEstimator grams scale linearly with PUE", () => {
  fc.assert(
    fc.property(region, energy, pue, pue, (r, e, p1, p2) => {
      const a = new CarbonEstimator({ region: r, catalog, pue: p1 }).estimateFromEnergy(e);
      const b = new CarbonEstimator({ region: r, catalog, pue: p2 }).estimateFromEnergy(e);
      assert.ok(rel(b.grams / p2, a.grams / p1) < 1e-12);
      assertAlmostEquals(a.grams, e / 1000 * p1 * a.intensityGPerKwh, a.grams * 1e-12);
    }),
    { numRuns: 200 },
  );
});

Deno.test("CarbonEstimator intervals contain the point estimate and are non-negative", () => {
  fc.assert(
    fc.property(
      region,
      fc.double({ min: 0, max: 1e7, noNaN: true }),
      level,
      source,
      fc.boolean(),
      (r, e, c, s, mc) => {
        const est = new CarbonEstimator({ region: r, catalog, energySource: s });
        const x = est.estimateFromEnergy(e, {
          confidenceLevelPct: c,
          method: mc ? "monte_carlo" : "analytical_truncated",
          samples: 1000,
        });
        assert.ok(x.meta.ciLowerG >= 0);
        assert.ok(x.meta.ciLowerG <= x.grams * (1 + 1e-12));
        assert.ok(x.grams <= x.meta.ciUpperG * (1 + 1e-12));
        assert.deepEqual(x.meta.confidenceLevelPct, c);
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("CarbonEstimator intervals widen monotonically with the confidence level", () => {
  fc.assert(
    fc.property(region, energy, level, level, (r, e, c1, c2) => {
      fc.pre(c1 < c2);
      const est = new CarbonEstimator({ region: r, catalog });
      const a = est.estimateFromEnergy(e, { confidenceLevelPct: c1 });
      const b = est.estimateFromEnergy(e, { confidenceLevelPct: c2 });
      assert.ok(b.meta.ciLowerG <= a.meta.ciLowerG && b.meta.ciUpperG >= a.meta.ciUpperG);
    }),
    { numRuns: 200 },
  );
});

Deno.test("CarbonEstimator Monte Carlo bounds converge to the analytical ones", () => {
  fc.assert(
    fc.property(
      region,
      energy,
      source,
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      (r, e, s, seed) => {
        const est = new CarbonEstimator({ region: r, catalog, energySource: s });
        const a = est.estimateFromEnergy(e);
        const m = est.estimateFromEnergy(e, { method: "monte_carlo", samples: 100_000, seed });
        assert.ok(
          rel(m.meta.ciLowerG, a.meta.ciLowerG) < 0.01,
          `lower ${m.meta.ciLowerG} vs ${a.meta.ciLowerG}`,
        );
        assert.ok(
          rel(m.meta.ciUpperG, a.meta.ciUpperG) < 0.01,
          `upper ${m.meta.ciUpperG} vs ${a.meta.ciUpperG}`,
        );
      },
    ),
    { numRuns: 25 },
  );
});

Deno.test("CarbonEstimator methods agree within 2% at the default 10,000 samples", () => {
  for (const r of ["FR", "DE", "aws:us-east-1", "gcp:europe-west1", "IN", "global-average"]) {
    for (const s of ["governor", "model"] as const) {
      const est = new CarbonEstimator({ region: r, catalog, energySource: s });
      const a = est.estimateFromEnergy(2500);
      const m = est.estimateFromEnergy(2500, { method: "monte_carlo" });
      assert.deepEqual(m.meta.samples, 10_000);
      assert.deepEqual(m.meta.seed, 1);
      assert.ok(rel(m.meta.ciLowerG, a.meta.ciLowerG) < 0.02, `${r} ${s} lower`);
      assert.ok(rel(m.meta.ciUpperG, a.meta.ciUpperG) < 0.02, `${r} ${s} upper`);
    }
  }
});

Deno.test("CarbonEstimator Monte Carlo output carries its seed and reproduces from it", () => {
  const est = new CarbonEstimator({ region: "DE" });
  const a = est.estimateFromEnergy(100, { method: "monte_carlo", seed: 4242 });
  const b = est.estimateFromEnergy(100, { method: "monte_carlo", seed: 4242 });
  assert.deepEqual(a.toDict(), b.toDict());
  assert.deepEqual((a.toDict().meta as { seed: number }).seed, 4242);
});

Deno.test("CarbonEstimator estimateFromPowerTime is power x time", () => {
  const est = new CarbonEstimator({ region: "PL", pue: 1.2 });
  const a = est.estimateFromPowerTime(250, 7200);
  const b = est.estimateFromEnergy(500);
  assert.deepEqual(a.grams, b.grams);
  assert.deepEqual(a.energyWh, 500);
});

Deno.test("CarbonEstimator energy source sets uncertainty and quality flag", () => {
  const g = new CarbonEstimator({ region: "DE", energySource: "governor" }).estimateFromEnergy(10);
  const m = new CarbonEstimator({ region: "DE", energySource: "model" }).estimateFromEnergy(10);
  assert.deepEqual(g.qualityFlag, "measured");
  assert.deepEqual(m.qualityFlag, "estimated");
  assert.deepEqual(g.uncertaintyComponentsPct.energy, 5);
  assert.deepEqual(m.uncertaintyComponentsPct.energy, 30);
  assert.ok(m.meta.ciUpperG > g.meta.ciUpperG);
});

Deno.test("CarbonEstimator rejects bad input with what is allowed", () => {
  const est = new CarbonEstimator({ region: "FR" });
  assertThrows(() => est.estimateFromEnergy(-1), RangeError, ">= 0");
  assertThrows(() => est.estimateFromEnergy(NaN), RangeError, "finite");
  assertThrows(() => est.estimateFromEnergy(Infinity), RangeError, "finite");
  assertThrows(() => new CarbonEstimator({ pue: 0.9 }), RangeError, "from 1 to 3");
  assertThrows(() => new CarbonEstimator({ pue: 3.5 }), RangeError, "from 1 to 3");
  assertThrows(() => new CarbonEstimator({ pueProfile: "awz" }), RangeError, "did you mean aws");
  assertThrows(
    () => est.estimateFromEnergy(1, { method: "bayes" as "monte_carlo" }),
    RangeError,
    "allowed: analytical_truncated",
  );
  assertThrows(() => est.estimateFromEnergy(1, { confidenceLevelPct: 100 }), RangeError, "50");
  assertThrows(() => est.estimateFromPowerTime(10, 0), RangeError, "durationS");
  const e = assertThrows(() => new CarbonEstimator({ region: "Germny" }), UnknownRegionError);
  assert.ok((e as UnknownRegionError).suggestions.includes("DE"));
});

Deno.test("CarbonEstimator falls back to global-average only when asked, flagged fallback", () => {
  assertThrows(() => new CarbonEstimator({ region: "atlantis" }), UnknownRegionError, "atlantis");
  const est = new CarbonEstimator({ region: "atlantis", allowFallback: true });
  const r = est.estimateFromEnergy(1000);
  assert.deepEqual(r.region, "global-average");
  assert.deepEqual(r.requestedRegion, "atlantis");
  assert.deepEqual(r.qualityFlag, "fallback");
  assert.deepEqual(r.toDict().quality_flag, "fallback");
});

Deno.test("CarbonEstimator toDict has the Python keys with consistent units", () => {
  const r = new CarbonEstimator({ region: "DE", pue: 1.5 }).estimateFromEnergy(2000);
  const d = r.toDict();
  for (
    const k of [
      "grams",
      "intensity_g_per_kwh",
      "energy_kwh",
      "total_energy_with_pue_kwh",
      "pue_used",
      "source",
      "region",
      "start_ts",
      "end_ts",
      "uncertainty_pct",
      "quality_flag",
      "coverage",
      "meta",
      "energy_consumed_wh",
      "energy_consumed_kwh",
      "carbon_emissions_gco2",
      "carbon_emissions_kgco2",
      "carbon_emissions_tonnes",
      "carbon_intensity_used_gco2_kwh",
    ]
  ) assert.ok(k in d, k);
  assert.deepEqual(d.energy_kwh, 2);
  assert.deepEqual(d.total_energy_with_pue_kwh, 3);
  assertAlmostEquals(
    d.carbon_emissions_kgco2 as number,
    (d.carbon_emissions_gco2 as number) / 1000,
    1e-9,
  );
  assert.deepEqual(d.coverage, 1);
  const meta = d.meta as Record<string, unknown>;
  assert.deepEqual(Object.keys(meta).sort(), [
    "ci_lower_g",
    "ci_upper_g",
    "confidence_level_pct",
    "method",
  ]);
});

Deno.test("CarbonEstimator SCI is reported beside the inventory figure", () => {
  const r = new CarbonEstimator({ region: "DE", pue: 1 }).estimateFromEnergy(1000);
  const s = r.sci({ functionalUnits: 4, embodiedG: 100 });
  assertAlmostEquals(s.sciGPerUnit, (r.grams + 100) / 4, 1e-9);
  assertAlmostEquals(s.operationalG, r.grams, 1e-9);
});

Deno.test("CarbonEstimator estimateOverSpan rejects end <= start and mixed energy inputs", async () => {
  const est = new CarbonEstimator({ region: "FR" });
  const t = "2025-01-01T00:00:00Z";
  await assertRejects(
    () => est.estimateOverSpan({ startTs: t, endTs: t, energyWh: 1 }),
    RangeError,
    "after",
  );
  await assertRejects(
    () =>
      est.estimateOverSpan({
        startTs: t,
        endTs: "2025-01-02T00:00:00Z",
        energyWh: 1,
        powerWatts: 3,
      }),
    RangeError,
    "exactly one",
  );
  await assertRejects(
    () =>
      est.estimateOverSpan({
        startTs: "2025-01-01 00:00",
        endTs: "2025-01-02T00:00:00Z",
        energyWh: 1,
      }),
    RangeError,
    "offset",
  );
  await assertRejects(
    () =>
      est.estimateOverSpan({
        startTs: "2020-01-01T00:00:00Z",
        endTs: "2025-01-01T00:00:00Z",
        energyWh: 1,
        bucketMinutes: 1,
      }),
    RangeError,
    "at most 200000",
  );
});
