/**
 * RFC 6962 Merkle tree hashing (RFC 9162 section 2.1): leaf and node hashes, the Merkle tree
 * hash (MTH) of a list of leaf hashes, an incremental accumulator with a serialisable compact
 * frontier. Proof generation lives in `merkle_proofs.ts`, the strict proof verifiers in
 * `merkle_verify.ts`.
 *
 * Sizes and indices are JavaScript numbers validated as safe integers (< 2^53); the arithmetic
 * uses division and remainder, never 32-bit bit operations, so trees beyond 2^32 work.
 *
 * @module
 */

import { sha256 } from "./sha256.ts";
import { fromHex, toHex } from "./encoding.ts";

/**
 * Length in bytes of every hash in the tree (SHA-256).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HASH_BYTES, leafHash } from "./merkle.ts";
 * assert.equal(leafHash(new Uint8Array()).length, HASH_BYTES);
 * ```
 */
export const HASH_BYTES = 32;

const LEAF_PREFIX = new Uint8Array([0]);
const scratch = new Uint8Array(1 + 2 * HASH_BYTES);
scratch[0] = 1;

/**
 * RFC 6962 leaf hash: SHA-256(0x00 || data).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash } from "./merkle.ts";
 * import { toHex } from "./encoding.ts";
 * assert.equal(
 *   toHex(leafHash(new Uint8Array())),
 *   "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
 * );
 * ```
 */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, data);
}

/**
 * RFC 6962 interior node hash: SHA-256(0x01 || left || right). Both inputs must be 32 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, nodeHash, rootOf } from "./merkle.ts";
 * const a = leafHash(new Uint8Array([1]));
 * const b = leafHash(new Uint8Array([2]));
 * assert.deepEqual(nodeHash(a, b), rootOf([a, b]));
 * ```
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) {
    throw new RangeError(`node hash inputs must be ${HASH_BYTES} bytes each`);
  }
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_BYTES);
  return sha256(scratch);
}

/**
 * MTH of the empty tree: SHA-256 of the empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyRoot, rootOf } from "./merkle.ts";
 * import { toHex } from "./encoding.ts";
 * assert.equal(toHex(emptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
 * assert.deepEqual(rootOf([]), emptyRoot());
 * ```
 */
export function emptyRoot(): Uint8Array {
  return sha256();
}

/**
 * The split point of RFC 6962: the largest power of two strictly less than `n` (n >= 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitPoint } from "./merkle.ts";
 * assert.equal(splitPoint(5), 4);
 * assert.equal(splitPoint(8), 4);
 * assert.equal(splitPoint(2 ** 40 + 1), 2 ** 40);
 * ```
 */
export function splitPoint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`split point needs n >= 2, got ${n}`);
  let k = 2 ** Math.floor(Math.log2(n - 1));
  while (k >= n) k /= 2;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Where proofs get hashes from: the leaf hashes as an array, a function from index to leaf
 * hash, or an object that returns the MTH of any range `[start, end)` directly (such as a tree
 * hash cache, which makes proofs O(log n)).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, subtreeHasher, type TreeSource } from "./merkle.ts";
 * const leaves = [1, 2].map((b) => leafHash(new Uint8Array([b])));
 * const lazy: TreeSource = (i: number) => leaves[i];
 * assert.deepEqual(subtreeHasher(lazy).subtreeHash(0, 2), subtreeHasher(leaves).subtreeHash(0, 2));
 * ```
 */
export type TreeSource =
  | readonly Uint8Array[]
  | ((index: number) => Uint8Array)
  | SubtreeHasher;

/**
 * Returns MTH(D[start:end]) for 0 <= start < end <= size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, rootOf, type SubtreeHasher, subtreeHasher } from "./merkle.ts";
 * const leaves = [1, 2, 3].map((b) => leafHash(new Uint8Array([b])));
 * const hasher: SubtreeHasher = subtreeHasher(leaves);
 * assert.deepEqual(hasher.subtreeHash(0, 2), rootOf(leaves.slice(0, 2)));
 * ```
 */
export interface SubtreeHasher {
  /** MTH of leaves `start` (inclusive) to `end` (exclusive). */
  subtreeHash(start: number, end: number): Uint8Array;
}

/**
 * Wraps any `TreeSource` as a `SubtreeHasher`. Arrays and leaf functions compute ranges
 * recursively, O(end - start) hashes per call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, rootOf, subtreeHasher } from "./merkle.ts";
 * const leaves = [1, 2, 3].map((b) => leafHash(new Uint8Array([b])));
 * assert.deepEqual(subtreeHasher(leaves).subtreeHash(0, 3), rootOf(leaves));
 * assert.deepEqual(subtreeHasher(leaves).subtreeHash(2, 3), leaves[2]);
 * ```
 */
export function subtreeHasher(source: TreeSource): SubtreeHasher {
  if (typeof source === "function") return { subtreeHash: (s, e) => mthOf(source, s, e) };
  if (Array.isArray(source)) {
    const leaves = source as readonly Uint8Array[];
    return { subtreeHash: (s, e) => mthOf((i) => leaves[i], s, e) };
  }
  return source as SubtreeHasher;
}

function mthOf(leaf: (i: number) => Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 0) return emptyRoot();
  if (n === 1) return checkHash(leaf(start), start);
  const k = splitPoint(n);
  return nodeHash(mthOf(leaf, start, start + k), mthOf(leaf, start + k, end));
}

function checkHash(h: Uint8Array | undefined, index: number): Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_BYTES) {
    throw new RangeError(`leaf hash ${index} is missing or not ${HASH_BYTES} bytes`);
  }
  return h;
}

/**
 * The RFC 6962 Merkle tree hash of a list of leaf hashes (already `leafHash`ed).
 * The empty list gives SHA-256 of the empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, nodeHash, rootOf } from "./merkle.ts";
 * const leaves = ["a", "b", "c"].map((s) => leafHash(new TextEncoder().encode(s)));
 * assert.deepEqual(rootOf(leaves), nodeHash(nodeHash(leaves[0], leaves[1]), leaves[2]));
 * ```
 */
export function rootOf(leafHashes: readonly Uint8Array[]): Uint8Array {
  const acc = new MerkleAccumulator();
  for (const h of leafHashes) acc.append(h);
  return acc.root();
}

/**
 * The serialisable compact frontier of a `MerkleAccumulator` (JSON-safe).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AccumulatorState, leafHash, MerkleAccumulator } from "./merkle.ts";
 * const acc = new MerkleAccumulator();
 * for (const b of [1, 2, 3]) acc.append(leafHash(new Uint8Array([b])));
 * const state: AccumulatorState = acc.toState();
 * assert.equal(state.frontier.length, 2);
 * ```
 */
export interface AccumulatorState {
  /** Number of leaves appended. */
  readonly size: number;
  /**
   * Lowercase hex roots of the perfect subtrees that make up the tree, largest (leftmost)
   * first; one per set bit of `size`.
   */
  readonly frontier: readonly string[];
}

/**
 * Incremental RFC 6962 tree: append leaf hashes in O(1) amortised, root in O(log n), keep
 * only O(log n) hashes. A checkpoint after k more appends costs O(k + log n).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, MerkleAccumulator, rootOf } from "./merkle.ts";
 * const leaves = [1, 2, 3].map((b) => leafHash(new Uint8Array([b])));
 * const acc = new MerkleAccumulator();
 * for (const h of leaves) acc.append(h);
 * const again = MerkleAccumulator.fromState(JSON.parse(JSON.stringify(acc.toState())));
 * assert.equal(acc.size, 3);
 * assert.deepEqual(again.root(), rootOf(leaves));
 * ```
 */
export class MerkleAccumulator {
  #size = 0;
  #stack: Uint8Array[] = [];

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash (32 bytes, the output of `leafHash`). */
  append(leafHashBytes: Uint8Array): void {
    let h = checkHash(leafHashBytes, this.#size);
    let s = this.#size;
    while (s % 2 === 1) {
      h = nodeHash(this.#stack.pop()!, h);
      s = Math.floor(s / 2);
    }
    this.#stack.push(h);
    this.#size++;
  }

  /** The MTH of everything appended so far. */
  root(): Uint8Array {
    const stack = this.#stack;
    if (stack.length === 0) return emptyRoot();
    let r = stack[stack.length - 1];
    for (let i = stack.length - 2; i >= 0; i--) r = nodeHash(stack[i], r);
    return r;
  }

  /** The compact frontier, for storing next to a checkpoint. */
  toState(): AccumulatorState {
    return { size: this.#size, frontier: this.#stack.map(toHex) };
  }

  /** Restores an accumulator from `toState()` output, validating its shape. */
  static fromState(state: AccumulatorState): MerkleAccumulator {
    const size = state?.size;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`accumulator state size must be a non-negative safe integer`);
    }
    if (!Array.isArray(state.frontier) || state.frontier.length !== popCount(size)) {
      throw new RangeError(
        `accumulator state for size ${size} needs ${popCount(size)} frontier hashes`,
      );
    }
    const acc = new MerkleAccumulator();
    acc.#stack = state.frontier.map((hex, i) => {
      if (typeof hex !== "string" || !/^[0-9a-f]{64}$/.test(hex)) {
        throw new RangeError(`accumulator frontier hash ${i} is not 64 lowercase hex digits`);
      }
      return fromHex(hex);
    });
    acc.#size = size;
    return acc;
  }
}

/**
 * Number of set bits in a safe integer, without 32-bit bit operations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { popCount } from "./merkle.ts";
 * assert.equal(popCount(5), 2);
 * assert.equal(popCount(2 ** 40 + 3), 3);
 * ```
 */
export function popCount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}
