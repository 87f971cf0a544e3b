/**
 * The instance power model as an energy source: a cloud VM's modelled power from its own
 * `/proc/stat` utilisation through the instance's CCF coefficients (`lib/cloud/instance_power.ts`),
 * for the energy logger (segments without a measured reading) and the governor's `instance`
 * source. Pure: detection (DMI, metadata) stays with the caller, which passes the instance type.
 *
 * Fallback chain, each step flagged:
 * 1. `exact`: the type is in the catalog;
 * 2. `provider_average`: the provider is known but the type is not: the provider's average
 *    microarchitecture, for the VM's vCPUs (given, else counted in `/proc/stat`);
 * 3. no instance model (`null`, with the reason in `flags`): the caller keeps the generic CPU
 *    (TDP) model, as on a host with no instance information.
 *
 * @module
 */

import type { EnergyModelDetails } from "../base/energy_evidence.ts";
import { lookupInstance } from "../cloud/instance_catalog.ts";
import {
  CCF_LINEAR_MODEL,
  type InstancePower,
  instancePower,
  instancePowerSigma,
} from "../cloud/instance_power.ts";
import type { InstanceMatch, InstanceSpec } from "../cloud/instance_catalog.ts";
import { type CpuTimes, cpuUtilisationPct } from "./cpu_times.ts";

/**
 * A resolved instance power model: the catalog's spec, the vCPUs in use and the model's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type InstanceModel, resolveInstanceModel } from "./instance_model.ts";
 * const model: InstanceModel | null = resolveInstanceModel("aws:m5.large").model;
 * assert.equal(model?.name, "ccf-linear@2026-12-02");
 * assert.equal(model?.vcpus, 2);
 * ```
 */
export interface InstanceModel {
  /** `ccf-linear@<data version>`. */
  readonly name: string;
  /** Canonical `provider:type`. */
  readonly instanceId: string;
  /** How the type matched the catalog. */
  readonly match: InstanceMatch;
  /** vCPUs the model uses. */
  readonly vcpus: number;
  /** The catalog's spec. */
  readonly spec: InstanceSpec;
  /** The spec's flags (what the model could not use or assumed). */
  readonly flags: readonly string[];
}

/**
 * What {@link resolveInstanceModel} chose: the model, or null with the reason in `flags`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type InstanceModelChoice, resolveInstanceModel } from "./instance_model.ts";
 * const choice: InstanceModelChoice = resolveInstanceModel("oci:VM.Standard3.Flex");
 * assert.equal(choice.model, null);
 * assert.deepEqual(choice.flags, ["instance_provider_without_coefficients", "generic_cpu_model"]);
 * ```
 */
export interface InstanceModelChoice {
  /** The model, or null: keep the generic CPU model. */
  readonly model: InstanceModel | null;
  /** Every fallback step taken (the model's flags when there is one). */
  readonly flags: readonly string[];
  /** One plain sentence on what was chosen, for notes and start-up lines. */
  readonly note: string;
}

/**
 * Options of {@link resolveInstanceModel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ResolveInstanceModelOptions, resolveInstanceModel } from "./instance_model.ts";
 * const options: ResolveInstanceModelOptions = { provider: "aws", vcpus: 4 };
 * assert.equal(resolveInstanceModel("m99.xlarge", options).model?.match, "provider_average");
 * ```
 */
export interface ResolveInstanceModelOptions {
  /** The provider, when `instanceType` has no `provider:` part (default: none; then required there). */
  readonly provider?: string | null;
  /** The VM's vCPUs, used for a type not in the catalog (default unknown: no instance model). */
  readonly vcpus?: number | null;
  /** The VM's memory in GB, used for a type not in the catalog (default unknown). */
  readonly memoryGb?: number | null;
}

/**
 * Resolves an instance type to its power model along the fallback chain (module doc).
 *
 * @param instanceType `provider:type` (`aws:m5.large`), or a bare type with `options.provider`.
 * @param options Provider, vCPUs and memory of the VM.
 * @throws {TypeError} When the type names no provider and `options.provider` is not given.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveInstanceModel } from "./instance_model.ts";
 * assert.equal(resolveInstanceModel("aws:m5.large").model?.match, "exact");
 * const unknown = resolveInstanceModel("aws:m99.large", { vcpus: 2 });
 * assert.equal(unknown.model?.match, "provider_average");
 * assert.ok(unknown.flags.includes("instance_type_not_in_catalog"));
 * const noVcpus = resolveInstanceModel("aws:m99.large");
 * assert.equal(noVcpus.model, null);
 * assert.ok(noVcpus.flags.includes("generic_cpu_model"));
 * ```
 */
export function resolveInstanceModel(
  instanceType: string,
  options: ResolveInstanceModelOptions = {},
): InstanceModelChoice {
  const id = instanceType.includes(":") || !options.provider
    ? instanceType
    : `${options.provider}:${instanceType}`;
  const spec = lookupInstance(id, {
    ...(options.vcpus ? { vcpus: options.vcpus } : {}),
    ...(options.memoryGb ? { memoryGb: options.memoryGb } : {}),
  });
  if (spec === null) {
    return {
      model: null,
      flags: ["instance_provider_without_coefficients", "generic_cpu_model"],
      note: `no instance power model for ${id} (the provider has no coefficients): ` +
        "the generic CPU (TDP) model is used",
    };
  }
  const vcpus = spec.vcpus ?? options.vcpus ?? null;
  if (vcpus === null) {
    return {
      model: null,
      flags: [...spec.flags, "generic_cpu_model"],
      note: `${spec.id} is not in the catalog and the VM's vCPUs are unknown: ` +
        "the generic CPU (TDP) model is used",
    };
  }
  const model: InstanceModel = {
    name: CCF_LINEAR_MODEL,
    instanceId: spec.id,
    match: spec.match,
    vcpus,
    spec,
    flags: spec.flags,
  };
  const how = spec.match === "exact"
    ? `${spec.microarchitectures.join("/")}`
    : "type not in the catalog: the provider's average microarchitecture";
  return {
    model,
    flags: spec.flags,
    note: `energy modelled by ${model.name} for ${spec.id} (${how}, ${vcpus} vCPUs)`,
  };
}

/**
 * The model's power at a utilisation (clamped to 0..100; NaN counts as 0).
 *
 * @param model From {@link resolveInstanceModel}.
 * @param utilizationPct The VM's CPU utilisation, percent.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instanceModelPower, resolveInstanceModel } from "./instance_model.ts";
 * const model = resolveInstanceModel("aws:m5.large").model!;
 * assert.equal(instanceModelPower(model, 150).utilizationPct, 100);
 * assert.equal(instanceModelPower(model, 0).cpuW, 1.3); // 2 vCPUs x 0.65 W
 * ```
 */
export function instanceModelPower(model: InstanceModel, utilizationPct: number): InstancePower {
  const u = Number.isFinite(utilizationPct) ? Math.min(100, Math.max(0, utilizationPct)) : 0;
  return instancePower(model.spec, u, { vcpus: model.vcpus });
}

/**
 * The model's power over the time between two `/proc/stat` aggregates of the VM: their
 * utilisation (busy / total ticks) through {@link instanceModelPower}.
 *
 * @param model From {@link resolveInstanceModel}.
 * @param prev The earlier aggregate (`parseProcStat(text).total`).
 * @param cur The later aggregate.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProcStat } from "./cpu_times.ts";
 * import { instancePowerBetween, resolveInstanceModel } from "./instance_model.ts";
 * const model = resolveInstanceModel("aws:m5.large").model!;
 * const a = parseProcStat("cpu  0 0 0 0 0 0 0 0 0 0\n").total;
 * const b = parseProcStat("cpu  50 0 0 50 0 0 0 0 0 0\n").total; // 50 % busy
 * assert.equal(instancePowerBetween(model, a, b).cpuW, 4.91);
 * ```
 */
export function instancePowerBetween(
  model: InstanceModel,
  prev: CpuTimes,
  cur: CpuTimes,
): InstancePower {
  return instanceModelPower(model, cpuUtilisationPct(prev, cur));
}

/**
 * The typed evidence details of modelled energy at a (mean) utilisation: the model's name,
 * instance, match, flags and its 1-sigma of ln(energy) there.
 *
 * @param model From {@link resolveInstanceModel}.
 * @param utilizationPct The mean utilisation over the modelled time (clamped to 0..100).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instanceModelDetails, resolveInstanceModel } from "./instance_model.ts";
 * const d = instanceModelDetails(resolveInstanceModel("aws:m5.large").model!, 50);
 * assert.equal(d.instanceId, "aws:m5.large");
 * assert.equal(d.sigmaLn.toFixed(3), "0.355");
 * ```
 */
export function instanceModelDetails(
  model: InstanceModel,
  utilizationPct: number,
): EnergyModelDetails {
  const u = Number.isFinite(utilizationPct) ? Math.min(100, Math.max(0, utilizationPct)) : 0;
  return {
    name: model.name,
    instanceId: model.instanceId,
    match: model.match,
    flags: [...model.flags],
    sigmaLn: instancePowerSigma(model.spec, u, { vcpus: model.vcpus }),
  };
}
