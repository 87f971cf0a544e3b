/**
 * The governor's per-workload attribution step: scan the cgroups, hand the scan and the
 * accumulator's totals of the same moment to the conserving attributor, keep the latest snapshot
 * for the socket and the metrics, and count what happened. A failed scan is logged once per kind
 * of failure and retried at the next period; it never stops the daemon.
 *
 * @module
 */

import type { EnergyTotalsAt, WorkloadAttributor } from "../lib/energy/workloads/attributor.ts";
import type { CgroupScan, WorkloadTotals } from "../lib/energy/workloads/workload.ts";
import type { GovernorWorkloadStats } from "../lib/energy/wire.ts";

/**
 * Options of {@link WorkloadAttribution}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadAttributionOptions } from "./workload_attribution.ts";
 * import { WorkloadAttributor } from "../lib/energy/workloads/attributor.ts";
 * const options: WorkloadAttributionOptions = {
 *   attributor: new WorkloadAttributor(),
 *   scan: () => ({ monoNs: 0n, cgroups: [], hostBusyUsec: 0n, hostTotalUsec: 0n, skipped: [] }),
 *   intervalMs: 1000,
 *   log: () => {},
 * };
 * assert.equal(options.intervalMs, 1000);
 * ```
 */
export interface WorkloadAttributionOptions {
  /** The attributor that keeps the exact totals (required). */
  readonly attributor: WorkloadAttributor;
  /** Reads the cgroup tree and `/proc/stat` now (required; `scanCgroups` in production). */
  readonly scan: () => CgroupScan | Promise<CgroupScan>;
  /** The attribution period, reported in `stats` (required). */
  readonly intervalMs: number;
  /** Where a failure is said, once per kind (required; one line, no newline). */
  readonly log: (line: string) => void;
  /** Monotonic milliseconds to time each step (default `performance.now`). */
  readonly nowMs?: () => number;
}

function kindOf(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && code !== e.name ? `${e.name} ${code}` : e.name;
  }
  return typeof e;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs attribution steps and holds their result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkloadAttribution } from "./workload_attribution.ts";
 * import { WorkloadAttributor } from "../lib/energy/workloads/attributor.ts";
 * const id = { cgroup: "a.slice", podUid: null, containerId: null, qos: null, runtime: null };
 * let s = 0n;
 * const attribution = new WorkloadAttribution({
 *   attributor: new WorkloadAttributor({ policy: "proportional" }),
 *   scan: () => ({
 *     monoNs: s * 1_000_000_000n,
 *     cgroups: [{ identity: id, parent: null, usageUsec: s * 500_000n }],
 *     hostBusyUsec: s * 1_000_000n,
 *     hostTotalUsec: s * 2_000_000n,
 *     skipped: [],
 *   }),
 *   intervalMs: 1000,
 *   log: () => {},
 * });
 * for (; s < 3n; s++) {
 *   await attribution.step({ monoNs: s * 1_000_000_000n, timeMs: 0, domains: { psys: s * 1_000n } });
 * }
 * const psys = attribution.totals().domains.psys;
 * assert.equal(psys.hostUj, 2_000n);
 * assert.equal(psys.buckets["a.slice"], 1_000n); // half of the busy time
 * assert.equal(attribution.stats().intervals, 2);
 * ```
 */
export class WorkloadAttribution {
  readonly #attributor: WorkloadAttributor;
  readonly #scan: () => CgroupScan | Promise<CgroupScan>;
  readonly #intervalMs: number;
  readonly #log: (line: string) => void;
  readonly #nowMs: () => number;
  readonly #failureKinds = new Set<string>();
  #totals: WorkloadTotals;
  #busy = false;
  #runs = 0;
  #failures = 0;
  #failingSince = 0;
  #lastMs = 0;
  #maxMs = 0;
  #cgroups = 0;
  #skipped = 0;

  /**
   * Creates the step runner; nothing is scanned until {@link step}.
   *
   * @param options See {@link WorkloadAttributionOptions}.
   */
  constructor(options: WorkloadAttributionOptions) {
    this.#attributor = options.attributor;
    this.#scan = options.scan;
    this.#intervalMs = options.intervalMs;
    this.#log = options.log;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#totals = this.#attributor.totals();
  }

  /** Whether a step is running (the daemon then skips the next one rather than queue it). */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Scans now and attributes the interval since the last successful step to the workloads, with
   * `energy` the accumulator's totals taken just before the scan. Never throws: a failure is
   * logged (once per kind) and counted, and the next step retries.
   */
  async step(energy: EnergyTotalsAt): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const t0 = this.#nowMs();
    try {
      const scan = await this.#scan();
      this.#attributor.update(energy, scan);
      this.#totals = this.#attributor.totals();
      this.#runs++;
      this.#cgroups = scan.cgroups.length;
      this.#skipped = scan.skipped.length;
      if (this.#failingSince > 0) {
        this.#log(`workloads: attributing again after ${this.#failingSince} failed scan(s)`);
        this.#failingSince = 0;
      }
    } catch (e) {
      this.#failures++;
      this.#failingSince++;
      const kind = kindOf(e);
      if (!this.#failureKinds.has(kind)) {
        this.#failureKinds.add(kind);
        this.#log(
          `workloads: scan failed (${kind}): ${message(e)}; retrying every ` +
            `${this.#intervalMs} ms (this kind of failure is logged once)`,
        );
      }
    } finally {
      const ms = this.#nowMs() - t0;
      this.#lastMs = ms;
      if (ms > this.#maxMs) this.#maxMs = ms;
      this.#busy = false;
    }
  }

  /** The latest attribution snapshot (the same object until the next successful step). */
  totals(): WorkloadTotals {
    return this.#totals;
  }

  /** Figures for the `stats` op. */
  stats(): GovernorWorkloadStats {
    const a = this.#attributor.stats();
    return {
      intervalMs: this.#intervalMs,
      runs: this.#runs,
      intervals: a.intervals,
      lastDurationMs: this.#lastMs,
      maxDurationMs: this.#maxMs,
      cgroups: this.#cgroups,
      skipped: this.#skipped,
      workloads: a.workloads,
      overCap: a.overCap,
      cgroupResets: a.cgroupResets,
      domainResets: a.domainResets,
      scanFailures: this.#failures,
    };
  }
}
