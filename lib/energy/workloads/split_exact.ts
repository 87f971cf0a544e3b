/**
 * Exact integer apportionment: split a non-negative `bigint` amount (microjoules) across weights
 * so that the parts sum to the amount exactly, by largest-remainder rounding.
 *
 * Every part is `floor(amount * w / W)` (with `W` the sum of the weights), and the units left
 * over (fewer than the number of positive weights) go one each to the positions with the largest
 * remainders `amount * w mod W`; equal remainders are broken by position, the lower position first.
 * Each part is therefore the floor or the ceiling of its real-valued share, a larger weight never
 * gets a smaller part, and the result depends on nothing but the inputs.
 *
 * The leftover units are placed with a selection (expected linear time), not a sort, so a split
 * over n weights costs O(n) bigint operations.
 *
 * @module
 */

/**
 * Splits `amount` across `weights` exactly (largest-remainder rounding, ties to the lower
 * position). Returns one part per weight, in the same order, summing to `amount`; a zero weight
 * gets 0. When every weight is zero (or there are none) no share is defined and the result is
 * `null`: the caller decides where the amount goes (the attributor puts it in a named bucket).
 *
 * @param amount The amount to split, `>= 0`.
 * @param weights The weights, each `>= 0`; only their ratios matter.
 * @returns The parts, or `null` when the weights sum to zero.
 * @throws {RangeError} When `amount` or a weight is negative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitExact } from "./split_exact.ts";
 * // 10 over 1:1:1 -> 3.33 each; the one leftover unit goes to the first of the tied remainders.
 * assert.deepEqual(splitExact(10n, [1n, 1n, 1n]), [4n, 3n, 3n]);
 * // 7 over 3:1 -> 5.25 and 1.75: the larger remainder (0.75) takes the leftover unit.
 * assert.deepEqual(splitExact(7n, [3n, 1n]), [5n, 2n]);
 * assert.equal(splitExact(5n, [0n, 0n]), null);
 * ```
 */
export function splitExact(amount: bigint, weights: readonly bigint[]): bigint[] | null {
  if (amount < 0n) {
    throw new RangeError(
      `splitExact: the amount to split is negative (${amount}); pass a delta that is >= 0`,
    );
  }
  let total = 0n;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (w < 0n) {
      throw new RangeError(
        `splitExact: weight ${i} is negative (${w}); weights must be >= 0 (CPU time, counts)`,
      );
    }
    total += w;
  }
  if (total === 0n) return null;
  const parts = new Array<bigint>(weights.length);
  const remainders = new Array<bigint>(weights.length);
  const candidates: number[] = [];
  let assigned = 0n;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (w === 0n || amount === 0n) {
      parts[i] = 0n;
      remainders[i] = 0n;
      continue;
    }
    const product = amount * w;
    const q = product / total;
    const r = product - q * total;
    parts[i] = q;
    remainders[i] = r;
    assigned += q;
    if (r > 0n) candidates.push(i);
  }
  // Sum of remainders = leftover * total, each remainder < total: more candidates than units.
  const leftover = Number(amount - assigned);
  if (leftover > 0) {
    selectTop(candidates, remainders, leftover);
    for (let k = 0; k < leftover; k++) parts[candidates[k]] += 1n;
  }
  return parts;
}

/** True when position `a` ranks before `b`: larger remainder first, then the lower position. */
function ranksBefore(remainders: readonly bigint[], a: number, b: number): boolean {
  const ra = remainders[a];
  const rb = remainders[b];
  return ra > rb || (ra === rb && a < b);
}

/**
 * Rearranges `idx` so that its first `k` entries are the `k` best-ranked positions (in any
 * order): a quickselect with a median-of-three pivot, falling back to a full sort of the
 * remaining range if it fails to shrink fast enough (so the worst case stays O(n log n)).
 */
function selectTop(idx: number[], remainders: readonly bigint[], k: number): void {
  let lo = 0;
  let hi = idx.length - 1;
  let budget = 2 * Math.ceil(Math.log2(idx.length + 1)) + 4;
  while (lo < hi) {
    if (budget-- === 0) {
      const tail = idx.slice(lo, hi + 1).sort((a, b) => ranksBefore(remainders, a, b) ? -1 : 1);
      for (let i = 0; i < tail.length; i++) idx[lo + i] = tail[i];
      return;
    }
    const mid = lo + ((hi - lo) >> 1);
    const a = idx[lo];
    const b = idx[mid];
    const c = idx[hi];
    // Median of three by rank.
    let pivot: number;
    if (ranksBefore(remainders, a, b)) {
      pivot = ranksBefore(remainders, b, c) ? b : (ranksBefore(remainders, a, c) ? c : a);
    } else {
      pivot = ranksBefore(remainders, a, c) ? a : (ranksBefore(remainders, b, c) ? c : b);
    }
    // Three-way is unnecessary: positions are distinct, so the order is strict.
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (ranksBefore(remainders, idx[i], pivot)) i++;
      while (ranksBefore(remainders, pivot, idx[j])) j--;
      if (i <= j) {
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        i++;
        j--;
      }
    }
    // Now idx[lo..j] rank before or equal to the pivot, idx[i..hi] after or equal.
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}
