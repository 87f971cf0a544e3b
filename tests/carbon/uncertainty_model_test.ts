import assert from "node:assert/strict";
import { Xoshiro128 } from "../../lib/base/prng.ts";
import { singleEnergyEvidence } from "../../lib/base/energy_evidence.ts";
import { CarbonEstimator } from "../../lib/carbon/estimator.ts";
import { evidenceEnergySigma, meterClassSigma } from "../../lib/carbon/evidence.ts";
import {
  analyticalInterval,
  intensitySigma,
  type IntervalInput,
  monteCarloInterval,
  pueOverheadSigma,
  pueSigmaUsed,
} from "../../lib/carbon/uncertainty.ts";

const YEAR_S = 365 * 86_400;

Deno.test("a known duration without a start gets the temporal sigma of its length, not 'timing unknown'", () => {
  const est = new CarbonEstimator({ region: "DE", energySource: "governor" });
  for (const seconds of [YEAR_S, 30 * 86_400, 3 * 86_400]) {
    const noStart = est.estimateFromPowerTime(100, seconds);
    const dated = est.estimateFromEnergy(100 * seconds / 3600, {
      startTs: "2025-01-01T00:00:00Z",
      endTs: new Date(Date.parse("2025-01-01T00:00:00Z") + seconds * 1000).toISOString(),
    });
    assert.equal(
      noStart.uncertaintyPct.toFixed(6),
      dated.uncertaintyPct.toFixed(6),
      `${seconds} s: the start date must not change the uncertainty`,
    );
    assert.ok(!noStart.flags.includes("timing_unknown"), noStart.flags.join(","));
  }
  // A year of 100 W: the issue measured 37 % without a start and 18 % with one.
  assert.ok(est.estimateFromPowerTime(100, YEAR_S).uncertaintyPct < 20);
  const library = est.estimateFromEnergy(876_000, { durationS: YEAR_S });
  assert.ok(library.uncertaintyPct < 20, "estimateFromEnergy takes durationS too");
  assert.ok(est.estimateFromEnergy(876_000).flags.includes("timing_unknown"));
});

/** Seeded plain Monte Carlo of the exact model, independent of the library's sampler. */
function reference(input: IntervalInput, n: number, seed: number): { lo: number; hi: number } {
  const rng = new Xoshiro128(seed);
  const out = new Float64Array(n);
  const pue = input.pue ?? 1;
  const so = pueOverheadSigma(pue, input.pueSigma);
  for (let s = 0; s < n; s++) {
    const zi = rng.nextNormal();
    let v = 0;
    for (const g of input.groups) v += g.grams * Math.exp(g.sigma * zi);
    v *= Math.exp(input.energySigma * rng.nextNormal());
    v *= (1 + (pue - 1) * Math.exp(so * rng.nextNormal())) / pue;
    out[s] = v;
  }
  out.sort();
  const c = input.confidenceLevelPct;
  return {
    lo: out[Math.round((0.5 - c / 200) * (n - 1))],
    hi: out[Math.round((0.5 + c / 200) * (n - 1))],
  };
}

Deno.test("the analytical interval of readings with different sigmas is within 2 % of a seeded Monte Carlo reference", () => {
  const cases: IntervalInput[] = [
    // Hourly readings beside stepped buckets (hypot(base, 0.33)) and an annual figure.
    {
      groups: [{ grams: 10, sigma: 0.02 }, { grams: 80, sigma: 0.15 }, { grams: 10, sigma: 0.9 }],
      energySigma: 0.05,
      pueSigma: 0.05,
      pue: 1.2,
      confidenceLevelPct: 95,
    },
    {
      groups: [{ grams: 50, sigma: 0.05 }, { grams: 50, sigma: 0.6 }],
      energySigma: 0.05,
      pueSigma: 0.05,
      pue: 1.2,
      confidenceLevelPct: 95,
    },
    {
      groups: [{ grams: 20, sigma: 0.05 }, { grams: 80, sigma: 0.4 }],
      energySigma: 0.02,
      pueSigma: 0.05,
      pue: 1.58,
      confidenceLevelPct: 90,
    },
  ];
  for (const input of cases) {
    const a = analyticalInterval(input);
    const ref = reference(input, 400_000, 11);
    const label = JSON.stringify(input.groups);
    assert.ok(Math.abs(a.lowerG / ref.lo - 1) < 0.02, `${label} lower ${a.lowerG} vs ${ref.lo}`);
    assert.ok(Math.abs(a.upperG / ref.hi - 1) < 0.02, `${label} upper ${a.upperG} vs ${ref.hi}`);
    const width = (a.upperG - a.lowerG) / (ref.hi - ref.lo);
    assert.ok(Math.abs(width - 1) < 0.02, `${label} width ratio ${width}`);
    const m = monteCarloInterval(input, { samples: 200_000, seed: 4 });
    assert.ok(Math.abs(m.upperG / ref.hi - 1) < 0.01, `${label} library Monte Carlo upper`);
    assert.ok(Math.abs(m.sigma / a.sigma - 1) < 0.01, `${label} sigma ${a.sigma} vs ${m.sigma}`);
  }
});

Deno.test("the PUE overhead is what varies: no draw is below 1 and a PUE of 1 is exact", () => {
  const base = { groups: [{ grams: 100, sigma: 0 }], energySigma: 0, confidenceLevelPct: 99.9 };
  for (const pue of [1, 1.05, 1.2, 1.6]) {
    // grams include the PUE: energy x intensity is 100 / pue.
    const input = { ...base, groups: [{ grams: 100, sigma: 0 }], pueSigma: 0.3, pue };
    const mc = monteCarloInterval(input, { samples: 100_000, seed: 2, sampling: "iid" });
    const an = analyticalInterval(input);
    const ei = 100 / pue;
    assert.ok(
      mc.lowerG >= ei * (1 - 1e-12),
      `PUE ${pue}: Monte Carlo 0.05 % quantile ${mc.lowerG}`,
    );
    assert.ok(an.lowerG >= ei * (1 - 1e-12), `PUE ${pue}: analytical lower ${an.lowerG}`);
  }
  const exact = analyticalInterval({ ...base, pueSigma: 0.3, pue: 1 });
  assert.deepEqual([exact.lowerG, exact.upperG, exact.sigma], [100, 100, 0]);
  // Through the estimator: at --pue 1 the PUE uncertainty adds nothing to the interval.
  const fr = (pueUncertaintyPct: number) =>
    new CarbonEstimator({ region: "FR", pue: 1, pueUncertaintyPct }).estimateFromEnergy(1000, {
      method: "monte_carlo",
      seed: 3,
    });
  assert.equal(fr(30).meta.ciLowerG, fr(0).meta.ciLowerG);
  assert.equal(fr(30).uncertaintyComponentsPct.pue, 0);
});

Deno.test("at 0 Wh the uncertainty keeps the intensity term, for both methods and over a span", async () => {
  const est = new CarbonEstimator({ region: "FR" });
  const some = est.estimateFromEnergy(1000);
  for (const method of ["analytical_truncated", "monte_carlo"] as const) {
    const none = est.estimateFromEnergy(0, { method });
    assert.equal(none.grams, 0);
    assert.equal(none.uncertaintyPct.toFixed(6), some.uncertaintyPct.toFixed(6), method);
    assert.ok(none.uncertaintyComponentsPct.intensity > 0);
  }
  const span = await est.estimateOverSpan({
    startTs: "2025-01-01T00:00:00Z",
    endTs: "2025-01-01T02:00:00Z",
    energyWh: 0,
  });
  const spanSome = await est.estimateOverSpan({
    startTs: "2025-01-01T00:00:00Z",
    endTs: "2025-01-01T02:00:00Z",
    energyWh: 10,
  });
  assert.equal(span.uncertaintyPct.toFixed(6), spanSome.uncertaintyPct.toFixed(6));
});

Deno.test("a meter of known accuracy class is measured energy with the class's uncertainty, not a model's 30 %", () => {
  const evidence = singleEnergyEvidence("meter", { meter: { point: "pdu", accuracyClassPct: 1 } });
  assert.equal(meterClassSigma(1).toFixed(12), (0.01 / Math.sqrt(3)).toFixed(12));
  assert.equal(evidenceEnergySigma(evidence), meterClassSigma(1));
  const e = new CarbonEstimator({ region: "DE", energyEvidence: evidence }).estimateFromEnergy(
    1000,
  );
  assert.equal(e.qualityFlag, "measured");
  assert.equal(e.energySource, "meter");
  assert.equal(e.uncertaintyComponentsPct.energy.toFixed(4), "0.5774");
  assert.deepEqual((e.toDict().energy_evidence as Record<string, unknown>).meter, {
    point: "pdu",
    accuracy_class_pct: 1,
  });
  assert.throws(
    () => singleEnergyEvidence("model", { meter: { point: "pdu" } }),
    RangeError,
    "meter",
  );
  assert.throws(
    () => singleEnergyEvidence("meter", { meter: { point: "pdu", accuracyClassPct: 12 } }),
    RangeError,
    "at most 10",
  );
});

Deno.test("a stated PUE sigma applies to a profile's PUE too", () => {
  const profile = new CarbonEstimator({ region: "DE" }).estimateFromEnergy(1000);
  const stated = new CarbonEstimator({ region: "DE", pueUncertaintyPct: 20 }).estimateFromEnergy(
    1000,
  );
  assert.equal(stated.pue, profile.pue);
  assert.ok(stated.uncertaintyComponentsPct.pue > profile.uncertaintyComponentsPct.pue);
});

Deno.test("the intensity and PUE log-sigmas match a 16 times finer quadrature to 1e-10", () => {
  // sdOfLog integrates at step 1/16 (start-up cost, issue 18); a step of 1/256 is the reference.
  // What is left is rounding in m2 - m1^2 (the former step, 1/64, was 4e-11 off), not quadrature.
  const reference = (f: (z: number) => number): number => {
    const h = 1 / 256;
    let m0 = 0, m1 = 0, m2 = 0;
    for (let z = -9; z <= 9 + h / 2; z += h) {
      const w = Math.exp(-z * z / 2);
      const v = f(z);
      m0 += w;
      m1 += w * v;
      m2 += w * v * v;
    }
    return Math.sqrt(m2 / m0 - (m1 / m0) ** 2);
  };
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-10 * Math.max(1e-3, Math.abs(b)), `${what}: ${a} vs ${b}`);
  for (const pue of [1.001, 1.01, 1.1, 1.25, 1.6, 2.5]) {
    for (const pueSigma of [0.01, 0.05, 0.08, 0.3, 1]) {
      const so = pueOverheadSigma(pue, pueSigma);
      const o = pue - 1;
      close(
        pueSigmaUsed({ pue, pueSigma }),
        reference((z) => Math.log1p(o * Math.exp(so * z))),
        `PUE ${pue} sigma ${pueSigma}`,
      );
    }
  }
  for (const [a, b] of [[0.05, 0.5], [0.1, 1], [0.3, 1.9], [0.01, 0.02]]) {
    const groups = [{ grams: 30, sigma: a }, { grams: 10, sigma: b }];
    close(
      intensitySigma(groups),
      reference((z) => Math.log(0.75 * Math.exp(a * z) + 0.25 * Math.exp(b * z))),
      `groups ${a}/${b}`,
    );
  }
});
