/**
 * A transient cgroup v2 for one command (`carbon-ops run` as root): created under the unified
 * hierarchy, the command moved into it before it execs, its `cpu.stat` usage read, removed after.
 *
 * @module
 */

import { findUnifiedRoot, readCgroupCpuSeconds } from "./cgroup_cpu.ts";

/**
 * A created cgroup directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TransientCgroup } from "./transient_cgroup.ts";
 * import { createTransientCgroup } from "./transient_cgroup.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${root}/cgroup.controllers`, "cpu\n");
 * const cg = createTransientCgroup({ cgroupRoot: root, uid: 0 }) as TransientCgroup;
 * Deno.writeTextFileSync(`${cg.dir}/cpu.stat`, "usage_usec 750000\n");
 * assert.equal(cg.cpuSeconds(), 0.75);
 * Deno.removeSync(`${cg.dir}/cpu.stat`);
 * assert.equal(cg.remove(), null);
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export interface TransientCgroup {
  /** Absolute directory of the cgroup. */
  readonly dir: string;
  /** CPU seconds used by every process that ran in it (null when unreadable). */
  cpuSeconds(): number | null;
  /** Moves `pid` into the cgroup; false when the kernel refused. */
  adopt(pid: number): boolean;
  /** Removes the cgroup; returns a warning when it is still populated or cannot be removed. */
  remove(): string | null;
}

/**
 * Creates `<unified root>/carbon-ops-run-<pid>-<random>` when running as root and the hierarchy
 * is writable; otherwise returns the reason (the caller then falls back to process-tree CPU time).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTransientCgroup } from "./transient_cgroup.ts";
 * assert.deepEqual(createTransientCgroup({ uid: 1000 }), {
 *   reason: "not root: CPU time of the process tree is used",
 * });
 * assert.deepEqual(createTransientCgroup({ cgroupRoot: "/nonexistent", uid: 0 }), {
 *   reason: "no cgroup v2 hierarchy under /nonexistent",
 * });
 * // A stand-in cgroup v2 root: a directory holding `cgroup.controllers`.
 * const root = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${root}/cgroup.controllers`, "cpu\n");
 * const cg = createTransientCgroup({ cgroupRoot: root, uid: 0 });
 * assert.ok("dir" in cg && cg.dir.startsWith(`${root}/carbon-ops-run-${Deno.pid}-`));
 * assert.equal(cg.cpuSeconds(), null); // no cpu.stat in a plain directory
 * assert.equal(cg.remove(), null);
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export function createTransientCgroup(
  options: { cgroupRoot?: string; uid?: number | null } = {},
): TransientCgroup | { reason: string } {
  let uid = options.uid;
  if (uid === undefined) {
    try {
      uid = Deno.uid();
    } catch {
      uid = null; // no --allow-sys: cannot tell, so do not try
    }
  }
  if (uid !== 0) return { reason: "not root: CPU time of the process tree is used" };
  const root = options.cgroupRoot ?? "/sys/fs/cgroup";
  const unified = findUnifiedRoot(root);
  if (unified === null) return { reason: `no cgroup v2 hierarchy under ${root}` };
  const dir = `${unified}/carbon-ops-run-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.mkdirSync(dir);
  } catch (err) {
    return { reason: `cannot create a cgroup in ${unified}: ${(err as Error).message}` };
  }
  return {
    dir,
    cpuSeconds: () => readCgroupCpuSeconds(dir),
    adopt(pid: number): boolean {
      try {
        Deno.writeTextFileSync(`${dir}/cgroup.procs`, `${pid}\n`);
        return true;
      } catch {
        return false;
      }
    },
    remove(): string | null {
      try {
        Deno.removeSync(dir);
        return null;
      } catch (err) {
        return `cgroup ${dir} not removed (${(err as Error).message}): processes the command ` +
          "left behind still run in it";
      }
    },
  };
}
