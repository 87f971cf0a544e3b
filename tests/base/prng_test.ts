import assert from "node:assert/strict";
import { seededRandom, Xoshiro128 } from "../../lib/base/prng.ts";
import { assertAlmostEquals } from "../_kit/assert.ts";

Deno.test("Xoshiro128 keeps the exact sequence that seeded Monte Carlo results depend on", () => {
  const r = new Xoshiro128(1);
  assert.deepEqual(
    Array.from({ length: 4 }, () => r.nextUint32()),
    [2442144158, 3238099751, 3819917871, 2104621829],
  );
  assert.equal(new Xoshiro128(-1).seed, 4294967295);
  assert.throws(() => new Xoshiro128(0.5), RangeError);
});

Deno.test("Xoshiro128 is deterministic, uniform and gives standard normals", () => {
  const a = new Xoshiro128(123);
  const b = new Xoshiro128(123);
  for (let i = 0; i < 100; i++) assert.deepEqual(a.nextUint32(), b.nextUint32());
  const r = new Xoshiro128(7);
  const n = 100_000;
  let sum = 0;
  let sum2 = 0;
  let under = 0;
  for (let i = 0; i < n; i++) {
    const u = r.nextFloat();
    assert.ok(u > 0 && u < 1);
    if (u < 0.25) under++;
    const z = r.nextNormal();
    sum += z;
    sum2 += z * z;
  }
  assertAlmostEquals(under / n, 0.25, 0.01);
  assertAlmostEquals(sum / n, 0, 0.02);
  assertAlmostEquals(sum2 / n, 1, 0.02);
});

Deno.test("seededRandom gives the same sequence for the same seed and values in [0, 1)", () => {
  const a = seededRandom(1234), b = seededRandom(1234), c = seededRandom(99);
  const xs = Array.from({ length: 100 }, a);
  assert.deepEqual(xs, Array.from({ length: 100 }, b));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.ok(xs.some((x, i) => x !== Array.from({ length: 100 }, c)[i]));
});

Deno.test("seededRandom draws from Xoshiro128, the one seeded generator", () => {
  const random = seededRandom(42);
  const generator = new Xoshiro128(42);
  for (let i = 0; i < 10; i++) assert.equal(random(), generator.nextFloat());
});
