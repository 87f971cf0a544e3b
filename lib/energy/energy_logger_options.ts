/**
 * Options of `EnergyLogger` and the result of `monitor`.
 *
 * @module
 */

import type { Clock } from "../base/clock.ts";
import type { IdlePolicy } from "./attribution.ts";
import type { TaskCpuReader } from "./energy_sampler.ts";
import type { CpuTimeScope, EnergySummary } from "./energy_summary.ts";
import type { HostEnergyReader } from "./host_energy.ts";
import type { InstanceModel } from "./instance_model.ts";
import type { MetricRecord } from "./metric_record.ts";
import type { GpuQuery } from "./nvidia_smi.ts";

/**
 * Options of `EnergyLogger`; every field is optional.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyLoggerOptions } from "./energy_logger_options.ts";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const options: EnergyLoggerOptions = { governor: null, powercap: null, gpu: null, tdpWatts: 65 };
 * const logger = new EnergyLogger(options);
 * const record = await logger.logMetrics("step");
 * assert.equal(record.energy_details.power_model.tdp_watts, 65);
 * await logger.close();
 * ```
 */
export interface EnergyLoggerOptions {
  /** Time source (default the system clock). */
  readonly clock?: Clock;
  /** procfs root (default `/proc`; config `energy.procRoot`). */
  readonly procRoot?: string;
  /** sysfs root (default `/sys`; config `energy.sysRoot`). Powercap is `<sysRoot>/class/powercap`. */
  readonly sysRoot?: string;
  /** USER_HZ of `/proc` tick counts (default 100, the Linux ABI value). */
  readonly ticksPerSecond?: number;
  /** Root of the attributed process tree (default this process, `Deno.pid`). */
  readonly pid?: number;
  /** cgroup v2 directory whose `cpu.stat` is the task's CPU time (default none: process tree). */
  readonly cgroupDir?: string;
  /**
   * A custom task CPU reader (overrides `pid`, `cgroupDir` and `scope`), e.g. the descendants
   * of this process for `carbon-ops run`.
   */
  readonly task?: TaskCpuReader;
  /** `host` attributes the whole host (ratio 1). Default `process-tree`, or `cgroup` with `cgroupDir`. */
  readonly scope?: CpuTimeScope;
  /**
   * The cloud instance this runs on, for the instance power model (used instead of the generic
   * TDP model for time without a measured reading): `provider:type` (e.g. config
   * `cloud.instanceType`, or what `carbon-ops where` detected; a type not in the catalog uses the
   * provider's average with the VM's vCPUs and memory from `procRoot`), or a resolved
   * `InstanceModel`. Default none: the generic model. The logger never detects it itself.
   */
  readonly instance?: string | InstanceModel | null;
  /** TDP in watts for the model (default: `CPU_TDP_WATTS`, then `configTdpWatts`, then 100 W). */
  readonly tdpWatts?: number;
  /** The config value `energy.tdpWatts` (default null). */
  readonly configTdpWatts?: number | null;
  /** Environment for `CPU_TDP_WATTS` (default this process's environment when readable). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Idle share of TDP (default 0.2). */
  readonly idleFraction?: number;
  /** Model exponent (default 0.8). */
  readonly gamma?: number;
  /** Idle baseline in watts (default idleFraction x TDP). */
  readonly idleBaselineWatts?: number;
  /** Idle policy of `energy_wh_attributed` (default `proportional`; config `energy.idlePolicy`). */
  readonly idlePolicy?: IdlePolicy;
  /**
   * Governor reader; `null` disables it. Default: the governor client on `governorSocket`.
   */
  readonly governor?: HostEnergyReader | null;
  /** Governor socket path (default `/run/carbon-ops.sock`). */
  readonly governorSocket?: string;
  /** Powercap reader; `null` disables. Default: direct reads of `<sysRoot>/class/powercap` when permitted. */
  readonly powercap?: HostEnergyReader | null;
  /** GPU query; `null` disables. Default: `nvidia-smi` on PATH. */
  readonly gpu?: GpuQuery | null;
  /** First governor retry delay after a failure (default 1000 ms, doubling to `maxBackoffMs`). */
  readonly initialBackoffMs?: number;
  /** Longest retry delay (default 30000 ms). */
  readonly maxBackoffMs?: number;
  /** Records kept (default 10,000). */
  readonly historyLimit?: number;
  /** Sampling period while spans are open (default 1000 ms; 0 disables polling). */
  readonly pollIntervalMs?: number;
}

/**
 * What `monitor` resolves to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MonitorResult } from "./energy_logger_options.ts";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null });
 * const result: MonitorResult<string> = await logger.monitor("greet", () => "hello");
 * assert.equal(result.value, "hello");
 * assert.equal(result.record.operation, "greet");
 * await logger.close();
 * ```
 */
export interface MonitorResult<T> {
  /** What the function returned. */
  readonly value: T;
  /** The span's energy summary. */
  readonly energy: EnergySummary;
  /** The span's full record. */
  readonly record: MetricRecord;
}
