/**
 * Fake cgroup trees for the workload tests: a cgroup v2 mount (`cpu.stat`), a v1 `cpuacct`
 * hierarchy (`cpuacct.usage` in nanoseconds) or a hybrid host (v1 controllers plus a v2 tree at
 * `unified/`), laid out under `<base>/cgroup` like `/sys/fs/cgroup`, with mutation helpers for
 * churn, and a `/proc/stat` writer.
 *
 * ```text
 * const fake = buildFakeCgroups(dir.path, {
 *   layout: "v2",
 *   cgroups: { "system.slice/cron.service": 1_000, [podPath]: 5_000 },
 * });
 * fake.advance("system.slice/cron.service", 500); // the service, system.slice and the root
 * fake.remove(podPath);
 * fakeProcStat(`${dir.path}/stat`, 2_000_000, 8_000_000);
 * scanCgroups({ root: fake.root, procStatPath: `${dir.path}/stat` });
 * ```
 *
 * Usage is hierarchical as in the kernel: `advance` adds to the cgroup and every ancestor
 * (root included); `setUsage` writes one cgroup's counter only (for resets and odd states). Every
 * ancestor of a listed cgroup exists, with usage 0 unless listed itself.
 */

import {
  kubernetesCgroupPath,
  type KubernetesCgroupSpec,
} from "../../lib/energy/workloads/kubernetes_identity.ts";

/** Shape of the fake mount. */
export interface FakeCgroupSpec {
  /** `v2`: pure unified; `v1`: v1 controllers only; `hybrid`: v1 plus `unified/` (no controllers). */
  readonly layout: "v2" | "v1" | "hybrid";
  /** Relative cgroup path to its initial usage in microseconds. */
  readonly cgroups: Readonly<Record<string, number>>;
  /** v1 directory of the cpuacct hierarchy (default `cpu,cpuacct`, with `cpu` and `cpuacct` links). */
  readonly v1Dir?: "cpu,cpuacct" | "cpuacct";
  /**
   * Also create (empty) the other interface files a real cgroup directory holds (about 50 in v2
   * with cpu, io, memory and pids enabled; 14 in v1 cpuacct), so that listing a directory costs
   * what it does on a host (default false: benchmarks want it, tests do not).
   */
  readonly interfaceFiles?: boolean;
}

const V2_FILES = [
  "cgroup.controllers cgroup.events cgroup.freeze cgroup.kill cgroup.max.depth",
  "cgroup.max.descendants cgroup.pressure cgroup.procs cgroup.stat cgroup.subtree_control",
  "cgroup.threads cgroup.type cpu.idle cpu.max cpu.max.burst cpu.pressure cpu.stat.local",
  "cpu.weight cpu.weight.nice io.max io.pressure io.prio.class io.stat io.weight memory.current",
  "memory.events memory.events.local memory.high memory.low memory.max memory.min",
  "memory.numa_stat memory.oom.group memory.peak memory.pressure memory.reclaim memory.stat",
  "memory.swap.current memory.swap.events memory.swap.high memory.swap.max memory.swap.peak",
  "memory.zswap.current memory.zswap.max pids.current pids.events pids.max pids.peak",
].join(" ").split(" ");
const V1_FILES = [
  "cgroup.clone_children cgroup.procs notify_on_release tasks cpuacct.stat cpuacct.usage_all",
  "cpuacct.usage_percpu cpuacct.usage_percpu_sys cpuacct.usage_percpu_user cpuacct.usage_sys",
  "cpuacct.usage_user cpu.cfs_period_us cpu.cfs_quota_us cpu.shares",
].join(" ").split(" ");

/** Handle on a fake tree. */
export interface FakeCgroups {
  /** What to pass as the scan's `root` (the fake `/sys/fs/cgroup`). */
  readonly root: string;
  /** Directories holding the usage files (the v1 cpuacct dir and, hybrid, `unified/` too). */
  readonly hierarchyDirs: readonly string[];
  /** Current usage of a cgroup (`""` is the root), microseconds. */
  usage(path: string): number;
  /** Writes one cgroup's counter (ancestors untouched); creates the cgroup when missing. */
  setUsage(path: string, usec: number): void;
  /** Adds CPU time to a cgroup and all its ancestors (the root included), as the kernel counts. */
  advance(path: string, deltaUsec: number): void;
  /** Creates a cgroup (and missing ancestors) with a usage (default 0). */
  add(path: string, usec?: number): void;
  /** Removes a cgroup and everything below it (what rmdir of each would do). */
  remove(path: string): void;
}

function writeUsage(dir: string, v1: boolean, usec: number): void {
  if (v1) {
    Deno.writeTextFileSync(`${dir}/cpuacct.usage`, `${BigInt(usec) * 1000n}\n`);
  } else {
    const user = Math.floor(usec / 2);
    Deno.writeTextFileSync(
      `${dir}/cpu.stat`,
      `usage_usec ${usec}\nuser_usec ${user}\nsystem_usec ${usec - user}\n` +
        `nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`,
    );
  }
}

/** Creates the tree under `<base>/cgroup` and returns a handle. */
export function buildFakeCgroups(base: string, spec: FakeCgroupSpec): FakeCgroups {
  const root = `${base}/cgroup`;
  Deno.mkdirSync(root, { recursive: true });
  const dirs: { dir: string; v1: boolean }[] = [];
  if (spec.layout === "v2") {
    Deno.writeTextFileSync(`${root}/cgroup.controllers`, "cpuset cpu io memory pids\n");
    dirs.push({ dir: root, v1: false });
  } else {
    const v1Dir = spec.v1Dir ?? "cpu,cpuacct";
    Deno.mkdirSync(`${root}/${v1Dir}`);
    if (v1Dir === "cpu,cpuacct") {
      Deno.symlinkSync(`${root}/cpu,cpuacct`, `${root}/cpu`);
      Deno.symlinkSync(`${root}/cpu,cpuacct`, `${root}/cpuacct`);
    }
    for (const other of ["memory", "pids", "systemd"]) Deno.mkdirSync(`${root}/${other}`);
    dirs.push({ dir: `${root}/${v1Dir}`, v1: true });
    if (spec.layout === "hybrid") {
      Deno.mkdirSync(`${root}/unified`);
      Deno.writeTextFileSync(`${root}/unified/cgroup.controllers`, "\n");
      dirs.push({ dir: `${root}/unified`, v1: false });
    }
  }
  const usage = new Map<string, number>();
  const norm = (p: string) => p.replace(/^\/+|\/+$/g, "");
  const set = (path: string, usec: number) => {
    const p = norm(path);
    for (const { dir, v1 } of dirs) {
      const d = p === "" ? dir : `${dir}/${p}`;
      if (spec.interfaceFiles && p !== "" && !usage.has(p)) {
        Deno.mkdirSync(d, { recursive: true });
        for (const f of v1 ? V1_FILES : V2_FILES) Deno.writeTextFileSync(`${d}/${f}`, "");
      }
      Deno.mkdirSync(d, { recursive: true });
      writeUsage(d, v1, usec);
    }
    usage.set(p, usec);
  };
  const ensure = (path: string) => {
    const segs = norm(path).split("/").filter((s) => s !== "");
    for (let i = 0; i <= segs.length; i++) {
      const p = segs.slice(0, i).join("/");
      if (!usage.has(p)) set(p, 0);
    }
  };
  const handle: FakeCgroups = {
    root,
    hierarchyDirs: dirs.map((d) => d.dir),
    usage: (path) => usage.get(norm(path)) ?? 0,
    setUsage: (path, usec) => {
      ensure(path);
      set(path, usec);
    },
    advance: (path, deltaUsec) => {
      ensure(path);
      const segs = norm(path).split("/").filter((s) => s !== "");
      for (let i = 0; i <= segs.length; i++) {
        const p = segs.slice(0, i).join("/");
        set(p, (usage.get(p) ?? 0) + deltaUsec);
      }
    },
    add: (path, usec = 0) => {
      ensure(path);
      set(path, usec);
    },
    remove: (path) => {
      const p = norm(path);
      for (const { dir } of dirs) Deno.removeSync(`${dir}/${p}`, { recursive: true });
      for (const k of [...usage.keys()]) if (k === p || k.startsWith(`${p}/`)) usage.delete(k);
    },
  };
  ensure("");
  for (const [path, usec] of Object.entries(spec.cgroups)) handle.add(path, usec);
  return handle;
}

/**
 * Writes a `/proc/stat` whose aggregate line says `busyUsec` busy (as user time) and
 * `totalUsec` in all (the rest idle), in 100 Hz ticks, with `cpus` per-CPU lines.
 *
 * @throws {RangeError} when a time is not a whole number of ticks (10 ms) or busy > total.
 */
export function fakeProcStat(path: string, busyUsec: number, totalUsec: number, cpus = 2): void {
  if (busyUsec % 10_000 !== 0 || totalUsec % 10_000 !== 0 || busyUsec > totalUsec) {
    throw new RangeError(`fake /proc/stat needs whole 10 ms ticks and busy <= total`);
  }
  const busy = busyUsec / 10_000;
  const idle = (totalUsec - busyUsec) / 10_000;
  const lines = [`cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0`];
  for (let i = 0; i < cpus; i++) {
    lines.push(`cpu${i} ${Math.floor(busy / cpus)} 0 0 ${Math.floor(idle / cpus)} 0 0 0 0 0 0`);
  }
  lines.push("intr 0", "ctxt 0", "btime 0", "processes 1");
  Deno.writeTextFileSync(path, lines.join("\n") + "\n");
}

/** A deterministic 64-hex container ID from a small number. */
export function containerIdOf(n: number): string {
  return n.toString(16).padStart(8, "0").repeat(8);
}

/** A deterministic pod UID (dashed UUID shape) from a small number. */
export function podUidOf(n: number): string {
  const h = n.toString(16).padStart(12, "0");
  return `0000${h.slice(0, 4)}-0000-4000-8000-${h}`;
}

/**
 * Cgroup paths of one Kubernetes pod (the pod and each container; with CRI-O also its monitor
 * scope), laid out by {@link kubernetesCgroupPath}.
 */
export function kubernetesPodPaths(
  spec: Omit<KubernetesCgroupSpec, "containerId" | "conmon">,
  containerIds: readonly string[],
): { pod: string; containers: string[]; conmon: string[] } {
  const pod = kubernetesCgroupPath(spec);
  const containers = containerIds.map((containerId) =>
    kubernetesCgroupPath({ ...spec, containerId })
  );
  const conmon = spec.runtime === "cri-o"
    ? containerIds.map((containerId) =>
      kubernetesCgroupPath({ ...spec, containerId, conmon: true })
    )
    : [];
  return { pod, containers, conmon };
}
