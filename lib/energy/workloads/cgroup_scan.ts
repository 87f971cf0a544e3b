/**
 * Cgroup discovery: one walk of the cgroup tree that reads the cumulative CPU time of every
 * tracked cgroup, plus the host's CPU time from `/proc/stat` at the same scan, as a
 * {@link CgroupScan} for the attributor.
 *
 * **Which hierarchy** (`version: "auto"`, the default), under `root`:
 *
 * 1. `root` is a cgroup v2 (unified) mount (it holds `cgroup.controllers`): v2, each cgroup's
 *    `cpu.stat` `usage_usec`. The kernel keeps these base CPU stats in every v2 cgroup (Linux
 *    4.15+) whether or not the `cpu` controller is enabled, so no `cgroup.subtree_control` change
 *    is needed.
 * 2. Otherwise a v1 `cpuacct` hierarchy (`<root>/cpu,cpuacct`, `<root>/cpuacct,cpu` or
 *    `<root>/cpuacct`, or `root` itself, holding `cpuacct.usage`): v1, each cgroup's
 *    `cpuacct.usage` (nanoseconds, truncated to microseconds). On **hybrid** hosts (v1
 *    controllers plus a v2 tree at `<root>/unified`) this is the source: the CPU controllers are
 *    bound to v1, and the runtimes and the kubelet's cgroupfs driver create their cgroups there,
 *    while the unified tree only mirrors what systemd creates.
 * 3. Otherwise `<root>/unified` (a hybrid host without a v1 cpuacct mount): v2 there.
 *
 * `version: "v2"` or `"v1"` forces one (an Error when absent). The hierarchy is resolved once, when
 * a {@link CgroupScanner} is made.
 *
 * **What is tracked**: every cgroup (never the root) down to `maxDepth` segments whose path matches
 * an `include` pattern and no `exclude` pattern ({@link CgroupPattern} syntax). Only tracked
 * cgroups' usage files are read; directories are listed only where a pattern could still match
 * below, and not at all under an exclude that covers the whole subtree (ending in `**`).
 *
 * **Never throws for one cgroup**: a cgroup that vanishes between listing and reading, or whose
 * usage file is unreadable or malformed, is listed in `skipped` with the reason. Only a missing
 * root (or one that is not a cgroup file system) and an unreadable `/proc/stat` throw.
 *
 * @module
 */

import { type Clock, systemClock } from "../../base/clock.ts";
import { findUnifiedRoot, parseCgroupUsageUsec } from "../cgroup_cpu.ts";
import { busyTicks, parseProcStat, totalTicks } from "../cpu_times.ts";
import { CgroupPattern, type PatternStates } from "./cgroup_patterns.ts";
import { parseKubernetesIdentity } from "./kubernetes_identity.ts";
import type { CgroupScan, CgroupUsage, WorkloadIdentity } from "./workload.ts";

/**
 * Default `include` patterns: systemd's top-level slices, system services and transient scopes
 * (containers of Docker and Podman with the systemd driver, `systemd-run --scope`), users'
 * slices, machines (VMs and `machined` containers), Docker's cgroupfs containers, and Kubernetes
 * pod and container cgroups (CRI-O's monitor included) of both kubelet drivers, at the top of
 * the tree or one level down (kind's `kubelet.slice/kubelet-kubepods.slice`, a `--cgroup-root`).
 * No pattern starts with `**`, so the walk lists only the directories on the way to a match (not
 * below a container, a service or a user's slice); add `**`-led patterns for deeper nestings (a
 * kind node seen from its host: `system.slice/docker-<id>.scope/kubelet.slice/...`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CgroupPattern } from "./cgroup_patterns.ts";
 * import { DEFAULT_CGROUP_INCLUDE } from "./cgroup_scan.ts";
 * const tracked = (path: string) => DEFAULT_CGROUP_INCLUDE.some((p) => new CgroupPattern(p).test(path));
 * assert.ok(tracked("system.slice/cron.service"));
 * assert.ok(tracked("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice"));
 * assert.ok(tracked("kubepods/besteffort/pod1-2/" + "a".repeat(64)));
 * assert.ok(!tracked("kubepods.slice/kubepods-burstable.slice"));
 * ```
 */
export const DEFAULT_CGROUP_INCLUDE: readonly string[] = Object.freeze([
  "*.slice",
  "system.slice/*.service",
  "system.slice/*.scope",
  "user.slice/user-*.slice",
  "machine.slice/*",
  "docker/*",
  // Kubernetes, systemd driver: guaranteed pods, other pods, and their scopes
  ...["kubepods.slice", "*.slice/*-kubepods.slice"].flatMap((k) => [
    `${k}/*-pod*.slice`,
    `${k}/*-pod*.slice/*.scope`,
    `${k}/*.slice/*-pod*.slice`,
    `${k}/*.slice/*-pod*.slice/*.scope`,
  ]),
  // Kubernetes, cgroupfs driver: the same, in plain directories
  "kubepods",
  ...["kubepods", "*/kubepods"].flatMap((k) => [
    `${k}/pod*`,
    `${k}/pod*/*`,
    `${k}/*/pod*`,
    `${k}/*/pod*/*`,
  ]),
]);

/**
 * Default `maxDepth`: deep enough for a kind node's containers
 * (`kubelet.slice/kubelet-kubepods.slice/<qos>.slice/<pod>.slice/<container>.scope`, depth 5)
 * with a level to spare for `**`-led patterns of your own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CGROUP_MAX_DEPTH } from "./cgroup_scan.ts";
 * assert.equal(DEFAULT_CGROUP_MAX_DEPTH, 6);
 * ```
 */
export const DEFAULT_CGROUP_MAX_DEPTH = 6;

/**
 * Options of {@link CgroupScanner} and {@link scanCgroups}; every field is optional.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CgroupScanOptions } from "./cgroup_scan.ts";
 * const o: CgroupScanOptions = { include: ["system.slice/*.service"], maxDepth: 2 };
 * assert.equal(o.maxDepth, 2);
 * ```
 */
export interface CgroupScanOptions {
  /** Cgroup mount (default `/sys/fs/cgroup`): a v2 mount, or the parent of v1 and hybrid mounts. */
  readonly root?: string;
  /** Host CPU times (default `/proc/stat`). */
  readonly procStatPath?: string;
  /** USER_HZ of `/proc/stat` ticks (default 100, the Linux ABI value, as `telemetry.ts`). */
  readonly ticksPerSecond?: number;
  /** Deepest path tracked or listed, in segments below the root (default 6). */
  readonly maxDepth?: number;
  /** Patterns of tracked cgroups (default {@link DEFAULT_CGROUP_INCLUDE}). */
  readonly include?: readonly string[];
  /** Patterns of cgroups never tracked (default none); one ending in `**` prunes its subtree. */
  readonly exclude?: readonly string[];
  /** Hierarchy to read (default `"auto"`: see the module documentation). */
  readonly version?: "auto" | "v2" | "v1";
  /** Clock stamping each scan's `monoNs` (default `systemClock`). */
  readonly clock?: Pick<Clock, "monoNs">;
}

/**
 * The hierarchy a scanner reads: its version, directory and per-cgroup usage file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CgroupHierarchy } from "./cgroup_scan.ts";
 * const h: CgroupHierarchy = { version: "v1", dir: "/sys/fs/cgroup/cpu,cpuacct", usageFile: "cpuacct.usage" };
 * assert.equal(h.usageFile, "cpuacct.usage");
 * ```
 */
export interface CgroupHierarchy {
  /** `v2` (`cpu.stat` usage_usec) or `v1` (`cpuacct.usage` ns). */
  readonly version: "v2" | "v1";
  /** Directory of the hierarchy's root cgroup; tracked paths are relative to it. */
  readonly dir: string;
  /** File read in each tracked cgroup. */
  readonly usageFile: "cpu.stat" | "cpuacct.usage";
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function findCpuacct(root: string): string | null {
  for (const dir of [root, `${root}/cpu,cpuacct`, `${root}/cpuacct,cpu`, `${root}/cpuacct`]) {
    if (exists(`${dir}/cpuacct.usage`)) return dir;
  }
  return null;
}

/**
 * Finds the hierarchy with CPU accounting under `root` (see the module documentation for the
 * order `"auto"` tries).
 *
 * @throws {Error} when `version` names a hierarchy that is not there, or `"auto"` finds none.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCgroupHierarchy } from "./cgroup_scan.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${root}/cpu,cpuacct`);
 * Deno.writeTextFileSync(`${root}/cpu,cpuacct/cpuacct.usage`, "0\n");
 * Deno.mkdirSync(`${root}/unified`);
 * Deno.writeTextFileSync(`${root}/unified/cgroup.controllers`, "\n");
 * assert.deepEqual(resolveCgroupHierarchy(root), {
 *   version: "v1", dir: `${root}/cpu,cpuacct`, usageFile: "cpuacct.usage",
 * });
 * assert.equal(resolveCgroupHierarchy(root, "v2").dir, `${root}/unified`);
 * assert.throws(() => resolveCgroupHierarchy(`${root}/nope`), /no cgroup hierarchy/);
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export function resolveCgroupHierarchy(
  root: string,
  version: "auto" | "v2" | "v1" = "auto",
): CgroupHierarchy {
  const v2 = (dir: string): CgroupHierarchy => ({ version: "v2", dir, usageFile: "cpu.stat" });
  const v1 = (dir: string): CgroupHierarchy => ({ version: "v1", dir, usageFile: "cpuacct.usage" });
  const next = `check the mount with 'findmnt -t cgroup,cgroup2' and pass its directory as the ` +
    `cgroup root (--cgroup-root)`;
  if (version === "v2") {
    const dir = findUnifiedRoot(root);
    if (dir === null) {
      throw new Error(`no cgroup v2 hierarchy at ${root} or ${root}/unified: ${next}, or use v1`);
    }
    return v2(dir);
  }
  if (version === "v1") {
    const dir = findCpuacct(root);
    if (dir === null) {
      throw new Error(
        `no cgroup v1 cpuacct hierarchy at ${root}, ${root}/cpu,cpuacct or ${root}/cpuacct: ${next}, or use v2`,
      );
    }
    return v1(dir);
  }
  if (exists(`${root}/cgroup.controllers`)) return v2(root);
  const cpuacct = findCpuacct(root);
  if (cpuacct !== null) return v1(cpuacct);
  const unified = findUnifiedRoot(root);
  if (unified !== null) return v2(unified);
  throw new Error(
    `no cgroup hierarchy with CPU accounting under ${root} (neither cgroup v2 ` +
      `'cgroup.controllers' nor v1 'cpuacct.usage'): ${next}`,
  );
}

function reasonOf(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "vanished while scanning";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof SyntaxError) return `malformed: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

function parseV1UsageUsec(text: string): bigint {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new SyntaxError(`cpuacct.usage '${t.slice(0, 40)}' is not a number`);
  return BigInt(t) / 1000n;
}

/**
 * Scans the cgroup tree on demand, with the hierarchy resolved and the patterns compiled once (the
 * governor keeps one and calls {@link CgroupScanner.scan} every attribution interval).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CgroupScanner } from "./cgroup_scan.ts";
 * const base = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${base}/stat`, "cpu  300 0 100 600 0 0 0 0 0 0\n");
 * const root = `${base}/cgroup`;
 * Deno.mkdirSync(`${root}/system.slice/cron.service`, { recursive: true });
 * Deno.writeTextFileSync(`${root}/cgroup.controllers`, "cpu\n");
 * Deno.writeTextFileSync(`${root}/system.slice/cpu.stat`, "usage_usec 9000\n");
 * Deno.writeTextFileSync(`${root}/system.slice/cron.service/cpu.stat`, "usage_usec 4000\n");
 * const scanner = new CgroupScanner({ root, procStatPath: `${base}/stat` });
 * const scan = scanner.scan();
 * assert.deepEqual(scan.cgroups.map((c) => [c.identity.cgroup, c.parent, c.usageUsec]), [
 *   ["system.slice", null, 9000n],
 *   ["system.slice/cron.service", "system.slice", 4000n],
 * ]);
 * assert.equal(scan.hostBusyUsec, 4_000_000n);
 * assert.equal(scan.hostTotalUsec, 10_000_000n);
 * Deno.removeSync(base, { recursive: true });
 * ```
 */
export class CgroupScanner {
  /** The hierarchy read. */
  readonly hierarchy: CgroupHierarchy;
  readonly #procStatPath: string;
  readonly #usecPerTick: bigint;
  readonly #ticksPerSecond: bigint;
  readonly #maxDepth: number;
  readonly #include: readonly CgroupPattern[];
  readonly #exclude: readonly CgroupPattern[];
  readonly #clock: Pick<Clock, "monoNs">;
  #identities = new Map<string, WorkloadIdentity>();

  /**
   * Resolves the hierarchy and compiles the patterns.
   *
   * @param options see {@link CgroupScanOptions}.
   * @throws {Error} when no hierarchy is found; {@link SyntaxError} for a bad pattern;
   *   {@link RangeError} for a bad `maxDepth` or `ticksPerSecond`.
   */
  constructor(options: CgroupScanOptions = {}) {
    const hz = options.ticksPerSecond ?? 100;
    if (!Number.isSafeInteger(hz) || hz <= 0) {
      throw new RangeError(
        `ticksPerSecond must be a positive integer (getconf CLK_TCK), got ${hz}`,
      );
    }
    const maxDepth = options.maxDepth ?? DEFAULT_CGROUP_MAX_DEPTH;
    if (!Number.isSafeInteger(maxDepth) || maxDepth < 1) {
      throw new RangeError(`maxDepth must be an integer >= 1, got ${maxDepth}`);
    }
    this.hierarchy = resolveCgroupHierarchy(options.root ?? "/sys/fs/cgroup", options.version);
    this.#procStatPath = options.procStatPath ?? "/proc/stat";
    this.#ticksPerSecond = BigInt(hz);
    this.#usecPerTick = 1_000_000n % this.#ticksPerSecond === 0n
      ? 1_000_000n / this.#ticksPerSecond
      : 0n;
    this.#maxDepth = maxDepth;
    this.#include = (options.include ?? DEFAULT_CGROUP_INCLUDE).map((p) => new CgroupPattern(p));
    this.#exclude = (options.exclude ?? []).map((p) => new CgroupPattern(p));
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * One scan: tracked cgroups (parents before children, siblings by name), host CPU time, and
   * what was skipped.
   *
   * @throws {Error} when the hierarchy's root cannot be listed or `/proc/stat` cannot be read.
   */
  scan(): CgroupScan {
    const cgroups: CgroupUsage[] = [];
    const skipped: string[] = [];
    const identities = new Map<string, WorkloadIdentity>();
    const { dir } = this.hierarchy;
    let top: string[];
    try {
      top = listDirs(dir);
    } catch (e) {
      throw new Error(
        `cannot list the cgroup root ${dir} (${reasonOf(e)}): check that the cgroup file system ` +
          `is mounted there ('findmnt ${dir}') or pass another cgroup root`,
        { cause: e },
      );
    }
    const walk = (
      absDir: string,
      rel: string,
      names: string[],
      depth: number,
      inc: readonly PatternStates[],
      exc: readonly PatternStates[],
      parent: string | null,
    ): void => {
      for (const name of names) {
        const childRel = rel === "" ? name : `${rel}/${name}`;
        const childAbs = `${absDir}/${name}`;
        const childExc = exc.map((s, i) => this.#exclude[i].step(s, name));
        if (childExc.some((s, i) => this.#exclude[i].coversSubtree(s))) continue;
        const childInc = inc.map((s, i) => this.#include[i].step(s, name));
        const tracked = childInc.some((s, i) => this.#include[i].matches(s)) &&
          !childExc.some((s, i) => this.#exclude[i].matches(s));
        let childParent = parent;
        if (tracked) {
          try {
            const usageUsec = this.#readUsage(childAbs);
            const identity = this.#identities.get(childRel) ?? parseKubernetesIdentity(childRel);
            identities.set(childRel, identity);
            cgroups.push({ identity, parent, usageUsec });
            childParent = childRel;
          } catch (e) {
            skipped.push(`${childRel}: ${reasonOf(e)}`);
            if (e instanceof Deno.errors.NotFound) continue;
          }
        }
        if (depth + 1 >= this.#maxDepth) continue;
        if (!childInc.some((s, i) => this.#include[i].mayMatchBelow(s))) continue;
        let below: string[];
        try {
          below = listDirs(childAbs);
        } catch (e) {
          // a removed cgroup had no children (rmdir refuses otherwise): nothing tracked is lost
          if (!(e instanceof Deno.errors.NotFound)) skipped.push(`${childRel}/: ${reasonOf(e)}`);
          continue;
        }
        if (below.length > 0) {
          walk(childAbs, childRel, below, depth + 1, childInc, childExc, childParent);
        }
      }
    };
    walk(
      dir,
      "",
      top,
      0,
      this.#include.map((p) => p.start()),
      this.#exclude.map((p) => p.start()),
      null,
    );
    this.#identities = identities;
    const host = this.#readHost();
    return {
      monoNs: this.#clock.monoNs(),
      cgroups,
      hostBusyUsec: host.busyUsec,
      hostTotalUsec: host.totalUsec,
      skipped,
    };
  }

  #readUsage(cgroupDir: string): bigint {
    const text = Deno.readTextFileSync(`${cgroupDir}/${this.hierarchy.usageFile}`);
    return this.hierarchy.version === "v2"
      ? BigInt(parseCgroupUsageUsec(text))
      : parseV1UsageUsec(text);
  }

  #readHost(): { busyUsec: bigint; totalUsec: bigint } {
    let text: string;
    try {
      text = Deno.readTextFileSync(this.#procStatPath);
    } catch (e) {
      throw new Error(
        `cannot read host CPU times from ${this.#procStatPath} (${reasonOf(e)}): mount /proc ` +
          `(in a container: the host's /proc) or pass its path`,
        { cause: e },
      );
    }
    const t = parseProcStat(text).total;
    return { busyUsec: this.#usec(busyTicks(t)), totalUsec: this.#usec(totalTicks(t)) };
  }

  #usec(ticks: number): bigint {
    return this.#usecPerTick > 0n
      ? BigInt(ticks) * this.#usecPerTick
      : BigInt(ticks) * 1_000_000n / this.#ticksPerSecond;
  }
}

function listDirs(dir: string): string[] {
  const names: string[] = [];
  for (const e of Deno.readDirSync(dir)) if (e.isDirectory) names.push(e.name);
  return names.sort();
}

/**
 * One scan with a fresh {@link CgroupScanner} (resolves the hierarchy and compiles the patterns
 * each time: keep a scanner to scan repeatedly).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanCgroups } from "./cgroup_scan.ts";
 * const base = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${base}/stat`, "cpu  1 0 0 1\n");
 * Deno.mkdirSync(`${base}/cg/cpuacct/docker/x`, { recursive: true });
 * Deno.writeTextFileSync(`${base}/cg/cpuacct/cpuacct.usage`, "9000000\n");
 * Deno.writeTextFileSync(`${base}/cg/cpuacct/docker/x/cpuacct.usage`, "2500000\n");
 * const scan = scanCgroups({ root: `${base}/cg`, procStatPath: `${base}/stat` });
 * assert.equal(scan.cgroups[0].identity.cgroup, "docker/x");
 * assert.equal(scan.cgroups[0].usageUsec, 2_500n);
 * Deno.removeSync(base, { recursive: true });
 * ```
 */
export function scanCgroups(options: CgroupScanOptions = {}): CgroupScan {
  return new CgroupScanner(options).scan();
}
