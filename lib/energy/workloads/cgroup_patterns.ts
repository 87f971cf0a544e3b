/**
 * Glob-like patterns over cgroup paths (relative to the cgroup root, segments joined by `/`),
 * matched segment by segment so that a directory walk can step them one directory at a time and
 * prune the subtrees no pattern can reach.
 *
 * Syntax (a pattern matches the whole path):
 *
 * - `*` matches any run of characters inside one segment (never `/`);
 * - `?` matches one character inside one segment;
 * - `**` as a whole segment matches zero or more segments (`**` inside a segment is `*`);
 * - everything else is literal. A leading `/` is ignored; empty segments are an error.
 *
 * Examples: `system.slice/*.service`, `user.slice/user-*.slice`, `kubepods.slice/**` (the slice
 * and everything below it), and `**` + `/kubepods/pod*` (a cgroupfs pod under any nesting).
 *
 * @module
 */

const DOUBLE_STAR = "**";

/**
 * States of a pattern after some path segments: the indices of pattern segments still to match
 * (a small array, in no particular order; empty means the pattern can no longer match anything
 * at or below the path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CgroupPattern, type PatternStates } from "./cgroup_patterns.ts";
 * const p = new CgroupPattern("a/*");
 * const s: PatternStates = p.step(p.start(), "a");
 * assert.deepEqual([...s], [1]);
 * ```
 */
export type PatternStates = readonly number[];

/**
 * One compiled pattern. Step it through a path's segments from {@link CgroupPattern.start}, then
 * ask whether the path {@link CgroupPattern.matches}, whether anything below it could
 * ({@link CgroupPattern.mayMatchBelow}), or whether everything below it does
 * ({@link CgroupPattern.coversSubtree}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CgroupPattern } from "./cgroup_patterns.ts";
 * const p = new CgroupPattern("system.slice/*.service");
 * assert.ok(p.test("system.slice/cron.service"));
 * assert.ok(!p.test("system.slice/a.slice/b.service"));
 * const anywhere = new CgroupPattern(["**", "kubepods", "pod*"].join("/"));
 * assert.ok(anywhere.test("kubepods/pod1") && anywhere.test("kubelet/kubepods/pod1"));
 * assert.ok(new CgroupPattern("kubepods.slice/**").test("kubepods.slice"));
 * assert.throws(() => new CgroupPattern("a//b"), SyntaxError);
 * ```
 */
export class CgroupPattern {
  /** The pattern as written. */
  readonly source: string;
  readonly #segs: readonly (RegExp | typeof DOUBLE_STAR)[];

  /**
   * Compiles `pattern`.
   *
   * @throws {SyntaxError} when the pattern is empty or has an empty segment.
   */
  constructor(pattern: string) {
    this.source = pattern;
    const body = pattern.replace(/^\/+/, "");
    if (body === "") {
      throw new SyntaxError(`empty cgroup pattern '${pattern}': write e.g. '*.slice'`);
    }
    this.#segs = body.split("/").map((seg) => {
      if (seg === "") {
        throw new SyntaxError(
          `cgroup pattern '${pattern}' has an empty segment: remove the doubled or trailing '/'`,
        );
      }
      return seg === DOUBLE_STAR ? DOUBLE_STAR : segmentRegExp(seg);
    });
  }

  /** States before any segment. */
  start(): PatternStates {
    const out: number[] = [];
    addClosed(out, this.#segs, 0);
    return out;
  }

  /** States after one more segment `name`. */
  step(states: PatternStates, name: string): PatternStates {
    if (states.length === 0) return states;
    const next: number[] = [];
    for (const j of states) {
      const seg = this.#segs[j];
      if (seg === undefined) continue;
      if (seg === DOUBLE_STAR) addClosed(next, this.#segs, j);
      else if (seg.test(name)) addClosed(next, this.#segs, j + 1);
    }
    return next;
  }

  /** Whether the path stepped so far matches. */
  matches(states: PatternStates): boolean {
    return states.includes(this.#segs.length);
  }

  /** Whether some path below the one stepped so far could match. */
  mayMatchBelow(states: PatternStates): boolean {
    return states.some((j) => j < this.#segs.length);
  }

  /** Whether every path below the one stepped so far matches too (a trailing `**` was reached). */
  coversSubtree(states: PatternStates): boolean {
    const last = this.#segs.length - 1;
    return this.#segs[last] === DOUBLE_STAR && states.includes(last);
  }

  /** Whether a whole path (relative, `/`-separated) matches. */
  test(path: string): boolean {
    let s = this.start();
    for (const name of path.split("/")) if (name !== "") s = this.step(s, name);
    return this.matches(s);
  }
}

/** Adds state `j` and, past each `**` (which may match nothing), the states after it. */
function addClosed(out: number[], segs: readonly (RegExp | string)[], j: number): void {
  for (;;) {
    if (!out.includes(j)) out.push(j);
    if (segs[j] !== DOUBLE_STAR) return;
    j++;
  }
}

function segmentRegExp(seg: string): RegExp {
  let re = "";
  for (const c of seg) {
    if (c === "*") re += re.endsWith(".*") ? "" : ".*";
    else if (c === "?") re += ".";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}
