/**
 * RFC 9162 section 2.1 proof generation: inclusion paths (2.1.3.1) and consistency proofs
 * (2.1.4.1) from any `TreeSource` (leaf hashes, a leaf function, or a subtree hasher such as
 * the tree hash cache). Re-exported by `merkle.ts`.
 *
 * @module
 */

import { splitPoint, subtreeHasher, type TreeSource } from "./merkle.ts";

/**
 * RFC 9162 2.1.3.1 inclusion proof PATH(index, D[size]), deepest sibling first.
 *
 * @param source Leaf hashes, a leaf-hash function, or a `SubtreeHasher`.
 * @param at `index` (0 <= index < size) and `size` (default: the array length).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash } from "./merkle.ts";
 * import { inclusionProof } from "./merkle_proofs.ts";
 * const leaves = [1, 2, 3, 4, 5].map((b) => leafHash(new Uint8Array([b])));
 * assert.equal(inclusionProof(leaves, { index: 2 }).length, 3);
 * assert.deepEqual(inclusionProof(leaves, { index: 2 })[0], leaves[3]);
 * ```
 */
export function inclusionProof(
  source: TreeSource,
  at: { index: number; size?: number },
): Uint8Array[] {
  const size = sizeOf(source, at.size);
  const index = at.index;
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`inclusion proof index ${index} is outside the tree of size ${size}`);
  }
  const tree = subtreeHasher(source);
  const out: Uint8Array[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      out.push(tree.subtreeHash(start + k, start + n));
      n = k;
    } else {
      out.push(tree.subtreeHash(start, start + k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return out.reverse();
}

/**
 * RFC 9162 2.1.4.1 consistency proof PROOF(size1, D[size2]) for 0 < size1 <= size2 (empty
 * when the sizes are equal).
 *
 * @param source Leaf hashes, a leaf-hash function, or a `SubtreeHasher`.
 * @param sizes `size1` and `size2` (default: the array length).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash } from "./merkle.ts";
 * import { consistencyProof } from "./merkle_proofs.ts";
 * const leaves = [1, 2, 3, 4, 5, 6, 7].map((b) => leafHash(new Uint8Array([b])));
 * assert.equal(consistencyProof(leaves, { size1: 3 }).length, 4);
 * assert.deepEqual(consistencyProof(leaves, { size1: 7 }), []);
 * ```
 */
export function consistencyProof(
  source: TreeSource,
  sizes: { size1: number; size2?: number },
): Uint8Array[] {
  const size2 = sizeOf(source, sizes.size2);
  const size1 = sizes.size1;
  if (!Number.isSafeInteger(size1) || size1 < 1 || size1 > size2) {
    throw new RangeError(`consistency proof needs 0 < size1 <= size2, got ${size1} -> ${size2}`);
  }
  const tree = subtreeHasher(source);
  const out: Uint8Array[] = [];
  let start = 0;
  let n = size2;
  let m = size1;
  let complete = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      out.push(tree.subtreeHash(start + k, start + n));
      n = k;
    } else {
      out.push(tree.subtreeHash(start, start + k));
      start += k;
      m -= k;
      n -= k;
      complete = false;
    }
  }
  if (!complete) out.push(tree.subtreeHash(start, start + n));
  return out.reverse();
}

function sizeOf(source: TreeSource, size: number | undefined): number {
  const n = size ?? (Array.isArray(source) ? source.length : undefined);
  if (n === undefined) throw new RangeError("tree size is required unless the source is an array");
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`tree size ${n} is not valid`);
  if (Array.isArray(source) && n > source.length) {
    throw new RangeError(`tree size ${n} exceeds the ${source.length} leaf hashes given`);
  }
  return n;
}
