/**
 * Energy backends behind `EnergySource`: powercap sysfs (default), MSR (opt-in, root) and the
 * simulated source, plus the factory that picks one for a governor mode.
 *
 * @example
 * ```ts
 * import { openEnergySource } from "./mod.ts";
 * const { source, lines } = openEnergySource({ raplMode: "sim" });
 * console.log(lines[0]);
 * source.close();
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./file_ops.ts";
export * from "./cpu_info.ts";
export * from "./cpu_topology.ts";
export * from "./powercap_discovery.ts";
export * from "./sysfs.ts";
export * from "./msr_registers.ts";
export * from "./msr_device.ts";
export * from "./msr.ts";
export * from "./power_profile.ts";
export * from "./sim.ts";
export * from "./open_source.ts";
