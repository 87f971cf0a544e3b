/**
 * Direct powercap reads for processes allowed to read `energy_uj` (root, since the Platypus
 * fix): an adapter from the governor's sysfs `EnergySource` and its wrap-safe `Accumulator` to
 * `HostEnergyReader`. Reads are only as wrap-safe as they are frequent: spans poll (default
 * 1 s); a `logMetrics` interval longer than a wrap period (minutes at high power) without spans
 * could miss a wrap, which is why the governor comes first.
 *
 * @module
 */

import { Accumulator } from "./rapl/accumulator.ts";
import type { EnergySource } from "./rapl/energy_source.ts";
import { openSysfsSource } from "./rapl/sysfs.ts";
import type { Clock } from "../base/clock.ts";
import type { HostEnergyReader, HostEnergyReading } from "./host_energy.ts";

/**
 * Reads an `EnergySource` and keeps a monotonic host total. The reading's `instance` changes
 * whenever a domain reports a reset or an implausible delta, so an interval spanning such an
 * event is not taken as measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PowercapReader } from "./powercap_reader.ts";
 * import { systemClock } from "../base/clock.ts";
 * let raw = 0n;
 * const source = {
 *   kind: "sim" as const,
 *   domains: [{ name: "package-0", kind: "package" as const, parent: null, inHostTotal: true,
 *     wrapModulus: 1n << 40n, ujPerRaw: { num: 1n, den: 1n }, origin: "test", note: null }],
 *   read: () => [{ name: "package-0", raw: (raw += 1000n) }],
 *   close() {},
 * };
 * const reader = new PowercapReader(source, { clock: systemClock });
 * await reader.read();
 * assert.equal((await reader.read()).totalUj, 1000n); // one 1000 uJ step since the first read
 * assert.equal((await reader.read()).totalUj, 2000n);
 * ```
 */
export class PowercapReader implements HostEnergyReader {
  /** Always `powercap`. */
  readonly source = "powercap" as const;
  readonly #src: EnergySource;
  readonly #acc: Accumulator;
  readonly #clock: Clock;
  readonly #id = crypto.randomUUID();

  /**
   * Creates the instance.
   * @param source The energy source (sysfs in production).
   * @param options `clock` (required), `maxPowerWatts` per domain (default 5000).
   */
  constructor(source: EnergySource, options: { clock: Clock; maxPowerWatts?: number }) {
    this.#src = source;
    this.#clock = options.clock;
    this.#acc = new Accumulator(source.domains, {
      instance: this.#id,
      source: source.kind,
      maxPowerWatts: options.maxPowerWatts ?? 5000,
    });
  }

  /** Reads all domains; rejects when no host-total domain could be read. */
  read(): Promise<HostEnergyReading> {
    const samples = this.#src.read();
    this.#acc.apply(samples, { monoNs: this.#clock.monoNs(), timeMs: this.#clock.nowMs() });
    const snap = this.#acc.snapshot();
    let events = 0;
    let failed = 0;
    let host = 0;
    for (const d of this.#src.domains) {
      if (!d.inHostTotal) continue;
      host++;
      const t = snap.domains[d.name];
      if (!t) continue;
      events += t.resets + t.discarded;
      if (t.lastError !== null) failed++;
    }
    if (host === 0 || failed > 0) {
      const why = samples.find((s) => s.error !== undefined)?.error ?? "no host domains";
      return Promise.reject(new Error(`powercap read failed: ${why}`));
    }
    return Promise.resolve({
      source: "powercap",
      instance: `${this.#id}/${events}`,
      totalUj: snap.hostTotalUj,
      backend: this.#src.kind,
      simulated: this.#src.kind === "sim",
    });
  }

  /** Closes the source's files. */
  close(): void {
    this.#src.close();
  }
}

/**
 * Opens direct powercap reads under `root`, or explains why not (no RAPL in VMs and containers,
 * or EACCES: `energy_uj` is root-only since the Platypus fix; use the governor).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openPowercapReader } from "./powercap_reader.ts";
 * import { systemClock } from "../base/clock.ts";
 * const r = openPowercapReader({ root: "/nonexistent", clock: systemClock });
 * assert.ok("reason" in r);
 * assert.match(r.reason, /^no powercap directory \/nonexistent \(ENOENT/);
 * ```
 */
export function openPowercapReader(
  options: { root?: string; cpuinfoPath?: string; clock: Clock; maxPowerWatts?: number },
): PowercapReader | { reason: string } {
  try {
    const src = openSysfsSource({ root: options.root, cpuinfoPath: options.cpuinfoPath });
    return new PowercapReader(src, options);
  } catch (err) {
    return { reason: err instanceof Error ? err.message : String(err) };
  }
}
