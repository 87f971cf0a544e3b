/**
 * Per-process CPU time from `/proc/<pid>/stat` (pure parsing). Times are clock ticks (USER_HZ).
 *
 * @module
 */

/**
 * The fields of `/proc/<pid>/stat` that attribution needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PidStat } from "./proc_pid_stat.ts";
 * import { processTicks } from "./proc_pid_stat.ts";
 * const s: PidStat = { pid: 9, comm: "job", state: "R", ppid: 1, utime: 30, stime: 10, cutime: 0, cstime: 0 };
 * assert.equal(processTicks(s), 40);
 * ```
 */
export interface PidStat {
  /** Process id (field 1). */
  readonly pid: number;
  /** Command name without the parentheses (field 2; may contain spaces and ')'). */
  readonly comm: string;
  /** State letter (field 3), e.g. `R`, `S`, `Z`. */
  readonly state: string;
  /** Parent process id (field 4). */
  readonly ppid: number;
  /** User-mode ticks of the process itself (field 14). */
  readonly utime: number;
  /** Kernel-mode ticks of the process itself (field 15). */
  readonly stime: number;
  /** User-mode ticks of waited-for (reaped) children (field 16). */
  readonly cutime: number;
  /** Kernel-mode ticks of waited-for children (field 17). */
  readonly cstime: number;
}

/**
 * Parses one `/proc/<pid>/stat` line. The command name is delimited by the first `(` and the
 * LAST `)`, so names such as `a) b (c` parse correctly.
 *
 * @throws {SyntaxError} when the line is truncated or a number is malformed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePidStat } from "./proc_pid_stat.ts";
 * const s = parsePidStat("42 (my job) S 1 42 42 0 -1 0 0 0 0 0 150 30 7 3 20 0 1 0 100 0 0");
 * assert.equal(s.ppid, 1);
 * assert.equal(s.utime + s.stime + s.cutime + s.cstime, 190);
 * ```
 */
export function parsePidStat(line: string): PidStat {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) throw new SyntaxError(`no '(comm)' in /proc/<pid>/stat line`);
  const pid = Number(line.slice(0, open).trim());
  const rest = line.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 15) throw new SyntaxError(`truncated /proc/<pid>/stat line (pid ${pid})`);
  const num = (field: number): number => {
    const raw = rest[field - 3];
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) {
      throw new SyntaxError(`bad field ${field} '${raw}' in /proc/${pid}/stat`);
    }
    return n;
  };
  if (!Number.isSafeInteger(pid)) throw new SyntaxError(`bad pid in /proc/<pid>/stat line`);
  return {
    pid,
    comm: line.slice(open + 1, close),
    state: rest[0],
    ppid: num(4),
    utime: num(14),
    stime: num(15),
    cutime: num(16),
    cstime: num(17),
  };
}

/**
 * Ticks of a process including its reaped children: utime + stime + cutime + cstime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePidStat, processTicks } from "./proc_pid_stat.ts";
 * assert.equal(processTicks(parsePidStat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0")), 10);
 * ```
 */
export function processTicks(s: PidStat): number {
  return s.utime + s.stime + s.cutime + s.cstime;
}

/**
 * CPU ticks of the process tree rooted at `rootPid`: the root's own and reaped children's time
 * plus the same for every live descendant (found by following `ppid` links). When a child is
 * reaped its time moves into its parent's `cutime`/`cstime`, so the sum stays continuous.
 * Returns `null` when the root is not in `stats`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePidStat, treeTicks } from "./proc_pid_stat.ts";
 * const stats = [
 *   "10 (sh) S 1 0 0 0 -1 0 0 0 0 0 5 5 0 0",
 *   "11 (job) R 10 0 0 0 -1 0 0 0 0 0 100 20 0 0",
 *   "12 (other) R 1 0 0 0 -1 0 0 0 0 0 999 0 0 0",
 * ].map(parsePidStat);
 * assert.equal(treeTicks(stats, 10), 130); // sh and its child job, not the other process
 * ```
 */
export function treeTicks(stats: readonly PidStat[], rootPid: number): number | null {
  const children = new Map<number, PidStat[]>();
  let root: PidStat | undefined;
  for (const s of stats) {
    if (s.pid === rootPid) root = s;
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  if (!root) return null;
  let sum = 0;
  const seen = new Set<number>();
  const stack: PidStat[] = [root];
  while (stack.length > 0) {
    const s = stack.pop() as PidStat;
    if (seen.has(s.pid)) continue;
    seen.add(s.pid);
    sum += processTicks(s);
    for (const c of children.get(s.pid) ?? []) stack.push(c);
  }
  return sum;
}
