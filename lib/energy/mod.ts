/**
 * Energy logging: host telemetry from `/proc` and `/sys`, GPU telemetry from nvidia-smi,
 * measured host energy (governor, then direct powercap reads, then a CPU power model), and
 * attribution of that energy to a process tree or cgroup by CPU time.
 *
 * ```ts
 * import { EnergyLogger } from "./mod.ts";
 * const logger = new EnergyLogger();
 * const metric = await logger.logMetrics("training_step");
 * console.log(metric.energy.attribution_mode, metric.energy.energy_wh_total);
 * await logger.close();
 * ```
 *
 * @module
 */

export { allocationRatio, attributedFor, attributeEnergy } from "./attribution.ts";
export type { AttributedEnergy, AttributionInputs, IdlePolicy } from "./attribution.ts";
export { findUnifiedRoot, parseCgroupUsageUsec, readCgroupCpuSeconds } from "./cgroup_cpu.ts";
export { busyTicks, cpuDelta, cpuUtilisationPct, parseProcStat, totalTicks } from "./cpu_times.ts";
export type { CpuDelta, CpuTimes, ProcStat } from "./cpu_times.ts";
export { EnergyLogger } from "./energy_logger.ts";
export type { EnergyLoggerOptions, MonitorResult } from "./energy_logger.ts";
export { EnergySampler } from "./energy_sampler.ts";
export type { EnergySamplerParts, TaskCpuReader } from "./energy_sampler.ts";
export { EnergySpan } from "./energy_span.ts";
export type { SpanFinisher } from "./energy_span.ts";
export { summarizeEnergy } from "./energy_summary.ts";
export type {
  AttributionMode,
  CpuTimeScope,
  EnergyDetails,
  EnergySummary,
  SummaryParams,
} from "./energy_summary.ts";
export { defaultGovernorReader, GovernorReader } from "./governor_reader.ts";
export type { GovernorReadClient } from "./governor_reader.ts";
export { BackoffReader } from "./host_energy.ts";
export type {
  BackoffStatus,
  HostEnergyReader,
  HostEnergyReading,
  MeasuredSource,
} from "./host_energy.ts";
export { addEnergySample, startEnergyInterval } from "./interval_accumulator.ts";
export type { AccumulatorParams, EnergySample, IntervalTotals } from "./interval_accumulator.ts";
export { parseMeminfo } from "./meminfo.ts";
export type { MemoryMetrics } from "./meminfo.ts";
export { buildMetricRecord } from "./metric_record.ts";
export type { CpuMetrics, MetricRecord, RecordContext } from "./metric_record.ts";
export { buildLoggerSampler, sourceNotes } from "./logger_sources.ts";
export { MetricsHistory } from "./metrics_history.ts";
export type { MetricsSummary, RecordKind } from "./metrics_history.ts";
export { gpuTrapezoidJoules, NVIDIA_SMI_ARGS, NvidiaSmi, parseNvidiaSmiCsv } from "./nvidia_smi.ts";
export type { GpuQuery, GpuReading } from "./nvidia_smi.ts";
export {
  DEFAULT_GAMMA,
  DEFAULT_IDLE_FRACTION,
  DEFAULT_TDP_WATTS,
  modelCpuPowerWatts,
  resolveTdp,
} from "./power_model.ts";
export type { PowerModel, ResolvedTdp } from "./power_model.ts";
export { openPowercapReader, PowercapReader } from "./powercap_reader.ts";
export { parsePidStat, processTicks, treeTicks } from "./proc_pid_stat.ts";
export type { PidStat } from "./proc_pid_stat.ts";
export { Telemetry } from "./telemetry.ts";
export type { TelemetryRoots } from "./telemetry.ts";
export { FORWARDED_SIGNALS, runMeasured } from "./run_measured.ts";
export type { RunMeasuredOptions, RunMeasuredResult } from "./run_measured.ts";
export { createTransientCgroup } from "./transient_cgroup.ts";
export type { TransientCgroup } from "./transient_cgroup.ts";
export { parseReportState, planPeriod } from "./report_period.ts";
export type { PeriodPlan, ReportReading, ReportState } from "./report_period.ts";
export { loadReportState, saveReportState, withStateLock } from "./report_state.ts";
