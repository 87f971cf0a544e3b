import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { inclusionProof } from "../../lib/ledger/merkle_proofs.ts";
import { leafHash, nodeHash, rootOf } from "../../lib/ledger/merkle.ts";
import {
  BundleSyntaxError,
  decodeBase64Strict,
  formatProofBundle,
  parseCheckpointBody,
  parseProofBundle,
  type ProofBundle,
  verifyBundleInclusion,
} from "../../lib/ledger/proof_bundle.ts";

const enc = new TextEncoder();
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const lines = Array.from({ length: 11 }, (_, i) => enc.encode(`{"seq":${i}}`));
const leaves = lines.map(leafHash);
const root = rootOf(leaves);
const checkpointText = `example.org/log\n11\n${b64(root)}\n`;
const note = `${checkpointText}\n\u2014 example.org/log AAAAAAAA\n`;

function bundleFor(index: number): ProofBundle {
  return { index, proof: inclusionProof(leaves, { index }), checkpoint: note };
}

Deno.test("proof bundle format follows c2sp.org/tlog-proof@v1 line by line", () => {
  const b = bundleFor(3);
  const text = formatProofBundle(b);
  const expected = [
    "c2sp.org/tlog-proof@v1",
    "index 3",
    ...b.proof.map(b64),
    "",
    `example.org/log`,
    "11",
    b64(root),
    "",
    "\u2014 example.org/log AAAAAAAA",
    "",
  ].join("\n");
  assert.equal(text, expected);
  const withExtra = formatProofBundle({ ...b, extra: enc.encode("ctx") });
  assert.equal(withExtra.split("\n")[1], `extra ${b64(enc.encode("ctx"))}`);
  assert.deepEqual(parseProofBundle(withExtra).extra, enc.encode("ctx"));
});

Deno.test("proof bundle parse round-trips every index (property)", () => {
  fc.assert(fc.property(fc.nat(10), fc.option(fc.uint8Array({ maxLength: 40 })), (index, extra) => {
    const b = extra === null ? bundleFor(index) : { ...bundleFor(index), extra };
    const parsed = parseProofBundle(formatProofBundle(b));
    assert.equal(parsed.index, index);
    assert.deepEqual(parsed.proof.map(b64), b.proof.map(b64));
    assert.equal(parsed.checkpoint, note);
    assert.equal(formatProofBundle(parsed), formatProofBundle(b));
  }));
});

Deno.test("proof bundle parse rejects each malformed part with its line number", () => {
  const good = formatProofBundle(bundleFor(5)).split("\n");
  const cases: [string, string[], number][] = [
    ["wrong header", ["c2sp.org/tlog-proof@v2", ...good.slice(1)], 1],
    ["index with leading zero", [good[0], "index 05", ...good.slice(2)], 2],
    ["negative index", [good[0], "index -5", ...good.slice(2)], 2],
    ["index beyond 2^53", [good[0], "index 9007199254740993", ...good.slice(2)], 2],
    ["missing index", [good[0], ...good.slice(2)], 2],
    ["short hash", [...good.slice(0, 2), b64(new Uint8Array(31)), ...good.slice(3)], 3],
    ["long hash", [...good.slice(0, 2), b64(new Uint8Array(33)), ...good.slice(3)], 3],
    ["unpadded hash", [...good.slice(0, 2), good[2].replace(/=$/, ""), ...good.slice(3)], 3],
    [
      "url-safe hash",
      [...good.slice(0, 2), good[2].replace(/[+/]/g, "-") + "", ...good.slice(3)],
      3,
    ],
    ["bad extra", [good[0], "extra !!", ...good.slice(1)], 2],
  ];
  for (const [what, ls, line] of cases) {
    if (what === "url-safe hash" && !/[+/]/.test(good[2])) continue;
    assert.throws(() => parseProofBundle(ls.join("\n")), BundleSyntaxError, what);
    try {
      parseProofBundle(ls.join("\n"));
    } catch (e) {
      assert.equal((e as BundleSyntaxError).line, line, what);
    }
  }
  const noBlank = formatProofBundle(bundleFor(5)).split("\n\n")[0];
  assert.throws(() => parseProofBundle(noBlank), /blank line|checkpoint/);
  assert.throws(() => parseProofBundle([good[0], "index 0", good[2], ""].join("\n")), /checkpoint/);
  assert.throws(
    () => parseProofBundle([good[0], "index 0", good[2], "", "x"].join("\n")),
    /checkpoint/,
  );
  const tooMany = [good[0], "index 0", ...Array(64).fill(good[2]), "", note].join("\n");
  assert.throws(() => parseProofBundle(tooMany), /more than 63/);
});

Deno.test("proof bundle verifyBundleInclusion accepts the record and rejects any change", () => {
  const cp = parseCheckpointBody(checkpointText);
  for (let i = 0; i < lines.length; i++) {
    const bundle = parseProofBundle(formatProofBundle(bundleFor(i)));
    assert.ok(verifyBundleInclusion(lines[i], { bundle, checkpoint: cp }).ok);
    const edited = enc.encode(`{"seq":${i} }`);
    assert.ok(!verifyBundleInclusion(edited, { bundle, checkpoint: cp }).ok);
    const other = lines[(i + 1) % lines.length];
    assert.ok(!verifyBundleInclusion(other, { bundle, checkpoint: cp }).ok);
    const otherRoot = rootOf(leaves.slice(0, 10));
    assert.ok(
      !verifyBundleInclusion(lines[i], { bundle, checkpoint: { ...cp, root: otherRoot } }).ok,
    );
    const v = verifyBundleInclusion(lines[i], { bundle: { ...bundle, index: 11 }, checkpoint: cp });
    assert.ok(!v.ok && v.code === "INDEX_OUT_OF_RANGE");
  }
});

Deno.test("proof bundle parseCheckpointBody is strict about size and root", () => {
  const r = b64(root);
  assert.equal(parseCheckpointBody(`o\n0\n${r}\n`).size, 0);
  assert.deepEqual(parseCheckpointBody(`o\n2\n${r}\next one\n`).extensions, ["ext one"]);
  for (
    const bad of [
      `o\n2\n${r}`,
      `o\n02\n${r}\n`,
      `o\n-1\n${r}\n`,
      `o\n2\n${r.slice(0, -1)}\n`,
      `o\n2\n${b64(new Uint8Array(20))}\n`,
      `\n2\n${r}\n`,
      `o\n2\n`,
      `o\n2\n${r}\n\n`,
    ]
  ) {
    assert.throws(() => parseCheckpointBody(bad), BundleSyntaxError, JSON.stringify(bad));
  }
  assert.throws(() => decodeBase64Strict("AAF="), SyntaxError);
});

Deno.test("proof bundle round-trips and verifies indices beyond 2^32 in synthetic trees", () => {
  // Leaves are all U except the last 4 (our entries); equal-leaf ranges are memoised by length.
  const u = leafHash(enc.encode("u"));
  const memo = new Map<number, Uint8Array>([[1, u]]);
  const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
  const uniform = (n: number): Uint8Array => {
    if (!memo.has(n)) memo.set(n, nodeHash(uniform(split(n)), uniform(n - split(n))));
    return memo.get(n)!;
  };
  for (const size of [2 ** 32 + 5, 2 ** 45 + 3]) {
    const entry = (i: number) => enc.encode(`{"seq":${i}}`);
    const leafAt = (i: number) => i < size - 4 ? u : leafHash(entry(i));
    const sub = (s: number, e: number): Uint8Array =>
      e <= size - 4
        ? uniform(e - s)
        : e - s === 1
        ? leafAt(s)
        : nodeHash(sub(s, s + split(e - s)), sub(s + split(e - s), e));
    const hasher = { subtreeHash: sub };
    const cp = { origin: "big.example/log", size, root: sub(0, size), extensions: [] };
    const cpNote = `big.example/log\n${size}\n${b64(cp.root)}\n\n\u2014 big.example/log AAAAAAAA\n`;
    for (let index = size - 4; index < size; index++) {
      const text = formatProofBundle({
        index,
        proof: inclusionProof(hasher, { index, size }),
        checkpoint: cpNote,
      });
      const bundle = parseProofBundle(text);
      assert.equal(bundle.index, index);
      assert.deepEqual(parseCheckpointBody(cpNote.split("\n\n")[0] + "\n"), cp);
      assert.ok(
        verifyBundleInclusion(entry(index), { bundle, checkpoint: cp }).ok,
        `${index}/${size}`,
      );
      assert.ok(!verifyBundleInclusion(entry(index - 1), { bundle, checkpoint: cp }).ok);
    }
  }
});

Deno.test("proof bundle parsing throws only BundleSyntaxError on arbitrary and mutated input", () => {
  const good = formatProofBundle(bundleFor(4));
  const mutated = fc.tuple(fc.nat(good.length), fc.string({ maxLength: 3 }), fc.nat(3)).map((
    [at, ins, del],
  ) => good.slice(0, at) + ins + good.slice(at + del));
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutated), (text) => {
      try {
        const b = parseProofBundle(text);
        // Whatever parses must be well-formed and re-format to a bundle that parses the same.
        assert.ok(b.proof.every((h) => h.length === 32));
        assert.deepEqual(parseProofBundle(formatProofBundle(b)).index, b.index);
      } catch (err) {
        assert.ok(err instanceof BundleSyntaxError, String(err));
      }
    }),
    { numRuns: 2000 },
  );
});
