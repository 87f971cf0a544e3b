import assert from "node:assert/strict";
import { Xoshiro128 } from "../../lib/base/prng.ts";
import { CarbonEstimator } from "../../lib/carbon/estimator.ts";
import { embodiedShareG, sci } from "../../lib/carbon/sci.ts";

const YEAR_MS = 365 * 86_400_000;

Deno.test("embodiedShareG refuses a reservation longer than the lifespan and says what to do", () => {
  assert.throws(
    () =>
      embodiedShareG({
        totalEmbodiedG: 1_000_000,
        reservedMs: 5 * YEAR_MS,
        lifespanMs: 4 * YEAR_MS,
      }),
    (err: unknown) =>
      err instanceof RangeError && /exceeds lifespanMs/.test(err.message) &&
      /split the work/.test(err.message),
  );
  assert.equal(
    embodiedShareG({ totalEmbodiedG: 1_000_000, reservedMs: 4 * YEAR_MS, lifespanMs: 4 * YEAR_MS }),
    1_000_000,
    "a reservation of the whole lifespan takes all of it, never more",
  );
});

Deno.test("the SCI interval matches a seeded Monte Carlo of the sum of operational and embodied parts", () => {
  const input = {
    energyKwh: 2,
    intensityGPerKwh: 300,
    embodiedG: 250,
    functionalUnits: 100,
    operationalSigma: 0.35,
    embodiedSigma: 0.5,
    confidenceLevelPct: 90,
  };
  const r = sci(input);
  const rng = new Xoshiro128(21);
  const n = 400_000;
  const draws = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    draws[k] = (600 * Math.exp(0.35 * rng.nextNormal()) + 250 * Math.exp(0.5 * rng.nextNormal())) /
      100;
  }
  draws.sort();
  const lo = draws[Math.round(0.05 * (n - 1))];
  const hi = draws[Math.round(0.95 * (n - 1))];
  assert.ok(Math.abs(r.ciLowerGPerUnit / lo - 1) < 0.01, `${r.ciLowerGPerUnit} vs ${lo}`);
  assert.ok(Math.abs(r.ciUpperGPerUnit / hi - 1) < 0.01, `${r.ciUpperGPerUnit} vs ${hi}`);
  let s1 = 0;
  let s2 = 0;
  for (const v of draws) {
    s1 += Math.log(v);
    s2 += Math.log(v) ** 2;
  }
  const sd = Math.sqrt(s2 / n - (s1 / n) ** 2);
  assert.ok(Math.abs(r.uncertaintyPct / 100 / sd - 1) < 0.01, `${r.uncertaintyPct} vs ${sd}`);
  assert.equal(r.sciGPerUnit, 8.5);
});

Deno.test("an estimate's SCI carries the estimate's uncertainty, also at 0 Wh", () => {
  const est = new CarbonEstimator({ region: "FR" });
  const one = est.estimateFromEnergy(1000).sci({ functionalUnits: 10 });
  assert.ok(one.ciLowerGPerUnit < one.sciGPerUnit && one.sciGPerUnit < one.ciUpperGPerUnit);
  const zero = est.estimateFromEnergy(0).sci({ functionalUnits: 10 });
  assert.equal(zero.sciGPerUnit, 0);
  assert.equal(zero.uncertaintyPct.toFixed(6), one.uncertaintyPct.toFixed(6));
});
