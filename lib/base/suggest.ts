/**
 * "Did you mean" helpers shared by the CLI, the config loader and region lookup.
 *
 * @module
 */

/**
 * Levenshtein edit distance between two strings (case-sensitive, UTF-16 units).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./suggest.ts";
 * assert.equal(editDistance("ledgr", "ledger"), 1);
 * assert.equal(editDistance("kitten", "sitting"), 3);
 * ```
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidates closest to `word` (case-insensitive), best first. A candidate is kept when its
 * distance is at most `maxDistance` or when it starts with / contains `word`.
 *
 * @param word What the user typed.
 * @param candidates Known names.
 * @param options `max` results (default 3); `maxDistance` (default: a third of the word, at least 2).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closestMatches } from "./suggest.ts";
 * assert.deepEqual(closestMatches("verfy", ["verify", "append", "init"]), ["verify"]);
 * ```
 */
export function closestMatches(
  word: string,
  candidates: readonly string[],
  options: { max?: number; maxDistance?: number } = {},
): string[] {
  const max = options.max ?? 3;
  const lower = word.toLowerCase();
  const limit = options.maxDistance ?? Math.max(2, Math.floor(lower.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const cand = name.toLowerCase();
    const d = editDistance(lower, cand);
    if (d <= limit) scored.push({ name, score: d });
    else if (lower.length >= 2 && cand.includes(lower)) scored.push({ name, score: limit + 1 });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, max).map((s) => s.name);
}

/**
 * Formats a "did you mean" hint, or `undefined` when nothing is close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { didYouMean } from "./suggest.ts";
 * assert.equal(didYouMean("--jsn", ["--json", "--help"]), "did you mean --json?");
 * assert.equal(didYouMean("zzzzzz", ["--json"]), undefined);
 * ```
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const found = closestMatches(word, candidates);
  if (found.length === 0) return undefined;
  return `did you mean ${found.join(" or ")}?`;
}
