/**
 * Strict RFC 9162 verifiers for inclusion (2.1.3.2) and consistency (2.1.4.2) proofs. They never
 * throw on bad input: every problem comes back as a verdict with a code and a reason.
 *
 * @module
 */

import { HASH_BYTES, nodeHash } from "./merkle.ts";

/**
 * Outcome of a proof verification.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ProofVerdict, verifyInclusion } from "./merkle_verify.ts";
 * const v: ProofVerdict = verifyInclusion(new Uint8Array(32), { index: 1, size: 1, proof: [], root: new Uint8Array(32) });
 * assert.equal(v.ok ? "ok" : v.code, "INDEX_OUT_OF_RANGE");
 * ```
 */
export type ProofVerdict =
  | { readonly ok: true }
  | {
    readonly ok: false;
    /** Machine-readable cause, e.g. `INDEX_OUT_OF_RANGE`, `WRONG_PROOF_LENGTH`, `ROOT_MISMATCH`. */
    readonly code: ProofErrorCode;
    /** What failed, in words. */
    readonly reason: string;
  };

/**
 * Why a proof was rejected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ProofErrorCode, verifyInclusion } from "./merkle_verify.ts";
 * const expected: ProofErrorCode = "ROOT_MISMATCH";
 * const v = verifyInclusion(new Uint8Array(32), { index: 0, size: 1, proof: [], root: new Uint8Array(32).fill(1) });
 * assert.equal(v.ok ? "ok" : v.code, expected);
 * ```
 */
export type ProofErrorCode =
  | "BAD_SIZE"
  | "INDEX_OUT_OF_RANGE"
  | "BAD_HASH_LENGTH"
  | "WRONG_PROOF_LENGTH"
  | "ROOT_MISMATCH";

/**
 * Input of `verifyInclusion`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash } from "./merkle.ts";
 * import { verifyInclusion, type VerifyInclusionInput } from "./merkle_verify.ts";
 * const leaf = leafHash(new Uint8Array([1]));
 * const input: VerifyInclusionInput = { index: 0, size: 1, proof: [], root: leaf };
 * assert.equal(verifyInclusion(leaf, input).ok, true);
 * ```
 */
export interface VerifyInclusionInput {
  /** 0-based leaf index. */
  readonly index: number;
  /** Tree size the proof is for. */
  readonly size: number;
  /** Sibling hashes, deepest first (RFC 9162 inclusion path). */
  readonly proof: readonly Uint8Array[];
  /** Expected root hash of the tree of `size` leaves. */
  readonly root: Uint8Array;
}

/**
 * Input of `verifyConsistency`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash } from "./merkle.ts";
 * import { verifyConsistency, type VerifyConsistencyInput } from "./merkle_verify.ts";
 * const root = leafHash(new Uint8Array([1]));
 * const input: VerifyConsistencyInput = { size1: 1, size2: 1, root1: root, root2: root, proof: [] };
 * assert.equal(verifyConsistency(input).ok, true);
 * ```
 */
export interface VerifyConsistencyInput {
  /** Older tree size (must be >= 1). */
  readonly size1: number;
  /** Newer tree size (>= size1). */
  readonly size2: number;
  /** Root of the older tree. */
  readonly root1: Uint8Array;
  /** Root of the newer tree. */
  readonly root2: Uint8Array;
  /** Consistency proof hashes (RFC 9162 order). */
  readonly proof: readonly Uint8Array[];
}

const OK: ProofVerdict = Object.freeze({ ok: true });

function fail(code: ProofErrorCode, reason: string): ProofVerdict {
  return { ok: false, code, reason };
}

function badHash(h: unknown): boolean {
  return !(h instanceof Uint8Array) || h.length !== HASH_BYTES;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function odd(x: number): boolean {
  return x % 2 === 1;
}

function checkHashes(
  named: readonly [string, unknown][],
  proof: readonly unknown[],
): ProofVerdict | undefined {
  for (const [name, h] of named) {
    if (badHash(h)) return fail("BAD_HASH_LENGTH", `${name} is not a ${HASH_BYTES}-byte hash`);
  }
  if (!Array.isArray(proof)) return fail("WRONG_PROOF_LENGTH", "proof is not a list of hashes");
  const bad = proof.findIndex(badHash);
  if (bad >= 0) {
    return fail("BAD_HASH_LENGTH", `proof hash ${bad} is not a ${HASH_BYTES}-byte hash`);
  }
  return undefined;
}

/**
 * RFC 9162 2.1.3.2: does `leafHash` sit at `index` in the tree of `size` leaves with `root`?
 * Rejects index >= size, non-32-byte hashes, and proofs with missing or extra hashes.
 *
 * @param leafHash The RFC 6962 leaf hash of the entry (32 bytes).
 * @param input `index`, `size`, `proof` and `root`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, rootOf } from "./merkle.ts";
 * import { inclusionProof } from "./merkle_proofs.ts";
 * import { verifyInclusion } from "./merkle_verify.ts";
 * const leaves = [1, 2, 3].map((b) => leafHash(new Uint8Array([b])));
 * const proof = inclusionProof(leaves, { index: 1 });
 * assert.equal(verifyInclusion(leaves[1], { index: 1, size: 3, proof, root: rootOf(leaves) }).ok, true);
 * assert.equal(verifyInclusion(leaves[0], { index: 1, size: 3, proof, root: rootOf(leaves) }).ok, false);
 * ```
 */
export function verifyInclusion(leafHash: Uint8Array, input: VerifyInclusionInput): ProofVerdict {
  const { index, size, proof, root } = input;
  if (!Number.isSafeInteger(size) || size < 1) {
    return fail("BAD_SIZE", `tree size ${size} is not a positive safe integer`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    return fail("INDEX_OUT_OF_RANGE", `index ${index} is not in a tree of size ${size}`);
  }
  const bad = checkHashes([["leaf hash", leafHash], ["root", root]], proof);
  if (bad) return bad;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return fail("WRONG_PROOF_LENGTH", `proof has more hashes than needed`);
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail("WRONG_PROOF_LENGTH", `proof has fewer hashes than needed`);
  if (!equal(r, root)) return fail("ROOT_MISMATCH", "computed root does not match the given root");
  return OK;
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

/**
 * RFC 9162 2.1.4.2: is the tree of `size2` leaves with `root2` an append-only extension of the
 * tree of `size1` leaves with `root1`? Rejects size1 = 0, size1 > size2, non-32-byte hashes and
 * proofs with missing or extra hashes. Equal sizes need an empty proof and equal roots.
 *
 * @param input `size1`, `size2`, `root1`, `root2` and `proof`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, rootOf } from "./merkle.ts";
 * import { consistencyProof } from "./merkle_proofs.ts";
 * import { verifyConsistency } from "./merkle_verify.ts";
 * const leaves = [1, 2, 3, 4, 5].map((b) => leafHash(new Uint8Array([b])));
 * const proof = consistencyProof(leaves, { size1: 3 });
 * const v = verifyConsistency({
 *   size1: 3, size2: 5, root1: rootOf(leaves.slice(0, 3)), root2: rootOf(leaves), proof,
 * });
 * assert.equal(v.ok, true);
 * const bad = verifyConsistency({ size1: 3, size2: 5, root1: rootOf(leaves), root2: rootOf(leaves), proof });
 * assert.equal(bad.ok, false);
 * ```
 */
export function verifyConsistency(input: VerifyConsistencyInput): ProofVerdict {
  const { size1, size2, root1, root2, proof } = input;
  if (!Number.isSafeInteger(size1) || size1 < 1) {
    return fail("BAD_SIZE", `old tree size ${size1} must be a positive safe integer`);
  }
  if (!Number.isSafeInteger(size2) || size2 < size1) {
    return fail("BAD_SIZE", `new tree size ${size2} must be a safe integer >= ${size1}`);
  }
  const bad = checkHashes([["old root", root1], ["new root", root2]], proof);
  if (bad) return bad;
  if (size1 === size2) {
    if (proof.length !== 0) return fail("WRONG_PROOF_LENGTH", "equal sizes need an empty proof");
    return equal(root1, root2) ? OK : fail("ROOT_MISMATCH", "equal sizes with different roots");
  }
  if (proof.length === 0) return fail("WRONG_PROOF_LENGTH", "consistency proof is empty");
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return fail("WRONG_PROOF_LENGTH", "proof has more hashes than needed");
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail("WRONG_PROOF_LENGTH", "proof has fewer hashes than needed");
  if (!equal(fr, root1)) return fail("ROOT_MISMATCH", "proof does not lead to the old root");
  if (!equal(sr, root2)) return fail("ROOT_MISMATCH", "proof does not lead to the new root");
  return OK;
}
