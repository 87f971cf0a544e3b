import assert from "node:assert/strict";
import { Decimal } from "../../lib/ledger/decimal.ts";
import { DecimalSum } from "../../lib/ledger/decimal_sum.ts";
import { seededRandom } from "../../lib/base/prng.ts";

/** A random decimal string of the record grammar: short, long (past 15 digits), negative. */
function randomDecimal(rand: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(rand() * 10)));
  const wholeLength = Math.floor(rand() * (rand() < 0.1 ? 25 : 6));
  const whole = wholeLength === 0
    ? "0"
    : String(1 + Math.floor(rand() * 9)) + digits(wholeLength - 1).join("");
  const scale = Math.floor(rand() * (rand() < 0.1 ? 20 : 5));
  const frac = scale === 0 ? "" : "." + digits(scale).join("");
  return (rand() < 0.2 ? "-" : "") + whole + frac;
}

Deno.test("DecimalSum equals the exact Decimal sum for random decimal strings of every length and scale", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rand = seededRandom(seed);
    const values = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => randomDecimal(rand));
    const fast = new DecimalSum();
    let exact = Decimal.ZERO;
    for (const v of values) {
      fast.add(v);
      exact = exact.add(Decimal.parse(v));
    }
    assert.equal(fast.toString(), exact.toString(), `seed ${seed}: ${values.join(" ")}`);
    assert.equal(fast.toDecimal().compare(exact), 0, `seed ${seed}`);
    const merged = new DecimalSum();
    merged.addSum(fast);
    merged.add("0");
    assert.equal(merged.toString(), exact.toString(), `seed ${seed} (merged)`);
  }
});

Deno.test("DecimalSum stays exact when a per-scale number sum passes 2^53", () => {
  const sum = new DecimalSum();
  let exact = Decimal.ZERO;
  for (let i = 0; i < 2000; i++) {
    const v = i % 3 === 0 ? "-999999999999999.9" : "999999999999999.9";
    sum.add(v);
    exact = exact.add(Decimal.parse(v));
  }
  assert.equal(sum.toString(), exact.toString());
  assert.equal(sum.toString(), "665999999999999933.4"); // 666 x 999999999999999.9
});

Deno.test("DecimalSum refuses what Decimal.parse refuses, with the same message", () => {
  for (const bad of ["1e3", "+1", " 1", "01.5", "1.", ".5", "", "0x10", "NaN"]) {
    const sum = new DecimalSum();
    assert.throws(() => Decimal.parse(bad), RangeError);
    assert.throws(
      () => sum.add(bad),
      (e) => e instanceof RangeError && /not an exact decimal/.test(e.message),
    );
  }
});

Deno.test("DecimalSum refuses exactly the strings outside the record grammar (random near misses)", () => {
  const alphabet = ["0", "1", "9", "-", ".", "e", "+", " "];
  let refused = 0;
  for (let seed = 1; seed <= 20_000; seed++) {
    const rand = seededRandom(seed);
    const length = Math.floor(rand() * 8);
    const text = Array.from({ length }, () => alphabet[Math.floor(rand() * alphabet.length)])
      .join("");
    const sum = new DecimalSum();
    let threw = false;
    try {
      sum.add(text);
    } catch (err) {
      assert.ok(err instanceof RangeError, `seed ${seed}: '${text}'`);
      threw = true;
      refused++;
    }
    assert.equal(threw, !Decimal.isDecimal(text), `seed ${seed}: '${text}'`);
    if (!threw) assert.equal(sum.toString(), Decimal.parse(text).toString(), `seed ${seed}`);
  }
  assert.ok(refused > 1000 && refused < 19_000, `${refused} refused`);
});
