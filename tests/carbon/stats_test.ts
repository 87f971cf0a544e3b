import assert from "node:assert/strict";
import { assertAlmostEquals, assertThrows } from "../_kit/assert.ts";
import fc from "fast-check";
import {
  analyticalInterval,
  monteCarloInterval,
  temporalUncertainty,
} from "../../lib/carbon/uncertainty.ts";
import {
  normalCdf,
  normalQuantile,
  quantileSorted,
  zForConfidence,
} from "../../lib/carbon/stats.ts";

// Reference quantiles of the standard normal (Abramowitz & Stegun table 26.5, and R's qnorm
// to 16 digits).
const KNOWN: [number, number][] = [
  [0.5, 0],
  [0.8413447460685429, 1],
  [0.9, 1.2815515655446004],
  [0.95, 1.6448536269514722],
  [0.975, 1.959963984540054],
  [0.99, 2.3263478740408408],
  [0.995, 2.5758293035489004],
  [0.9995, 3.2905267314918945],
  [1e-10, -6.361340902404056],
];

Deno.test("normalQuantile matches published values to 1e-12", () => {
  for (const [p, z] of KNOWN) assertAlmostEquals(normalQuantile(p), z, 1e-12, `p=${p}`);
});

Deno.test("normalQuantile is the inverse of normalCdf over (0, 1)", () => {
  fc.assert(
    fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), (p) => {
      assertAlmostEquals(normalCdf(normalQuantile(p)), p, 2e-7);
    }),
  );
});

Deno.test("normalQuantile rejects probabilities outside (0, 1)", () => {
  for (const p of [0, 1, -0.1, 1.5, NaN]) assertThrows(() => normalQuantile(p), RangeError);
});

Deno.test("zForConfidence gives the two-sided normal quantile and rejects bad levels", () => {
  assertAlmostEquals(zForConfidence(95), 1.959963984540054, 1e-12);
  assertAlmostEquals(zForConfidence(90), 1.6448536269514722, 1e-12);
  assertAlmostEquals(zForConfidence(99), 2.5758293035489004, 1e-12);
  for (const c of [0, 100, -5, 120]) assertThrows(() => zForConfidence(c), RangeError);
});

Deno.test("analyticalInterval gives the exact log-normal quantiles for one group", () => {
  // Median 100 g, sigma 0.2 (ln): 2.5% and 97.5% quantiles are 100 exp(-/+1.959964 x 0.2).
  const i = analyticalInterval({
    groups: [{ grams: 100, sigma: 0.2 }],
    energySigma: 0,
    pueSigma: 0,
    confidenceLevelPct: 95,
  });
  assertAlmostEquals(i.lowerG, 67.5708981137, 1e-6);
  assertAlmostEquals(i.upperG, 147.9927051313, 1e-6);
  // Independent factors add in quadrature: sqrt(0.12^2 + 0.09^2 + 0.2^2) = 0.25.
  const j = analyticalInterval({
    groups: [{ grams: 100, sigma: 0.2 }],
    energySigma: 0.12,
    pueSigma: 0.09,
    confidenceLevelPct: 95,
  });
  assertAlmostEquals(j.sigma, 0.25, 1e-12);
});

Deno.test("analyticalInterval treats groups as correlated so a longer span is not more certain", () => {
  const one = analyticalInterval({
    groups: [{ grams: 100, sigma: 0.15 }],
    energySigma: 0,
    pueSigma: 0,
    confidenceLevelPct: 95,
  });
  const many = analyticalInterval({
    groups: Array.from({ length: 1000 }, () => ({ grams: 0.1, sigma: 0.15 })),
    energySigma: 0,
    pueSigma: 0,
    confidenceLevelPct: 95,
  });
  assertAlmostEquals(many.lowerG / 100, one.lowerG / 100, 1e-9);
  assertAlmostEquals(many.upperG / 100, one.upperG / 100, 1e-9);
});

Deno.test("monteCarloInterval empirical coverage of the analytical bounds is the level", () => {
  // With a huge sample the fraction of draws inside the analytical 90% bounds is 0.90.
  const input = {
    groups: [{ grams: 50, sigma: 0.3 }],
    energySigma: 0.05,
    pueSigma: 0.05,
    confidenceLevelPct: 90,
  };
  const a = analyticalInterval(input);
  const m = monteCarloInterval(input, { samples: 200_000, seed: 3, sampling: "iid" });
  assertAlmostEquals(m.lowerG / a.lowerG, 1, 0.01);
  assertAlmostEquals(m.upperG / a.upperG, 1, 0.01);
});

Deno.test("monteCarloInterval is reproducible from its seed and differs across seeds", () => {
  const input = {
    groups: [{ grams: 10, sigma: 0.3 }],
    energySigma: 0.3,
    pueSigma: 0.1,
    confidenceLevelPct: 95,
  };
  assert.deepEqual(monteCarloInterval(input, { seed: 9 }), monteCarloInterval(input, { seed: 9 }));
  assert.ok(
    monteCarloInterval(input, { seed: 9 }).upperG !==
      monteCarloInterval(input, { seed: 10 }).upperG,
  );
  assertThrows(() => monteCarloInterval(input, { samples: 10 }), RangeError, "samples");
});

Deno.test("quantileSorted interpolates linearly between order statistics", () => {
  assert.deepEqual(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.deepEqual(quantileSorted([1, 2, 3, 4], 0), 1);
  assert.deepEqual(quantileSorted([1, 2, 3, 4], 1), 4);
  assertAlmostEquals(quantileSorted([0, 10], 0.975), 9.75, 1e-12);
});

Deno.test("temporalUncertainty falls from hourly variability to the weighting bias with span length", () => {
  const day = 86_400_000;
  assert.deepEqual(temporalUncertainty(undefined), 0.33);
  assert.deepEqual(temporalUncertainty(3_600_000), 0.33);
  assertAlmostEquals(temporalUncertainty(30 * day), 0.2, 1e-12);
  assert.deepEqual(temporalUncertainty(400 * day), 0.03);
  let prev = 1;
  for (const d of [1, 2, 7, 30, 90, 200, 365]) {
    const u = temporalUncertainty(d * day);
    assert.ok(u <= prev, `non-increasing at ${d} days`);
    prev = u;
  }
});
