/**
 * Adapter from the governor client (protocol v1 over the Unix socket) to `HostEnergyReader`.
 *
 * @module
 */

import { DEFAULT_GOVERNOR_SOCKET, GovernorClient } from "./governor_client.ts";
import type { GovernorReading } from "./wire.ts";
import type { HostEnergyReader, HostEnergyReading } from "./host_energy.ts";
import {
  type EnergyEvidence,
  type EnergyModelDetails,
  type RaplBackend,
  singleEnergyEvidence,
} from "../base/energy_evidence.ts";

/**
 * THE decoding of the governor's `source` (the client's reading, or its health answer) into typed
 * facts: the RAPL backend and whether it is simulated. `sim` is simulated; a source this version
 * does not know is taken as simulated too (unknown is never signed as measured).
 *
 * @param source The governor's source kind as the client reports it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeGovernorSource } from "./governor_reader.ts";
 * assert.deepEqual(decodeGovernorSource("sysfs"), { backend: "sysfs", simulated: false });
 * assert.deepEqual(decodeGovernorSource("sim"), { backend: "sim", simulated: true });
 * assert.deepEqual(decodeGovernorSource("hwmon"), { backend: null, simulated: true });
 * ```
 */
export function decodeGovernorSource(
  source: string,
): { backend: RaplBackend | null; simulated: boolean } {
  if (source === "sysfs" || source === "msr") return { backend: source, simulated: false };
  if (source === "sim") return { backend: "sim", simulated: true };
  return { backend: null, simulated: true };
}

/**
 * The model behind a governor reading whose source is `instance` (modelled energy), typed as
 * energy evidence details; null for every other source, and for an `instance` reading without
 * its `model` (then {@link decodeGovernorSource} takes it as unknown: simulated, never measured).
 *
 * @param reading The governor reading (its `source` and `model`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { governorModel } from "./governor_reader.ts";
 * const model = { name: "ccf-linear@2026-12-02", instanceId: "aws:m5.large", match: "exact" as const, flags: [], sigmaLn: 0.355 };
 * assert.equal(governorModel({ source: "instance", model })?.instanceId, "aws:m5.large");
 * assert.equal(governorModel({ source: "sysfs" }), null);
 * assert.equal(governorModel({ source: "instance" }), null);
 * ```
 */
export function governorModel(
  reading: Pick<GovernorReading, "source" | "model">,
): EnergyModelDetails | null {
  const m = reading.model;
  if (reading.source !== "instance" || m === undefined || !(m.sigmaLn > 0)) return null;
  return {
    name: m.name,
    instanceId: m.instanceId,
    match: m.match,
    flags: [...m.flags],
    sigmaLn: m.sigmaLn,
  };
}

/**
 * Evidence for energy taken from the governor's readings alone over a whole span (e.g. `report`):
 * kind `governor`, the decoded backend, simulated when the source is; kind `model` with the
 * model's details when the governor serves an instance power model (`instance` with `model`).
 *
 * @param reading The governor reading (its `source`, and `model` when there is one).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { governorEvidence } from "./governor_reader.ts";
 * const e = governorEvidence({ source: "sim" });
 * assert.equal(e.kind, "governor");
 * assert.equal(e.simulated, true);
 * assert.equal(governorEvidence({ source: "msr" }).simulated, false);
 * const model = { name: "ccf-linear@2026-12-02", instanceId: "aws:m5.large", match: "exact" as const, flags: [], sigmaLn: 0.355 };
 * const vm = governorEvidence({ source: "instance", model });
 * assert.deepEqual([vm.kind, vm.simulated, vm.model?.name], ["model", false, "ccf-linear@2026-12-02"]);
 * ```
 */
export function governorEvidence(
  reading: Pick<GovernorReading, "source"> & Partial<Pick<GovernorReading, "model">>,
): EnergyEvidence {
  const model = governorModel(reading);
  if (model !== null) return singleEnergyEvidence("model", { model });
  const decoded = decodeGovernorSource(reading.source);
  return singleEnergyEvidence("governor", {
    raplBackend: decoded.backend,
    simulated: decoded.simulated,
  });
}

/**
 * Anything with the governor client's `read` and `close`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorReadClient } from "./governor_reader.ts";
 * import { GovernorClient } from "./governor_client.ts";
 * const client: GovernorReadClient = new GovernorClient({ socketPath: "/nonexistent.sock" });
 * await assert.rejects(client.read(), { name: "GovernorUnavailableError" });
 * client.close();
 * ```
 */
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
 * across a reset). `backend` and `simulated` are decoded from the governor's source by
 * {@link decodeGovernorSource}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GovernorReader } from "./governor_reader.ts";
 * import { GovernorClient } from "./governor_client.ts";
 * const reader = new GovernorReader(new GovernorClient({ socketPath: "/nonexistent.sock" }));
 * assert.equal(reader.source, "governor");
 * await assert.rejects(reader.read(), { name: "GovernorUnavailableError" });
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
    const model = governorModel(r);
    if (model !== null) {
      return {
        source: "governor",
        instance: `${r.instance}/${events}`,
        totalUj: r.hostTotalUj,
        simulated: false,
        model,
      };
    }
    const decoded = decodeGovernorSource(r.source);
    return {
      source: "governor",
      instance: `${r.instance}/${events}`,
      totalUj: r.hostTotalUj,
      ...(decoded.backend !== null ? { backend: decoded.backend } : {}),
      simulated: decoded.simulated,
    };
  }

  /** Closes the client's connection. */
  close(): void {
    this.#client.close();
  }
}

/**
 * The default governor reader: a `GovernorClient` on `socketPath`
 * (default `/run/carbon-ops.sock`). Nothing connects until the first read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultGovernorReader } from "./governor_reader.ts";
 * const reader = defaultGovernorReader({ socketPath: "/nonexistent.sock" });
 * assert.equal(reader.source, "governor");
 * await assert.rejects(reader.read(), /nonexistent\.sock/);
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
