/**
 * Energy measurement (`@carbon-ops/carbon-ops/energy`): `EnergyLogger` measures host energy
 * (the governor's exact RAPL totals, then direct powercap reads, then a CPU power model) and
 * attributes it to this process tree or a cgroup by CPU time, per record or per span;
 * `runMeasured` does the same for a command; `GovernorClient` reads the governor's totals from
 * its Unix socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EnergyLogger } from "./mod.ts";
 * const logger = new EnergyLogger({ gpu: null });
 * const { value, energy } = await logger.monitor("sum", () => [1, 2, 3].reduce((a, b) => a + b));
 * assert.equal(value, 6);
 * assert.ok(energy.energy_wh_attributed >= 0 && energy.energy_wh_attributed <= energy.energy_wh_total);
 * await logger.close();
 * ```
 *
 * @module
 */

export { EnergyLogger } from "./energy_logger.ts";
export type { EnergyLoggerOptions, MonitorResult } from "./energy_logger_options.ts";
export { EnergySpan } from "./energy_span.ts";
export { FORWARDED_SIGNALS, runMeasured } from "./run_measured.ts";
export type { RunMeasuredOptions, RunMeasuredResult } from "./run_measured.ts";
export {
  DEFAULT_GOVERNOR_SOCKET,
  GovernorClient,
  type GovernorClientOptions,
  GovernorUnavailableError,
  type GovernorUnavailableReason,
} from "./governor_client.ts";
export {
  type GovernorClientCounts,
  type GovernorDomainHealth,
  type GovernorDomainInfo,
  type GovernorDomainList,
  type GovernorDomainReading,
  type GovernorHealth,
  type GovernorLatency,
  type GovernorModelInfo,
  type GovernorReading,
  type GovernorStats,
  type GovernorWorkloads,
  type GovernorWorkloadStats,
  HEALTH_STATUSES,
  type HealthStatus,
  type Op,
  OPS,
  type ResponseValues,
} from "./wire.ts";
export type { CpuMetrics, MetricRecord } from "./metric_record.ts";
export type {
  AttributionMode,
  CpuTimeScope,
  EnergyDetails,
  EnergySummary,
} from "./energy_summary.ts";
export type {
  EnergyEvidence,
  EnergyEvidenceKind,
  EnergyModelDetails,
  EnergyModelMatch,
  MeterDetails,
  MeterPoint,
  RaplBackend,
} from "../base/energy_evidence.ts";
export type { MemoryMetrics } from "./meminfo.ts";
export type { MetricsSummary } from "./metrics_history.ts";
export type { HostEnergyReader, HostEnergyReading, MeasuredSource } from "./host_energy.ts";
export type { TaskCpuReader } from "./energy_sampler.ts";
export type { GpuQuery, GpuReading } from "./nvidia_smi.ts";
export type { IdlePolicy } from "./attribution.ts";
export type { ResolvedTdp } from "./power_model.ts";
export type { Clock } from "../base/clock.ts";
export type { DomainTotals } from "./rapl/accumulator.ts";
export type { DomainInfo, DomainKind } from "./rapl/energy_source.ts";
export type {
  ContainerRuntime,
  DomainWorkloadTotals,
  QosClass,
  WorkloadIdentity,
  WorkloadIdlePolicy,
  WorkloadTotals,
} from "./workloads/workload.ts";
export type { InstanceModel, InstanceModelChoice } from "./instance_model.ts";
export type { InstanceEmbodied, InstanceMatch, InstanceSpec } from "../cloud/instance_catalog.ts";
export type { CloudProvider } from "../cloud/data/types.ts";
