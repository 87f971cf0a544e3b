/**
 * Cron period records (pure): from the previous report's state and a fresh governor reading,
 * decide what the next host emission record covers. Periods tile time exactly (each starts at
 * the previous one's end); a governor restart or counter reset is recorded as an event and never
 * becomes negative or doubled energy.
 *
 * @module
 */

import { tryParseRfc3339 } from "../base/rfc3339.ts";
import type { WorkloadReportState } from "./workloads/workload_period.ts";

/**
 * One record of a period being appended by `report --by` (kept in the state until the period is
 * saved, so that a run after a crash appends exactly the records that are missing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PendingRecord } from "./report_period.ts";
 * const r: PendingRecord = {
 *   part: "tenant",
 *   tenant: "shop",
 *   kwh_units: "5",
 *   allocation: { rule: "cpu_time_share", ratio: "0.5" },
 *   labels: { report_id: "x", tenant: "shop" },
 * };
 * assert.equal(r.part, "tenant");
 * ```
 */
export interface PendingRecord {
  /** `host` (the period's host record) or `tenant`. */
  readonly part: "host" | "tenant";
  /** Tenant key, for `tenant` records. */
  readonly tenant?: string;
  /** The record's energy in units of 1e-12 kWh (decimal string; parts sum to the host's). */
  readonly kwh_units: string;
  /** The record's allocation. */
  readonly allocation: { readonly rule: "whole_host" | "cpu_time_share"; readonly ratio?: string };
  /** The record's labels (report_id included). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Every record of a period being appended by `report --by`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PendingPeriod } from "./report_period.ts";
 * const p: PendingPeriod = {
 *   start: "2026-01-01T00:00:00.000Z",
 *   end: "2026-01-01T00:15:00.000Z",
 *   source: "sim",
 *   assumptions: [],
 *   records: [],
 * };
 * assert.equal(p.records.length, 0);
 * ```
 */
export interface PendingPeriod {
  /** Period start and end, RFC 3339. */
  readonly start: string;
  readonly end: string;
  /** Governor source kind (the records' evidence). */
  readonly source: string;
  /** Assumptions written into every record. */
  readonly assumptions: readonly string[];
  /** The records, host first. */
  readonly records: readonly PendingRecord[];
}

/**
 * What the report remembers between runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReportState } from "./report_period.ts";
 * import { parseReportState } from "./report_period.ts";
 * const state: ReportState = {
 *   v: 1,
 *   instance: "a",
 *   total_uj: "3600000000",
 *   time: "2026-01-01T00:00:00.000Z",
 *   events: 0,
 * };
 * assert.deepEqual(parseReportState(JSON.stringify(state)), state);
 * ```
 */
export interface ReportState {
  /** Format version. */
  readonly v: 1;
  /** Governor instance of the last reading. */
  readonly instance: string;
  /** Governor host total at the last reading, uJ (decimal string). */
  readonly total_uj: string;
  /** Governor time of the last reading, RFC 3339 (the end of the last period). */
  readonly time: string;
  /** Resets + discarded samples + stalls over host domains at the last reading. */
  readonly events: number;
  /**
   * `report --by`: per-bucket totals of the last reading (then `total_uj` and `time` are the
   * attributed host total and the attribution's time). Absent for host-only reports.
   */
  readonly workloads?: WorkloadReportState;
  /**
   * A period being appended (crash safety): adopted if the ledger has its record; with
   * `records` (`report --by`), the missing ones are appended first.
   */
  readonly pending?: {
    readonly id: string;
    readonly state: Omit<ReportState, "pending">;
    readonly records?: PendingPeriod;
  };
}

/**
 * The governor reading a report needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReportReading } from "./report_period.ts";
 * import { planPeriod } from "./report_period.ts";
 * const reading: ReportReading = {
 *   instance: "a",
 *   continues: null,
 *   hostTotalUj: 42n,
 *   time: "2026-01-01T00:00:00.000Z",
 *   events: 0,
 * };
 * assert.equal(planPeriod(null, reading, { minPeriodS: 60 }).kind, "baseline"); // first run
 * ```
 */
export interface ReportReading {
  /** Governor instance id. */
  readonly instance: string;
  /** Instance whose persisted totals this one continues, or null. */
  readonly continues: string | null;
  /** Host total, uJ. */
  readonly hostTotalUj: bigint;
  /** Governor time of the reading, RFC 3339. */
  readonly time: string;
  /** Resets + discarded samples + stalls over host domains. */
  readonly events: number;
}

/**
 * The decision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PeriodPlan } from "./report_period.ts";
 * import { planPeriod } from "./report_period.ts";
 * const r = (time: string, hostTotalUj: bigint) => ({ instance: "a", continues: null, hostTotalUj, time, events: 0 });
 * const first = planPeriod(null, r("2026-01-01T00:00:00.000Z", 0n), { minPeriodS: 60 });
 * const state = first.kind === "baseline" ? first.state : null;
 * const soon: PeriodPlan = planPeriod(state, r("2026-01-01T00:00:30.000Z", 5n), { minPeriodS: 60 });
 * assert.equal(soon.kind, "skip"); // 30 s is shorter than the 60 s minimum
 * ```
 */
export type PeriodPlan =
  | { readonly kind: "baseline"; readonly state: ReportState; readonly message: string }
  | { readonly kind: "skip"; readonly message: string }
  | {
    readonly kind: "period";
    /** Start (= previous end) and end, RFC 3339. */
    readonly startTs: string;
    readonly endTs: string;
    /** Energy of the period, uJ (>= 0). */
    readonly energyUj: bigint;
    /** Restarts, resets and similar, in words. */
    readonly events: readonly string[];
    /** State after the period. */
    readonly state: ReportState;
  };

function stateOf(r: ReportReading): ReportState {
  return {
    v: 1,
    instance: r.instance,
    total_uj: r.hostTotalUj.toString(),
    time: r.time,
    events: r.events,
  };
}

/**
 * Plans the next record. `minPeriodS`: a period shorter than this is skipped (its time goes into
 * the next period), which is also what makes two simultaneous cron runs append one record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planPeriod } from "./report_period.ts";
 * const r = (time: string, hostTotalUj: bigint) => ({
 *   instance: "a",
 *   continues: null,
 *   hostTotalUj,
 *   time,
 *   events: 0,
 * });
 * const first = planPeriod(null, r("2026-01-01T00:00:00.000Z", 100n), { minPeriodS: 60 });
 * assert.equal(first.kind, "baseline");
 * const state = first.kind === "baseline" ? first.state : null;
 * const next = planPeriod(state, r("2026-01-01T01:00:00.000Z", 3_600_000_100n), {
 *   minPeriodS: 60,
 * });
 * assert.equal(next.kind, "period");
 * assert.equal(next.kind === "period" ? next.energyUj : null, 3_600_000_000n); // 1 kWh
 * ```
 */
export function planPeriod(
  state: ReportState | null,
  reading: ReportReading,
  options: { minPeriodS: number },
): PeriodPlan {
  if (state === null) {
    return {
      kind: "baseline",
      state: stateOf(reading),
      message: `baseline recorded (governor ${reading.instance}); the next run reports the period`,
    };
  }
  const startMs = tryParseRfc3339(state.time)?.epochMs ?? NaN;
  const endMs = tryParseRfc3339(reading.time)?.epochMs ?? NaN;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) {
    throw new RangeError(`unreadable period times '${state.time}' .. '${reading.time}'`);
  }
  const seconds = (endMs - startMs) / 1000;
  if (seconds < options.minPeriodS || seconds <= 0) {
    return {
      kind: "skip",
      message:
        `the last period ended ${seconds.toFixed(3)} s ago (minimum ${options.minPeriodS} s): ` +
        "nothing appended; that time goes into the next period",
    };
  }
  const prevTotal = BigInt(state.total_uj);
  const events: string[] = [];
  let energyUj: bigint;
  const sameCounter = reading.instance === state.instance ||
    reading.continues === state.instance;
  if (sameCounter) {
    if (reading.instance !== state.instance) {
      events.push(
        `governor restarted (${state.instance} -> ${reading.instance}) and continued its ` +
          "persisted totals: energy used while it was down (and since its last save) is not counted",
      );
    }
    if (reading.hostTotalUj >= prevTotal) energyUj = reading.hostTotalUj - prevTotal;
    else {
      energyUj = 0n;
      events.push(
        `governor host total went backwards (${prevTotal} -> ${reading.hostTotalUj} uJ): recorded 0`,
      );
    }
    const newEvents = reading.instance === state.instance ? reading.events - state.events : 0;
    if (newEvents > 0) {
      events.push(
        `${newEvents} counter reset(s), discarded sample(s) or stall(s) during the period: energy across them is not counted`,
      );
    }
  } else if (reading.continues === null) {
    energyUj = reading.hostTotalUj;
    events.push(
      `governor restarted (${state.instance} -> ${reading.instance}): energy between the last ` +
        "reading of the old instance and the start of the new one is not measured; this period " +
        "counts the new instance's total only",
    );
  } else {
    energyUj = 0n;
    events.push(
      `governor restarted (${state.instance} -> ${reading.instance}) continuing totals of another ` +
        `instance (${reading.continues}): energy of this period cannot be separated; recorded 0`,
    );
  }
  return {
    kind: "period",
    startTs: state.time,
    endTs: reading.time,
    energyUj,
    events,
    state: stateOf(reading),
  };
}

/**
 * Parses a state file's JSON; throws `SyntaxError` naming what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseReportState } from "./report_period.ts";
 * const s = parseReportState(
 *   '{"v":1,"instance":"a","total_uj":"5","time":"2026-01-01T00:00:00.000Z","events":0}',
 * );
 * assert.equal(s.total_uj, "5");
 * assert.equal(s.instance, "a");
 * ```
 */
export function parseReportState(text: string): ReportState {
  const o = JSON.parse(text) as Record<string, unknown>;
  const check = (s: Record<string, unknown>, where: string) => {
    if (s.v !== 1) throw new SyntaxError(`${where}: v must be 1`);
    if (typeof s.instance !== "string") throw new SyntaxError(`${where}: instance missing`);
    if (typeof s.total_uj !== "string" || !/^\d{1,40}$/.test(s.total_uj)) {
      throw new SyntaxError(`${where}: total_uj must be a decimal string`);
    }
    if (typeof s.time !== "string" || tryParseRfc3339(s.time) === null) {
      throw new SyntaxError(`${where}: time must be RFC 3339`);
    }
    if (typeof s.events !== "number") throw new SyntaxError(`${where}: events missing`);
    if (s.workloads !== undefined) checkWorkloads(s.workloads, `${where}.workloads`);
  };
  check(o, "state");
  if (o.pending !== undefined) {
    const p = o.pending as Record<string, unknown>;
    if (typeof p.id !== "string" || typeof p.state !== "object" || p.state === null) {
      throw new SyntaxError("state.pending: id and state required");
    }
    check(p.state as Record<string, unknown>, "state.pending.state");
    if (p.records !== undefined) checkPendingPeriod(p.records);
  }
  return o as unknown as ReportState;
}

const DECIMAL = /^\d{1,40}$/;

function checkWorkloads(w: unknown, where: string): void {
  const o = w as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new SyntaxError(`${where} must be an object`);
  if (typeof o.instance !== "string") throw new SyntaxError(`${where}.instance missing`);
  if (typeof o.intervals !== "number") throw new SyntaxError(`${where}.intervals missing`);
  if (typeof o.policy !== "string") throw new SyntaxError(`${where}.policy missing`);
  if (typeof o.domains !== "object" || o.domains === null) {
    throw new SyntaxError(`${where}.domains missing`);
  }
  for (const [d, v] of Object.entries(o.domains)) {
    const dom = v as { host_uj?: unknown; buckets?: unknown };
    if (typeof dom.host_uj !== "string" || !DECIMAL.test(dom.host_uj)) {
      throw new SyntaxError(`${where}.domains.${d}.host_uj must be a decimal string`);
    }
    if (typeof dom.buckets !== "object" || dom.buckets === null) {
      throw new SyntaxError(`${where}.domains.${d}.buckets missing`);
    }
    for (const [b, uj] of Object.entries(dom.buckets)) {
      if (typeof uj !== "string" || !DECIMAL.test(uj)) {
        throw new SyntaxError(`${where}.domains.${d}.buckets["${b}"] must be a decimal string`);
      }
    }
  }
}

function checkPendingPeriod(p: unknown): void {
  const o = p as Record<string, unknown>;
  const where = "state.pending.records";
  if (typeof o !== "object" || o === null) throw new SyntaxError(`${where} must be an object`);
  for (const k of ["start", "end", "source"]) {
    if (typeof o[k] !== "string") throw new SyntaxError(`${where}.${k} missing`);
  }
  if (!Array.isArray(o.assumptions) || !Array.isArray(o.records)) {
    throw new SyntaxError(`${where}: assumptions and records must be arrays`);
  }
  for (const [i, r] of (o.records as Record<string, unknown>[]).entries()) {
    if (
      (r.part !== "host" && r.part !== "tenant") || typeof r.kwh_units !== "string" ||
      !DECIMAL.test(r.kwh_units) || typeof r.labels !== "object" || r.labels === null ||
      typeof r.allocation !== "object" || r.allocation === null
    ) {
      throw new SyntaxError(`${where}.records[${i}] is not a valid record`);
    }
  }
}
