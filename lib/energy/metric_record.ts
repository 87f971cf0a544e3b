/**
 * The record `EnergyLogger.logMetrics` returns: the Python package's keys plus the interval
 * timestamps and its energy summary.
 *
 * @module
 */

import { rfc3339 } from "../base/clock.ts";
import type { EnergyDetails, EnergySummary } from "./energy_summary.ts";
import type { IntervalTotals } from "./interval_accumulator.ts";
import type { MemoryMetrics } from "./meminfo.ts";
import type { GpuReading } from "./nvidia_smi.ts";
import { modelCpuPowerWatts, type PowerModel } from "./power_model.ts";
import type { Telemetry } from "./telemetry.ts";

/**
 * CPU telemetry of a record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuMetrics } from "./metric_record.ts";
 * const cpu: CpuMetrics = { cpu_percent: 50, cpu_freq_mhz: null, estimated_power_watts: 63.5 };
 * assert.equal(cpu.cpu_freq_mhz, null); // no cpufreq in a VM
 * ```
 */
export interface CpuMetrics {
  /** Host CPU utilisation over the interval, percent (guest time not double counted). */
  readonly "cpu_percent": number;
  /** Mean current CPU frequency in MHz at the end of the interval, or null. */
  readonly "cpu_freq_mhz": number | null;
  /**
   * Mean CPU-side power over the interval in watts: measured when a governor or powercap
   * covered it, else the power model.
   */
  readonly "estimated_power_watts": number;
}

/**
 * One metric record (snake_case keys, JSON-ready).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricRecord } from "./metric_record.ts";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null });
 * const record: MetricRecord = await logger.logMetrics("batch", { size: 32 });
 * assert.equal(record.operation, "batch");
 * assert.deepEqual(record.gpu, []);
 * assert.ok(record.timestamp_start <= record.timestamp_end);
 * await logger.close();
 * ```
 */
export interface MetricRecord {
  /** When the record was made (= timestamp_end), RFC 3339 UTC. */
  readonly timestamp: string;
  /** Start of the measured interval, RFC 3339 UTC. */
  readonly "timestamp_start": string;
  /** End of the measured interval, RFC 3339 UTC. */
  readonly "timestamp_end": string;
  /** Caller's operation name. */
  readonly operation: string;
  /** CPU telemetry. */
  readonly cpu: CpuMetrics;
  /** Memory telemetry, or null when `/proc/meminfo` is unreadable. */
  readonly memory: MemoryMetrics | null;
  /** GPUs at the end of the interval (empty without nvidia-smi). */
  readonly gpu: readonly GpuReading[];
  /** Mean CPU + GPU power over the interval in watts. */
  readonly "total_estimated_power_watts": number;
  /** Energy of the interval. */
  readonly energy: EnergySummary;
  /** How the energy figures were obtained (both idle policies, CPU seconds, notes). */
  readonly "energy_details": EnergyDetails;
  /** Caller's extra data, as given. */
  readonly "additional_info": Readonly<Record<string, unknown>>;
}

/**
 * What `buildMetricRecord` needs besides the interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RecordContext } from "./metric_record.ts";
 * import { Telemetry } from "./telemetry.ts";
 * const ctx: RecordContext = {
 *   operation: "train",
 *   info: { epoch: 1 },
 *   telemetry: new Telemetry({ procRoot: "/nonexistent" }),
 *   model: { tdpWatts: 65, idleFraction: 0.2, gamma: 0.8 },
 * };
 * assert.equal(ctx.telemetry.readMemory(), null);
 * ```
 */
export interface RecordContext {
  /** Operation name. */
  readonly operation: string;
  /** Caller's extra data. */
  readonly info: Readonly<Record<string, unknown>>;
  /** Where frequency and memory are read at record time. */
  readonly telemetry: Telemetry;
  /** Power model (CPU power of a zero-length interval). */
  readonly model: PowerModel;
}

/**
 * Builds the record of an interval from its totals and summary; reads the CPU frequency and
 * memory now.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildMetricRecord } from "./metric_record.ts";
 * import { startEnergyInterval } from "./interval_accumulator.ts";
 * import { summarizeEnergy } from "./energy_summary.ts";
 * import { Telemetry } from "./telemetry.ts";
 * const model = { tdpWatts: 100, idleFraction: 0.2, gamma: 0.8 };
 * const totals = startEnergyInterval({
 *   monoNs: 0n,
 *   wallMs: 0,
 *   hostCpu: null,
 *   taskCpuSeconds: null,
 *   readings: [],
 *   gpus: null,
 * });
 * const { summary, details } = summarizeEnergy(totals, {
 *   model,
 *   tdpSource: "default",
 *   idlePolicy: "proportional",
 *   scope: "host",
 * });
 * const r = buildMetricRecord(totals, summary, details, {
 *   operation: "x",
 *   info: {},
 *   telemetry: new Telemetry(),
 *   model,
 * });
 * assert.equal(r.timestamp_start, "1970-01-01T00:00:00.000Z");
 * assert.equal(r.operation, "x");
 * assert.equal(r.energy.source, "model");
 * assert.equal(r.energy_details.power_model.tdp_watts, 100);
 * ```
 */
export function buildMetricRecord(
  totals: IntervalTotals,
  summary: EnergySummary,
  details: EnergyDetails,
  ctx: RecordContext,
): MetricRecord {
  const duration = summary.duration_seconds;
  const gpus = totals.last.gpus ?? [];
  const gpuNowW = gpus.reduce((s, g) => s + (g.power_watts ?? 0), 0);
  const cpuW = duration > 0
    ? (summary.cpu_energy_wh * 3600) / duration
    : modelCpuPowerWatts(details.host_cpu_percent, ctx.model);
  return {
    timestamp: rfc3339(totals.last.wallMs),
    "timestamp_start": rfc3339(totals.first.wallMs),
    "timestamp_end": rfc3339(totals.last.wallMs),
    operation: ctx.operation,
    cpu: {
      "cpu_percent": details.host_cpu_percent,
      "cpu_freq_mhz": ctx.telemetry.readCpuFreqMhz(),
      "estimated_power_watts": Number(cpuW.toFixed(6)),
    },
    memory: ctx.telemetry.readMemory(),
    gpu: gpus,
    "total_estimated_power_watts": duration > 0
      ? summary.avg_power_watts
      : Number((cpuW + gpuNowW).toFixed(6)),
    energy: summary,
    "energy_details": details,
    "additional_info": { ...ctx.info },
  };
}
