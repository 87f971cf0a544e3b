import assert, { deepStrictEqual, ok, throws } from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { fromHex, toHex } from "../../lib/ledger/encoding.ts";
import { consistencyProof, inclusionProof } from "../../lib/ledger/merkle_proofs.ts";
import {
  emptyRoot,
  leafHash,
  MerkleAccumulator,
  nodeHash,
  rootOf,
  splitPoint,
  type SubtreeHasher,
} from "../../lib/ledger/merkle.ts";
import { verifyConsistency, verifyInclusion } from "../../lib/ledger/merkle_verify.ts";

const assertEquals = <T>(a: T, b: T, msg?: string) => assert.equal(a, b, msg);
const equal = (a: Uint8Array, b: Uint8Array) => toHex(a) === toHex(b);

// ---- A straightforward recursive reference, written from RFC 6962 / RFC 9162 section 2.1 ----

function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
const refLeaf = (d: Uint8Array) => sha(new Uint8Array([0]), d);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(new Uint8Array([1]), l, r);
function refK(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function refMth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0];
  const k = refK(d.length);
  return refNode(refMth(d.slice(0, k)), refMth(d.slice(k)));
}
function refPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = refK(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}
function refSubproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [refMth(d)];
  const k = refK(d.length);
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), refMth(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), refMth(d.slice(0, k))];
}

/** Leaf hashes of entries "0", "1", ... (distinct). */
function leaves(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => refLeaf(new TextEncoder().encode(String(i))));
}

const MAX = 64;
const ALL = leaves(MAX);
const ROOTS = Array.from({ length: MAX + 1 }, (_, n) => refMth(ALL.slice(0, n)));

function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const c = h.slice();
  c[Math.floor(bit / 8) % c.length] ^= 1 << (bit % 8);
  return c;
}

/** Every structural and bit mutation of a proof: none may verify. */
function mutations(proof: Uint8Array[], seed: number): [string, Uint8Array[]][] {
  const out: [string, Uint8Array[]][] = [];
  const extra = refLeaf(new Uint8Array([0xee]));
  for (let i = 0; i < proof.length; i++) {
    out.push([
      `flip bit in hash ${i}`,
      proof.map((h, j) => j === i ? flipBit(h, seed + i * 37) : h),
    ]);
    out.push([`remove hash ${i}`, proof.filter((_, j) => j !== i)]);
    out.push([`truncate hash ${i}`, proof.map((h, j) => j === i ? h.slice(0, 31) : h)]);
    out.push([`extend hash ${i}`, proof.map((h, j) => j === i ? new Uint8Array([...h, 0]) : h)]);
    out.push([`duplicate hash ${i}`, [...proof.slice(0, i + 1), ...proof.slice(i)]]);
    if (i + 1 < proof.length && !equal(proof[i], proof[i + 1])) {
      out.push([`swap hashes ${i},${i + 1}`, [
        ...proof.slice(0, i),
        proof[i + 1],
        proof[i],
        ...proof.slice(i + 2),
      ]]);
    }
  }
  for (let i = 0; i <= proof.length; i++) {
    out.push([`insert hash at ${i}`, [...proof.slice(0, i), extra, ...proof.slice(i)]]);
  }
  out.push(["truncate proof to empty", []]);
  return out.filter(([, p]) => p.length !== proof.length || p.some((h, i) => !equal(h, proof[i])));
}

Deno.test("merkle rootOf matches the recursive definition for sizes 0..9", () => {
  assertEquals(toHex(rootOf([])), toHex(sha()));
  assertEquals(
    toHex(emptyRoot()),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  for (let n = 0; n <= 9; n++) {
    assertEquals(toHex(rootOf(ALL.slice(0, n))), toHex(ROOTS[n]), `n=${n}`);
  }
});

Deno.test("merkle rootOf matches the certificate-transparency test tree roots", () => {
  // The 8 leaves used by RFC 6962 implementations' test suites (certificate-transparency-go).
  const data = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
  ].map(fromHex);
  const ls = data.map(leafHash);
  assertEquals(
    toHex(rootOf(ls.slice(0, 1))),
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  );
  assertEquals(
    toHex(rootOf(ls)),
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  );
  for (let n = 0; n <= 8; n++) {
    assertEquals(toHex(rootOf(ls.slice(0, n))), toHex(refMth(ls.slice(0, n))));
  }
});

Deno.test("merkle leafHash and nodeHash follow RFC 6962 prefixes and reject wrong lengths", () => {
  const d = new TextEncoder().encode("record");
  assertEquals(toHex(leafHash(d)), toHex(sha(new Uint8Array([0]), d)));
  const a = leafHash(d);
  const b = leafHash(new Uint8Array());
  assertEquals(toHex(nodeHash(a, b)), toHex(sha(new Uint8Array([1]), a, b)));
  throws(() => nodeHash(a.slice(1), b), RangeError);
  throws(() => nodeHash(a, new Uint8Array(33)), RangeError);
});

Deno.test("merkle splitPoint is the largest power of two below n, also beyond 2^32", () => {
  for (let n = 2; n < 300; n++) assertEquals(splitPoint(n), refK(n));
  for (const e of [31, 32, 33, 40, 52]) {
    assertEquals(splitPoint(2 ** e), 2 ** (e - 1));
    assertEquals(splitPoint(2 ** e + 1), 2 ** e);
  }
  assertEquals(splitPoint(Number.MAX_SAFE_INTEGER), 2 ** 52);
  throws(() => splitPoint(1), RangeError);
});

Deno.test("merkle accumulator matches rootOf at every size and survives toState/fromState", () => {
  const acc = new MerkleAccumulator();
  assertEquals(toHex(acc.root()), toHex(ROOTS[0]));
  for (let n = 1; n <= MAX; n++) {
    acc.append(ALL[n - 1]);
    assertEquals(acc.size, n);
    assertEquals(toHex(acc.root()), toHex(ROOTS[n]), `n=${n}`);
    const again = MerkleAccumulator.fromState(JSON.parse(JSON.stringify(acc.toState())));
    assertEquals(toHex(again.root()), toHex(ROOTS[n]));
    assertEquals(again.toState().frontier.length, acc.toState().frontier.length);
  }
  throws(() => MerkleAccumulator.fromState({ size: 3, frontier: [] }), RangeError);
  throws(() => MerkleAccumulator.fromState({ size: 1, frontier: ["zz".repeat(32)] }), RangeError);
  throws(() => MerkleAccumulator.fromState({ size: -1, frontier: [] }), RangeError);
  throws(() => new MerkleAccumulator().append(new Uint8Array(31)), RangeError);
});

Deno.test("merkle inclusion proofs match the reference for all sizes up to 64 and every index", () => {
  for (let n = 1; n <= MAX; n++) {
    const d = ALL.slice(0, n);
    for (let m = 0; m < n; m++) {
      const proof = inclusionProof(d, { index: m });
      deepStrictEqual(proof.map(toHex), refPath(m, d).map(toHex), `m=${m} n=${n}`);
      // Same proof from a leaf function and from a subtree hasher.
      deepStrictEqual(
        inclusionProof((i) => d[i], { index: m, size: n }).map(toHex),
        proof.map(toHex),
      );
      const hasher: SubtreeHasher = { subtreeHash: (s, e) => refMth(d.slice(s, e)) };
      deepStrictEqual(inclusionProof(hasher, { index: m, size: n }).map(toHex), proof.map(toHex));
      ok(verifyInclusion(d[m], { index: m, size: n, proof, root: ROOTS[n] }).ok, `m=${m} n=${n}`);
    }
  }
  throws(() => inclusionProof(ALL.slice(0, 3), { index: 3 }), RangeError);
  throws(() => inclusionProof(ALL.slice(0, 3), { index: -1 }), RangeError);
  throws(() => inclusionProof(ALL.slice(0, 3), { index: 0, size: 4 }), RangeError);
});

Deno.test("merkle verifyInclusion rejects every mutation of every proof up to size 64", () => {
  let checked = 0;
  for (let n = 1; n <= MAX; n++) {
    const d = ALL.slice(0, n);
    for (let m = 0; m < n; m++) {
      const proof = refPath(m, d);
      const good = { index: m, size: n, proof, root: ROOTS[n] };
      for (const [what, p] of mutations(proof, m * 7 + n)) {
        const v = verifyInclusion(d[m], { ...good, proof: p });
        assert(!v.ok, `${what} accepted for m=${m} n=${n}`);
        checked++;
      }
      assert(!verifyInclusion(flipBit(d[m], m + n), good).ok, "flipped leaf");
      assert(!verifyInclusion(d[m], { ...good, root: flipBit(ROOTS[n], n) }).ok, "flipped root");
      assert(!verifyInclusion(d[m], { ...good, root: ROOTS[n - 1] }).ok, "root of other size");
      assert(!verifyInclusion(d[m], { ...good, root: ROOTS[n].slice(0, 31) }).ok, "short root");
      if (n > 1) {
        const other = (m + 1) % n;
        assert(!verifyInclusion(d[other], good).ok, `leaf ${other} at index ${m}`);
        assert(!verifyInclusion(d[m], { ...good, index: other }).ok, `index ${other} for ${m}`);
      }
      const v = verifyInclusion(d[m], { ...good, index: n });
      assert(!v.ok && v.code === "INDEX_OUT_OF_RANGE");
    }
  }
  assert(checked > 10_000, `only ${checked} mutations checked`);
  for (const [index, size] of [[-1, 5], [0, 0], [1.5, 5], [0, 2 ** 53]]) {
    assert(!verifyInclusion(ALL[0], { index, size, proof: [], root: ROOTS[1] }).ok);
  }
});

Deno.test("merkle consistency proofs match the reference for all 1 <= m <= n <= 64", () => {
  for (let n = 1; n <= MAX; n++) {
    const d = ALL.slice(0, n);
    for (let m = 1; m <= n; m++) {
      const proof = consistencyProof(d, { size1: m });
      deepStrictEqual(proof.map(toHex), refSubproof(m, d, true).map(toHex), `m=${m} n=${n}`);
      const input = { size1: m, size2: n, root1: ROOTS[m], root2: ROOTS[n], proof };
      ok(verifyConsistency(input).ok, `m=${m} n=${n}`);
    }
  }
  throws(() => consistencyProof(ALL.slice(0, 4), { size1: 0 }), RangeError);
  throws(() => consistencyProof(ALL.slice(0, 4), { size1: 5 }), RangeError);
});

Deno.test("merkle verifyConsistency rejects every mutation, size1 = 0, swapped and foreign roots", () => {
  let checked = 0;
  for (let n = 1; n <= MAX; n++) {
    const d = ALL.slice(0, n);
    for (let m = 1; m <= n; m++) {
      const proof = refSubproof(m, d, true);
      const good = { size1: m, size2: n, root1: ROOTS[m], root2: ROOTS[n], proof };
      for (const [what, p] of mutations(proof, m * 13 + n)) {
        assert(!verifyConsistency({ ...good, proof: p }).ok, `${what} accepted for ${m}->${n}`);
        checked++;
      }
      assert(!verifyConsistency({ ...good, root1: flipBit(ROOTS[m], n) }).ok, "flipped root1");
      assert(!verifyConsistency({ ...good, root2: flipBit(ROOTS[n], m) }).ok, "flipped root2");
      assert(!verifyConsistency({ ...good, root2: ROOTS[n].slice(1) }).ok, "short root2");
      if (m !== n) {
        assert(!verifyConsistency({ ...good, root1: ROOTS[n], root2: ROOTS[m] }).ok, "swapped");
        assert(!verifyConsistency({ ...good, size1: n, size2: m }).ok, "sizes swapped");
        assert(!verifyConsistency({ ...good, root1: ROOTS[m - 1] }).ok, "root of other size");
      }
      const z = verifyConsistency({ ...good, size1: 0, root1: ROOTS[0] });
      assert(!z.ok && z.code === "BAD_SIZE", "size1 = 0");
    }
  }
  assert(checked > 10_000, `only ${checked} mutations checked`);
});

/**
 * A synthetic tree of `size` leaves beyond 2^32: every leaf equals U except the last `tail`
 * leaves, which are distinct. Ranges of U leaves are memoised by length, so proofs cost
 * O(log n + tail) hashes.
 */
function bigTree(size: number, tail: number): SubtreeHasher & { leaf(i: number): Uint8Array } {
  const u = refLeaf(new TextEncoder().encode("u"));
  const memo = new Map<number, Uint8Array>();
  const uniform = (len: number): Uint8Array => {
    if (len === 1) return u;
    const hit = memo.get(len);
    if (hit) return hit;
    const k = refK(len);
    const h = refNode(uniform(k), uniform(len - k));
    memo.set(len, h);
    return h;
  };
  const leaf = (i: number) => i < size - tail ? u : refLeaf(new TextEncoder().encode(`t${i}`));
  const sub = (s: number, e: number): Uint8Array => {
    if (e <= size - tail) return uniform(e - s);
    if (e - s === 1) return leaf(s);
    const k = refK(e - s);
    return refNode(sub(s, s + k), sub(s + k, e));
  };
  return { subtreeHash: sub, leaf };
}

Deno.test("merkle proofs verify for sizes and indices beyond 2^32 and 2^40", () => {
  for (const size of [2 ** 32 + 9, 2 ** 40 + 7, 2 ** 52 + 5]) {
    const tree = bigTree(size, 12);
    const root = tree.subtreeHash(0, size);
    for (let index = size - 12; index < size; index++) {
      const proof = inclusionProof(tree, { index, size });
      ok(verifyInclusion(tree.leaf(index), { index, size, proof, root }).ok, `${index}/${size}`);
      // Indices that collide with this one under 32-bit truncation must fail.
      for (
        const wrong of [index - 2 ** 32, index % 2 ** 32, index - 1].filter((w) => w !== index)
      ) {
        assert(
          !verifyInclusion(tree.leaf(index), { index: wrong, size, proof, root }).ok,
          `index ${wrong} accepted for ${index}/${size}`,
        );
      }
    }
    for (const size1 of [size - 11, size - 5, size - 1]) {
      const proof = consistencyProof(tree, { size1, size2: size });
      const input = { size1, size2: size, root1: tree.subtreeHash(0, size1), root2: root, proof };
      ok(verifyConsistency(input).ok, `${size1} -> ${size}`);
      assert(!verifyConsistency({ ...input, size1: size1 - 2 ** 32 }).ok);
    }
  }
});

Deno.test("merkle properties: random trees, indices, splits and bit flips", () => {
  const leafArb = fc.uint8Array({ minLength: 0, maxLength: 8 }).map(refLeaf);
  fc.assert(
    fc.property(
      fc.array(leafArb, { minLength: 1, maxLength: 150 }),
      fc.nat(),
      fc.nat(),
      (d, a, b) => {
        const n = d.length;
        const root = refMth(d);
        assertEquals(toHex(rootOf(d)), toHex(root));
        const index = a % n;
        const proof = inclusionProof(d, { index });
        ok(verifyInclusion(d[index], { index, size: n, proof, root }).ok);
        const size1 = 1 + (b % n);
        const cp = consistencyProof(d, { size1 });
        const root1 = refMth(d.slice(0, size1));
        ok(verifyConsistency({ size1, size2: n, root1, root2: root, proof: cp }).ok);
        // Split the appends at size1, round-trip the frontier, finish: same root.
        const acc = new MerkleAccumulator();
        d.slice(0, size1).forEach((h) => acc.append(h));
        const resumed = MerkleAccumulator.fromState(acc.toState());
        d.slice(size1).forEach((h) => resumed.append(h));
        assertEquals(toHex(resumed.root()), toHex(root));
        if (proof.length > 0) {
          const bit = b % (proof.length * 256);
          const bad = proof.map((h, i) => i === Math.floor(bit / 256) ? flipBit(h, bit % 256) : h);
          assert(!verifyInclusion(d[index], { index, size: n, proof: bad, root }).ok);
        }
      },
    ),
    { numRuns: 300 },
  );
});
