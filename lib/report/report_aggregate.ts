/**
 * The report's data, gathered in one streaming pass over the ledger lines (pure core): exact
 * totals, breakdowns with intervals, per-day chart buckets, the method statement (factors, PUE
 * profiles, energy evidence, models, data versions, corrections) and the first and last records.
 * Memory grows with the number of distinct groups, days and factors, never with the number of
 * records.
 *
 * @module
 */

import { rfc3339Ms } from "../base/rfc3339.ts";
import { Decimal } from "../ledger/decimal.ts";
import { DecimalSum } from "../ledger/decimal_sum.ts";
import {
  analyticalInterval,
  CellSums,
  CorrelationGroups,
  type GroupSums,
  type Interval,
  recordInterval95,
} from "./total_interval.ts";

type Obj = Record<string, unknown>;

/**
 * One emission record as the records table shows it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RecordRow } from "./report_aggregate.ts";
 * const row: RecordRow = {
 *   seq: 1, start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z", co2eG: "42.5",
 *   lowerG: "30", upperG: "60", confidencePct: 95, energyKwh: "0.1", category: "scope 2 (location)",
 *   region: "FR", factor: "56 gCO2e/kWh Ember 2025 (2024)", pue: "1.2 (site)", evidence: "measured (governor)",
 *   labels: "team=ml", superseded: false,
 * };
 * assert.equal(row.region, "FR");
 * ```
 */
export interface RecordRow {
  /** Sequence number. */
  readonly seq: number;
  /** Activity period start (RFC 3339). */
  readonly start: string;
  /** Activity period end (RFC 3339). */
  readonly end: string;
  /** Grams CO2e (exact decimal string as recorded). */
  readonly co2eG: string;
  /** Interval lower bound, grams, as recorded. */
  readonly lowerG: string;
  /** Interval upper bound, grams, as recorded. */
  readonly upperG: string;
  /** Confidence level of the record's interval, percent. */
  readonly confidencePct: number;
  /** Energy, kWh (exact decimal string). */
  readonly energyKwh: string;
  /** `scope 2 (location)`, `scope 3 category 1`, ... */
  readonly category: string;
  /** Factor region. */
  readonly region: string;
  /** The factor: value, unit, dataset, version and data year. */
  readonly factor: string;
  /** PUE value and source. */
  readonly pue: string;
  /** Energy evidence class and source, e.g. `measured (governor)`. */
  readonly evidence: string;
  /** Labels as `k=v, ...`. */
  readonly labels: string;
  /** True when a correction supersedes it (excluded from totals). */
  readonly superseded: boolean;
}

/**
 * One row of a breakdown: exact sums, record count and the 95% interval (analytical, with
 * correlated records grouped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BreakdownRow } from "./report_aggregate.ts";
 * const r: BreakdownRow = { group: "FR", records: 2, co2eG: "20", energyKwh: "0.3", interval: { centralG: 20, lowerG: 16, upperG: 26 } };
 * assert.equal(r.interval.centralG, Number(r.co2eG));
 * ```
 */
export interface BreakdownRow {
  /** The group's name. */
  readonly group: string;
  /** Emission records (not superseded). */
  readonly records: number;
  /** Exact sum of `co2e_g`. */
  readonly co2eG: string;
  /** Exact sum of `energy_kwh`. */
  readonly energyKwh: string;
  /** 95% interval of the group's total. */
  readonly interval: Interval;
}

/**
 * A breakdown table: the dimension (`month`, `category`, `region`, `evidence`, `label:KEY`)
 * and its rows in group order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Breakdown } from "./report_aggregate.ts";
 * const b: Breakdown = { dimension: "region", rows: [] };
 * assert.equal(b.dimension, "region");
 * ```
 */
export interface Breakdown {
  /** The dimension. */
  readonly dimension: string;
  /** Rows sorted by group. */
  readonly rows: readonly BreakdownRow[];
}

/**
 * One day of activity for the charts: grams per group of every dimension, and the cumulative
 * total up to the end of that day with its 95% interval (analytical, correlated groups).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DayBucket } from "./report_aggregate.ts";
 * const d: DayBucket = { day: 20454, co2eG: 5, byDimension: new Map(), cumulative: { centralG: 5, lowerG: 4, upperG: 7 } };
 * assert.equal(new Date(d.day * 86_400_000).toISOString().slice(0, 10), "2026-01-01");
 * ```
 */
export interface DayBucket {
  /** Days since 1970-01-01 (UTC) of the activity start. */
  readonly day: number;
  /** Grams that day. */
  co2eG: number;
  /** dimension -> group -> grams. */
  readonly byDimension: Map<string, Map<string, number>>;
  /** Cumulative total to the end of the day, with its interval. */
  cumulative: Interval;
}

/**
 * A distinct emission factor used, with its records and grams.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FactorUse } from "./report_aggregate.ts";
 * const f: FactorUse = { value: "56", unit: "gCO2e/kWh", dataset: "Ember", version: "2025", year: 2024, region: "FR", basis: "lifecycle", instrument: "grid_average", gwpSet: "IPCC AR6 GWP100", licence: "CC-BY-4.0", records: 1, co2eG: 3 };
 * assert.equal(f.region, "FR");
 * ```
 */
export interface FactorUse {
  /** Value as recorded. */
  readonly value: string;
  /** Unit. */
  readonly unit: string;
  /** Dataset (the source). */
  readonly dataset: string;
  /** Dataset version. */
  readonly version: string;
  /** Data year. */
  readonly year: number | string;
  /** Region. */
  readonly region: string;
  /** lifecycle / direct_combustion. */
  readonly basis: string;
  /** grid_average / contractual / residual_mix (or "" when not recorded). */
  readonly instrument: string;
  /** GWP set (or ""). */
  readonly gwpSet: string;
  /** Licence as the record carries it, or "" when the record does not say. */
  readonly licence: string;
  /** Records that used it. */
  records: number;
  /** Grams from those records. */
  co2eG: number;
}

/**
 * Everything the report needs from the ledger lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReportAggregator } from "./report_aggregate.ts";
 * const data = new ReportAggregator().finish();
 * assert.equal(data.emissions, 0);
 * assert.equal(data.totalCo2eG, "0");
 * ```
 */
export interface ReportData {
  /** Origin from the genesis record, or null. */
  readonly origin: string | null;
  /** Lines read. */
  readonly lines: number;
  /** Records per type. */
  readonly byType: Readonly<Record<string, number>>;
  /** Emission records counted (not superseded). */
  readonly emissions: number;
  /** Lines the report could not read (the verdict says why). */
  readonly unreadable: number;
  /** Emission records superseded by corrections. */
  readonly superseded: number;
  /** Earliest activity start and latest end (RFC 3339), or null. */
  readonly period: { readonly start: string; readonly end: string } | null;
  /** Exact total grams (operational). */
  readonly totalCo2eG: string;
  /** Exact total energy, kWh. */
  readonly totalEnergyKwh: string;
  /** Correlation groups of the total (for its interval). */
  readonly totalGroups: readonly GroupSums[];
  /** Embodied emissions where records carry `body.embodied`, else null. */
  readonly embodied: { records: number; co2eG: string; groups: readonly GroupSums[] } | null;
  /** Number of correlation groups. */
  readonly correlationGroups: number;
  /** Breakdowns: month, category, region, evidence, then each label key. */
  readonly breakdowns: readonly Breakdown[];
  /** Days with activity, ascending. */
  readonly days: readonly DayBucket[];
  /** Distinct emission factors, by grams descending. */
  readonly factors: readonly FactorUse[];
  /** PUE profile (`value (source)`) -> records. */
  readonly pueProfiles: ReadonlyMap<string, number>;
  /** Energy source (`activity.source`, simulated marked) -> records. */
  readonly energySources: ReadonlyMap<string, number>;
  /** Models and data versions: `tool name version`, datasets and embodied models -> records. */
  readonly versions: ReadonlyMap<string, number>;
  /** Uncertainty method -> records. */
  readonly uncertaintyMethods: ReadonlyMap<string, number>;
  /** Corrections (at most 200 listed) and their count. */
  readonly corrections: { readonly listed: readonly CorrectionRow[]; readonly count: number };
  /** The first records (up to the table size). */
  readonly head: readonly RecordRow[];
  /** The last records after `head` (up to the table size). */
  readonly tail: readonly RecordRow[];
}

/**
 * A correction record as the method statement lists it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CorrectionRow } from "./report_aggregate.ts";
 * const c: CorrectionRow = { seq: 9, supersedesSeq: 3, reason: "wrong region" };
 * assert.ok(c.supersedesSeq < c.seq);
 * ```
 */
export interface CorrectionRow {
  /** The correction's seq. */
  readonly seq: number;
  /** The seq it supersedes. */
  readonly supersedesSeq: number;
  /** Its reason. */
  readonly reason: string;
}

const str = (v: unknown, fallback = ""): string =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : fallback;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" ? v as Obj : {});

/** `scope 2 (location)`, `scope 3 category 1`, `scope 1`. */
function categoryOf(body: Obj): string {
  if (body.scope === 3) return `scope 3 category ${str(body.scope3_category, "?")}`;
  if (body.scope === 2) return `scope 2 (${str(body.scope2_method, "location")})`;
  return "scope 1";
}

/** measured / modelled / simulated, from `activity.source` and `activity.simulated`. */
function evidenceOf(activity: Obj): string {
  if (activity.simulated === true) return "simulated";
  return activity.source === "model" ? "modelled" : "measured";
}

interface RowAcc {
  records: number;
  co2e: Decimal;
  energy: Decimal;
  readonly sums: CellSums;
}

const newRow = (): RowAcc => ({
  records: 0,
  co2e: Decimal.ZERO,
  energy: Decimal.ZERO,
  sums: new CellSums(),
});

/**
 * The sums of the records of one class that started on one day (UTC) in one month (as written):
 * exact amounts in scaled integers, taken-out (superseded) amounts apart, interval sums as floats.
 */
interface DayAcc {
  readonly day: number;
  readonly month: string;
  /** Another month's sums on the same day (an activity start written with an offset). */
  next: DayAcc | null;
  records: number;
  readonly co2e: DecimalSum;
  readonly energy: DecimalSum;
  co2eOut: DecimalSum | null;
  energyOut: DecimalSum | null;
  centralG: number;
  lowerG: number;
  upperG: number;
}

/** The embodied sums of the records of one class. */
interface EmbodiedAcc {
  records: number;
  readonly co2e: DecimalSum;
  co2eOut: DecimalSum | null;
  centralG: number;
  lowerG: number;
  upperG: number;
}

/**
 * What the records of one class share: everything the report derives from a record except its
 * amounts, interval and dates (factor, PUE, energy evidence, scope, labels, tool, uncertainty
 * method, confidence level, embodied model). Records are summed per class and day; the
 * breakdowns, charts and method statement are built from the classes in `finish`.
 */
interface RecordClass {
  /** Correlation cell (factor, PUE profile, energy model). */
  readonly cell: string;
  /** [dimension, group] of every breakdown but the month. */
  readonly groups: readonly (readonly [string, string])[];
  readonly factorKey: string;
  readonly factor: FactorUse;
  readonly pueText: string;
  readonly source: string;
  readonly tool: string;
  readonly dataset: string;
  readonly method: string;
  readonly confidencePct: number;
  /** Embodied model, its correlation cell and confidence level (null: no embodied block). */
  readonly embodied: { readonly model: string; readonly cell: string; readonly pct: number } | null;
  readonly byDay: Map<number, DayAcc>;
  /** The day sums in the order they were created. */
  readonly days: DayAcc[];
  readonly embodiedAcc: EmbodiedAcc;
  records: number;
  centralG: number;
}

/** Marks "no embodied block" among a record's class fields. */
const NO_EMBODIED: unique symbol = Symbol("no embodied block");
/** Classes compared field by field before a key is built. */
const RECENT_CLASSES = 8;

/** Exact net sum: what was added less what was taken out. */
function net(plus: DecimalSum, minus: DecimalSum | null): Decimal {
  const d = plus.toDecimal();
  return minus === null ? d : d.add(minus.toDecimal().negate());
}

function checkDecimal(text: string): void {
  if (!Decimal.isDecimal(text)) {
    throw new RangeError(`'${text}' is not an exact decimal string (expected e.g. "12.345")`);
  }
}

/**
 * Options of `ReportAggregator`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AggregateOptions, ReportAggregator } from "./report_aggregate.ts";
 * const options: AggregateOptions = { tableRows: 10 };
 * assert.equal(new ReportAggregator(options).finish().head.length, 0);
 * ```
 */
export interface AggregateOptions {
  /** Records kept for the table at each end: the first N and the last N (default 50). */
  readonly tableRows?: number;
}

/**
 * Gathers the report's data one record at a time: `add` each parsed line in ledger order, then
 * `finish`. A correction's target is taken out again with `retract` (the caller re-reads it:
 * see `report_pass.ts`). Per record it reads the body once, finds the record's class (what it
 * shares with other records: factor, PUE, evidence, scope, labels, ...) and adds its amounts to
 * that class's sums for its day, exactly (scaled integers); nothing is kept per record but the
 * first and last `tableRows` bodies for the records table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReportAggregator } from "./report_aggregate.ts";
 * const agg = new ReportAggregator();
 * const body = {
 *   activity_period: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" },
 *   scope: 2, scope2_method: "location",
 *   activity: { energy_kwh: "0.5", source: "governor" },
 *   emission_factor: { value: "56", unit: "gCO2e/kWh", dataset: "Ember", version: "2025", year: 2024, region: "FR", basis: "lifecycle" },
 *   pue: { value: "1.2", source: "site" },
 *   result: { co2e_g: "33.6", interval: { lower_g: "28", upper_g: "40" }, confidence_level_pct: 95 },
 *   labels: { team: "ml" },
 * };
 * agg.add({ seq: 1, type: "emission", body });
 * agg.add({ seq: 2, type: "emission", body });
 * const data = agg.finish();
 * assert.equal(data.totalCo2eG, "67.2");
 * assert.equal(data.totalGroups.length, 1); // same factor and PUE: one correlated group
 * assert.equal(data.breakdowns.find((b) => b.dimension === "label:team")?.rows[0].group, "ml");
 * ```
 */
export class ReportAggregator {
  readonly #tableRows: number;
  #origin: string | null = null;
  #lines = 0;
  #unreadable = 0;
  #superseded = 0;
  #emissions = 0;
  readonly #byType: Record<string, number> = {};
  #periodStart: { ms: number; text: string } | null = null;
  #periodEnd: { ms: number; text: string } | null = null;
  readonly #groups = new CorrelationGroups();
  readonly #classes = new Map<string, RecordClass>();
  readonly #corrections: CorrectionRow[] = [];
  #correctionCount = 0;
  readonly #head: { seq: number; body: Obj }[] = [];
  /**
   * The last records, a ring: seq, and the body, or (when `add` was given the line) only where
   * the line is, so no record's objects outlive the next few (memory flat, young heap small).
   */
  readonly #tailSeq: Float64Array;
  /** Copies of the tail records' lines (the pass decodes them at the end: no re-read). */
  readonly #tailLine: (Uint8Array | undefined)[] = [];
  readonly #tailBody: (Obj | undefined)[] = [];
  /** The buffers the tail's line copies live in, one per ring slot. */
  readonly #tailBuffers: (Uint8Array | undefined)[] = [];
  readonly #retracted = new Set<number>();
  #tailNext = 0;
  readonly #lastTimes: (string | null)[] = [null, null];
  readonly #lastTimesMs = [0, 0];
  #lastStart = "";
  /** Scratch for the class fields of the record being added. */
  readonly #fields: unknown[] = [];
  /** The classes found last, newest first, with their fields. */
  readonly #recent: { readonly fields: readonly unknown[]; readonly cls: RecordClass }[] = [];
  #lastMonth = "";

  /** A new aggregator. */
  constructor(options: AggregateOptions = {}) {
    this.#tableRows = options.tableRows ?? 50;
    this.#tailSeq = new Float64Array(this.#tableRows);
  }

  /** Counts a line that could not be parsed. */
  unreadable(): void {
    this.#lines++;
    this.#unreadable++;
  }

  /**
   * Adds one record (parsed JSON of a line) in ledger order. Returns the correction target
   * (`{seq, leaf}`) when the record is a correction, for the caller to `retract` later. With
   * `line` (the record's line), the records table's tail keeps a copy of the line's bytes, not
   * the parsed body: the caller decodes those lines (`tailLines`) and gives their bodies to
   * `finish`.
   */
  add(
    record: { seq: number; type: string; body: unknown },
    line?: { readonly bytes: Uint8Array },
  ): { seq: number; leaf: string } | null {
    this.#lines++;
    const type = record.type;
    this.#byType[type] = (this.#byType[type] ?? 0) + 1;
    const body = obj(record.body);
    if (type === "emission") {
      try {
        this.#apply(record.seq, body, 1, line);
      } catch {
        this.#unreadable++; // a malformed body: the verdict names it
      }
      return null;
    }
    if (type === "genesis" && typeof body.origin === "string") this.#origin = body.origin;
    if (type === "correction") {
      const s = obj(body.supersedes);
      this.#correctionCount++;
      if (this.#corrections.length < 200) {
        this.#corrections.push({
          seq: record.seq,
          supersedesSeq: Number(s.seq),
          reason: str(body.reason),
        });
      }
      return typeof s.seq === "number" && typeof s.leaf === "string"
        ? { seq: s.seq, leaf: s.leaf }
        : null;
    }
    return null;
  }

  /** Takes a superseded emission record back out of every sum (the record's body again). */
  retract(seq: number, body: unknown): void {
    try {
      this.#apply(seq, obj(body), -1);
      this.#superseded++;
    } catch {
      // it was not counted either
    }
    this.#retracted.add(seq);
  }

  #apply(
    seq: number,
    body: Obj,
    sign: 1 | -1,
    line?: { readonly bytes: Uint8Array },
  ): void {
    const result = obj(body.result);
    const activity = obj(body.activity);
    const period = obj(body.activity_period);
    const co2eText = str(result.co2e_g);
    const energyText = str(activity.energy_kwh);
    // Everything that can throw comes before any sum changes: a malformed body leaves no trace.
    checkDecimal(co2eText);
    checkDecimal(energyText);
    const embodied = obj(body.embodied);
    const embodiedText = typeof embodied.co2e_g === "string" ? embodied.co2e_g : null;
    if (embodiedText !== null) checkDecimal(embodiedText);
    const start = str(period.start);
    const end = str(period.end);
    const startMs = this.#timeMs(start, 0);
    const endMs = this.#timeMs(end, 1);
    const cls = this.#classOf(body, result, activity, embodied, embodiedText !== null);

    const interval = obj(result.interval);
    const centralG = Number(co2eText);
    let lowerG = typeof interval.lower_g === "string" || typeof interval.lower_g === "number"
      ? Number(interval.lower_g)
      : centralG;
    let upperG = typeof interval.upper_g === "string" || typeof interval.upper_g === "number"
      ? Number(interval.upper_g)
      : centralG;
    if (cls.confidencePct !== 95) {
      const i = recordInterval95({ centralG, lowerG, upperG }, cls.confidencePct);
      lowerG = i.lowerG;
      upperG = i.upperG;
    }
    const day = Math.floor(startMs / 86_400_000);
    // The month as written; a logger's records repeat a start, so its slice is reused.
    if (start !== this.#lastStart) {
      this.#lastStart = start;
      this.#lastMonth = start.slice(0, 7);
    }
    const month = this.#lastMonth;
    let acc = cls.byDay.get(day);
    while (acc !== undefined && acc.month !== month) acc = acc.next ?? undefined;
    if (acc === undefined) {
      acc = {
        day,
        month,
        next: cls.byDay.get(day) ?? null,
        records: 0,
        co2e: new DecimalSum(),
        energy: new DecimalSum(),
        co2eOut: null,
        energyOut: null,
        centralG: 0,
        lowerG: 0,
        upperG: 0,
      };
      cls.byDay.set(day, acc);
      cls.days.push(acc);
    }
    acc.records += sign;
    if (sign > 0) {
      acc.co2e.add(co2eText);
      acc.energy.add(energyText);
    } else {
      (acc.co2eOut ??= new DecimalSum()).add(co2eText);
      (acc.energyOut ??= new DecimalSum()).add(energyText);
    }
    acc.centralG += sign * centralG;
    acc.lowerG += sign * lowerG;
    acc.upperG += sign * upperG;
    cls.records += sign;
    cls.centralG += sign * centralG;
    this.#emissions += sign;

    if (embodiedText !== null) {
      const e = cls.embodiedAcc;
      const c = Number(embodiedText);
      const i = recordInterval95({
        centralG: c,
        lowerG: Number(str(embodied.ci_lower_g, embodiedText)),
        upperG: Number(str(embodied.ci_upper_g, embodiedText)),
      }, cls.embodied!.pct);
      e.records += sign;
      if (sign > 0) e.co2e.add(embodiedText);
      else (e.co2eOut ??= new DecimalSum()).add(embodiedText);
      e.centralG += sign * c;
      e.lowerG += sign * i.lowerG;
      e.upperG += sign * i.upperG;
    }

    if (sign > 0) {
      if (this.#periodStart === null || startMs < this.#periodStart.ms) {
        this.#periodStart = { ms: startMs, text: start };
      }
      if (this.#periodEnd === null || endMs > this.#periodEnd.ms) {
        this.#periodEnd = { ms: endMs, text: end };
      }
      // Rows are built in finish() from the kept bodies: no strings per record here.
      if (this.#head.length < this.#tableRows) this.#head.push({ seq, body });
      else {
        const i = this.#tailNext % this.#tableRows;
        this.#tailSeq[i] = seq;
        this.#tailBody[i] = line === undefined ? body : undefined;
        this.#tailLine[i] = line === undefined ? undefined : this.#keepLine(i, line.bytes);
        this.#tailNext++;
      }
    }
  }

  /**
   * A copy of `bytes` in the ring slot `i`'s own buffer, reused from one record to the next
   * (grown when a line is longer): the tail costs no allocation per record, so nothing it holds
   * is promoted to the old generation and collected there.
   */
  #keepLine(i: number, bytes: Uint8Array): Uint8Array {
    let buffer = this.#tailBuffers[i];
    if (buffer === undefined || buffer.length < bytes.length) {
      buffer = this.#tailBuffers[i] = new Uint8Array(Math.max(bytes.length, 2048));
    }
    buffer.set(bytes);
    return buffer.subarray(0, bytes.length);
  }

  /**
   * `rfc3339Ms`, remembering the last start and end parsed (`slot` 0 and 1): a logger's periods
   * tile time, so a record's start is most often the previous record's end, or, for the records
   * of one period (one per workload), its start.
   */
  #timeMs(text: string, slot: 0 | 1): number {
    const seen = this.#lastTimes;
    if (text === seen[0]) return this.#lastTimesMs[0];
    if (text === seen[1]) return this.#lastTimesMs[1];
    const ms = rfc3339Ms(text);
    seen[slot] = text;
    this.#lastTimesMs[slot] = ms;
    return ms;
  }

  /**
   * The class of a record: found by one key of the fields it shares with others. The fields are
   * first compared with those of the last few classes seen (a logger writes a handful of classes
   * over and over): on a match no key is built; else the key (every field length-prefixed, so
   * equal keys mean equal fields) finds or makes the class.
   */
  #classOf(
    body: Obj,
    result: Obj,
    activity: Obj,
    embodied: Obj,
    hasEmbodied: boolean,
  ): RecordClass {
    const factor = obj(body.emission_factor);
    const pue = obj(body.pue);
    const tool = obj(body.tool);
    const labels = obj(body.labels);
    const f = this.#fields;
    let n = 0;
    f[n++] = factor.dataset;
    f[n++] = factor.version;
    f[n++] = factor.year;
    f[n++] = factor.region;
    f[n++] = factor.value;
    f[n++] = factor.unit;
    f[n++] = factor.basis;
    f[n++] = factor.instrument;
    f[n++] = factor.gwp_set;
    f[n++] = factor.licence ?? factor.license;
    f[n++] = pue.value;
    f[n++] = pue.source;
    f[n++] = activity.source;
    f[n++] = activity.simulated;
    f[n++] = body.scope;
    f[n++] = body.scope2_method;
    f[n++] = body.scope3_category;
    f[n++] = tool.name;
    f[n++] = tool.version;
    f[n++] = result.uncertainty_method;
    f[n++] = result.confidence_level_pct;
    if (hasEmbodied) {
      f[n++] = embodied.model;
      f[n++] = embodied.source;
      f[n++] = embodied.confidence_level_pct;
    } else f[n++] = NO_EMBODIED;
    for (const k in labels) {
      f[n++] = k;
      f[n++] = labels[k];
    }
    const recent = this.#recent;
    for (let r = 0; r < recent.length; r++) {
      const seen = recent[r].fields;
      if (seen.length !== n) continue;
      let same = true;
      for (let i = 0; same && i < n; i++) same = seen[i] === f[i];
      if (same) return recent[r].cls;
    }
    let key = "";
    for (let i = 0; i < n; i++) {
      const v = f[i];
      if (v === NO_EMBODIED) {
        key += "-";
        continue;
      }
      const s = typeof v === "string"
        ? v
        : typeof v === "number"
        ? `#${v}`
        : v === true
        ? "!t"
        : "!";
      key += `${s.length}:${s}`;
    }
    const cls = this.#classes.get(key) ?? this.#newClass(key, body, factor, pue, activity, result, {
      tool,
      embodied: hasEmbodied ? embodied : null,
      labels,
    });
    if (recent.length >= RECENT_CLASSES) recent.pop();
    recent.unshift({ fields: f.slice(0, n), cls });
    return cls;
  }

  #newClass(
    key: string,
    body: Obj,
    factor: Obj,
    pue: Obj,
    activity: Obj,
    result: Obj,
    more: { tool: Obj; embodied: Obj | null; labels: Obj },
  ): RecordClass {
    const region = str(factor.region, "(none)");
    const factorId = `${str(factor.dataset)} ${str(factor.version)} ${str(factor.year)} ${region}`;
    const pueText = `${str(pue.value, "1")} (${str(pue.source, "not recorded")})`;
    const sources = [`factor:${factorId}`, `pue:${pueText}`];
    if (activity.source === "model" || activity.source === "provider_api") {
      sources.push(`energy:${str(activity.source)}`);
    }
    const groups: [string, string][] = [
      ["category", categoryOf(body)],
      ["region", region],
      ["evidence", evidenceOf(activity)],
    ];
    for (const [k, v] of Object.entries(more.labels)) groups.push([`label:${k}`, str(v)]);
    const e = more.embodied;
    const model = e === null ? "" : str(e.model, str(e.source, "embodied"));
    const cls: RecordClass = {
      cell: this.#groups.link(sources),
      groups,
      factorKey: `${factorId}\u0000${str(factor.value)}\u0000${str(factor.basis)}`,
      factor: {
        value: str(factor.value),
        unit: str(factor.unit, "gCO2e/kWh"),
        dataset: str(factor.dataset),
        version: str(factor.version),
        year: typeof factor.year === "number" ? factor.year : str(factor.year),
        region,
        basis: str(factor.basis),
        instrument: str(factor.instrument),
        gwpSet: str(factor.gwp_set),
        licence: str(factor.licence ?? factor.license),
        records: 0,
        co2eG: 0,
      },
      pueText,
      source: `${str(activity.source, "unknown")}${
        activity.simulated === true ? ", simulated" : ""
      }`,
      tool: `tool: ${str(more.tool.name, "?")} ${str(more.tool.version, "?")}`,
      dataset: `dataset: ${str(factor.dataset)} ${str(factor.version)}`,
      method: str(result.uncertainty_method, "not recorded"),
      confidencePct: Number(result.confidence_level_pct ?? 95),
      embodied: e === null ? null : {
        model,
        cell: this.#groups.link([`embodied:${model}`]),
        pct: Number(e.confidence_level_pct ?? 95),
      },
      byDay: new Map(),
      days: [],
      embodiedAcc: {
        records: 0,
        co2e: new DecimalSum(),
        co2eOut: null,
        centralG: 0,
        lowerG: 0,
        upperG: 0,
      },
      records: 0,
      centralG: 0,
    };
    this.#classes.set(key, cls);
    return cls;
  }

  /** Indexes into the tail ring, oldest first. */
  #tailOrder(): number[] {
    const n = this.#tableRows;
    const kept = Math.min(this.#tailNext, n);
    const first = this.#tailNext <= n ? 0 : this.#tailNext % n;
    return Array.from({ length: kept }, (_, k) => (first + k) % n);
  }

  /**
   * The records table's last records that `add` kept only by their line, oldest first: seq and
   * a copy of the line's bytes as read (for the caller to decode and give to `finish`). The copies
   * live in buffers the next `add` reuses: decode them before adding more records.
   */
  tailLines(): { seq: number; bytes: Uint8Array }[] {
    return this.#tailOrder().filter((i) => this.#tailBody[i] === undefined).map((i) => ({
      seq: this.#tailSeq[i],
      bytes: this.#tailLine[i]!,
    }));
  }

  /**
   * The gathered data (the aggregator may go on adding records after it).
   *
   * @param tailBodies Bodies of the `tailLines` records by seq (default none: those rows are
   *   left out).
   */
  finish(tailBodies: ReadonlyMap<number, unknown> = new Map()): ReportData {
    const total = newRow();
    const embodied = newRow();
    const dims = new Map<string, Map<string, RowAcc>>(
      ["month", "category", "region", "evidence"].map((d) => [d, new Map()]),
    );
    const days = new Map<number, DayBucket>();
    const daySums = new Map<number, CellSums>();
    const factors = new Map<string, FactorUse>();
    const pue = new Map<string, number>();
    const sources = new Map<string, number>();
    const versions = new Map<string, number>();
    const methods = new Map<string, number>();
    const count = (map: Map<string, number>, k: string, n: number) => {
      if (n !== 0 || map.has(k)) map.set(k, (map.get(k) ?? 0) + n);
    };
    const rowOfGroup = (dim: string, group: string): RowAcc => {
      let rows = dims.get(dim);
      if (rows === undefined) dims.set(dim, rows = new Map());
      let acc = rows.get(group);
      if (acc === undefined) rows.set(group, acc = newRow());
      return acc;
    };
    for (const cls of this.#classes.values()) {
      for (const a of cls.days) {
        const co2e = net(a.co2e, a.co2eOut);
        const energy = net(a.energy, a.energyOut);
        const sums: GroupSums = {
          records: a.records,
          centralG: a.centralG,
          lowerG: a.lowerG,
          upperG: a.upperG,
        };
        let bucket = days.get(a.day);
        if (bucket === undefined) {
          bucket = {
            day: a.day,
            co2eG: 0,
            byDimension: new Map(),
            cumulative: { centralG: 0, lowerG: 0, upperG: 0 },
          };
          days.set(a.day, bucket);
          daySums.set(a.day, new CellSums());
        }
        bucket.co2eG += a.centralG;
        daySums.get(a.day)!.addCell(cls.cell, sums);
        for (const acc of [total, rowOfGroup("month", a.month)]) {
          acc.records += a.records;
          acc.co2e = acc.co2e.add(co2e);
          acc.energy = acc.energy.add(energy);
          acc.sums.addCell(cls.cell, sums);
        }
        const addToBucket = (dim: string, group: string) => {
          let perGroup = bucket.byDimension.get(dim);
          if (perGroup === undefined) bucket.byDimension.set(dim, perGroup = new Map());
          perGroup.set(group, (perGroup.get(group) ?? 0) + a.centralG);
        };
        addToBucket("month", a.month);
        for (const [dim, group] of cls.groups) {
          const acc = rowOfGroup(dim, group);
          acc.records += a.records;
          acc.co2e = acc.co2e.add(co2e);
          acc.energy = acc.energy.add(energy);
          acc.sums.addCell(cls.cell, sums);
          addToBucket(dim, group);
        }
      }
      const e = cls.embodiedAcc;
      if (cls.embodied !== null) {
        embodied.records += e.records;
        embodied.co2e = embodied.co2e.add(net(e.co2e, e.co2eOut));
        embodied.sums.addCell(cls.embodied.cell, {
          records: e.records,
          centralG: e.centralG,
          lowerG: e.lowerG,
          upperG: e.upperG,
        });
        count(versions, `embodied model: ${cls.embodied.model}`, e.records);
      }
      let f = factors.get(cls.factorKey);
      if (f === undefined) factors.set(cls.factorKey, f = { ...cls.factor });
      f.records += cls.records;
      f.co2eG += cls.centralG;
      count(pue, cls.pueText, cls.records);
      count(sources, cls.source, cls.records);
      count(versions, cls.tool, cls.records);
      count(versions, cls.dataset, cls.records);
      count(methods, cls.method, cls.records);
    }
    for (const map of [pue, sources, versions, methods]) {
      for (const [k, n] of map) if (n <= 0) map.delete(k);
    }
    const rowsOf = (dim: string, rows: Map<string, RowAcc>): Breakdown => ({
      dimension: dim,
      rows: [...rows.entries()]
        .filter(([, a]) => a.records > 0)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([group, a]) => ({
          group,
          records: a.records,
          co2eG: a.co2e.toString(),
          energyKwh: a.energy.toString(),
          interval: analyticalInterval(a.sums.groups(this.#groups)),
        })),
    });
    const dayList = [...days.values()].sort((a, b) => a.day - b.day);
    const running = new CellSums();
    for (const d of dayList) {
      running.addAll(daySums.get(d.day)!);
      d.cumulative = analyticalInterval(running.groups(this.#groups));
    }
    const tail = this.#tailOrder().flatMap((i) => {
      const seq = this.#tailSeq[i];
      const body = this.#tailBody[i] ?? tailBodies.get(seq);
      return body === undefined ? [] : [{ seq, body: obj(body) }];
    });
    const labelDims = [...dims.keys()].filter((d) => d.startsWith("label:")).sort();
    const totalGroups = total.sums.groups(this.#groups);
    return {
      origin: this.#origin,
      lines: this.#lines,
      byType: { ...this.#byType },
      emissions: this.#emissions,
      unreadable: this.#unreadable,
      superseded: this.#superseded,
      period: this.#periodStart && this.#periodEnd
        ? { start: this.#periodStart.text, end: this.#periodEnd.text }
        : null,
      totalCo2eG: total.co2e.toString(),
      totalEnergyKwh: total.energy.toString(),
      totalGroups,
      embodied: embodied.records > 0
        ? {
          records: embodied.records,
          co2eG: embodied.co2e.toString(),
          groups: embodied.sums.groups(this.#groups),
        }
        : null,
      correlationGroups: totalGroups.length,
      breakdowns: ["month", "category", "region", "evidence", ...labelDims].map((d) =>
        rowsOf(d, dims.get(d)!)
      ),
      days: dayList,
      factors: [...factors.values()].filter((f) => f.records > 0).sort((a, b) => b.co2eG - a.co2eG),
      pueProfiles: pue,
      energySources: sources,
      versions,
      uncertaintyMethods: methods,
      corrections: { listed: this.#corrections.slice(), count: this.#correctionCount },
      head: this.#head.map((r) => rowOf(r.seq, r.body, this.#retracted.has(r.seq))),
      tail: tail.map((r) => rowOf(r.seq, r.body, this.#retracted.has(r.seq))),
    };
  }
}

/** The records table's row for a body (see `RecordRow`). */
function rowOf(seq: number, body: Obj, superseded: boolean): RecordRow {
  const result = obj(body.result);
  const interval = obj(result.interval);
  const activity = obj(body.activity);
  const factor = obj(body.emission_factor);
  const pue = obj(body.pue);
  const period = obj(body.activity_period);
  return {
    seq,
    start: str(period.start),
    end: str(period.end),
    co2eG: str(result.co2e_g),
    lowerG: str(interval.lower_g),
    upperG: str(interval.upper_g),
    confidencePct: Number(result.confidence_level_pct ?? 95),
    energyKwh: str(activity.energy_kwh),
    category: categoryOf(body),
    region: str(factor.region, "(none)"),
    factor: `${str(factor.value)} ${str(factor.unit, "gCO2e/kWh")} ${str(factor.dataset)} ${
      str(factor.version)
    } ${str(factor.year)}`,
    pue: `${str(pue.value, "1")} (${str(pue.source, "not recorded")})`,
    evidence: `${evidenceOf(activity)} (${str(activity.source, "unknown")})`,
    labels: Object.entries(obj(body.labels)).map(([k, v]) => `${k}=${str(v)}`).join(", "),
    superseded,
  };
}
