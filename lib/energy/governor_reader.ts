/**
 * Adapter from the governor client (protocol v1) to `HostEnergyReader`.
 *
 * @module
 */

import type { HostEnergyReader } from "./host_energy.ts";

/** Default governor socket. */
export const DEFAULT_GOVERNOR_SOCKET = "/var/run/carbon-ops.sock";

/**
 * The default governor reader for `socketPath`, or null when no client is available.
 *
 * @example
 * ```ts
 * import { defaultGovernorReader } from "./governor_reader.ts";
 * console.log(typeof defaultGovernorReader);
 * ```
 */
export function defaultGovernorReader(
  _options: { socketPath?: string } = {},
): HostEnergyReader | null {
  return null;
}
