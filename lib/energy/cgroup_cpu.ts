/**
 * cgroup v2 CPU usage: `cpu.stat` parsing and locating the unified hierarchy.
 *
 * @module
 */

/**
 * Reads `usage_usec` from cgroup v2 `cpu.stat` text (CPU time of every process that ever ran in
 * the cgroup, including exited ones).
 *
 * @throws {SyntaxError} when `usage_usec` is missing or malformed.
 * @example
 * ```ts
 * import { parseCgroupUsageUsec } from "./cgroup_cpu.ts";
 * console.log(parseCgroupUsageUsec("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n"));
 * // 1500000
 * ```
 */
export function parseCgroupUsageUsec(text: string): number {
  const m = /^usage_usec\s+(\d+)\s*$/m.exec(text);
  if (!m) throw new SyntaxError("no usage_usec line in cgroup cpu.stat");
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n)) throw new SyntaxError(`usage_usec '${m[1]}' out of range`);
  return n;
}

/**
 * Finds the cgroup v2 (unified) mount under `cgroupRoot`: the root itself when it holds
 * `cgroup.controllers` (pure v2 host), else `<cgroupRoot>/unified` (hybrid host), else `null`.
 *
 * @example
 * ```ts
 * import { findUnifiedRoot } from "./cgroup_cpu.ts";
 * console.log(findUnifiedRoot("/nonexistent")); // null
 * ```
 */
export function findUnifiedRoot(cgroupRoot: string): string | null {
  for (const dir of [cgroupRoot, `${cgroupRoot}/unified`]) {
    try {
      Deno.statSync(`${dir}/cgroup.controllers`);
      return dir;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Reads `<cgroupDir>/cpu.stat` and returns its usage in seconds, or `null` when unreadable.
 *
 * @example
 * ```ts
 * import { readCgroupCpuSeconds } from "./cgroup_cpu.ts";
 * console.log(readCgroupCpuSeconds("/nonexistent")); // null
 * ```
 */
export function readCgroupCpuSeconds(cgroupDir: string): number | null {
  try {
    return parseCgroupUsageUsec(Deno.readTextFileSync(`${cgroupDir}/cpu.stat`)) / 1e6;
  } catch {
    return null;
  }
}
