/**
 * Wrap-safe, exact energy accounting. Pure: the caller supplies each frame of raw samples with
 * its monotonic time; nothing here reads files, clocks or random numbers.
 *
 * Rules per domain (raw counts are bigint, converted to microjoules only when reported):
 * - forward step: `delta = cur - prev`, accepted when its energy is at most
 *   `maxPowerWatts x elapsed`, otherwise implausible (discarded, counted, re-based on `cur`);
 * - backward step: a wrap (`delta = wrapModulus - prev + cur`) when that delta is plausible
 *   for the elapsed time (the previous value was near the top of the range), otherwise a reset
 *   (counted; counting restarts from `cur`; the interval is not covered);
 * - a read error keeps the previous baseline, so the next valid sample covers the gap, unless
 *   the gap is so long that `maxPowerWatts` could have wrapped the counter in it: then the
 *   delta is ambiguous (discarded, counted, re-based);
 * - unchanged for `stallTicks` ticks in which some other domain moved: a stall (reported, no
 *   energy invented, the stalled time is not covered).
 *
 * @module
 */

import type { DomainInfo, DomainSample } from "./energy_source.ts";
import type { EnergyModelDetails } from "../../base/energy_evidence.ts";
import type { PersistedState } from "./persisted_state.ts";

/**
 * Options of {@link Accumulator}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AccumulatorOptions } from "./accumulator.ts";
 * import { Accumulator } from "./accumulator.ts";
 * const options: AccumulatorOptions = {
 *   instance: "00000000-0000-4000-8000-000000000001",
 *   source: "sysfs",
 *   restored: {
 *     v: 1,
 *     instance: "00000000-0000-4000-8000-000000000000",
 *     savedAtMs: 0,
 *     domains: { "package-0": { totalUj: "500", wraps: 0, resets: 0, discarded: 0 } },
 *   },
 * };
 * const acc = new Accumulator([{
 *   name: "package-0", kind: "package", parent: null, inHostTotal: true,
 *   wrapModulus: 1000n, ujPerRaw: { num: 1n, den: 1n }, origin: "test", note: null,
 * }], options);
 * assert.equal(acc.snapshot().hostTotalUj, 500n); // continues the restored total
 * assert.equal(acc.snapshot().continues, "00000000-0000-4000-8000-000000000000");
 * ```
 */
export interface AccumulatorOptions {
  /** Random UUID of this daemon run, included in every snapshot (required, injected). */
  readonly instance: string;
  /** Source kind, reported in snapshots (default `"sim"`). */
  readonly source?: "sysfs" | "msr" | "sim" | "instance";
  /**
   * `instance` source only: the model whose modelled energy the totals are, asked at each
   * snapshot (default none: no `model` in snapshots).
   */
  readonly model?: () => EnergyModelDetails;
  /** Monotonic start time in ns; coverage is measured from here (default: first frame). */
  readonly startMonoNs?: bigint;
  /** Per-domain power above which a delta is implausible (default 5000 W). */
  readonly maxPowerWatts?: number;
  /** Unchanged ticks (while another domain moved) before a stall is reported (default 20). */
  readonly stallTicks?: number;
  /** Totals from a previous run to continue from (default none). */
  readonly restored?: PersistedState | null;
}

/**
 * Per-domain figures in a snapshot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DomainTotals } from "./accumulator.ts";
 * const totals: DomainTotals = {
 *   totalUj: 3_600_000_000n,
 *   deltaUj: 39_000n,
 *   wraps: 1,
 *   resets: 0,
 *   discarded: 0,
 *   readErrors: 0,
 *   stalls: 0,
 *   stalled: false,
 *   coverage: 1,
 *   lastError: null,
 * };
 * assert.equal(Number(totals.totalUj) / 3.6e9, 1); // watt-hours
 * ```
 */
export interface DomainTotals {
  /** Energy since counting began (including restored totals), microjoules. */
  readonly totalUj: bigint;
  /** Energy added by the last frame, microjoules. */
  readonly deltaUj: bigint;
  /** Counter wraps handled. */
  readonly wraps: number;
  /** Counter resets seen (energy across them is not counted). */
  readonly resets: number;
  /** Samples discarded: a delta above the maximum power, or after a gap that could hide wraps. */
  readonly discarded: number;
  /** Failed reads (the baseline is kept; the next valid sample covers the gap). */
  readonly readErrors: number;
  /** Stall episodes seen. */
  readonly stalls: number;
  /** Whether the counter is stalled now. */
  readonly stalled: boolean;
  /** Share of monotonic time since start covered by accepted samples, 0..1. */
  readonly coverage: number;
  /** Last read error message, or null when the last read succeeded. */
  readonly lastError: string | null;
}

/**
 * Everything a client needs from one point in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Snapshot } from "./accumulator.ts";
 * import { Accumulator } from "./accumulator.ts";
 * const acc = new Accumulator([{
 *   name: "psys", kind: "psys", parent: null, inHostTotal: true,
 *   wrapModulus: 1n << 32n, ujPerRaw: { num: 1n, den: 1n }, origin: "test", note: null,
 * }], { instance: "i" });
 * acc.apply([{ name: "psys", raw: 100n }], { monoNs: 0n, timeMs: 0 });
 * acc.apply([{ name: "psys", raw: 300n }], { monoNs: 1_000_000n, timeMs: 1 });
 * const snap: Snapshot = acc.snapshot();
 * assert.equal(snap.frames, 2);
 * assert.equal(snap.hostTotalUj, 200n);
 * assert.deepEqual(snap.hostTotalDomains, ["psys"]);
 * ```
 */
export interface Snapshot {
  /** This run's instance id. */
  readonly instance: string;
  /** Instance whose persisted totals this run continues, or null when totals started at 0. */
  readonly continues: string | null;
  /** Source kind. */
  readonly source: "sysfs" | "msr" | "sim" | "instance";
  /** `instance` source only: the model behind the (modelled) totals. */
  readonly model?: EnergyModelDetails;
  /** Monotonic time of the last frame (ns). */
  readonly monoNs: bigint;
  /** Wall-clock time of the last frame (epoch ms). */
  readonly timeMs: number;
  /** Frames applied. */
  readonly frames: number;
  /** Figures per domain, in source order. */
  readonly domains: Readonly<Record<string, DomainTotals>>;
  /** Sum of `totalUj` over domains flagged `inHostTotal`. */
  readonly hostTotalUj: bigint;
  /** Names of the domains summed into `hostTotalUj`. */
  readonly hostTotalDomains: readonly string[];
}

interface DomainState {
  readonly info: DomainInfo;
  baseUj: bigint;
  rawSum: bigint;
  totalUj: bigint;
  deltaUj: bigint;
  prevRaw: bigint | null;
  prevNs: bigint | null;
  wraps: number;
  resets: number;
  discarded: number;
  readErrors: number;
  stalls: number;
  stalled: boolean;
  unchangedTicks: number;
  pendingNs: bigint;
  coveredNs: bigint;
  lastError: string | null;
}

/**
 * What happened to one domain in one frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SampleOutcome } from "./accumulator.ts";
 * import { Accumulator } from "./accumulator.ts";
 * const acc = new Accumulator([{
 *   name: "package-0", kind: "package", parent: null, inHostTotal: true,
 *   wrapModulus: 1000n, ujPerRaw: { num: 1n, den: 1n }, origin: "test", note: null,
 * }], { instance: "i", maxPowerWatts: 0.001 }); // at most 100 uJ per 100 ms step
 * const seen: SampleOutcome[] = [];
 * for (const [raw, ms] of [[900n, 0], [950n, 100], [20n, 200], [500n, 300]] as const) {
 *   const at = { monoNs: BigInt(ms) * 1_000_000n, timeMs: ms };
 *   seen.push(acc.apply([{ name: "package-0", raw }], at)["package-0"]);
 * }
 * assert.deepEqual(seen, ["first", "ok", "wrap", "implausible"]);
 * ```
 */
export type SampleOutcome =
  | "first"
  | "ok"
  | "wrap"
  | "reset"
  | "implausible"
  | "error"
  | "unchanged"
  | "ambiguous";

/**
 * Per-domain exact energy totals across wraps, resets, implausible deltas, errors and stalls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Accumulator } from "./accumulator.ts";
 * const acc = new Accumulator([{
 *   name: "package-0", kind: "package", parent: null, inHostTotal: true,
 *   wrapModulus: 1000n, ujPerRaw: { num: 1n, den: 1n }, origin: "test", note: null,
 * }], { instance: "00000000-0000-4000-8000-000000000000", maxPowerWatts: 0.001 });
 * acc.apply([{ name: "package-0", raw: 990n }], { monoNs: 0n, timeMs: 0 });
 * acc.apply([{ name: "package-0", raw: 10n }], { monoNs: 100_000_000n, timeMs: 100 });
 * const domain = acc.snapshot().domains["package-0"];
 * assert.equal(domain.totalUj, 20n); // 990 -> 10 across one wrap of 1000
 * assert.equal(domain.wraps, 1);
 * ```
 */
export class Accumulator {
  readonly #domains: DomainState[];
  readonly #byName = new Map<string, DomainState>();
  readonly #instance: string;
  readonly #continues: string | null;
  readonly #source: "sysfs" | "msr" | "sim" | "instance";
  readonly #model: (() => EnergyModelDetails) | null;
  #maxPowerMw: bigint;
  #stallTicks: number;
  #startNs: bigint | null;
  #lastNs = 0n;
  #lastMs = 0;
  #frames = 0;
  #cached: Snapshot | null = null;

  /**
   * Creates an accumulator with zero totals (or restored ones) for `domains`.
   *
   * @param domains The source's domains (fixed).
   * @param options See {@link AccumulatorOptions}.
   */
  constructor(domains: readonly DomainInfo[], options: AccumulatorOptions) {
    this.#instance = options.instance;
    this.#source = options.source ?? "sim";
    this.#model = options.model ?? null;
    this.#startNs = options.startMonoNs ?? null;
    this.#maxPowerMw = toMilliwatts(options.maxPowerWatts ?? 5000);
    this.#stallTicks = options.stallTicks ?? 20;
    const restored = options.restored ?? null;
    this.#continues = restored ? restored.instance : null;
    this.#domains = domains.map((info) => {
      if (info.wrapModulus <= 0n || info.ujPerRaw.num <= 0n || info.ujPerRaw.den <= 0n) {
        throw new RangeError(`domain ${info.name}: wrapModulus and ujPerRaw must be positive`);
      }
      const prev = restored?.domains[info.name];
      const baseUj = prev ? BigInt(prev.totalUj) : 0n;
      const state: DomainState = {
        info,
        baseUj,
        rawSum: 0n,
        totalUj: baseUj,
        deltaUj: 0n,
        prevRaw: null,
        prevNs: null,
        wraps: prev?.wraps ?? 0,
        resets: prev?.resets ?? 0,
        discarded: prev?.discarded ?? 0,
        readErrors: 0,
        stalls: 0,
        stalled: false,
        unchangedTicks: 0,
        pendingNs: 0n,
        coveredNs: 0n,
        lastError: null,
      };
      this.#byName.set(info.name, state);
      return state;
    });
  }

  /** Changes the limits that a config reload may change. */
  reconfigure(options: { maxPowerWatts?: number; stallTicks?: number }): void {
    if (options.maxPowerWatts !== undefined) {
      this.#maxPowerMw = toMilliwatts(options.maxPowerWatts);
    }
    if (options.stallTicks !== undefined) this.#stallTicks = options.stallTicks;
  }

  /**
   * Applies one frame of samples taken at `at.monoNs`. Domains missing from `samples` count as
   * read errors. Returns what happened to each domain, by name.
   */
  apply(
    samples: readonly DomainSample[],
    at: { monoNs: bigint; timeMs: number },
  ): Record<string, SampleOutcome> {
    if (this.#startNs === null) this.#startNs = at.monoNs;
    const outcomes: Record<string, SampleOutcome> = {};
    let anyMoved = false;
    for (let i = 0; i < this.#domains.length; i++) {
      const d = this.#domains[i];
      const name = d.info.name;
      // sources return samples in domain order; look the name up only when they do not
      let s: DomainSample | undefined = samples[i];
      if (s === undefined || s.name !== name) s = samples.find((x) => x.name === name);
      const o = this.#step(d, s ?? { name, error: "no sample in frame" }, at.monoNs);
      outcomes[name] = o;
      if (o === "ok" || o === "wrap") anyMoved = true;
    }
    for (const d of this.#domains) this.#stallCheck(d, outcomes[d.info.name], anyMoved);
    this.#lastNs = at.monoNs;
    this.#lastMs = at.timeMs;
    this.#frames++;
    this.#cached = null;
    return outcomes;
  }

  #step(d: DomainState, s: DomainSample, nowNs: bigint): SampleOutcome {
    d.deltaUj = 0n;
    if (s.error !== undefined || s.raw < 0n || s.raw >= d.info.wrapModulus) {
      d.readErrors++;
      d.lastError = s.error ?? `value ${s.raw} outside 0..${d.info.wrapModulus - 1n}`;
      return "error";
    }
    d.lastError = null;
    const cur = s.raw;
    const prev = d.prevRaw;
    const prevNs = d.prevNs;
    d.prevRaw = cur;
    d.prevNs = nowNs;
    if (prev === null || prevNs === null) return "first";
    const elapsedNs = nowNs > prevNs ? nowNs - prevNs : 0n;
    const limitUj = (this.#maxPowerMw * elapsedNs) / 1_000_000n;
    const { num, den } = d.info.ujPerRaw;
    const plausible = (raw: bigint) => (raw * num) / den <= limitUj;
    if (limitUj >= (d.info.wrapModulus * num) / den) {
      // so long since the last valid sample (read errors, a frozen process) that whole wraps
      // could hide in the gap: the energy cannot be determined, so none is claimed
      d.discarded++;
      this.#uncover(d);
      return "ambiguous";
    }
    if (cur === prev) {
      d.pendingNs += elapsedNs;
      return "unchanged";
    }
    if (cur > prev) {
      const delta = cur - prev;
      if (!plausible(delta)) {
        d.discarded++;
        this.#uncover(d);
        return "implausible";
      }
      this.#add(d, delta, elapsedNs);
      return "ok";
    }
    const wrapped = d.info.wrapModulus - prev + cur;
    if (plausible(wrapped)) {
      d.wraps++;
      this.#add(d, wrapped, elapsedNs);
      return "wrap";
    }
    d.resets++;
    this.#uncover(d);
    return "reset";
  }

  #add(d: DomainState, deltaRaw: bigint, elapsedNs: bigint): void {
    d.rawSum += deltaRaw;
    const total = d.baseUj + (d.rawSum * d.info.ujPerRaw.num) / d.info.ujPerRaw.den;
    d.deltaUj = total - d.totalUj;
    d.totalUj = total;
    // Time spent unchanged before this step counts unless it turned into a stall.
    d.coveredNs += (d.stalled ? 0n : d.pendingNs) + elapsedNs;
    d.pendingNs = 0n;
  }

  #uncover(d: DomainState): void {
    if (!d.stalled) d.coveredNs += d.pendingNs;
    d.pendingNs = 0n;
  }

  #stallCheck(d: DomainState, outcome: SampleOutcome, anyMoved: boolean): void {
    if (outcome === "unchanged") {
      if (!anyMoved) return;
      d.unchangedTicks++;
      if (!d.stalled && d.unchangedTicks >= this.#stallTicks) {
        d.stalled = true;
        d.stalls++;
      }
    } else if (outcome !== "error") {
      d.unchangedTicks = 0;
      d.stalled = false;
    }
  }

  /** The current totals, counters and coverage (the same frozen object until the next frame). */
  snapshot(): Snapshot {
    if (this.#cached) return this.#cached;
    const spanNs = this.#startNs === null ? 0n : this.#lastNs - this.#startNs;
    const domains: Record<string, DomainTotals> = {};
    let host = 0n;
    const hostNames: string[] = [];
    for (const d of this.#domains) {
      const covered = d.coveredNs + (d.stalled ? 0n : d.pendingNs);
      domains[d.info.name] = Object.freeze({
        totalUj: d.totalUj,
        deltaUj: d.deltaUj,
        wraps: d.wraps,
        resets: d.resets,
        discarded: d.discarded,
        readErrors: d.readErrors,
        stalls: d.stalls,
        stalled: d.stalled,
        coverage: spanNs > 0n ? Math.min(1, Number((covered * 1_000_000n) / spanNs) / 1e6) : 0,
        lastError: d.lastError,
      });
      if (d.info.inHostTotal) {
        host += d.totalUj;
        hostNames.push(d.info.name);
      }
    }
    return this.#cached = Object.freeze({
      instance: this.#instance,
      continues: this.#continues,
      source: this.#source,
      monoNs: this.#lastNs,
      timeMs: this.#lastMs,
      frames: this.#frames,
      domains: Object.freeze(domains),
      hostTotalUj: host,
      hostTotalDomains: Object.freeze(hostNames),
      ...(this.#model === null ? {} : { model: this.#model() }),
    });
  }

  /** Totals to persist, so the next run can continue them. */
  toState(savedAtMs: number): PersistedState {
    const domains: PersistedState["domains"] = Object.fromEntries(
      this.#domains.map((d) => [d.info.name, {
        totalUj: d.totalUj.toString(),
        wraps: d.wraps,
        resets: d.resets,
        discarded: d.discarded,
      }]),
    );
    return { v: 1, instance: this.#instance, savedAtMs, domains };
  }

  /** Whether `name` is one of the domains. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }
}

function toMilliwatts(watts: number): bigint {
  if (!Number.isFinite(watts) || watts <= 0) {
    throw new RangeError(`maxPowerWatts must be a positive number, got ${watts}`);
  }
  return BigInt(Math.round(watts * 1000));
}
