import assert from "node:assert/strict";
import fc from "fast-check";
import { splitExact } from "../../../lib/energy/workloads/split_exact.ts";

const amountArb = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 1_000n }),
  fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
  fc.bigInt({ min: 2n ** 63n - 1_000n, max: 2n ** 63n + 1_000n }),
);
const weightArb = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 10n }),
  fc.bigInt({ min: 0n, max: 2n ** 40n }),
);
const weightsArb = fc.array(weightArb, { minLength: 1, maxLength: 60 })
  .filter((ws) => ws.some((w) => w > 0n));

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

Deno.test("splitExact parts sum to the amount exactly for any amount and weights (property)", () => {
  fc.assert(
    fc.property(amountArb, weightsArb, (amount, weights) => {
      const parts = splitExact(amount, weights);
      assert.ok(parts !== null);
      assert.equal(parts.length, weights.length);
      assert.equal(sum(parts), amount);
    }),
    { numRuns: 2_000 },
  );
});

Deno.test("splitExact gives each part the floor or the ceiling of its real share (property)", () => {
  fc.assert(
    fc.property(amountArb, weightsArb, (amount, weights) => {
      const parts = splitExact(amount, weights)!;
      const total = sum(weights);
      for (let i = 0; i < parts.length; i++) {
        // |part - amount*w/W| < 1  <=>  |part*W - amount*w| < W
        const diff = parts[i] * total - amount * weights[i];
        assert.ok(diff < total && -diff < total, `part ${i} = ${parts[i]} is off by >= 1`);
        if (weights[i] === 0n) assert.equal(parts[i], 0n);
      }
    }),
    { numRuns: 2_000 },
  );
});

Deno.test("splitExact never gives a larger weight a smaller part (property)", () => {
  fc.assert(
    fc.property(amountArb, weightsArb, (amount, weights) => {
      const parts = splitExact(amount, weights)!;
      for (let i = 0; i < parts.length; i++) {
        for (let j = 0; j < parts.length; j++) {
          if (weights[i] > weights[j]) assert.ok(parts[i] >= parts[j], `${i} vs ${j}`);
          // Equal weights: ties go to the lower position, by at most one unit.
          if (weights[i] === weights[j] && i < j) {
            assert.ok(parts[i] - parts[j] === 0n || parts[i] - parts[j] === 1n, `${i} vs ${j}`);
          }
        }
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("splitExact returns the same parts for the same inputs, every time (property)", () => {
  fc.assert(
    fc.property(amountArb, weightsArb, (amount, weights) => {
      const first = splitExact(amount, weights);
      const copy = [...weights];
      assert.deepEqual(splitExact(amount, copy), first);
      assert.deepEqual(copy, weights); // the input is not changed
    }),
    { numRuns: 500 },
  );
});

Deno.test("splitExact gives leftover units to the largest remainders, ties to the lower position", () => {
  // 100 over 1:1:1 -> 33.33 each: the leftover unit to position 0.
  assert.deepEqual(splitExact(100n, [1n, 1n, 1n]), [34n, 33n, 33n]);
  // 10 over 1:2:4 -> 1.43, 2.86, 5.71: remainders 3/7, 6/7, 5/7; floors sum to 8 -> 2 units.
  assert.deepEqual(splitExact(10n, [1n, 2n, 4n]), [1n, 3n, 6n]);
  // 2 over 1:1:1:1 with zero weights between them: positions 1 and 3 by order.
  assert.deepEqual(splitExact(2n, [0n, 1n, 0n, 1n, 1n, 1n]), [0n, 1n, 0n, 1n, 0n, 0n]);
  assert.deepEqual(splitExact(0n, [3n, 1n]), [0n, 0n]);
});

Deno.test("splitExact matches a sort-based reference on many tied remainders (selection check)", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 5_000n }),
      fc.array(fc.bigInt({ min: 0n, max: 4n }), { minLength: 1, maxLength: 400 })
        .filter((ws) => ws.some((w) => w > 0n)),
      (amount, weights) => {
        const total = sum(weights);
        const floors = weights.map((w) => amount * w / total);
        const order = weights.map((_, i) => i).sort((a, b) => {
          const ra = amount * weights[a] % total;
          const rb = amount * weights[b] % total;
          return ra === rb ? a - b : (ra > rb ? -1 : 1);
        });
        const expected = [...floors];
        const leftover = Number(amount - sum(floors));
        for (let k = 0; k < leftover; k++) expected[order[k]] += 1n;
        assert.deepEqual(splitExact(amount, weights), expected);
      },
    ),
    { numRuns: 1_000 },
  );
});

Deno.test("splitExact returns null when every weight is zero or there are none", () => {
  assert.equal(splitExact(7n, [0n, 0n, 0n]), null);
  assert.equal(splitExact(0n, [0n]), null);
  assert.equal(splitExact(7n, []), null);
});

Deno.test("splitExact rejects a negative amount or weight, naming it", () => {
  assert.throws(
    () => splitExact(-1n, [1n]),
    (e: unknown) => e instanceof RangeError && /amount to split is negative/.test(e.message),
  );
  assert.throws(
    () => splitExact(1n, [1n, -2n]),
    (e: unknown) => e instanceof RangeError && /weight 1 is negative/.test(e.message),
  );
});
