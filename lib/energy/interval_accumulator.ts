/**
 * The pure core of the energy logger: samples in, interval totals out. Each pair of consecutive
 * samples is a segment whose energy comes from the best source valid at BOTH ends (governor,
 * then powercap, same instance, non-decreasing total), else from the CPU power model over the
 * segment's host utilisation (the instance power model when one is given, else the generic
 * CPU model). A reading whose source serves modelled energy (the governor's `instance` source)
 * is integrated like a measured one but kept apart as modelled (`modelReadNs`). Task and host
 * CPU time are summed per segment too, so the ratio and the energy cover exactly the same time.
 *
 * @module
 */

import type { EnergyModelDetails, RaplBackend } from "../base/energy_evidence.ts";
import { cpuDelta, type CpuTimes } from "./cpu_times.ts";
import type { HostEnergyReading, MeasuredSource } from "./host_energy.ts";
import { type GpuReading, gpuTrapezoidJoules } from "./nvidia_smi.ts";
import { type InstanceModel, instanceModelPower } from "./instance_model.ts";
import { modelCpuPowerWatts, type PowerModel } from "./power_model.ts";

/**
 * Everything observed at one instant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergySample } from "./interval_accumulator.ts";
 * const sample: EnergySample = {
 *   monoNs: 1_000_000_000n,
 *   wallMs: Date.UTC(2026, 0, 1),
 *   hostCpu: null,
 *   taskCpuSeconds: 0.25,
 *   readings: [{ source: "governor", instance: "i", totalUj: 5_000_000n }],
 *   gpus: null,
 * };
 * assert.equal(sample.readings[0].totalUj, 5_000_000n);
 * ```
 */
export interface EnergySample {
  /** Monotonic time in ns (durations). */
  readonly monoNs: bigint;
  /** Wall time in ms since the epoch (timestamps). */
  readonly wallMs: number;
  /** Host `/proc/stat` aggregate, or null when unreadable. */
  readonly hostCpu: CpuTimes | null;
  /** CPU seconds of the task (process tree or cgroup), or null when unreadable. */
  readonly taskCpuSeconds: number | null;
  /** Measured host energy readings available at this instant (any order). */
  readonly readings: readonly HostEnergyReading[];
  /** GPU readings, or null when there are none. */
  readonly gpus: readonly GpuReading[] | null;
}

/**
 * Running totals of one interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IntervalTotals } from "./interval_accumulator.ts";
 * import { startEnergyInterval } from "./interval_accumulator.ts";
 * const s = { monoNs: 7n, wallMs: 0, hostCpu: null, taskCpuSeconds: null, readings: [], gpus: null };
 * const totals: IntervalTotals = startEnergyInterval(s);
 * assert.equal(totals.last.monoNs, 7n);
 * assert.deepEqual(totals.events, []);
 * ```
 */
export interface IntervalTotals {
  /** First sample. */
  readonly first: EnergySample;
  /** Latest sample. */
  readonly last: EnergySample;
  /** Measured energy by source, in uJ. */
  readonly measuredUj: Readonly<Record<MeasuredSource, bigint>>;
  /** Time covered by measured segments, by source, in ns. */
  readonly measuredNs: Readonly<Record<MeasuredSource, bigint>>;
  /** Modelled CPU energy in joules. */
  readonly modelledJ: number;
  /** Time covered by modelled segments in ns. */
  readonly modelledNs: bigint;
  /** Utilisation (percent) x seconds over modelled segments: their mean utilisation's numerator. */
  readonly modelledUtilPctSeconds: number;
  /** GPU energy in joules (trapezoid over samples). */
  readonly gpuJ: number;
  /** Task CPU seconds over segments where task and host times were both known. */
  readonly taskCpuSeconds: number;
  /** Host busy CPU seconds over those same segments. */
  readonly hostBusySeconds: number;
  /** Host busy ticks over all segments with host times (utilisation numerator). */
  readonly hostBusyTicks: number;
  /** Host total ticks over all segments with host times (utilisation denominator). */
  readonly hostTotalTicks: number;
  /** Segments where the task CPU time could not be compared (missing reading). */
  readonly segmentsWithoutTaskTime: number;
  /** Modelled segments without host CPU times (the model assumed `unknownUtilPct`). */
  readonly segmentsWithoutHostCpu: number;
  /** Events worth telling the user (governor restart, counter reset), oldest first. */
  readonly events: readonly string[];
  /** Backends (`sysfs`, `msr`, `sim`) behind measured segments, by source, in first-seen order. */
  readonly backends: Readonly<Record<MeasuredSource, readonly RaplBackend[]>>;
  /** Part of `measuredNs` whose readings were simulated (not measurements), by source, in ns. */
  readonly simulatedNs: Readonly<Record<MeasuredSource, bigint>>;
  /** Part of `measuredNs` whose readings were modelled by their source (not measurements), ns. */
  readonly modelReadNs: Readonly<Record<MeasuredSource, bigint>>;
  /** The model behind those readings, per source (the latest seen), or null. */
  readonly readingModel: Readonly<Record<MeasuredSource, EnergyModelDetails | null>>;
  /**
   * Lowest measured power (W) over segments of at least 0.5 s with host CPU utilisation at most
   * 10%: an observation of the host's idle power, or null.
   */
  readonly idleObservedWatts: number | null;
  /** Last instance seen per source (to report restarts across unavailable gaps). */
  readonly lastInstance: Readonly<Record<MeasuredSource, string | null>>;
}

/**
 * Constants of the arithmetic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AccumulatorParams } from "./interval_accumulator.ts";
 * import { addEnergySample, startEnergyInterval } from "./interval_accumulator.ts";
 * const params: AccumulatorParams = {
 *   model: { tdpWatts: 100, idleFraction: 0.2, gamma: 0.8 },
 *   ticksPerSecond: 100,
 *   unknownUtilPct: 0,
 * };
 * const s = (monoNs: bigint) => ({ monoNs, wallMs: 0, hostCpu: null, taskCpuSeconds: null, readings: [], gpus: null });
 * const t = addEnergySample(startEnergyInterval(s(0n)), s(1_000_000_000n), params);
 * assert.equal(t.modelledJ, 20); // no reading: modelled at idle, 20% of 100 W for 1 s
 * ```
 */
export interface AccumulatorParams {
  /** Generic power model for unmeasured segments (used when `instance` is null or absent). */
  readonly model: PowerModel;
  /** Instance power model for unmeasured segments (default none: the generic `model`). */
  readonly instance?: InstanceModel | null;
  /** USER_HZ: clock ticks per second of `/proc/stat` (100 on Linux unless known otherwise). */
  readonly ticksPerSecond: number;
  /** Utilisation assumed when host CPU times are missing (default 50). */
  readonly unknownUtilPct?: number;
}

const ZERO = { governor: 0n, powercap: 0n } as const;

/**
 * Starts an interval at `sample`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startEnergyInterval } from "./interval_accumulator.ts";
 * const s = { monoNs: 0n, wallMs: 0, hostCpu: null, taskCpuSeconds: null, readings: [], gpus: null };
 * const totals = startEnergyInterval(s);
 * assert.equal(totals.modelledJ, 0);
 * assert.deepEqual(totals.measuredUj, { governor: 0n, powercap: 0n });
 * assert.equal(totals.first, s);
 * ```
 */
export function startEnergyInterval(sample: EnergySample): IntervalTotals {
  return {
    first: sample,
    last: sample,
    measuredUj: ZERO,
    measuredNs: ZERO,
    modelledJ: 0,
    modelledNs: 0n,
    modelledUtilPctSeconds: 0,
    gpuJ: 0,
    taskCpuSeconds: 0,
    hostBusySeconds: 0,
    hostBusyTicks: 0,
    hostTotalTicks: 0,
    segmentsWithoutTaskTime: 0,
    segmentsWithoutHostCpu: 0,
    idleObservedWatts: null,
    events: [],
    backends: { governor: [], powercap: [] },
    simulatedNs: ZERO,
    modelReadNs: ZERO,
    readingModel: { governor: null, powercap: null },
    lastInstance: {
      governor: sample.readings.find((r) => r.source === "governor")?.instance ?? null,
      powercap: sample.readings.find((r) => r.source === "powercap")?.instance ?? null,
    },
  };
}

function measuredDelta(
  a: EnergySample,
  b: EnergySample,
  source: MeasuredSource,
  events: string[],
): bigint | null {
  const ra = a.readings.find((r) => r.source === source);
  const rb = b.readings.find((r) => r.source === source);
  if (!ra || !rb) return null;
  if (ra.instance !== rb.instance) {
    events.push(
      `${source} restarted (instance ${ra.instance} -> ${rb.instance}); segment modelled`,
    );
    return null;
  }
  if (rb.totalUj < ra.totalUj) {
    events.push(`${source} total went backwards (instance ${ra.instance}); segment modelled`);
    return null;
  }
  return rb.totalUj - ra.totalUj;
}

/**
 * Adds the segment from `totals.last` to `next`. Samples must arrive in time order; a sample
 * not later than the previous one only replaces it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addEnergySample, startEnergyInterval } from "./interval_accumulator.ts";
 * const s = (monoNs: bigint, totalUj: bigint) => ({
 *   monoNs,
 *   wallMs: 0,
 *   hostCpu: null,
 *   taskCpuSeconds: null,
 *   readings: [{ source: "governor" as const, instance: "a", totalUj }],
 *   gpus: null,
 * });
 * const t = addEnergySample(startEnergyInterval(s(0n, 0n)), s(1_000_000_000n, 5_000_000n), {
 *   model: { tdpWatts: 100, idleFraction: 0.2, gamma: 0.8 },
 *   ticksPerSecond: 100,
 * });
 * assert.equal(t.measuredUj.governor, 5_000_000n); // 5 J measured over 1 s
 * assert.equal(t.measuredNs.governor, 1_000_000_000n);
 * assert.equal(t.modelledJ, 0);
 * ```
 */
export function addEnergySample(
  totals: IntervalTotals,
  next: EnergySample,
  params: AccumulatorParams,
): IntervalTotals {
  const a = totals.last;
  const dtNs = next.monoNs - a.monoNs;
  if (dtNs <= 0n) return { ...totals, last: next };
  const seconds = Number(dtNs) / 1e9;
  const events = [...totals.events];
  const lastInstance = { ...totals.lastInstance };
  for (const r of next.readings) {
    const prev = lastInstance[r.source];
    if (prev !== null && prev !== r.instance) {
      events.push(
        `${r.source} restarted or reset (instance ${prev} -> ${r.instance}); not measured across it`,
      );
    }
    lastInstance[r.source] = r.instance;
  }

  let busy = 0;
  let total = 0;
  let haveHost = false;
  if (a.hostCpu && next.hostCpu) {
    const d = cpuDelta(a.hostCpu, next.hostCpu);
    busy = d.busyTicks;
    total = d.totalTicks;
    haveHost = true;
  }

  const measuredUj = { ...totals.measuredUj };
  const measuredNs = { ...totals.measuredNs };
  let modelledJ = totals.modelledJ;
  let modelledNs = totals.modelledNs;
  let modelledUtil = totals.modelledUtilPctSeconds;
  let measured = false;
  let backends = totals.backends;
  let simulatedNs = totals.simulatedNs;
  let modelReadNs = totals.modelReadNs;
  let readingModel = totals.readingModel;
  let idleObserved = totals.idleObservedWatts;
  for (const source of ["governor", "powercap"] as const) {
    const delta = measuredDelta(a, next, source, events);
    if (delta !== null) {
      measuredUj[source] += delta;
      measuredNs[source] += dtNs;
      measured = true;
      const reading = next.readings.find((r) => r.source === source);
      const prev = a.readings.find((r) => r.source === source);
      const served = reading?.model ?? prev?.model;
      if (served !== undefined) {
        modelReadNs = { ...modelReadNs, [source]: modelReadNs[source] + dtNs };
        readingModel = { ...readingModel, [source]: served };
      } else if (seconds >= 0.5 && haveHost && total > 0 && busy * 10 <= total) {
        const watts = Number(delta) / 1e6 / seconds;
        idleObserved = idleObserved === null ? watts : Math.min(idleObserved, watts);
      }
      if (reading?.simulated === true || prev?.simulated === true) {
        simulatedNs = { ...simulatedNs, [source]: simulatedNs[source] + dtNs };
      }
      const backend = reading?.backend;
      if (backend !== undefined && !backends[source].includes(backend)) {
        backends = { ...backends, [source]: [...backends[source], backend] };
      }
      break;
    }
  }
  let withoutHost = totals.segmentsWithoutHostCpu;
  if (!measured) {
    if (!(haveHost && total > 0)) withoutHost++;
    const util = haveHost && total > 0 ? (100 * busy) / total : (params.unknownUtilPct ?? 50);
    const watts = params.instance
      ? instanceModelPower(params.instance, util).totalW
      : modelCpuPowerWatts(util, params.model);
    modelledJ += watts * seconds;
    modelledNs += dtNs;
    modelledUtil += Math.min(100, Math.max(0, util)) * seconds;
  }

  let taskCpu = totals.taskCpuSeconds;
  let hostBusy = totals.hostBusySeconds;
  let without = totals.segmentsWithoutTaskTime;
  if (haveHost && a.taskCpuSeconds !== null && next.taskCpuSeconds !== null) {
    taskCpu += Math.max(0, next.taskCpuSeconds - a.taskCpuSeconds);
    hostBusy += busy / params.ticksPerSecond;
  } else {
    without++;
  }

  const gpuJ = totals.gpuJ +
    (a.gpus && next.gpus ? gpuTrapezoidJoules(a.gpus, next.gpus, seconds) : 0);

  return {
    first: totals.first,
    last: next,
    measuredUj,
    measuredNs,
    modelledJ,
    modelledNs,
    modelledUtilPctSeconds: modelledUtil,
    gpuJ,
    taskCpuSeconds: taskCpu,
    hostBusySeconds: hostBusy,
    hostBusyTicks: totals.hostBusyTicks + busy,
    hostTotalTicks: totals.hostTotalTicks + total,
    segmentsWithoutTaskTime: without,
    segmentsWithoutHostCpu: withoutHost,
    idleObservedWatts: idleObserved,
    events: events.slice(-20),
    backends,
    simulatedNs,
    modelReadNs,
    readingModel,
    lastInstance,
  };
}
