import assert from "node:assert/strict";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { sha256 } from "../../lib/ledger/sha256.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const enc = new TextEncoder();

Deno.test("sha256 matches the FIPS 180-4 examples (one block, two blocks, empty, a million a)", () => {
  assert.equal(
    hex(sha256(enc.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(hex(sha256()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(
    hex(sha256(new Uint8Array(1_000_000).fill(0x61))),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

Deno.test("sha256 agrees with node:crypto at every length around the block and padding edges", () => {
  for (let n = 0; n <= 200; n++) {
    const data = new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff);
    assert.equal(
      hex(sha256(data)),
      createHash("sha256").update(data).digest("hex"),
      `length ${n}`,
    );
  }
});

Deno.test("sha256 of split parts equals the hash of their concatenation (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 150 }), { maxLength: 5 }), (parts) => {
      const whole = createHash("sha256");
      for (const p of parts) whole.update(p);
      assert.equal(hex(sha256(...parts)), whole.digest("hex"));
    }),
    { numRuns: 300 },
  );
});

Deno.test("sha256 gives the same digest on both sides of the size where it switches to node:crypto", () => {
  for (let n = 65_536 - 70; n <= 65_536 + 70; n++) {
    const data = new Uint8Array(n).map((_, i) => (i * 71 + n) & 0xff);
    const expected = createHash("sha256").update(data).digest("hex");
    assert.equal(hex(sha256(data)), expected, `length ${n}`);
    const cut = n % 97;
    assert.equal(hex(sha256(data.subarray(0, cut), data.subarray(cut))), expected, `split ${n}`);
  }
});
