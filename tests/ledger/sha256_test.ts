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

/** `parts` as views at a nonzero offset into larger buffers, as record lines are in a read chunk. */
const atOffsets = (parts: Uint8Array[], shift: number) =>
  parts.map((p) => {
    const buf = new Uint8Array(p.length + shift + 3);
    buf.set(p, shift);
    return buf.subarray(shift, shift + p.length);
  });

Deno.test("sha256 of 1 to 5 random parts of 0-300 bytes each equals node:crypto's digest (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 0, max: 7 }),
      (parts, shift) => {
        const whole = createHash("sha256");
        for (const p of parts) whole.update(p);
        const expected = whole.digest("hex");
        assert.equal(hex(sha256(...parts)), expected);
        assert.equal(hex(sha256(...atOffsets(parts, shift))), expected, `views at offset ${shift}`);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("sha256 of random parts totalling around 64 KiB equals node:crypto's digest on both paths (property)", () => {
  const sizes = fc.integer({ min: 65_536 - 130, max: 65_536 + 130 });
  const cuts = fc.array(fc.nat(), { maxLength: 4 });
  fc.assert(
    fc.property(sizes, cuts, fc.integer({ min: 0, max: 255 }), (size, rawCuts, seed) => {
      const data = new Uint8Array(size).map((_, i) => (i * 131 + seed) & 0xff);
      const at = [0, ...rawCuts.map((c) => c % (size + 1)).sort((a, b) => a - b), size];
      const parts = at.slice(1).map((end, i) => data.subarray(at[i], end));
      assert.equal(
        hex(sha256(...parts)),
        createHash("sha256").update(data).digest("hex"),
        `${size} bytes cut at ${at.join(",")}`,
      );
    }),
    { numRuns: 200 },
  );
});

Deno.test("sha256.ts loads node:crypto only when an input needs it, not by a static import", async () => {
  const module = new URL("../../lib/ledger/sha256.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", module],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph: { modules: { specifier: string }[] } = JSON.parse(
    new TextDecoder().decode(out.stdout),
  );
  const specifiers = graph.modules.map((m) => m.specifier);
  assert.ok(specifiers.some((s) => s.endsWith("/lib/ledger/sha256.ts")), specifiers.join(" "));
  assert.deepEqual(specifiers.filter((s) => s.startsWith("node:")), []);
});
