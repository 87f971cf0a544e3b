/**
 * Turns interval totals into the energy summary users see (pure). The summary has exactly the
 * keys of issue 6; the reasoning behind the numbers (both idle policies, CPU seconds, the power
 * model and its TDP source, events) is in the companion `EnergyDetails`.
 *
 * @module
 */

import {
  combineEnergyEvidence,
  type EnergyEvidence,
  type EnergyEvidencePart,
  type EnergyModelDetails,
} from "../base/energy_evidence.ts";
import { allocationRatio, attributedFor, attributeEnergy, type IdlePolicy } from "./attribution.ts";
import { type InstanceModel, instanceModelDetails, instanceModelPower } from "./instance_model.ts";
import type { IntervalTotals } from "./interval_accumulator.ts";
import type { PowerModel, ResolvedTdp } from "./power_model.ts";

/**
 * How energy was attributed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AttributionMode } from "./energy_summary.ts";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null });
 * const mode: AttributionMode = (await logger.monitor("noop", () => 0)).energy.attribution_mode;
 * assert.equal(mode, "monitor_only"); // no governor: nothing to attribute against
 * await logger.close();
 * ```
 */
export type AttributionMode = "governor_cpu_time" | "governor_energy" | "monitor_only";

/**
 * What CPU time the allocation ratio is based on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuTimeScope } from "./energy_summary.ts";
 * import { buildLoggerSampler } from "./logger_sources.ts";
 * import { Telemetry } from "./telemetry.ts";
 * import { systemClock } from "../base/clock.ts";
 * const { sampler } = buildLoggerSampler(
 *   { governor: null, powercap: null, gpu: null, cgroupDir: "/sys/fs/cgroup/job" },
 *   systemClock,
 *   new Telemetry(),
 * );
 * const scope: CpuTimeScope = sampler.scope;
 * assert.equal(scope, "cgroup");
 * sampler.close();
 * ```
 */
export type CpuTimeScope = "process-tree" | "cgroup" | "host";

/**
 * The energy summary of an interval (snake_case keys, JSON-ready).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergySummary } from "./energy_summary.ts";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null });
 * const summary: EnergySummary = (await logger.logMetrics("tick")).energy;
 * assert.equal(summary.source, "model");
 * assert.ok(summary.energy_wh_attributed <= summary.energy_wh_total);
 * await logger.close();
 * ```
 */
export interface EnergySummary {
  /** Interval length in seconds (monotonic clock). */
  readonly "duration_seconds": number;
  /** energy_wh_total over the duration, in watts (0 for a zero-length interval). */
  readonly "avg_power_watts": number;
  /** Idle baseline of the CPU side in watts (option, else idleFraction x TDP). */
  readonly "idle_baseline_watts": number;
  /** Host energy (CPU side + GPU) in Wh. */
  readonly "energy_wh_total": number;
  /** Energy above the idle baseline in Wh. */
  readonly "energy_wh_active": number;
  /** Energy attributed to the task under the idle policy in effect, in Wh. */
  readonly "energy_wh_attributed": number;
  /** Task CPU time / host busy CPU time over the interval (1 for host scope). */
  readonly "allocation_ratio": number;
  /** `governor_cpu_time`, `governor_energy` (whole host) or `monitor_only` (no governor). */
  readonly "attribution_mode": AttributionMode;
  /**
   * For people (and the Python package's key): `governor`, `powercap`, `model`, or a `+`-joined
   * mix in precedence order; `governor:sim` when the governor runs on its simulated source,
   * `governor:instance` when it serves an instance power model. Never parse it: the facts are
   * in `evidence`.
   */
  readonly source: string;
  /**
   * Where the energy came from, typed: the weakest kind over the interval, whether any of it was
   * simulated, and the fraction covered by counter readings (see `lib/base/energy_evidence.ts`).
   */
  readonly evidence: EnergyEvidence;
  /** CPU-side host energy (RAPL packages + DRAM or psys, or the model) in Wh. */
  readonly "cpu_energy_wh": number;
  /** GPU energy (nvidia-smi power, trapezoid rule) in Wh. */
  readonly "gpu_energy_wh": number;
  /** Share of the duration covered by measured (not modelled) energy, 0..1 (`evidence.measuredFraction`). */
  readonly coverage: number;
}

/**
 * How the summary's numbers were obtained.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyDetails } from "./energy_summary.ts";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null, idlePolicy: "active-only" });
 * const details: EnergyDetails = (await logger.logMetrics("tick")).energy_details;
 * assert.equal(details.idle_policy, "active-only");
 * assert.equal(details.power_model.gamma, 0.8);
 * await logger.close();
 * ```
 */
export interface EnergyDetails {
  /** Idle policy that `energy_wh_attributed` follows. */
  readonly "idle_policy": IdlePolicy;
  /**
   * Where `idle_baseline_watts` came from: `option`, `measured` (lowest measured power over
   * 0.5 s or longer at <= 10% host CPU), or `model` (idle_fraction x TDP).
   */
  readonly "idle_baseline_source": "option" | "measured" | "model";
  /** energy_wh_total x ratio. */
  readonly "energy_wh_attributed_proportional": number;
  /** energy_wh_active x ratio. */
  readonly "energy_wh_attributed_active_only": number;
  /** What task CPU time means here. */
  readonly "cpu_time_scope": CpuTimeScope;
  /** Task CPU seconds over the interval. */
  readonly "task_cpu_seconds": number;
  /** Host busy CPU seconds (user+nice+system+irq+softirq; guest not double counted). */
  readonly "host_busy_cpu_seconds": number;
  /** Host CPU utilisation over the interval in percent. */
  readonly "host_cpu_percent": number;
  /** Seconds covered by each measured source. */
  readonly "measured_seconds": { readonly governor: number; readonly powercap: number };
  /** Seconds covered by the power model. */
  readonly "modelled_seconds": number;
  /** The generic power model and where its TDP came from. */
  readonly "power_model": {
    readonly "tdp_watts": number;
    readonly "tdp_source": ResolvedTdp["tdpSource"];
    readonly "idle_fraction": number;
    readonly gamma: number;
  };
  /**
   * The cloud instance power model used instead of the generic one for modelled time (present
   * only when the logger was given an instance): its name, instance, catalog match, vCPUs,
   * flags and its power at 0 % and 100 % utilisation (before PUE).
   */
  readonly "instance_model"?: {
    readonly name: string;
    readonly "instance_id": string;
    readonly match: string;
    readonly vcpus: number;
    readonly flags: readonly string[];
    readonly "idle_watts": number;
    readonly "max_watts": number;
  };
  /** Governor restarts, counter resets and similar, oldest first. */
  readonly events: readonly string[];
  /** Caveats in plain words (default TDP, missing CPU times, VM without RAPL...). */
  readonly notes: readonly string[];
}

/**
 * Settings that shape the summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SummaryParams } from "./energy_summary.ts";
 * import { summarizeEnergy } from "./energy_summary.ts";
 * import { startEnergyInterval } from "./interval_accumulator.ts";
 * const params: SummaryParams = {
 *   model: { tdpWatts: 100, idleFraction: 0.2, gamma: 0.8 },
 *   tdpSource: "option",
 *   idlePolicy: "proportional",
 *   idleBaselineWatts: 15,
 *   scope: "host",
 * };
 * const s = { monoNs: 0n, wallMs: 0, hostCpu: null, taskCpuSeconds: null, readings: [], gpus: null };
 * const { summary, details } = summarizeEnergy(startEnergyInterval(s), params);
 * assert.equal(summary.idle_baseline_watts, 15);
 * assert.equal(details.idle_baseline_source, "option");
 * ```
 */
export interface SummaryParams {
  /** Power model in effect. */
  readonly model: PowerModel;
  /** Where the TDP came from. */
  readonly tdpSource: ResolvedTdp["tdpSource"];
  /** Idle policy for `energy_wh_attributed`. */
  readonly idlePolicy: IdlePolicy;
  /** Idle baseline override in watts (an option). */
  readonly idleBaselineWatts?: number | null;
  /**
   * Idle power observed earlier (measured, low utilisation), used when there is no override and
   * this interval has no observation of its own.
   */
  readonly observedIdleWatts?: number | null;
  /** What task CPU time is. */
  readonly scope: CpuTimeScope;
  /** Extra notes to carry (e.g. why the governor is unavailable). */
  readonly notes?: readonly string[];
  /** Instance power model used for modelled time (default none: the generic `model`). */
  readonly instance?: InstanceModel | null;
}

const round = (x: number, digits = 9): number => Number(x.toFixed(digits));

/**
 * The interval's evidence: one part per source (governor and powercap split into real and
 * simulated time) plus the model's time, combined by `combineEnergyEvidence`. A zero-length
 * interval is described by the readings available at its single sample.
 */
function intervalEvidence(
  totals: IntervalTotals,
  localModel: EnergyModelDetails | undefined,
): EnergyEvidence {
  const parts: EnergyEvidencePart[] = [];
  const zeroLength = totals.last.monoNs <= totals.first.monoNs;
  for (const source of ["governor", "powercap"] as const) {
    const kind = source === "governor" ? "governor" : "rapl";
    const backends = totals.backends[source];
    const real = backends.find((b) => b !== "sim") ?? null;
    const sim = totals.simulatedNs[source];
    if (zeroLength) {
      const r = totals.first.readings.find((x) => x.source === source);
      if (r?.model !== undefined) {
        parts.push({
          kind: "model",
          simulated: false,
          raplBackend: null,
          durationNs: 0n,
          model: r.model,
        });
      } else if (r) {
        parts.push({
          kind,
          simulated: r.simulated === true,
          raplBackend: r.backend ?? null,
          durationNs: 0n,
        });
      }
      continue;
    }
    const served = totals.modelReadNs[source];
    const servedModel = totals.readingModel[source];
    if (served > 0n && servedModel !== null) {
      parts.push({
        kind: "model",
        simulated: false,
        raplBackend: null,
        durationNs: served,
        model: servedModel,
      });
    }
    parts.push({
      kind,
      simulated: false,
      raplBackend: real,
      durationNs: totals.measuredNs[source] - sim - served,
    });
    parts.push({
      kind,
      simulated: true,
      raplBackend: backends.includes("sim") ? "sim" : null,
      durationNs: sim,
    });
  }
  if (!zeroLength || parts.length === 0) {
    parts.push({
      kind: "model",
      simulated: false,
      raplBackend: null,
      durationNs: totals.modelledNs,
      ...(localModel !== undefined ? { model: localModel } : {}),
    });
  }
  const e = combineEnergyEvidence(parts);
  return { ...e, measuredFraction: round(e.measuredFraction, 6) };
}

/**
 * Computes the summary and its details.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startEnergyInterval, addEnergySample } from "./interval_accumulator.ts";
 * import { summarizeEnergy } from "./energy_summary.ts";
 * const model = { tdpWatts: 100, idleFraction: 0.2, gamma: 0.8 };
 * const s = (t: bigint) => ({ monoNs: t, wallMs: 0, hostCpu: null, taskCpuSeconds: null, readings: [], gpus: null });
 * const totals = addEnergySample(startEnergyInterval(s(0n)), s(3_600_000_000_000n), { model, ticksPerSecond: 100 });
 * const { summary } = summarizeEnergy(totals, { model, tdpSource: "default", idlePolicy: "proportional", scope: "host" });
 * assert.equal(summary.source, "model");
 * assert.equal(summary.evidence.kind, "model");
 * assert.equal(summary.evidence.simulated, false);
 * assert.equal(summary.cpu_energy_wh.toFixed(1), "65.9"); // 20 W + 80 W x 0.5^0.8 over 1 h
 * ```
 */
export function summarizeEnergy(
  totals: IntervalTotals,
  params: SummaryParams,
): { summary: EnergySummary; details: EnergyDetails } {
  const durationNs = totals.last.monoNs - totals.first.monoNs;
  const duration = Math.max(0, Number(durationNs) / 1e9);
  const measuredUj = totals.measuredUj.governor + totals.measuredUj.powercap;
  const cpuWh = Number(measuredUj) / 3.6e9 + totals.modelledJ / 3600;
  const gpuWh = totals.gpuJ / 3600;
  const observed = totals.idleObservedWatts ?? params.observedIdleWatts ?? null;
  const instance = params.instance ?? null;
  const modelIdleW = instance !== null
    ? instanceModelPower(instance, 0).totalW
    : params.model.idleFraction * params.model.tdpWatts;
  const idleW = params.idleBaselineWatts ?? observed ?? modelIdleW;
  const idleSource: EnergyDetails["idle_baseline_source"] =
    params.idleBaselineWatts !== undefined && params.idleBaselineWatts !== null
      ? "option"
      : observed !== null
      ? "measured"
      : "model";
  const notes = [...(params.notes ?? [])];

  const taskKnown = totals.segmentsWithoutTaskTime === 0 || totals.hostBusySeconds > 0;
  let ratio: number;
  if (params.scope === "host") ratio = 1;
  else if (!taskKnown && durationNs > 0n) {
    ratio = 1;
    notes.push("task CPU time unavailable: the whole host energy is attributed (ratio 1)");
  } else ratio = allocationRatio(totals.taskCpuSeconds, totals.hostBusySeconds);
  if (params.scope !== "host" && taskKnown && totals.segmentsWithoutTaskTime > 0) {
    notes.push("task CPU time missing for part of the interval; ratio from the rest");
  }

  const energy = attributeEnergy({
    cpuWh,
    gpuWh,
    idleBaselineWatts: idleW,
    durationSeconds: duration,
    ratio,
  });
  const modelledSeconds = Number(totals.modelledNs) / 1e9;
  const meanUtil = modelledSeconds > 0 ? totals.modelledUtilPctSeconds / modelledSeconds : 0;
  const localModel = instance === null ? undefined : instanceModelDetails(instance, meanUtil);
  const evidence = intervalEvidence(totals, localModel);
  const sources: string[] = [];
  const governorSim = totals.simulatedNs.governor > 0n;
  const governorModel = totals.modelReadNs.governor > 0n ? totals.readingModel.governor : null;
  if (totals.measuredNs.governor > 0n) {
    sources.push(governorSim ? "governor:sim" : governorModel ? "governor:instance" : "governor");
  }
  if (governorModel !== null) {
    notes.push(
      `the governor serves MODELLED energy (${governorModel.name} for ` +
        `${governorModel.instanceId}): not a measurement`,
    );
  }
  if (governorSim) {
    notes.push("the governor reads a SIMULATED source (sim): its energy is not a measurement");
  }
  if (totals.measuredNs.powercap > 0n) {
    sources.push(totals.simulatedNs.powercap > 0n ? "powercap:sim" : "powercap");
  }
  if (totals.simulatedNs.powercap > 0n) {
    notes.push("powercap reads a SIMULATED source (sim): its energy is not a measurement");
  }
  if (totals.modelledNs > 0n || sources.length === 0) sources.push("model");
  const coverage = evidence.measuredFraction;
  if (totals.modelledNs > 0n || durationNs === 0n && coverage === 0) {
    if (instance !== null) {
      notes.push(
        `modelled energy uses ${instance.name} for ${instance.instanceId} (${instance.match}` +
          `${instance.flags.length > 0 ? `; ${instance.flags.join(", ")}` : ""})`,
      );
    } else if (params.tdpSource === "default") {
      notes.push(
        `modelled energy uses the default TDP of ${params.model.tdpWatts} W; set CPU_TDP_WATTS or energy.tdpWatts`,
      );
    }
  }
  if (totals.segmentsWithoutHostCpu > 0) {
    notes.push(
      "no host CPU ticks for part of the interval (/proc/stat unreadable, or too short to tick): " +
        "the model assumed 50% utilisation there",
    );
  }
  const mode: AttributionMode = totals.measuredNs.governor > 0n
    ? (params.scope === "host" || !taskKnown ? "governor_energy" : "governor_cpu_time")
    : "monitor_only";

  const summary: EnergySummary = {
    "duration_seconds": round(duration),
    "avg_power_watts": duration > 0 ? round((energy.totalWh * 3600) / duration) : 0,
    "idle_baseline_watts": round(idleW),
    "energy_wh_total": round(energy.totalWh, 12),
    "energy_wh_active": round(energy.activeWh, 12),
    "energy_wh_attributed": round(attributedFor(energy, params.idlePolicy), 12),
    "allocation_ratio": round(ratio),
    "attribution_mode": mode,
    source: sources.join("+"),
    evidence,
    "cpu_energy_wh": round(cpuWh, 12),
    "gpu_energy_wh": round(gpuWh, 12),
    coverage: round(Math.min(1, Math.max(0, coverage)), 6),
  };
  const details: EnergyDetails = {
    "idle_policy": params.idlePolicy,
    "idle_baseline_source": idleSource,
    "energy_wh_attributed_proportional": round(energy.proportionalWh, 12),
    "energy_wh_attributed_active_only": round(energy.activeOnlyWh, 12),
    "cpu_time_scope": params.scope,
    "task_cpu_seconds": round(totals.taskCpuSeconds, 6),
    "host_busy_cpu_seconds": round(totals.hostBusySeconds, 6),
    "host_cpu_percent": totals.hostTotalTicks > 0
      ? round((100 * totals.hostBusyTicks) / totals.hostTotalTicks, 4)
      : 0,
    "measured_seconds": {
      governor: round(Number(totals.measuredNs.governor) / 1e9, 6),
      powercap: round(Number(totals.measuredNs.powercap) / 1e9, 6),
    },
    "modelled_seconds": round(Number(totals.modelledNs) / 1e9, 6),
    "power_model": {
      tdp_watts: params.model.tdpWatts,
      tdp_source: params.tdpSource,
      idle_fraction: params.model.idleFraction,
      gamma: params.model.gamma,
    },
    ...(instance === null ? {} : {
      "instance_model": {
        name: instance.name,
        "instance_id": instance.instanceId,
        match: instance.match,
        vcpus: instance.vcpus,
        flags: [...instance.flags],
        "idle_watts": round(instanceModelPower(instance, 0).totalW),
        "max_watts": round(instanceModelPower(instance, 100).totalW),
      },
    }),
    events: totals.events,
    notes,
  };
  return { summary, details };
}
