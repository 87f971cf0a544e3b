import assert from "node:assert/strict";
import fc from "fast-check";
import { consistencyProof, inclusionProof } from "../../lib/ledger/merkle_proofs.ts";
import { leafHash, rootOf } from "../../lib/ledger/merkle.ts";
import { toHex } from "../../lib/ledger/encoding.ts";
import {
  MemoryHashStore,
  sizeForStoredCount,
  storedHashCount,
  storedHashIndex,
  TreeHashCache,
} from "../../lib/ledger/tree_cache.ts";
import { FileHashStore, openLedgerTree } from "../../lib/ledger/tree_cache_file.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const enc = new TextEncoder();
const leaves = (n: number, salt = "") =>
  Array.from({ length: n }, (_, i) => leafHash(enc.encode(`${salt}${i}`)));
const hex = (hs: Uint8Array[]) => hs.map(toHex);

/** Reference order: after leaf n, the roots of the subtrees it completes, lowest level first. */
function referenceOrder(size: number): string[] {
  const order: string[] = [];
  for (let n = 0; n < size; n++) {
    order.push(`0:${n}`);
    for (let level = 1, m = n; m % 2 === 1; level++, m = Math.floor(m / 2)) {
      order.push(`${level}:${Math.floor(n / 2 ** level)}`);
    }
  }
  return order;
}

Deno.test("tree cache storedHashIndex and storedHashCount follow the append order", () => {
  const order = referenceOrder(300);
  order.forEach((key, i) => {
    const [level, n] = key.split(":").map(Number);
    assert.equal(storedHashIndex(level, n), i, key);
  });
  for (let size = 0; size <= 300; size++) {
    assert.equal(storedHashCount(size), referenceOrder(size).length);
    assert.equal(sizeForStoredCount(storedHashCount(size)), size);
    if (size > 0) assert.equal(sizeForStoredCount(storedHashCount(size) - 1), size - 1);
  }
  // Beyond 2^32 the count stays exact (about 2n).
  const big = 2 ** 40 + 3;
  assert.equal(sizeForStoredCount(storedHashCount(big)), big);
});

Deno.test("tree cache roots and proofs equal the array-based ones for every prefix", () => {
  const all = leaves(70);
  const tree = new TreeHashCache();
  for (let n = 1; n <= all.length; n++) {
    tree.appendLeafHash(all[n - 1]);
    assert.equal(tree.size, n);
    for (let s = 1; s <= n; s++) assert.equal(toHex(tree.root(s)), toHex(rootOf(all.slice(0, s))));
    for (let i = 0; i < n; i++) {
      assert.deepEqual(
        hex(inclusionProof(tree, { index: i, size: n })),
        hex(inclusionProof(all.slice(0, n), { index: i })),
      );
      assert.equal(toHex(tree.leafHash(i)), toHex(all[i]));
    }
    for (let m = 1; m <= n; m++) {
      assert.deepEqual(
        hex(consistencyProof(tree, { size1: m, size2: n })),
        hex(consistencyProof(all.slice(0, n), { size1: m })),
      );
    }
  }
  assert.throws(() => tree.subtreeHash(0, 71), RangeError);
  assert.throws(() => tree.leafHash(-1), RangeError);
  assert.throws(() => tree.appendLeafHash(new Uint8Array(31)), RangeError);
});

Deno.test("tree cache refuses a store that holds a partial tree", () => {
  const store = new MemoryHashStore();
  new TreeHashCache(store).appendLeafHashes(leaves(3));
  store.append([leaves(1)[0]]);
  assert.throws(() => new TreeHashCache(store), /rebuild/);
});

Deno.test("tree cache arbitrary ranges match rootOf of the slice (property)", () => {
  const all = leaves(200, "p");
  const tree = new TreeHashCache();
  tree.appendLeafHashes(all);
  fc.assert(
    fc.property(fc.nat(199), fc.nat(199), (a, b) => {
      const [s, e] = a <= b ? [a, b + 1] : [b, a + 1];
      assert.equal(toHex(tree.subtreeHash(s, e)), toHex(rootOf(all.slice(s, e))));
    }),
  );
});

Deno.test("tree cache file store survives reopen and trims a torn tail", async () => {
  await using dir = await tempDir();
  const path = dir.join("hashes");
  const all = leaves(37);
  {
    using store = FileHashStore.open(path);
    new TreeHashCache(store).appendLeafHashes(all);
  }
  // A crash mid-append leaves half a hash and an incomplete tree.
  await Deno.writeFile(path, new Uint8Array(48), { append: true });
  using store = FileHashStore.open(path);
  const tree = new TreeHashCache(store);
  assert.equal(tree.size, 37);
  assert.equal(toHex(tree.root()), toHex(rootOf(all)));
});

Deno.test("tree cache openLedgerTree hashes only new lines and ignores a torn last line", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger.jsonl");
  const lines = Array.from({ length: 25 }, (_, i) => `{"seq":${i},"x":"é${i}"}`);
  await Deno.writeTextFile(ledger, lines.slice(0, 20).join("\n") + "\n");
  const expected = (n: number) =>
    toHex(rootOf(lines.slice(0, n).map((l) => leafHash(enc.encode(l)))));
  {
    using lt = await openLedgerTree(dir.path);
    assert.equal(lt.persistent, true);
    assert.equal(lt.hashedNow, 20);
    assert.equal(toHex(lt.tree.root()), expected(20));
  }
  await Deno.writeTextFile(ledger, lines.slice(20).join("\n") + "\n" + '{"torn', { append: true });
  {
    using lt = await openLedgerTree(dir.path);
    assert.equal(lt.hashedNow, 5);
    assert.equal(lt.tree.size, 25);
    assert.equal(toHex(lt.tree.root()), expected(25));
  }
  {
    using lt = await openLedgerTree(dir.path);
    assert.equal(lt.hashedNow, 0);
    assert.equal(toHex(lt.tree.root(20)), expected(20));
  }
});

Deno.test("tree cache openLedgerTree rebuilds after a corrupt state or a shorter ledger", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger.jsonl");
  const lines = Array.from({ length: 12 }, (_, i) => `{"n":${i}}`);
  const root = (n: number) => toHex(rootOf(lines.slice(0, n).map((l) => leafHash(enc.encode(l)))));
  await Deno.writeTextFile(ledger, lines.join("\n") + "\n");
  (await openLedgerTree(dir.path))[Symbol.dispose]();
  await Deno.writeTextFile(dir.join("cache", "tree-state.json"), "{not json");
  {
    using lt = await openLedgerTree(dir.path);
    assert.equal(lt.hashedNow, 12);
    assert.equal(toHex(lt.tree.root()), root(12));
  }
  await Deno.writeTextFile(ledger, lines.slice(0, 5).join("\n") + "\n");
  {
    using lt = await openLedgerTree(dir.path);
    assert.equal(lt.tree.size, 5);
    assert.equal(toHex(lt.tree.root()), root(5));
  }
  {
    using lt = await openLedgerTree(dir.path, { rebuild: true });
    assert.equal(lt.hashedNow, 5);
  }
});

Deno.test("tree cache openLedgerTree falls back to memory when the cache directory cannot be made", async () => {
  // A regular file where the cache directory belongs: mkdir fails for every user, root included.
  await using dir = await tempDir();
  await Deno.writeTextFile(dir.join("ledger.jsonl"), '{"a":1}\n');
  await Deno.writeTextFile(dir.join("cache"), "not a directory");
  using lt = await openLedgerTree(dir.path);
  assert.equal(lt.persistent, false);
  assert.equal(lt.tree.size, 1);
  assert.equal(await Deno.readTextFile(dir.join("cache")), "not a directory");
});

Deno.test({
  name: "tree cache openLedgerTree falls back to memory in a directory the user cannot write",
  ignore: Deno.uid() === 0, // root ignores directory permissions; the test above covers root
  fn: async () => {
    await using dir = await tempDir();
    await Deno.writeTextFile(dir.join("ledger.jsonl"), '{"a":1}\n');
    await Deno.chmod(dir.path, 0o555);
    try {
      using lt = await openLedgerTree(dir.path);
      assert.equal(lt.persistent, false);
      assert.equal(lt.tree.size, 1);
    } finally {
      await Deno.chmod(dir.path, 0o755);
    }
  },
});

Deno.test("tree cache openLedgerTree never blocks on a cache another holder keeps open", async () => {
  await using dir = await tempDir();
  const lines = Array.from({ length: 9 }, (_, i) => `{"n":${i}}`);
  await Deno.writeTextFile(dir.join("ledger.jsonl"), lines.join("\n") + "\n");
  const expected = toHex(rootOf(lines.map((l) => leafHash(enc.encode(l)))));
  using first = await openLedgerTree(dir.path);
  assert.equal(first.persistent, true);
  // A second opener in this process (or another) cannot get the update lock: it waits, then
  // builds the tree in memory rather than truncating hashes the first one is reading.
  const t0 = performance.now();
  using second = await openLedgerTree(dir.path, { rebuild: true, lockWaitMs: 60 });
  assert.ok(performance.now() - t0 >= 50);
  assert.equal(second.persistent, false);
  assert.equal(toHex(second.tree.root()), expected);
  assert.equal(toHex(first.tree.root()), expected);
});
