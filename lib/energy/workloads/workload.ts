/**
 * The vocabulary of per-workload attribution, shared by cgroup discovery (`cgroup_scan.ts`), the
 * conserving attributor (`attributor.ts`), the governor that runs them and the clients that read
 * the result: who a workload is, what a scan of the cgroup tree holds, and the exact totals.
 *
 * A **workload** is a tracked cgroup. Its energy is its CPU-time share of each RAPL domain's
 * energy, interval by interval; the named buckets take what no tracked cgroup can claim, so that
 * for every domain the buckets always sum to the host's energy to the microjoule.
 *
 * @module
 */

/**
 * Kubernetes QoS class of a pod, from its cgroup path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { QosClass } from "./workload.ts";
 * const q: QosClass = "burstable";
 * assert.equal(q, "burstable");
 * ```
 */
export type QosClass = "guaranteed" | "burstable" | "besteffort";

/**
 * Container runtime named by a container's cgroup.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ContainerRuntime } from "./workload.ts";
 * const r: ContainerRuntime = "containerd";
 * assert.equal(r, "containerd");
 * ```
 */
export type ContainerRuntime = "containerd" | "cri-o" | "docker";

/**
 * Who a tracked cgroup is. Kubernetes fields are parsed from the path only (never from the API
 * server); names are joined later, the Prometheus way, on `podUid`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadIdentity } from "./workload.ts";
 * const w: WorkloadIdentity = {
 *   cgroup: "system.slice/cron.service",
 *   podUid: null,
 *   containerId: null,
 *   qos: null,
 *   runtime: null,
 * };
 * assert.equal(w.cgroup.split("/").length, 2);
 * ```
 */
export interface WorkloadIdentity {
  /** Path relative to the cgroup root, without a leading `/` (the bucket key). */
  readonly cgroup: string;
  /** Pod UID with dashes (`1b2c...-...`), or null outside Kubernetes. */
  readonly podUid: string | null;
  /** Full container ID (64 hex digits), or null when the cgroup is not one container. */
  readonly containerId: string | null;
  /** Pod QoS class, or null outside Kubernetes. */
  readonly qos: QosClass | null;
  /** Runtime named by the container cgroup, or null. */
  readonly runtime: ContainerRuntime | null;
}

/**
 * One tracked cgroup's cumulative CPU time at a scan (cgroup v2 `cpu.stat usage_usec`, or v1
 * `cpuacct.usage` / 1000). Usage is hierarchical: it includes the cgroup's descendants.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CgroupUsage } from "./workload.ts";
 * const u: CgroupUsage = {
 *   identity: { cgroup: "a.slice", podUid: null, containerId: null, qos: null, runtime: null },
 *   parent: null,
 *   usageUsec: 1_500_000n,
 * };
 * assert.equal(u.usageUsec, 1_500_000n);
 * ```
 */
export interface CgroupUsage {
  /** Who it is. */
  readonly identity: WorkloadIdentity;
  /** `cgroup` of the nearest tracked ancestor, or null when none is tracked. */
  readonly parent: string | null;
  /** Cumulative CPU time in microseconds, children included. */
  readonly usageUsec: bigint;
}

/**
 * One scan: every tracked cgroup's usage and the host's CPU time (`/proc/stat`, all CPUs) at the
 * same moment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CgroupScan } from "./workload.ts";
 * const scan: CgroupScan = { monoNs: 0n, cgroups: [], hostBusyUsec: 10n, hostTotalUsec: 40n, skipped: [] };
 * assert.ok(scan.hostBusyUsec <= scan.hostTotalUsec);
 * ```
 */
export interface CgroupScan {
  /** Monotonic time of the scan, nanoseconds. */
  readonly monoNs: bigint;
  /** Tracked cgroups, parents before children. */
  readonly cgroups: readonly CgroupUsage[];
  /** Host busy CPU time since boot, microseconds (all CPUs: user+nice+system+irq+softirq+steal). */
  readonly hostBusyUsec: bigint;
  /** Host total CPU time since boot, microseconds (busy + idle + iowait). */
  readonly hostTotalUsec: bigint;
  /** Cgroups seen but not read, with the reason (unreadable, vanished while reading). */
  readonly skipped: readonly string[];
}

/**
 * Bucket of the energy that falls to idle CPU time (policy `idle`; also every domain's energy
 * in an interval where nothing ran).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IDLE_BUCKET } from "./workload.ts";
 * assert.equal(IDLE_BUCKET, "(idle)");
 * ```
 */
export const IDLE_BUCKET = "(idle)";

/**
 * Bucket of busy CPU time outside every tracked cgroup (kernel threads, untracked cgroups).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SYSTEM_BUCKET } from "./workload.ts";
 * assert.equal(SYSTEM_BUCKET, "(system)");
 * ```
 */
export const SYSTEM_BUCKET = "(system)";

/**
 * Bucket of tracked cgroups beyond the cardinality cap, and of cgroups dropped after their
 * grace period (so that totals keep summing to the host).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OTHER_BUCKET } from "./workload.ts";
 * assert.equal(OTHER_BUCKET, "(other)");
 * ```
 */
export const OTHER_BUCKET = "(other)";

/**
 * How idle energy is attributed. `idle`: each domain's energy is split into an idle part (by the
 * host's idle CPU-time share) kept in {@link IDLE_BUCKET} and an active part split by CPU time
 * (as Kepler's idle/active split). `proportional`: the whole energy is split by CPU time, so
 * workloads carry the idle share too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadIdlePolicy } from "./workload.ts";
 * const p: WorkloadIdlePolicy = "idle";
 * assert.notEqual(p, "proportional");
 * ```
 */
export type WorkloadIdlePolicy = "proportional" | "idle";

/**
 * One domain's attributed totals since the attributor started: the host's energy over the
 * attributed intervals and each bucket's part of it. Invariant: the buckets sum to `hostUj`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DomainWorkloadTotals } from "./workload.ts";
 * const d: DomainWorkloadTotals = { hostUj: 10n, buckets: { "(idle)": 4n, "a.slice": 6n } };
 * assert.equal(Object.values(d.buckets).reduce((a, b) => a + b, 0n), d.hostUj);
 * ```
 */
export interface DomainWorkloadTotals {
  /** Host energy attributed so far, exact microjoules. */
  readonly hostUj: bigint;
  /** Bucket key (a workload's `cgroup`, or a named bucket) to its exact microjoules. */
  readonly buckets: Readonly<Record<string, bigint>>;
}

/**
 * An attribution snapshot: per domain, exact totals per bucket, and who each workload is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadTotals } from "./workload.ts";
 * const t: WorkloadTotals = {
 *   instance: "i",
 *   monoNs: 0n,
 *   timeMs: 0,
 *   policy: "idle",
 *   intervals: 0,
 *   domains: {},
 *   workloads: {},
 * };
 * assert.equal(t.intervals, 0);
 * ```
 */
export interface WorkloadTotals {
  /** The governor instance whose energy totals were attributed (a restart starts over). */
  readonly instance: string;
  /** Monotonic time of the last attributed interval's end, nanoseconds. */
  readonly monoNs: bigint;
  /** Wall-clock time of the same moment, milliseconds since the epoch. */
  readonly timeMs: number;
  /** The idle policy in effect. */
  readonly policy: WorkloadIdlePolicy;
  /** Intervals attributed so far. */
  readonly intervals: number;
  /** Per RAPL domain (the accumulator's domain names). */
  readonly domains: Readonly<Record<string, DomainWorkloadTotals>>;
  /** Identity of every workload bucket present in `domains` (named buckets have none). */
  readonly workloads: Readonly<Record<string, WorkloadIdentity>>;
}
