/**
 * Turns interval totals into the energy summary users see (pure). The summary has exactly the
 * keys of issue 6; the reasoning behind the numbers (both idle policies, CPU seconds, the power
 * model and its TDP source, events) is in the companion `EnergyDetails`.
 *
 * @module
 */

import { allocationRatio, attributedFor, attributeEnergy, type IdlePolicy } from "./attribution.ts";
import type { IntervalTotals } from "./interval_accumulator.ts";
import type { PowerModel, ResolvedTdp } from "./power_model.ts";

/** How energy was attributed. */
export type AttributionMode = "governor_cpu_time" | "governor_energy" | "monitor_only";

/** What CPU time the allocation ratio is based on. */
export type CpuTimeScope = "process-tree" | "cgroup" | "host";

/** The energy summary of an interval (snake_case keys, JSON-ready). */
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
   * `governor`, `powercap`, `model`, or a `+`-joined mix in precedence order; `governor:sim`
   * when the governor runs on its simulated source.
   */
  readonly source: string;
  /** CPU-side host energy (RAPL packages + DRAM or psys, or the model) in Wh. */
  readonly "cpu_energy_wh": number;
  /** GPU energy (nvidia-smi power, trapezoid rule) in Wh. */
  readonly "gpu_energy_wh": number;
  /** Share of the duration covered by measured (not modelled) energy, 0..1. */
  readonly coverage: number;
}

/** How the summary's numbers were obtained. */
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
  /** The power model and where its TDP came from. */
  readonly "power_model": {
    readonly "tdp_watts": number;
    readonly "tdp_source": ResolvedTdp["tdpSource"];
    readonly "idle_fraction": number;
    readonly gamma: number;
  };
  /** Governor restarts, counter resets and similar, oldest first. */
  readonly events: readonly string[];
  /** Caveats in plain words (default TDP, missing CPU times, VM without RAPL...). */
  readonly notes: readonly string[];
}

/** Settings that shape the summary. */
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
}

const round = (x: number, digits = 9): number => Number(x.toFixed(digits));

/**
 * Computes the summary and its details.
 *
 * @example
 * ```ts
 * import { startEnergyInterval, addEnergySample } from "./interval_accumulator.ts";
 * import { summarizeEnergy } from "./energy_summary.ts";
 * const model = { tdpWatts: 100, idleFraction: 0.2, gamma: 0.8 };
 * const s = (t: bigint) => ({ monoNs: t, wallMs: 0, hostCpu: null, taskCpuSeconds: null, readings: [], gpus: null });
 * const totals = addEnergySample(startEnergyInterval(s(0n)), s(3_600_000_000_000n), { model, ticksPerSecond: 100 });
 * const { summary } = summarizeEnergy(totals, { model, tdpSource: "default", idlePolicy: "proportional", scope: "host" });
 * console.log(summary.source, summary.cpu_energy_wh); // model ~69.6
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
  const idleW = params.idleBaselineWatts ?? observed ??
    params.model.idleFraction * params.model.tdpWatts;
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
  const sources: string[] = [];
  const simulated = totals.backends.governor.includes("sim");
  if (totals.measuredNs.governor > 0n) sources.push(simulated ? "governor:sim" : "governor");
  if (simulated) {
    notes.push("the governor reads a SIMULATED source (sim): its energy is not a measurement");
  }
  if (totals.measuredNs.powercap > 0n) sources.push("powercap");
  if (totals.modelledNs > 0n || sources.length === 0) sources.push("model");
  const measuredNs = totals.measuredNs.governor + totals.measuredNs.powercap;
  const coverage = durationNs > 0n
    ? Number(measuredNs) / Number(durationNs)
    : (totals.first.readings.length > 0 ? 1 : 0);
  if (totals.modelledNs > 0n || durationNs === 0n && coverage === 0) {
    if (params.tdpSource === "default") {
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
    events: totals.events,
    notes,
  };
  return { summary, details };
}
