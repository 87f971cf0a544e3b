import assert from "node:assert/strict";
import fc from "fast-check";
import {
  canonicalize,
  formatNumber,
  formatString,
  JsonCanonError,
  loneSurrogateIndex,
} from "../../lib/ledger/canonical_json.ts";
import { parseJsonStrict } from "../../lib/ledger/strict_json.ts";

function fromIeeeHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof JsonCanonError) return err.code;
    throw err;
  }
  throw new Error("did not throw");
}

// RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialisation.
const APPENDIX_B: [string, string][] = [
  ["0000000000000000", "0"],
  ["0000000000000001", "5e-324"],
  ["8000000000000001", "-5e-324"],
  ["7fefffffffffffff", "1.7976931348623157e+308"],
  ["ffefffffffffffff", "-1.7976931348623157e+308"],
  ["4340000000000000", "9007199254740992"],
  ["c340000000000000", "-9007199254740992"],
  ["4430000000000000", "295147905179352830000"],
  ["44b52d02c7e14af5", "9.999999999999997e+22"],
  ["44b52d02c7e14af6", "1e+23"],
  ["44b52d02c7e14af7", "1.0000000000000001e+23"],
  ["444b1ae4d6e2ef4e", "999999999999999700000"],
  ["444b1ae4d6e2ef4f", "999999999999999900000"],
  ["444b1ae4d6e2ef50", "1e+21"],
  ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
  ["3eb0c6f7a0b5ed8d", "0.000001"],
  ["41b3de4355555553", "333333333.3333332"],
  ["41b3de4355555554", "333333333.33333325"],
  ["41b3de4355555555", "333333333.3333333"],
  ["41b3de4355555556", "333333333.3333334"],
  ["41b3de4355555557", "333333333.33333343"],
  ["becbf647612f3696", "-0.0000033333333333333333"],
  ["43143ff3c1cb0959", "1424953923781206.2"],
];

Deno.test("formatNumber serialises every RFC 8785 Appendix B value as the RFC requires", () => {
  for (const [hex, expected] of APPENDIX_B) {
    assert.deepEqual(formatNumber(fromIeeeHex(hex)), expected, hex);
    assert.deepEqual(canonicalize([fromIeeeHex(hex)]), `[${expected}]`, hex);
  }
});

Deno.test("canonicalize rejects NaN, Infinity and -0 (Appendix B's non-finite rows, I-JSON -0)", () => {
  assert.deepEqual(code(() => canonicalize(fromIeeeHex("7fffffffffffffff"))), "NON_FINITE");
  assert.deepEqual(code(() => canonicalize({ a: fromIeeeHex("7ff0000000000000") })), "NON_FINITE");
  assert.deepEqual(code(() => canonicalize([-Infinity])), "NON_FINITE");
  assert.deepEqual(
    code(() => canonicalize({ x: [fromIeeeHex("8000000000000000")] })),
    "NEGATIVE_ZERO",
  );
});

Deno.test("canonicalize writes every double as JSON that parses back to the same double", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      if (Object.is(x, -0)) return;
      const text = canonicalize([x]);
      assert.match(text, /^\[-?(0|[1-9][0-9]*)(\.[0-9]+)?(e[+-][0-9]+)?\]$/);
      assert.equal(JSON.parse(text)[0], x);
    }),
    { numRuns: 20000 },
  );
  assert.throws(() => formatNumber(Infinity), JsonCanonError);
});

Deno.test("canonicalize writes every well-formed string so that it parses back unchanged", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (text) => {
      assert.equal(loneSurrogateIndex(text), -1);
      assert.equal(JSON.parse(canonicalize(text)), text);
      assert.equal(formatString(text), canonicalize(text));
    }),
    { numRuns: 5000 },
  );
  assert.equal(loneSurrogateIndex("ok\ud83d\ude00\udc00"), 4);
  assert.throws(() => formatString("\ud800", "/x"), /lone surrogate U\+D800 at '\/x'/);
});

Deno.test("canonicalize reproduces the RFC 8785 section 3.2.2 example byte for byte", () => {
  const input = `{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
    "literals": [null, true, false]
  }`;
  const expected =
    `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],` +
    `"string":"€$\\u000f\\nA'B\\"\\\\\\\\\\"/"}`;
  assert.deepEqual(canonicalize(parseJsonStrict(input)), expected);
  assert.deepEqual(canonicalize(JSON.parse(input)), expected);
});

Deno.test("canonicalize sorts keys by UTF-16 code units as in RFC 8785 section 3.2.3", () => {
  const input = {
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis",
  };
  // Key order as written (Object.keys would move the integer-like key "1" first).
  const order = [...canonicalize(input).matchAll(/"([^"]*)":"[^"]*"/g)].map((m) =>
    JSON.parse(`"${m[1]}"`)
  );
  // U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it in code points.
  assert.deepEqual(order, ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"]);
  assert.deepEqual(
    canonicalize({ b: { d: 1, c: 2 }, a: [{ z: 0, y: 1 }] }),
    '{"a":[{"y":1,"z":0}],"b":{"c":2,"d":1}}',
  );
});

Deno.test("canonicalize escapes only quote, backslash and U+0000..U+001F, lowercase hex", () => {
  const all = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).join("");
  assert.deepEqual(
    canonicalize(all),
    '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f' +
      '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"',
  );
  assert.deepEqual(canonicalize('"\\/\u007f\u2028é😀'), '"\\"\\\\/\u007f\u2028é😀"');
});

Deno.test("canonicalize rejects lone surrogates and non-JSON values with the JSON Pointer", () => {
  assert.throws(() => canonicalize({ a: { "b/c": ["x", "\ud800"] } }), (err: unknown) => {
    assert.ok(err instanceof JsonCanonError);
    assert.equal(err.code, "LONE_SURROGATE");
    assert.equal(err.path, "/a/b~1c/1");
    return true;
  });
  assert.deepEqual(code(() => canonicalize("\udc00x")), "LONE_SURROGATE");
  assert.deepEqual(code(() => canonicalize({ ["\ud83d"]: 1 })), "LONE_SURROGATE");
  assert.deepEqual(code(() => canonicalize({ a: undefined })), "NOT_JSON");
  assert.deepEqual(code(() => canonicalize({ a: 1n })), "NOT_JSON");
  assert.deepEqual(code(() => canonicalize(new Date(0))), "NOT_JSON");
  assert.deepEqual(code(() => canonicalize(new Map())), "NOT_JSON");
});

Deno.test("parseJsonStrict rejects duplicate keys, lone surrogates, big integers, -0 and overflow", () => {
  assert.deepEqual(code(() => parseJsonStrict('{"a":1,"b":{"c":1,"c":2}}')), "DUPLICATE_KEY");
  assert.deepEqual(code(() => parseJsonStrict('{"a":1,"\\u0061":2}')), "DUPLICATE_KEY");
  assert.deepEqual(code(() => parseJsonStrict('["\\ud800"]')), "LONE_SURROGATE");
  assert.deepEqual(code(() => parseJsonStrict('"\\udc00\\ud800"')), "LONE_SURROGATE");
  assert.deepEqual(code(() => parseJsonStrict("9007199254740993")), "BIG_INTEGER");
  assert.deepEqual(code(() => parseJsonStrict("-0")), "NEGATIVE_ZERO");
  assert.deepEqual(code(() => parseJsonStrict("1e400")), "NON_FINITE");
  assert.deepEqual(code(() => parseJsonStrict("NaN")), "NON_FINITE");
  assert.deepEqual(code(() => parseJsonStrict("[1,]")), "SYNTAX");
  assert.deepEqual(code(() => parseJsonStrict("01")), "SYNTAX");
  assert.deepEqual(code(() => parseJsonStrict('{"a":1} x')), "SYNTAX");
  assert.deepEqual(code(() => parseJsonStrict("[".repeat(100) + "]".repeat(100))), "TOO_DEEP");
  assert.deepEqual(
    parseJsonStrict('{"__proto__": {"x": 1}, "a": "\\ud83d\\ude00"}'),
    JSON.parse('{"__proto__": {"x": 1}, "a": "😀"}'),
  );
  assert.deepEqual(parseJsonStrict("9007199254740991"), 9007199254740991);
});

Deno.test("parseJsonStrict then canonicalize is idempotent and matches JSON.parse on valid input", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      let text: string;
      try {
        text = canonicalize(value);
      } catch (err) {
        assert.ok(err instanceof JsonCanonError && err.code === "NEGATIVE_ZERO");
        return;
      }
      assert.deepEqual(canonicalize(parseJsonStrict(text)), text);
      assert.deepEqual(canonicalize(JSON.parse(text)), text);
      assert.deepEqual(canonicalize(parseJsonStrict(JSON.stringify(value, null, 2))), text);
    }),
    { numRuns: 2000 },
  );
});
