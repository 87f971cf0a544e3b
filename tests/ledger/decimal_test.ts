import assert from "node:assert/strict";
import fc from "fast-check";
import { Decimal } from "../../lib/ledger/decimal.ts";

const decimalText = fc.tuple(
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
  fc.integer({ min: 0, max: 12 }),
).map(
  ([units, scale]) => ({ units, scale, text: new Decimal(units, scale).toString() }),
);

Deno.test("Decimal sums are exact where floating point is not", () => {
  assert.equal(Decimal.parse("0.1").add(Decimal.parse("0.2")).toString(), "0.3");
  let sum = Decimal.ZERO;
  for (let i = 0; i < 1000; i++) sum = sum.add(Decimal.parse("0.001"));
  assert.equal(sum.toString(), "1");
  assert.equal(
    Decimal.parse("12345678901234567890.123456789").add(Decimal.parse("0.000000001")).toString(),
    "12345678901234567890.12345679",
  );
  assert.equal(Decimal.parse("-1.50").add(Decimal.parse("1.5")).toString(), "0");
  assert.equal(Decimal.parse("2.50").toString(), "2.5");
  assert.equal(Decimal.parse("-0.003").toString(), "-0.003");
});

Deno.test("Decimal.parse rejects everything that is not a plain decimal string", () => {
  for (const bad of ["", "1e3", "+1", " 1", "01", "1.", ".5", "0x10", "NaN", "1,5", "--1"]) {
    assert.throws(() => Decimal.parse(bad), RangeError, bad);
    assert.equal(Decimal.isDecimal(bad), false);
  }
});

Deno.test("Decimal addition matches scaled bigint arithmetic for arbitrary operands", () => {
  fc.assert(
    fc.property(decimalText, decimalText, (a, b) => {
      const scale = Math.max(a.scale, b.scale);
      const expected = a.units * 10n ** BigInt(scale - a.scale) +
        b.units * 10n ** BigInt(scale - b.scale);
      const sum = Decimal.parse(a.text).add(Decimal.parse(b.text));
      assert.equal(sum.toString(), new Decimal(expected, scale).toString());
      assert.equal(Decimal.parse(sum.toString()).compare(new Decimal(expected, scale)), 0);
      assert.equal(
        Decimal.parse(a.text).add(Decimal.parse(b.text)).toString(),
        Decimal.parse(b.text).add(Decimal.parse(a.text)).toString(),
      );
    }),
    { numRuns: 3000 },
  );
});

Deno.test("Decimal toString round-trips through parse", () => {
  fc.assert(
    fc.property(decimalText, (a) => {
      assert.ok(Decimal.isDecimal(a.text), a.text);
      assert.equal(Decimal.parse(a.text).toString(), a.text);
      assert.equal(Decimal.parse(a.text).compare(new Decimal(a.units, a.scale)), 0);
    }),
  );
});
