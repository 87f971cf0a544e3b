import assert from "node:assert/strict";
import { Xoshiro128 } from "../../lib/base/prng.ts";
import {
  analyticalInterval,
  CellSums,
  CorrelationGroups,
  type GroupSums,
  monteCarloInterval,
  recordInterval95,
} from "../../lib/report/total_interval.ts";

const Z = 1.959963984540054;

/** A record with a log-normal 95% interval of log-sigma `s`. */
function rec(centralG: number, s: number) {
  const k = Math.exp(Z * s);
  return { centralG, lowerG: centralG / k, upperG: centralG * k };
}

/** Groups of random size and width, from a seeded generator. */
function randomGroups(seed: number, n: number, sigma: number): GroupSums[] {
  const r = new Xoshiro128(seed);
  const out: GroupSums[] = [];
  for (let i = 0; i < n; i++) {
    const g = rec(10 + 100 * r.nextFloat(), sigma * (0.5 + r.nextFloat()));
    out.push({ records: 1, ...g });
  }
  return out;
}

Deno.test("a group's interval is the sum of its records' intervals (shared deviate)", () => {
  const groups = new CorrelationGroups();
  const sums = new CellSums();
  const cell = groups.link(["factor:Ember 2025 2024 DE", "pue:1.2 (site)"]);
  for (let i = 0; i < 1000; i++) sums.add(cell, rec(10, 0.2));
  const [g] = sums.groups(groups);
  const mc = monteCarloInterval([g], { random: new Xoshiro128(1) });
  // Fully correlated: the total's bounds are 1000 x a record's bounds, within MC noise.
  assert.ok(Math.abs(mc.lowerG / (1000 * rec(10, 0.2).lowerG) - 1) < 0.02, `${mc.lowerG}`);
  assert.ok(Math.abs(mc.upperG / (1000 * rec(10, 0.2).upperG) - 1) < 0.02, `${mc.upperG}`);
});

Deno.test("independent draws would make the total's interval far too narrow", () => {
  const correlated = monteCarloInterval(
    [{
      records: 100,
      centralG: 1000,
      lowerG: 100 * rec(10, 0.2).lowerG,
      upperG: 100 * rec(10, 0.2).upperG,
    }],
  );
  const independent = monteCarloInterval(
    Array.from({ length: 100 }, () => ({ records: 1, ...rec(10, 0.2) })),
  );
  const width = (i: { lowerG: number; upperG: number }) => i.upperG - i.lowerG;
  // 100 independent records: about sqrt(100) = 10 times narrower than 100 correlated ones.
  const ratio = width(correlated) / width(independent);
  assert.ok(ratio > 8 && ratio < 12, `ratio ${ratio}`);
});

Deno.test("records sharing a factor, a PUE profile or an energy model fall in one group", () => {
  const g = new CorrelationGroups();
  const fr = g.link(["factor:FR", "pue:1.2 (site)"]);
  const de = g.link(["factor:DE", "pue:1.2 (site)", "energy:model"]);
  const cloud = g.link(["factor:eu-west-1", "pue:1.135 (provider)", "energy:model"]);
  const us = g.link(["factor:US", "pue:1.1 (other)"]);
  assert.equal(g.groupOf(fr), g.groupOf(de));
  assert.equal(g.groupOf(de), g.groupOf(cloud)); // linked through the energy model
  assert.notEqual(g.groupOf(fr), g.groupOf(us));
  assert.equal(g.count(), 2);
});

Deno.test("the analytical interval is within 5% of the interval's width of Monte Carlo", () => {
  // Tolerance stated in docs/carbon-estimation.md: each bound within 5% of the MC width when the
  // groups' log-sigmas are at most about 0.7 (each group draws 0.5 to 1.5 x sigma), 10% beyond.
  for (
    const [seed, n, sigma] of [
      [1, 1, 0.3],
      [2, 12, 0.3],
      [3, 200, 0.2],
      [5, 40, 0.1],
      [6, 3, 0.45],
      [7, 30, 0.45],
      [4, 8, 0.6],
    ]
  ) {
    const tolerance = sigma > 0.45 ? 0.1 : 0.05;
    const groups = randomGroups(seed, n, sigma);
    const mc = monteCarloInterval(groups, { random: new Xoshiro128(seed), iterations: 50_000 });
    const an = analyticalInterval(groups);
    const width = mc.upperG - mc.lowerG;
    assert.equal(an.centralG, mc.centralG);
    assert.ok(
      Math.abs(mc.lowerG - an.lowerG) < tolerance * width,
      `n=${n}: ${mc.lowerG} vs ${an.lowerG}`,
    );
    assert.ok(
      Math.abs(mc.upperG - an.upperG) < tolerance * width,
      `n=${n}: ${mc.upperG} vs ${an.upperG}`,
    );
  }
});

Deno.test("the Monte Carlo interval is reproducible for a seed and moves with another seed", () => {
  const groups = randomGroups(9, 20, 0.3);
  const a = monteCarloInterval(groups, { random: new Xoshiro128(42) });
  assert.deepEqual(monteCarloInterval(groups, { random: new Xoshiro128(42) }), a);
  const b = monteCarloInterval(groups, { random: new Xoshiro128(43) });
  assert.notEqual(a.upperG, b.upperG);
  assert.ok(Math.abs(a.upperG - b.upperG) < 0.02 * a.upperG);
  assert.throws(() => monteCarloInterval(groups, { iterations: 10 }), RangeError);
});

Deno.test("a removed (superseded) record no longer counts in its group", () => {
  const g = new CorrelationGroups();
  const sums = new CellSums();
  const cell = g.link(["factor:FR"]);
  sums.add(cell, rec(10, 0.2));
  sums.add(cell, rec(30, 0.2));
  sums.add(cell, rec(30, 0.2), -1);
  const [only] = sums.groups(g);
  assert.equal(only.records, 1);
  assert.ok(Math.abs(only.centralG - 10) < 1e-9);
});

Deno.test("an interval at 68% is widened to 95% before it is summed", () => {
  const k = Math.exp(0.1); // one sigma of ln = 0.1
  const i95 = recordInterval95({ centralG: 10, lowerG: 10 / k, upperG: 10 * k }, 68.27);
  assert.ok(Math.abs(Math.log(i95.upperG / 10) - 0.196) < 0.002, `${i95.upperG}`);
  assert.ok(Math.abs(Math.log(10 / i95.lowerG) - 0.196) < 0.002, `${i95.lowerG}`);
  const zeroLow = recordInterval95({ centralG: 10, lowerG: 0, upperG: 20 }, 90);
  assert.equal(zeroLow.lowerG, 0);
  assert.ok(zeroLow.upperG > 20);
});
