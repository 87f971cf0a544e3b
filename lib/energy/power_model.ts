/**
 * The CPU power model used when no measured energy is available:
 * `P = r*TDP + (1-r)*TDP*(u/100)^gamma` with r = 0.2 (idle share of TDP) and gamma = 0.8.
 *
 * @module
 */

/**
 * Default idle share of TDP.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_IDLE_FRACTION } from "./power_model.ts";
 * assert.equal(DEFAULT_IDLE_FRACTION, 0.2);
 * ```
 */
export const DEFAULT_IDLE_FRACTION = 0.2;
/**
 * Default curvature of the utilisation term.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_GAMMA } from "./power_model.ts";
 * assert.equal(DEFAULT_GAMMA, 0.8);
 * ```
 */
export const DEFAULT_GAMMA = 0.8;
/**
 * TDP used when neither an option, `CPU_TDP_WATTS` nor config gives one (stated in output).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TDP_WATTS, resolveTdp } from "./power_model.ts";
 * assert.equal(DEFAULT_TDP_WATTS, 100);
 * assert.equal(resolveTdp({}).tdpWatts, DEFAULT_TDP_WATTS);
 * ```
 */
export const DEFAULT_TDP_WATTS = 100;

/**
 * Parameters of the model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PowerModel } from "./power_model.ts";
 * import { modelCpuPowerWatts } from "./power_model.ts";
 * const linear: PowerModel = { tdpWatts: 200, idleFraction: 0, gamma: 1 };
 * assert.equal(modelCpuPowerWatts(50, linear), 100);
 * ```
 */
export interface PowerModel {
  /** Host CPU TDP in watts. */
  readonly tdpWatts: number;
  /** Idle share of TDP, 0..1 (default 0.2). */
  readonly idleFraction: number;
  /** Exponent on utilisation (default 0.8). */
  readonly gamma: number;
}

/**
 * Modelled CPU power in watts at utilisation `utilPct` (clamped to 0..100).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelCpuPowerWatts } from "./power_model.ts";
 * const model = { tdpWatts: 65, idleFraction: 0.2, gamma: 0.8 };
 * assert.equal(modelCpuPowerWatts(100, model), 65);
 * assert.equal(modelCpuPowerWatts(0, model), 13);
 * ```
 */
export function modelCpuPowerWatts(utilPct: number, model: PowerModel): number {
  const u = Number.isFinite(utilPct) ? Math.min(100, Math.max(0, utilPct)) : 0;
  const r = model.idleFraction;
  return r * model.tdpWatts + (1 - r) * model.tdpWatts * Math.pow(u / 100, model.gamma);
}

/**
 * The TDP in effect and where it came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResolvedTdp } from "./power_model.ts";
 * import { resolveTdp } from "./power_model.ts";
 * const tdp: ResolvedTdp = resolveTdp({ env: {} });
 * assert.equal(tdp.tdpSource, "default");
 * ```
 */
export interface ResolvedTdp {
  /** Watts. */
  readonly tdpWatts: number;
  /** `option`, `env CPU_TDP_WATTS`, `config energy.tdpWatts`, or `default` (a stated guess). */
  readonly tdpSource: "option" | "env CPU_TDP_WATTS" | "config energy.tdpWatts" | "default";
}

/**
 * Picks the TDP: an explicit option, then `CPU_TDP_WATTS` (when a positive number), then the
 * config value, then `DEFAULT_TDP_WATTS`. Invalid environment values are ignored (the source
 * says which value was used).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveTdp } from "./power_model.ts";
 * assert.deepEqual(resolveTdp({ env: { CPU_TDP_WATTS: "125" } }), {
 *   tdpWatts: 125,
 *   tdpSource: "env CPU_TDP_WATTS",
 * });
 * assert.deepEqual(resolveTdp({}), { tdpWatts: 100, tdpSource: "default" });
 * ```
 */
export function resolveTdp(
  inputs: {
    option?: number | null;
    env?: Readonly<Record<string, string | undefined>>;
    config?: number | null;
  },
): ResolvedTdp {
  const ok = (v: number | null | undefined): v is number =>
    typeof v === "number" && Number.isFinite(v) && v > 0;
  if (ok(inputs.option)) return { tdpWatts: inputs.option, tdpSource: "option" };
  const raw = inputs.env?.CPU_TDP_WATTS;
  const fromEnv = raw === undefined || raw.trim() === "" ? null : Number(raw);
  if (ok(fromEnv)) return { tdpWatts: fromEnv, tdpSource: "env CPU_TDP_WATTS" };
  if (ok(inputs.config)) return { tdpWatts: inputs.config, tdpSource: "config energy.tdpWatts" };
  return { tdpWatts: DEFAULT_TDP_WATTS, tdpSource: "default" };
}
