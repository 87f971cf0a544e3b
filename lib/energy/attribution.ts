/**
 * Attribution arithmetic (pure): the allocation ratio and the energy it attributes under the two
 * idle share policies.
 *
 * - `allocation_ratio = task CPU seconds / host busy CPU seconds` over the same interval, clamped
 *   to 0..1 (tick rounding can push a fully busy task slightly above 1).
 * - `proportional`: the task carries its CPU-time share of ALL host energy, idle included:
 *   `attributed = energy_wh_total x ratio`. Summed over every task on the host this gives the
 *   host total.
 * - `active-only`: the task carries its share of the energy above the idle baseline only:
 *   `attributed = energy_wh_active x ratio`, where
 *   `energy_wh_active = max(0, cpu_wh - idle_baseline_watts x hours) + gpu_wh`.
 *
 * @module
 */

/**
 * How the idle share of host energy is attributed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IdlePolicy } from "./attribution.ts";
 * import { attributeEnergy, attributedFor } from "./attribution.ts";
 * const e = attributeEnergy({ cpuWh: 4, gpuWh: 0, idleBaselineWatts: 0, durationSeconds: 60, ratio: 0.25 });
 * const policy: IdlePolicy = "active-only";
 * assert.equal(attributedFor(e, policy), 1); // no idle baseline: both policies agree
 * assert.equal(attributedFor(e, "proportional"), 1);
 * ```
 */
export type IdlePolicy = "active-only" | "proportional";

/**
 * CPU-time share of a task: `taskCpuSeconds / hostBusyCpuSeconds`, clamped to 0..1; 0 when the
 * host did no measurable work (no busy ticks in the interval).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocationRatio } from "./attribution.ts";
 * assert.equal(allocationRatio(1.5, 6), 0.25);
 * assert.equal(allocationRatio(1, 0), 0);
 * ```
 */
export function allocationRatio(taskCpuSeconds: number, hostBusyCpuSeconds: number): number {
  if (!(hostBusyCpuSeconds > 0) || !(taskCpuSeconds > 0)) return 0;
  return Math.min(1, taskCpuSeconds / hostBusyCpuSeconds);
}

/**
 * Inputs of `attributeEnergy`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AttributionInputs } from "./attribution.ts";
 * import { attributeEnergy } from "./attribution.ts";
 * const inputs: AttributionInputs = {
 *   cpuWh: 2,
 *   gpuWh: 1,
 *   idleBaselineWatts: 0,
 *   durationSeconds: 3600,
 *   ratio: 1,
 * };
 * assert.equal(attributeEnergy(inputs).totalWh, 3);
 * ```
 */
export interface AttributionInputs {
  /** Host CPU-side energy (RAPL packages + DRAM, or psys, or the model) in Wh. */
  readonly cpuWh: number;
  /** GPU energy in Wh (counted as active: no GPU idle baseline is subtracted). */
  readonly gpuWh: number;
  /** Idle baseline of the CPU side in watts. */
  readonly idleBaselineWatts: number;
  /** Interval length in seconds. */
  readonly durationSeconds: number;
  /** Allocation ratio, 0..1. */
  readonly ratio: number;
}

/**
 * Energy figures of an interval under both idle policies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AttributedEnergy } from "./attribution.ts";
 * import { attributeEnergy } from "./attribution.ts";
 * const e: AttributedEnergy = attributeEnergy({
 *   cpuWh: 10,
 *   gpuWh: 0,
 *   idleBaselineWatts: 20,
 *   durationSeconds: 900,
 *   ratio: 0.5,
 * });
 * assert.equal(e.totalWh, 10);
 * assert.ok(e.activeOnlyWh <= e.proportionalWh);
 * ```
 */
export interface AttributedEnergy {
  /** cpuWh + gpuWh. */
  readonly totalWh: number;
  /** Energy above the idle baseline: max(0, cpuWh - idle x hours) + gpuWh. */
  readonly activeWh: number;
  /** totalWh x ratio. */
  readonly proportionalWh: number;
  /** activeWh x ratio. */
  readonly activeOnlyWh: number;
}

/**
 * Computes total, active and attributed energy under both policies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attributeEnergy } from "./attribution.ts";
 * const e = attributeEnergy({
 *   cpuWh: 10,
 *   gpuWh: 0,
 *   idleBaselineWatts: 20,
 *   durationSeconds: 900,
 *   ratio: 0.5,
 * });
 * assert.equal(e.activeWh, 5); // 10 Wh minus 20 W idle for 15 min
 * assert.equal(e.proportionalWh, 5);
 * assert.equal(e.activeOnlyWh, 2.5);
 * ```
 */
export function attributeEnergy(inputs: AttributionInputs): AttributedEnergy {
  const idleWh = Math.max(0, inputs.idleBaselineWatts) * Math.max(0, inputs.durationSeconds) /
    3600;
  const totalWh = inputs.cpuWh + inputs.gpuWh;
  const activeWh = Math.max(0, inputs.cpuWh - idleWh) + inputs.gpuWh;
  const ratio = Math.min(1, Math.max(0, inputs.ratio));
  return {
    totalWh,
    activeWh,
    proportionalWh: totalWh * ratio,
    activeOnlyWh: activeWh * ratio,
  };
}

/**
 * The attributed energy for a policy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attributeEnergy, attributedFor } from "./attribution.ts";
 * const e = attributeEnergy({
 *   cpuWh: 10,
 *   gpuWh: 0,
 *   idleBaselineWatts: 20,
 *   durationSeconds: 900,
 *   ratio: 0.5,
 * });
 * assert.equal(attributedFor(e, "active-only"), 2.5);
 * assert.equal(attributedFor(e, "proportional"), 5);
 * ```
 */
export function attributedFor(energy: AttributedEnergy, policy: IdlePolicy): number {
  return policy === "active-only" ? energy.activeOnlyWh : energy.proportionalWh;
}
