/**
 * The conserving per-workload attributor (pure: no I/O, no clock). Fed, at about the same moment,
 * the accumulator's cumulative per-domain energy and a {@link CgroupScan}, it splits each domain's
 * energy delta across the tracked cgroups by their exclusive CPU-time share, with named buckets for
 * what no workload can claim, and keeps exact totals: for every domain, the buckets always sum to
 * the host energy attributed, to the microjoule.
 *
 * Per update (after the first, which only sets the baseline):
 *
 * - **Energy**: per-domain delta = current - previous. A domain seen for the first time (or again
 *   after missing from an update) only sets its baseline; a decrease is a reset of the governor's
 *   totals: new baseline, nothing attributed, counted in `domainResets`.
 * - **CPU**: a cgroup's delta is its usage minus its usage at the last scan that had it. A cgroup
 *   without a previous reading (new, or forgotten after its grace period) contributes its whole
 *   usage capped at the host's busy delta (it is assumed to have started within the interval); a
 *   usage decrease means the cgroup was recreated: its delta is its current usage, capped the same
 *   way, and counted in `cgroupResets`. A cgroup missing from a scan keeps its last reading for
 *   `graceMs`, so a cgroup skipped once (unreadable for a moment) resumes from it.
 * - **Exclusive weight**: usage is hierarchical, so a tracked cgroup's weight is its delta minus the
 *   deltas of its tracked children in the same scan (clamped at 0). Children new in the scan are
 *   subtracted too: their capped full usage is assumed to have accrued inside the parent's delta.
 * - **System**: `(system)` weighs `max(0, host busy delta - sum of exclusive weights)`; when the
 *   tracked weights exceed the busy delta (sampling skew) it weighs 0 and the tracked weights are
 *   used as they are.
 * - **Split** (largest remainder, {@link splitExact}): policy `idle` splits the delta into an
 *   idle part and an active part by `(total - busy, max(busy, tracked))`, the idle part to
 *   `(idle)`, the active part across workloads, `(other)` and `(system)` by weight; policy
 *   `proportional` splits the whole delta across workloads, `(other)` and `(system)`. When every
 *   weight is 0 (nothing ran) the whole delta goes to `(idle)` under both policies.
 * - **Cardinality**: the first `maxWorkloads` cgroups seen get a bucket of their own and keep it;
 *   cgroups seen beyond the cap weigh into `(other)`. A cgroup absent for longer than `graceMs`
 *   (measured on the scans' `monoNs`) is dropped: its totals fold into `(other)` and its slot is
 *   freed; an over-cap cgroup that later gets a free slot starts its own bucket from zero.
 *
 * A bucket appears in a domain once it has been credited there (a workload is credited, possibly
 * 0, every interval it is present; `(idle)` and `(system)` whenever they take part in a split).
 * The cost of an update is O(cgroups x domains) bigint operations; nothing is sorted.
 *
 * @module
 */

import { splitExact } from "./split_exact.ts";
import {
  type CgroupScan,
  type DomainWorkloadTotals,
  IDLE_BUCKET,
  OTHER_BUCKET,
  SYSTEM_BUCKET,
  type WorkloadIdentity,
  type WorkloadIdlePolicy,
  type WorkloadTotals,
} from "./workload.ts";

/**
 * The accumulator's cumulative per-domain energy at (about) the moment of a scan: what
 * {@link WorkloadAttributor.update} attributes the deltas of.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyTotalsAt } from "./attributor.ts";
 * const at: EnergyTotalsAt = {
 *   monoNs: 1_000_000_000n,
 *   timeMs: 1_700_000_000_000,
 *   domains: { "package-0": 12_000_000n, dram: 3_000_000n },
 * };
 * assert.equal(at.domains["package-0"], 12_000_000n);
 * ```
 */
export interface EnergyTotalsAt {
  /** Monotonic time of the energy frame, nanoseconds. */
  readonly monoNs: bigint;
  /** Wall-clock time of the same frame, milliseconds since the epoch. */
  readonly timeMs: number;
  /** Domain name to cumulative energy (`totalUj`), exact microjoules. */
  readonly domains: Readonly<Record<string, bigint>>;
}

/**
 * Options of {@link WorkloadAttributor}; every field is optional.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadAttributorOptions } from "./attributor.ts";
 * import { WorkloadAttributor } from "./attributor.ts";
 * const options: WorkloadAttributorOptions = { policy: "proportional", maxWorkloads: 50 };
 * const attributor = new WorkloadAttributor(options);
 * assert.equal(attributor.graceMs, 60_000); // the default
 * ```
 */
export interface WorkloadAttributorOptions {
  /** Idle policy. Default `"idle"`. */
  readonly policy?: WorkloadIdlePolicy;
  /** Workloads with a bucket of their own; cgroups beyond it go to `(other)`. Default 500. */
  readonly maxWorkloads?: number;
  /** How long a vanished cgroup keeps its bucket before folding into `(other)`. Default 60 000. */
  readonly graceMs?: number;
  /** Instance of the governor whose totals are attributed (copied to snapshots). Default `""`. */
  readonly instance?: string;
}

/**
 * Counters for the governor's statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadAttributorStats } from "./attributor.ts";
 * import { WorkloadAttributor } from "./attributor.ts";
 * const stats: WorkloadAttributorStats = new WorkloadAttributor().stats();
 * assert.equal(stats.intervals, 0);
 * assert.equal(stats.cgroupsDropped, 0);
 * ```
 */
export interface WorkloadAttributorStats {
  /** Updates that attributed an interval (every update but the first). */
  readonly intervals: number;
  /** Workloads holding a bucket of their own now (present or within their grace period). */
  readonly workloads: number;
  /** Cgroups of the last scan beyond the cap (weighed into `(other)`). */
  readonly overCap: number;
  /** Cgroups ever put beyond the cap on first sight. */
  readonly overCapSeen: number;
  /** Cgroup usage decreases (a cgroup recreated under the same path). */
  readonly cgroupResets: number;
  /** Domain energy decreases (the governor's totals reset): intervals not attributed. */
  readonly domainResets: number;
  /** Host CPU time decreases (`/proc/stat` went backwards): that interval's host deltas were 0. */
  readonly hostCpuResets: number;
  /** Workloads dropped after their grace period, their totals folded into `(other)`. */
  readonly cgroupsDropped: number;
}

interface Slot {
  identity: WorkloadIdentity;
  lastSeenNs: bigint;
}

interface UsageMemo {
  usageUsec: bigint;
  lastSeenNs: bigint;
}

interface DomainState {
  hostUj: bigint;
  readonly buckets: Map<string, bigint>;
}

const NAMED_BUCKETS: ReadonlySet<string> = new Set([IDLE_BUCKET, SYSTEM_BUCKET, OTHER_BUCKET]);

/**
 * Splits each domain's energy across workloads by exclusive CPU time, exactly (see the module
 * documentation for the rules). Call {@link update} once per scan; read {@link totals}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkloadAttributor } from "./attributor.ts";
 * const id = (cgroup: string) => ({ cgroup, podUid: null, containerId: null, qos: null, runtime: null });
 * const scan = (s: bigint, a: bigint, b: bigint, busy: bigint, total: bigint) => ({
 *   monoNs: s * 1_000_000_000n,
 *   cgroups: [
 *     { identity: id("a.slice"), parent: null, usageUsec: a },
 *     { identity: id("b.slice"), parent: null, usageUsec: b },
 *   ],
 *   hostBusyUsec: busy,
 *   hostTotalUsec: total,
 *   skipped: [],
 * });
 * const energy = (s: bigint, uj: bigint) => ({ monoNs: s * 1_000_000_000n, timeMs: 0, domains: { psys: uj } });
 * const attributor = new WorkloadAttributor({ policy: "idle" });
 * attributor.update(energy(0n, 5_000n), scan(0n, 0n, 0n, 0n, 0n)); // baseline
 * // 1 s on 2 CPUs: a 300 ms, b 100 ms, 100 ms elsewhere, 1.5 s idle; 1000 uJ.
 * attributor.update(energy(1n, 6_000n), scan(1n, 300_000n, 100_000n, 500_000n, 2_000_000n));
 * const psys = attributor.totals().domains.psys;
 * assert.equal(psys.hostUj, 1_000n);
 * assert.deepEqual(psys.buckets, {
 *   "(idle)": 750n, "a.slice": 150n, "b.slice": 50n, "(system)": 50n,
 * });
 * ```
 */
export class WorkloadAttributor {
  /** Idle policy in effect. */
  readonly policy: WorkloadIdlePolicy;
  /** Workloads with a bucket of their own. */
  readonly maxWorkloads: number;
  /** Grace period of a vanished cgroup, milliseconds. */
  readonly graceMs: number;
  /** Governor instance whose totals are attributed. */
  readonly instance: string;

  readonly #graceNs: bigint;
  #started = false;
  readonly #prevEnergy = new Map<string, bigint>();
  #prevBusyUsec = 0n;
  #prevTotalUsec = 0n;
  readonly #usage = new Map<string, UsageMemo>();
  readonly #slots = new Map<string, Slot>();
  readonly #overCapKnown = new Set<string>();
  readonly #domains = new Map<string, DomainState>();
  #monoNs = 0n;
  #timeMs = 0;
  #intervals = 0;
  #overCapNow = 0;
  #overCapSeen = 0;
  #cgroupResets = 0;
  #domainResets = 0;
  #hostCpuResets = 0;
  #cgroupsDropped = 0;

  /**
   * Creates an attributor with nothing attributed yet.
   *
   * @param options `policy` (default `"idle"`), `maxWorkloads` (default 500), `graceMs`
   *   (default 60 000), `instance` (default `""`).
   * @throws {RangeError} When `maxWorkloads` or `graceMs` is not a non-negative integer.
   */
  constructor(options: WorkloadAttributorOptions = {}) {
    this.policy = options.policy ?? "idle";
    this.maxWorkloads = options.maxWorkloads ?? 500;
    this.graceMs = options.graceMs ?? 60_000;
    this.instance = options.instance ?? "";
    if (this.policy !== "idle" && this.policy !== "proportional") {
      throw new RangeError(
        `WorkloadAttributor: unknown policy ${
          JSON.stringify(this.policy)
        }; use "idle" or "proportional"`,
      );
    }
    for (const [name, value] of [["maxWorkloads", this.maxWorkloads], ["graceMs", this.graceMs]]) {
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(
          `WorkloadAttributor: ${name} must be a non-negative integer, got ${value}; ` +
            `pass a whole number such as ${name === "graceMs" ? "60000" : "500"}`,
        );
      }
    }
    this.#graceNs = BigInt(this.graceMs) * 1_000_000n;
  }

  /**
   * Attributes the interval since the previous update. The first call only sets the baseline.
   *
   * @param energy The accumulator's cumulative per-domain totals at (about) the scan's moment.
   * @param scan The cgroup scan; its `monoNs` is the clock of the grace periods.
   */
  update(energy: EnergyTotalsAt, scan: CgroupScan): void {
    const nowNs = scan.monoNs;
    const cgroups = scan.cgroups;
    const n = cgroups.length;

    // Slots: existing ones are kept; new cgroups take a free slot or go beyond the cap.
    let overCapNow = 0;
    const slotted = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      const identity = cgroups[i].identity;
      const key = identity.cgroup;
      const slot = this.#slots.get(key);
      if (slot !== undefined) {
        slot.identity = identity;
        slot.lastSeenNs = nowNs;
        slotted[i] = true;
      } else if (this.#slots.size < this.maxWorkloads && !NAMED_BUCKETS.has(key)) {
        this.#slots.set(key, { identity, lastSeenNs: nowNs });
        this.#overCapKnown.delete(key);
        slotted[i] = true;
      } else {
        if (!this.#overCapKnown.has(key)) {
          this.#overCapKnown.add(key);
          this.#overCapSeen++;
        }
        slotted[i] = false;
        overCapNow++;
      }
    }
    this.#overCapNow = overCapNow;

    if (!this.#started) {
      this.#started = true;
      for (const c of cgroups) {
        this.#usage.set(c.identity.cgroup, { usageUsec: c.usageUsec, lastSeenNs: nowNs });
      }
      this.#prevBusyUsec = scan.hostBusyUsec;
      this.#prevTotalUsec = scan.hostTotalUsec;
      for (const [name, uj] of Object.entries(energy.domains)) this.#prevEnergy.set(name, uj);
      this.#monoNs = energy.monoNs;
      this.#timeMs = energy.timeMs;
      this.#expire(nowNs);
      return;
    }

    // Host CPU deltas.
    let busyUsec = scan.hostBusyUsec - this.#prevBusyUsec;
    let totalUsec = scan.hostTotalUsec - this.#prevTotalUsec;
    if (busyUsec < 0n || totalUsec < 0n) {
      this.#hostCpuResets++;
      busyUsec = 0n;
      totalUsec = 0n;
    }
    if (totalUsec < busyUsec) totalUsec = busyUsec;
    this.#prevBusyUsec = scan.hostBusyUsec;
    this.#prevTotalUsec = scan.hostTotalUsec;

    // Per-cgroup CPU deltas.
    const deltas = new Array<bigint>(n);
    const childSums = new Map<string, bigint>();
    for (let i = 0; i < n; i++) {
      const c = cgroups[i];
      const key = c.identity.cgroup;
      const usage = c.usageUsec;
      const memo = this.#usage.get(key);
      let d: bigint;
      if (memo === undefined) {
        d = usage < busyUsec ? usage : busyUsec;
        this.#usage.set(key, { usageUsec: usage, lastSeenNs: nowNs });
      } else {
        if (usage >= memo.usageUsec) {
          d = usage - memo.usageUsec;
        } else {
          this.#cgroupResets++;
          d = usage < busyUsec ? usage : busyUsec;
        }
        memo.usageUsec = usage;
        memo.lastSeenNs = nowNs;
      }
      if (d < 0n) d = 0n;
      deltas[i] = d;
      if (c.parent !== null) childSums.set(c.parent, (childSums.get(c.parent) ?? 0n) + d);
    }

    // Exclusive weights, bucketed: own slot, or (other).
    const keys: string[] = [];
    const weights: bigint[] = [];
    let otherWeight = 0n;
    let trackedSum = 0n;
    for (let i = 0; i < n; i++) {
      const key = cgroups[i].identity.cgroup;
      let w = deltas[i] - (childSums.get(key) ?? 0n);
      if (w < 0n) w = 0n;
      trackedSum += w;
      if (slotted[i]) {
        keys.push(key);
        weights.push(w);
      } else {
        otherWeight += w;
      }
    }
    if (overCapNow > 0) {
      keys.push(OTHER_BUCKET);
      weights.push(otherWeight);
    }
    const systemWeight = busyUsec > trackedSum ? busyUsec - trackedSum : 0n;
    keys.push(SYSTEM_BUCKET);
    weights.push(systemWeight);
    const idleWeight = totalUsec - busyUsec;
    const activeWeight = busyUsec > trackedSum ? busyUsec : trackedSum;

    // Energy deltas, split per domain.
    const seen = new Set<string>();
    for (const [name, uj] of Object.entries(energy.domains)) {
      seen.add(name);
      const prev = this.#prevEnergy.get(name);
      this.#prevEnergy.set(name, uj);
      if (prev === undefined) continue;
      if (uj < prev) {
        this.#domainResets++;
        continue;
      }
      this.#attribute(name, uj - prev, keys, weights, idleWeight, activeWeight);
    }
    for (const name of this.#prevEnergy.keys()) {
      if (!seen.has(name)) this.#prevEnergy.delete(name);
    }

    this.#intervals++;
    this.#monoNs = energy.monoNs;
    this.#timeMs = energy.timeMs;
    this.#expire(nowNs);
  }

  /**
   * A snapshot of the exact totals: plain objects that share nothing with the attributor.
   *
   * @returns Per domain, the host energy attributed and each bucket's part of it; the identity
   *   of every workload bucket present.
   */
  totals(): WorkloadTotals {
    const domains: [string, DomainWorkloadTotals][] = [];
    for (const [name, state] of this.#domains) {
      domains.push([name, { hostUj: state.hostUj, buckets: Object.fromEntries(state.buckets) }]);
    }
    const workloads: [string, WorkloadIdentity][] = [];
    for (const [key, slot] of this.#slots) {
      for (const state of this.#domains.values()) {
        if (state.buckets.has(key)) {
          workloads.push([key, { ...slot.identity }]);
          break;
        }
      }
    }
    return {
      instance: this.instance,
      monoNs: this.#monoNs,
      timeMs: this.#timeMs,
      policy: this.policy,
      intervals: this.#intervals,
      domains: Object.fromEntries(domains),
      workloads: Object.fromEntries(workloads),
    };
  }

  /**
   * Counters for the governor's statistics.
   *
   * @returns A fresh object.
   */
  stats(): WorkloadAttributorStats {
    return {
      intervals: this.#intervals,
      workloads: this.#slots.size,
      overCap: this.#overCapNow,
      overCapSeen: this.#overCapSeen,
      cgroupResets: this.#cgroupResets,
      domainResets: this.#domainResets,
      hostCpuResets: this.#hostCpuResets,
      cgroupsDropped: this.#cgroupsDropped,
    };
  }

  #attribute(
    name: string,
    deltaUj: bigint,
    keys: readonly string[],
    weights: readonly bigint[],
    idleWeight: bigint,
    activeWeight: bigint,
  ): void {
    let state = this.#domains.get(name);
    if (state === undefined) {
      state = { hostUj: 0n, buckets: new Map() };
      this.#domains.set(name, state);
    }
    state.hostUj += deltaUj;
    const buckets = state.buckets;
    let activeUj = deltaUj;
    if (this.policy === "idle") {
      const halves = splitExact(deltaUj, [idleWeight, activeWeight]);
      if (halves === null) {
        credit(buckets, IDLE_BUCKET, deltaUj);
        return;
      }
      credit(buckets, IDLE_BUCKET, halves[0]);
      activeUj = halves[1];
    }
    const parts = splitExact(activeUj, weights);
    if (parts === null) {
      // Nothing ran. (Under `idle` the weights sum to activeWeight, so activeUj is 0 here.)
      credit(buckets, IDLE_BUCKET, activeUj);
      return;
    }
    for (let i = 0; i < parts.length; i++) credit(buckets, keys[i], parts[i]);
  }

  /** Forgets readings and drops workloads unseen for longer than the grace period. */
  #expire(nowNs: bigint): void {
    const graceNs = this.#graceNs;
    for (const [key, memo] of this.#usage) {
      if (nowNs - memo.lastSeenNs > graceNs) {
        this.#usage.delete(key);
        this.#overCapKnown.delete(key);
      }
    }
    for (const [key, slot] of this.#slots) {
      if (nowNs - slot.lastSeenNs <= graceNs) continue;
      this.#slots.delete(key);
      this.#cgroupsDropped++;
      for (const state of this.#domains.values()) {
        const uj = state.buckets.get(key);
        if (uj === undefined) continue;
        state.buckets.delete(key);
        credit(state.buckets, OTHER_BUCKET, uj);
      }
    }
  }
}

function credit(buckets: Map<string, bigint>, key: string, uj: bigint): void {
  buckets.set(key, (buckets.get(key) ?? 0n) + uj);
}
