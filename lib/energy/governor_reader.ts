/**
 * Adapter from the governor client (protocol v1 over the Unix socket) to `HostEnergyReader`.
 *
 * @module
 */

import {
  DEFAULT_GOVERNOR_SOCKET,
  GovernorClient,
  type GovernorReading,
} from "./governor_client.ts";
import type { HostEnergyReader, HostEnergyReading } from "./host_energy.ts";

/** Anything with the governor client's `read` and `close`. */
export interface GovernorReadClient {
  /** Reads the governor's totals; rejects (GovernorUnavailableError) when unavailable. */
  read(): Promise<GovernorReading>;
  /** Closes the connection. */
  close(): void;
}

/**
 * Reads the governor's `host_total_uj`. The reading's `instance` is the governor's instance id
 * plus the number of counter resets, discarded samples and stalls over its host domains, so an interval
 * across a restart OR a reset is never taken as measured (the governor does not count energy
 * across a reset). `backend` is the governor's source (`sysfs`, `msr`, or `sim`: simulated).
 *
 * @example
 * ```ts
 * import { GovernorReader } from "./governor_reader.ts";
 * import { GovernorClient } from "./governor_client.ts";
 * const reader = new GovernorReader(new GovernorClient({ socketPath: "/nonexistent.sock" }));
 * console.log(await reader.read().catch((e) => e.name)); // "GovernorUnavailableError"
 * reader.close();
 * ```
 */
export class GovernorReader implements HostEnergyReader {
  /** Always `governor`. */
  readonly source = "governor" as const;
  readonly #client: GovernorReadClient;

  /**
   * Wraps a client.
   *
   * @param client A `GovernorClient` (or anything with its `read`/`close`).
   */
  constructor(client: GovernorReadClient) {
    this.#client = client;
  }

  /** Reads the host total; rejects when the governor is unavailable. */
  async read(): Promise<HostEnergyReading> {
    const r = await this.#client.read();
    let events = 0;
    for (const name of r.hostTotalDomains) {
      const d = r.domains[name];
      if (d) events += d.resets + d.discarded + d.stalls;
    }
    return {
      source: "governor",
      instance: `${r.instance}/${events}`,
      totalUj: r.hostTotalUj,
      backend: r.source,
    };
  }

  /** Closes the client's connection. */
  close(): void {
    this.#client.close();
  }
}

/**
 * The default governor reader: a `GovernorClient` on `socketPath`
 * (default `/var/run/carbon-ops.sock`). Nothing connects until the first read.
 *
 * @example
 * ```ts
 * import { defaultGovernorReader } from "./governor_reader.ts";
 * const reader = defaultGovernorReader({ socketPath: "/nonexistent.sock" });
 * console.log(reader.source); // "governor"
 * reader.close();
 * ```
 */
export function defaultGovernorReader(
  options: { socketPath?: string; timeoutMs?: number } = {},
): HostEnergyReader {
  return new GovernorReader(
    new GovernorClient({
      socketPath: options.socketPath ?? DEFAULT_GOVERNOR_SOCKET,
      timeoutMs: options.timeoutMs ?? 1000,
    }),
  );
}
