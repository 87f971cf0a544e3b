/**
 * The record `EnergyLogger.logMetrics` returns: the Python package's keys plus the interval
 * timestamps and its energy summary.
 *
 * @module
 */

import type { EnergyDetails, EnergySummary } from "./energy_summary.ts";
import type { MemoryMetrics } from "./meminfo.ts";
import type { GpuReading } from "./nvidia_smi.ts";

/** CPU telemetry of a record. */
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

/** One metric record (snake_case keys, JSON-ready). */
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
