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
 * import assert from "node:assert/strict";
 * import { parseCgroupUsageUsec } from "./cgroup_cpu.ts";
 * assert.equal(
 *   parseCgroupUsageUsec("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n"),
 *   1_500_000,
 * );
 * assert.throws(() => parseCgroupUsageUsec("user_usec 1\n"), SyntaxError);
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
 * import assert from "node:assert/strict";
 * import { findUnifiedRoot } from "./cgroup_cpu.ts";
 * assert.equal(findUnifiedRoot("/nonexistent"), null);
 * const hybrid = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${hybrid}/unified`);
 * Deno.writeTextFileSync(`${hybrid}/unified/cgroup.controllers`, "cpu\n");
 * assert.equal(findUnifiedRoot(hybrid), `${hybrid}/unified`);
 * Deno.removeSync(hybrid, { recursive: true });
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
 * import assert from "node:assert/strict";
 * import { readCgroupCpuSeconds } from "./cgroup_cpu.ts";
 * assert.equal(readCgroupCpuSeconds("/nonexistent"), null);
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/cpu.stat`, "usage_usec 2500000\n");
 * assert.equal(readCgroupCpuSeconds(dir), 2.5);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function readCgroupCpuSeconds(cgroupDir: string): number | null {
  try {
    return parseCgroupUsageUsec(Deno.readTextFileSync(`${cgroupDir}/cpu.stat`)) / 1e6;
  } catch {
    return null;
  }
}
