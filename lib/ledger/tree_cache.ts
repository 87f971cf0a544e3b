/**
 * A cache of every RFC 6962 tree hash that will never change (leaf hashes and the roots of
 * complete subtrees), stored append-only in the order of Go's `golang.org/x/mod/sumdb/tlog`
 * ("stored hash index"). With it, the MTH of any tree node, any root and any proof costs
 * O(log n) reads instead of O(n) hashes. The cache is derived data: it can always be rebuilt
 * from the ledger, and callers check what it yields against a signed checkpoint root.
 *
 * @module
 */

import {
  emptyRoot,
  HASH_BYTES,
  leafHash as hashLeaf,
  nodeHash,
  splitPoint,
  type SubtreeHasher,
} from "./merkle.ts";

/**
 * Index in the stored-hash sequence of the `n`th hash at `level` (level 0 = leaf hashes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storedHashIndex } from "./tree_cache.ts";
 * assert.deepEqual([storedHashIndex(0, 0), storedHashIndex(0, 1), storedHashIndex(1, 0)], [0, 1, 2]);
 * ```
 */
export function storedHashIndex(level: number, n: number): number {
  let m = n;
  for (let l = level; l > 0; l--) m = 2 * m + 1;
  let i = 0;
  for (; m > 0; m = Math.floor(m / 2)) i += m;
  return i + level;
}

/**
 * Number of stored hashes for a tree of `size` leaves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storedHashCount } from "./tree_cache.ts";
 * assert.deepEqual([storedHashCount(1), storedHashCount(2), storedHashCount(4)], [1, 3, 7]);
 * ```
 */
export function storedHashCount(size: number): number {
  if (size === 0) return 0;
  let count = storedHashIndex(0, size - 1) + 1;
  for (let i = size - 1; i % 2 === 1; i = Math.floor(i / 2)) count++;
  return count;
}

/**
 * The largest tree size whose stored hashes fit in `count` hashes (inverse of
 * `storedHashCount`, rounding down).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeForStoredCount } from "./tree_cache.ts";
 * assert.equal(sizeForStoredCount(7), 4);
 * assert.equal(sizeForStoredCount(8), 5);
 * ```
 */
export function sizeForStoredCount(count: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (storedHashCount(mid) <= count) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Where stored hashes live: memory or a file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HashStore, MemoryHashStore } from "./tree_cache.ts";
 * const store: HashStore = new MemoryHashStore();
 * store.append([new Uint8Array(32).fill(7)]);
 * assert.equal(store.read(0)[0], 7);
 * ```
 */
export interface HashStore {
  /** Number of 32-byte hashes stored. */
  readonly count: number;
  /** The hash at `index` (< count). */
  read(index: number): Uint8Array;
  /** Appends hashes at the end. */
  append(hashes: readonly Uint8Array[]): void;
}

/**
 * Stored hashes in one growable buffer (64 bytes per leaf on average).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryHashStore } from "./tree_cache.ts";
 * const store = new MemoryHashStore();
 * store.append([new Uint8Array(32), new Uint8Array(32).fill(1)]);
 * assert.equal(store.count, 2);
 * assert.deepEqual(store.read(1), new Uint8Array(32).fill(1));
 * ```
 */
export class MemoryHashStore implements HashStore {
  #buf = new Uint8Array(HASH_BYTES * 1024);
  #count = 0;

  /** Number of hashes stored. */
  get count(): number {
    return this.#count;
  }

  /** The hash at `index`. */
  read(index: number): Uint8Array {
    if (index < 0 || index >= this.#count) throw new RangeError(`stored hash ${index} missing`);
    return this.#buf.slice(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  /** Appends hashes, growing the buffer by doubling. */
  append(hashes: readonly Uint8Array[]): void {
    const need = (this.#count + hashes.length) * HASH_BYTES;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#count * HASH_BYTES));
      this.#buf = grown;
    }
    for (const h of hashes) {
      this.#buf.set(h, this.#count * HASH_BYTES);
      this.#count++;
    }
  }
}

/**
 * An RFC 6962 tree over a `HashStore`: append leaf hashes (O(1) amortised), then ask for the
 * root of any earlier size or the hash of any range in O(log n) store reads. Pass it as the
 * source of `inclusionProof` / `consistencyProof`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, rootOf } from "./merkle.ts";
 * import { inclusionProof } from "./merkle_proofs.ts";
 * import { TreeHashCache } from "./tree_cache.ts";
 * const leaves = [1, 2, 3, 4, 5].map((b) => leafHash(new Uint8Array([b])));
 * const tree = new TreeHashCache();
 * tree.appendLeafHashes(leaves);
 * assert.deepEqual(tree.root(3), rootOf(leaves.slice(0, 3)));
 * assert.equal(inclusionProof(tree, { index: 4, size: 5 }).length, 1);
 * ```
 */
export class TreeHashCache implements SubtreeHasher {
  readonly #store: HashStore;
  #size: number;

  /**
   * Opens a tree over `store`; its leaf count is derived from the store's hash count.
   *
   * @param store Where hashes live (default: a new `MemoryHashStore`).
   */
  constructor(store: HashStore = new MemoryHashStore()) {
    this.#store = store;
    this.#size = sizeForStoredCount(store.count);
    if (storedHashCount(this.#size) !== store.count) {
      throw new RangeError(
        `hash store holds ${store.count} hashes, not a whole tree; rebuild the cache`,
      );
    }
  }

  /** Number of leaves in the cache. */
  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash and the hashes of the subtrees it completes. */
  appendLeafHash(leaf: Uint8Array): void {
    this.appendLeafHashes([leaf]);
  }

  /** Appends leaf hashes in order (one store write per call). */
  appendLeafHashes(leaves: readonly Uint8Array[]): void {
    const pending: Uint8Array[] = [];
    const base = this.#store.count;
    const readAny = (i: number) => i < base ? this.#store.read(i) : pending[i - base];
    for (const leaf of leaves) {
      if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_BYTES) {
        throw new RangeError(`leaf hash ${this.#size} must be ${HASH_BYTES} bytes`);
      }
      let h = leaf;
      pending.push(h);
      let m = this.#size;
      for (let level = 0; m % 2 === 1; level++) {
        h = nodeHash(readAny(storedHashIndex(level, m - 1)), h);
        pending.push(h);
        m = Math.floor(m / 2);
      }
      this.#size++;
    }
    this.#store.append(pending);
  }

  /** Hashes `line` (without its newline) as a leaf and appends it. */
  appendEntry(line: Uint8Array): void {
    this.appendLeafHash(hashLeaf(line));
  }

  /** Leaf hash at `index`. */
  leafHash(index: number): Uint8Array {
    this.#checkRange(index, index + 1);
    return this.#store.read(storedHashIndex(0, index));
  }

  /** MTH of leaves `[start, end)`, O(log n) reads for ranges that are nodes of some tree. */
  subtreeHash(start: number, end: number): Uint8Array {
    this.#checkRange(start, end);
    return this.#range(start, end);
  }

  /** Root of the tree of the first `size` leaves (default: all). */
  root(size: number = this.#size): Uint8Array {
    if (size === 0) return emptyRoot();
    return this.subtreeHash(0, size);
  }

  #range(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 1) return this.#store.read(storedHashIndex(0, start));
    let level = 0;
    let width = 1;
    while (width < n) {
      width *= 2;
      level++;
    }
    if (width === n && start % n === 0) return this.#store.read(storedHashIndex(level, start / n));
    const k = splitPoint(n);
    return nodeHash(this.#range(start, start + k), this.#range(start + k, end));
  }

  #checkRange(start: number, end: number): void {
    if (
      !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start ||
      end > this.#size
    ) {
      throw new RangeError(`range [${start}, ${end}) is outside the cached tree of ${this.#size}`);
    }
  }
}
