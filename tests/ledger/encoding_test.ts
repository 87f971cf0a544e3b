import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import {
  fromBase64,
  fromBase64Url,
  fromHex,
  toBase64,
  toBase64Url,
  toHex,
} from "../../lib/ledger/encoding.ts";

Deno.test("hex, base64 and base64url encode like node:buffer and decode back (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(8), (bytes, skip) => {
      const view = bytes.subarray(Math.min(skip, bytes.length)); // non-zero byteOffset too
      const buf = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
      assert.equal(toHex(view), buf.toString("hex"));
      assert.equal(toBase64(view), buf.toString("base64"));
      assert.equal(toBase64Url(view), buf.toString("base64url"));
      assert.deepEqual(fromHex(toHex(view)), new Uint8Array(view));
      assert.deepEqual(fromHex(toHex(view).toUpperCase()), new Uint8Array(view));
      assert.deepEqual(fromBase64(toBase64(view)), new Uint8Array(view));
      assert.deepEqual(fromBase64Url(toBase64Url(view)), new Uint8Array(view));
    }),
    { numRuns: 300 },
  );
});

Deno.test("fromHex refuses odd lengths and non-hex characters with a RangeError", () => {
  for (const bad of ["0", "0g", "zz", "00 ff", "0x00"]) {
    assert.throws(() => fromHex(bad), RangeError, bad);
  }
});

Deno.test("fromBase64 refuses missing padding, whitespace, other alphabets and padding bits", () => {
  for (
    const bad of ["AQIDBA", "AQIDBA=", "AQ ID BA==", "AQIDBA==\n", "-_8=", "AQIDBB==", "AQI=="]
  ) {
    assert.throws(() => fromBase64(bad), RangeError, JSON.stringify(bad));
  }
});

Deno.test("fromBase64Url refuses padding, the standard alphabet, a lone char and trailing bits", () => {
  for (const bad of ["-_8=", "+/8", "A", "AQIDB", "-_9", " -_8"]) {
    assert.throws(() => fromBase64Url(bad), RangeError, JSON.stringify(bad));
  }
  assert.deepEqual(fromBase64Url(""), new Uint8Array());
});
