import assert from "node:assert/strict";
import fc from "fast-check";
import { DECIMAL_NUMBER_PATTERN, parseDecimalNumber } from "../../lib/base/decimal_number.ts";

/** The documented grammar, written out independently of the module's regular expression. */
function matchesGrammar(text: string): boolean {
  let i = 0;
  const digits = () => {
    const start = i;
    while (i < text.length && text[i] >= "0" && text[i] <= "9") i++;
    return i > start;
  };
  if (text[i] === "-") i++;
  if (!digits()) return false;
  if (i < text.length && text[i] === ".") {
    i++;
    if (!digits()) return false;
  }
  return i === text.length;
}

const digitString = (min: number, max: number) =>
  fc.array(fc.constantFrom(..."0123456789"), { minLength: min, maxLength: max }).map((a) =>
    a.join("")
  );

/** Strings of the grammar: -?DIGITS(.DIGITS)? */
const grammarString = fc.tuple(
  fc.boolean(),
  digitString(1, 25),
  fc.option(digitString(1, 25), { nil: undefined }),
).map(([neg, int, frac]) => `${neg ? "-" : ""}${int}${frac === undefined ? "" : `.${frac}`}`);

/** Strings near the grammar: mixes digits with the characters Number() also understands. */
const nearString = fc.array(
  fc.constantFrom(..."0123456789.-+eExXbBoO _abcdfInfinityNa\t\n"),
  { maxLength: 14 },
).map((a) => a.join(""));

Deno.test("parseDecimalNumber accepts exactly the grammar strings and returns Number's value for them", () => {
  fc.assert(
    fc.property(
      fc.oneof(grammarString, nearString, fc.string(), fc.string({ unit: "grapheme" })),
      (s) => {
        const parsed = parseDecimalNumber(s);
        const inGrammar = matchesGrammar(s);
        assert.equal(DECIMAL_NUMBER_PATTERN.test(s), inGrammar, s);
        if (inGrammar && Number.isFinite(Number(s))) {
          assert.ok(Object.is(parsed, Number(s)), s);
        } else {
          assert.equal(parsed, undefined, s);
        }
      },
    ),
    { numRuns: 5000 },
  );
});

Deno.test("parseDecimalNumber refuses hex, binary, octal, exponents, Infinity, empty and spaced text that Number() reads", () => {
  for (
    const s of [
      "0x10",
      "0X10",
      "0b1",
      "0B1",
      "0o7",
      "0O7",
      "1e3",
      "1E3",
      "Infinity",
      "-Infinity",
      "NaN",
      "",
      " ",
      " 5",
      "5 ",
      "\t5",
      "+5",
      ".5",
      "5.",
      "1_000",
      "--1",
    ]
  ) {
    assert.equal(parseDecimalNumber(s), undefined, JSON.stringify(s));
  }
  assert.equal(parseDecimalNumber("1" + "0".repeat(400)), undefined);
  assert.equal(parseDecimalNumber("010"), 10);
  assert.equal(parseDecimalNumber("-3", { negative: false }), undefined);
  assert.equal(parseDecimalNumber("3", { negative: false }), 3);
});
