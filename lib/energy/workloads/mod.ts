/**
 * Energy per workload (`@carbon-ops/carbon-ops/energy/workloads`): discover the cgroups a host
 * runs (systemd units, containers, Kubernetes pods and their identity from the cgroup path), split
 * each RAPL domain's exact energy across them by CPU time so that the buckets sum to the host's
 * energy to the microjoule, and group the buckets into tenants (cgroup, pod, namespace or a label
 * from a mapping file). The governor runs the same code (`carbon-ops governor --cgroup-root`);
 * `GovernorClient.workloads()` reads its totals. docs/workloads.md explains the method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IDLE_BUCKET, SYSTEM_BUCKET, WorkloadAttributor } from "./mod.ts";
 * const id = (cgroup: string) => ({ cgroup, podUid: null, containerId: null, qos: null, runtime: null });
 * const scan = (s: bigint, webUsec: bigint, busyUsec: bigint, totalUsec: bigint) => ({
 *   monoNs: s * 1_000_000_000n,
 *   cgroups: [{ identity: id("system.slice/web.service"), parent: null, usageUsec: webUsec }],
 *   hostBusyUsec: busyUsec,
 *   hostTotalUsec: totalUsec,
 *   skipped: [],
 * });
 * const at = (s: bigint, uj: bigint) => ({ monoNs: s * 1_000_000_000n, timeMs: 0, domains: { "package-0": uj } });
 * const attributor = new WorkloadAttributor({ policy: "idle" });
 * attributor.update(at(0n, 0n), scan(0n, 0n, 0n, 0n)); // the baseline
 * // one second on 2 CPUs: web 1.2 s, 0.3 s elsewhere, 0.5 s idle; 10 J
 * attributor.update(at(1n, 10_000_000n), scan(1n, 1_200_000n, 1_500_000n, 2_000_000n));
 * const pkg = attributor.totals().domains["package-0"];
 * assert.equal(pkg.buckets["system.slice/web.service"], 6_000_000n);
 * assert.equal(pkg.buckets[SYSTEM_BUCKET], 1_500_000n);
 * assert.equal(pkg.buckets[IDLE_BUCKET], 2_500_000n);
 * assert.equal(Object.values(pkg.buckets).reduce((a, b) => a + b), pkg.hostUj);
 * ```
 *
 * @module
 */

export {
  type EnergyTotalsAt,
  WorkloadAttributor,
  type WorkloadAttributorOptions,
  type WorkloadAttributorStats,
} from "./attributor.ts";
export { splitExact } from "./split_exact.ts";
export {
  type CgroupHierarchy,
  CgroupScanner,
  type CgroupScanOptions,
  DEFAULT_CGROUP_INCLUDE,
  DEFAULT_CGROUP_MAX_DEPTH,
  resolveCgroupHierarchy,
  scanCgroups,
} from "./cgroup_scan.ts";
export { CgroupPattern, type PatternStates } from "./cgroup_patterns.ts";
export {
  kubernetesCgroupPath,
  type KubernetesCgroupSpec,
  parseKubernetesIdentity,
} from "./kubernetes_identity.ts";
export {
  type CgroupScan,
  type CgroupUsage,
  type ContainerRuntime,
  type DomainWorkloadTotals,
  IDLE_BUCKET,
  OTHER_BUCKET,
  type QosClass,
  SYSTEM_BUCKET,
  type WorkloadIdentity,
  type WorkloadIdlePolicy,
  type WorkloadTotals,
} from "./workload.ts";
export {
  groupTenants,
  parsePodLogDir,
  parseTenantGrouping,
  type PodName,
  readPodLogDirs,
  type TenantContext,
  type TenantGrouping,
  tenantOf,
  UNKNOWN_NAMESPACE,
  UNMAPPED,
} from "./tenants.ts";
export { parseTenantMap, type TenantMap, tenantMapLabel, type TenantRule } from "./tenant_map.ts";
export type { Clock } from "../../base/clock.ts";
