/**
 * RAPL energy sources (`@carbon-ops/carbon-ops/energy/rapl`), for a program that reads the raw
 * per-domain counters itself instead of asking the governor: powercap sysfs (default), MSR
 * (opt-in, root) and a simulated source that also knows the exact energy it produced, plus
 * `openEnergySource`, which picks one the way the governor does and says why. Counters wrap:
 * each domain's `wrapModulus` and `ujPerRaw` turn two raw readings into microjoules. The
 * governor daemon (accumulator, persisted totals, socket server) is not part of this API.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openEnergySource } from "./mod.ts";
 * const { source, attempts } = openEnergySource({ raplMode: "sim", simPowerWatts: 100 });
 * assert.equal(source.kind, "sim");
 * assert.equal(attempts[0].ok, true);
 * const samples = source.read();
 * assert.equal(samples.length, source.domains.length);
 * assert.equal(typeof samples[0].raw, "bigint");
 * source.close();
 * ```
 *
 * @module
 */

export {
  describeEnergySource,
  type OpenedEnergySource,
  type OpenedGovernorSource,
  openEnergySource,
  type OpenEnergySourceOptions,
  openGovernorSource,
  type SourceAttempt,
} from "./open_source.ts";
export type { DomainInfo, DomainKind, DomainSample, EnergySource } from "./energy_source.ts";
export { EnergySourceError, type EnergySourceFailure } from "./errors.ts";
export { createSimSource, type SimEnergySource, type SimSourceOptions } from "./sim.ts";
export {
  createInstanceSource,
  type GovernorEnergySource,
  type InstanceEnergySource,
  type InstanceSourceOptions,
} from "./instance_source.ts";
export {
  constantPower,
  cpuUtilisationPower,
  type CpuUtilisationPowerOptions,
  csvPower,
  type PowerProfile,
  stepPower,
} from "./power_profile.ts";
export type { Clock } from "../../base/clock.ts";
export type { InstanceModel } from "../instance_model.ts";
export type { EnergyModelDetails } from "../../base/energy_evidence.ts";
