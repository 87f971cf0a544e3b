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
 * see `ledger_report_data.ts`).
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
  readonly #total: RowAcc = {
    records: 0,
    co2e: Decimal.ZERO,
    energy: Decimal.ZERO,
    sums: new CellSums(),
  };
  readonly #embodied: RowAcc = {
    records: 0,
    co2e: Decimal.ZERO,
    energy: Decimal.ZERO,
    sums: new CellSums(),
  };
  readonly #groups = new CorrelationGroups();
  readonly #dims = new Map<string, Map<string, RowAcc>>(
    ["month", "category", "region", "evidence"].map((d) => [d, new Map()]),
  );
  readonly #days = new Map<number, DayBucket>();
  readonly #daySums = new Map<number, CellSums>();
  readonly #factors = new Map<string, FactorUse>();
  readonly #pue = new Map<string, number>();
  readonly #sources = new Map<string, number>();
  readonly #versions = new Map<string, number>();
  readonly #methods = new Map<string, number>();
  readonly #corrections: CorrectionRow[] = [];
  #correctionCount = 0;
  readonly #head: { seq: number; body: Obj }[] = [];
  readonly #tail: { seq: number; body: Obj }[] = [];
  readonly #retracted = new Set<number>();
  #tailNext = 0;

  /** A new aggregator. */
  constructor(options: AggregateOptions = {}) {
    this.#tableRows = options.tableRows ?? 50;
  }

  /** Counts a line that could not be parsed. */
  unreadable(): void {
    this.#lines++;
    this.#unreadable++;
  }

  /**
   * Adds one record (parsed JSON of a line) in ledger order. Returns the correction target
   * (`{seq, leaf}`) when the record is a correction, for the caller to `retract` later.
   */
  add(record: { seq: number; type: string; body: unknown }): { seq: number; leaf: string } | null {
    this.#lines++;
    this.#byType[record.type] = (this.#byType[record.type] ?? 0) + 1;
    const body = obj(record.body);
    if (record.type === "genesis" && typeof body.origin === "string") this.#origin = body.origin;
    if (record.type === "correction") {
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
    if (record.type !== "emission") return null;
    try {
      this.#apply(record.seq, body, 1);
    } catch {
      this.#unreadable++; // a malformed body: the verdict names it
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

  #apply(seq: number, body: Obj, sign: 1 | -1): void {
    const result = obj(body.result);
    const interval = obj(result.interval);
    const activity = obj(body.activity);
    const factor = obj(body.emission_factor);
    const pue = obj(body.pue);
    const period = obj(body.activity_period);
    const co2eText = str(result.co2e_g);
    const energyText = str(activity.energy_kwh);
    let co2e = Decimal.parse(co2eText);
    let energy = Decimal.parse(energyText);
    if (sign < 0) {
      co2e = co2e.negate();
      energy = energy.negate();
    }
    const start = str(period.start);
    const end = str(period.end);
    const embodied = obj(body.embodied);
    // Parsed before any sum changes, so a malformed body leaves no partial state.
    const embodiedG = typeof embodied.co2e_g === "string" ? Decimal.parse(embodied.co2e_g) : null;
    const startMs = rfc3339Ms(start);
    const endMs = rfc3339Ms(end);
    const day = Math.floor(startMs / 86_400_000);
    const confidencePct = Number(result.confidence_level_pct ?? 95);
    const i95 = recordInterval95({
      centralG: Number(co2eText),
      lowerG: Number(str(interval.lower_g, co2eText)),
      upperG: Number(str(interval.upper_g, co2eText)),
    }, confidencePct);
    const region = str(factor.region, "(none)");
    const factorId = `${str(factor.dataset)} ${str(factor.version)} ${str(factor.year)} ${region}`;
    const pueText = `${str(pue.value, "1")} (${str(pue.source, "not recorded")})`;
    const source = `${str(activity.source, "unknown")}${
      activity.simulated === true ? ", simulated" : ""
    }`;
    const sources = [`factor:${factorId}`, `pue:${pueText}`];
    if (activity.source === "model" || activity.source === "provider_api") {
      sources.push(`energy:${str(activity.source)}`);
    }
    const cell = this.#groups.link(sources);
    const category = categoryOf(body);
    const evidence = evidenceOf(activity);
    const labels = obj(body.labels);
    const groupsOf: [string, string][] = [
      ["month", start.slice(0, 7)],
      ["category", category],
      ["region", region],
      ["evidence", evidence],
    ];
    for (const [k, v] of Object.entries(labels)) groupsOf.push([`label:${k}`, str(v)]);

    const addTo = (acc: RowAcc) => {
      acc.records += sign;
      acc.co2e = acc.co2e.add(co2e);
      acc.energy = acc.energy.add(energy);
      acc.sums.add(cell, i95, sign);
    };
    addTo(this.#total);
    this.#emissions += sign;
    let bucket = this.#days.get(day);
    if (bucket === undefined) {
      bucket = {
        day,
        co2eG: 0,
        byDimension: new Map(),
        cumulative: { centralG: 0, lowerG: 0, upperG: 0 },
      };
      this.#days.set(day, bucket);
      this.#daySums.set(day, new CellSums());
    }
    bucket.co2eG += sign * i95.centralG;
    this.#daySums.get(day)!.add(cell, i95, sign);
    for (const [dim, group] of groupsOf) {
      let rows = this.#dims.get(dim);
      if (rows === undefined) this.#dims.set(dim, rows = new Map());
      let acc = rows.get(group);
      if (acc === undefined) {
        acc = { records: 0, co2e: Decimal.ZERO, energy: Decimal.ZERO, sums: new CellSums() };
        rows.set(group, acc);
      }
      addTo(acc);
      let perGroup = bucket.byDimension.get(dim);
      if (perGroup === undefined) bucket.byDimension.set(dim, perGroup = new Map());
      perGroup.set(group, (perGroup.get(group) ?? 0) + sign * i95.centralG);
    }

    if (embodiedG !== null && typeof embodied.co2e_g === "string") {
      const e = embodiedG;
      const model = str(embodied.model, str(embodied.source, "embodied"));
      this.#embodied.records += sign;
      this.#embodied.co2e = this.#embodied.co2e.add(sign < 0 ? e.negate() : e);
      this.#embodied.sums.add(
        this.#groups.link([`embodied:${model}`]),
        recordInterval95({
          centralG: Number(embodied.co2e_g),
          lowerG: Number(str(embodied.ci_lower_g, embodied.co2e_g)),
          upperG: Number(str(embodied.ci_upper_g, embodied.co2e_g)),
        }, Number(embodied.confidence_level_pct ?? 95)),
        sign,
      );
      this.#count(this.#versions, `embodied model: ${model}`, sign);
    }

    const factorKey = `${factorId}\u0000${str(factor.value)}\u0000${str(factor.basis)}`;
    let f = this.#factors.get(factorKey);
    if (f === undefined) {
      f = {
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
      };
      this.#factors.set(factorKey, f);
    }
    f.records += sign;
    f.co2eG += sign * i95.centralG;
    this.#count(this.#pue, pueText, sign);
    this.#count(this.#sources, source, sign);
    const tool = obj(body.tool);
    this.#count(this.#versions, `tool: ${str(tool.name, "?")} ${str(tool.version, "?")}`, sign);
    this.#count(this.#versions, `dataset: ${str(factor.dataset)} ${str(factor.version)}`, sign);
    this.#count(this.#methods, str(result.uncertainty_method, "not recorded"), sign);

    if (sign > 0) {
      if (this.#periodStart === null || startMs < this.#periodStart.ms) {
        this.#periodStart = { ms: startMs, text: start };
      }
      if (this.#periodEnd === null || endMs > this.#periodEnd.ms) {
        this.#periodEnd = { ms: endMs, text: end };
      }
      // Rows are built in finish() from the kept bodies: no strings per record here.
      const row = { seq, body };
      if (this.#head.length < this.#tableRows) this.#head.push(row);
      else {
        this.#tail[this.#tailNext % this.#tableRows] = row;
        this.#tailNext++;
      }
    }
  }

  #count(map: Map<string, number>, key: string, sign: 1 | -1): void {
    const n = (map.get(key) ?? 0) + sign;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  }

  /** The gathered data. */
  finish(): ReportData {
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
    const days = [...this.#days.values()].sort((a, b) => a.day - b.day);
    const running = new CellSums();
    for (const d of days) {
      running.addAll(this.#daySums.get(d.day)!);
      d.cumulative = analyticalInterval(running.groups(this.#groups));
    }
    const n = this.#tableRows;
    const tail = this.#tailNext <= n
      ? this.#tail.slice()
      : [...this.#tail.slice(this.#tailNext % n), ...this.#tail.slice(0, this.#tailNext % n)];
    const labelDims = [...this.#dims.keys()].filter((d) => d.startsWith("label:")).sort();
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
      totalCo2eG: this.#total.co2e.toString(),
      totalEnergyKwh: this.#total.energy.toString(),
      totalGroups: this.#total.sums.groups(this.#groups),
      embodied: this.#embodied.records > 0
        ? {
          records: this.#embodied.records,
          co2eG: this.#embodied.co2e.toString(),
          groups: this.#embodied.sums.groups(this.#groups),
        }
        : null,
      correlationGroups: this.#total.sums.groups(this.#groups).length,
      breakdowns: ["month", "category", "region", "evidence", ...labelDims].map((d) =>
        rowsOf(d, this.#dims.get(d)!)
      ),
      days,
      factors: [...this.#factors.values()].filter((f) => f.records > 0).sort((a, b) =>
        b.co2eG - a.co2eG
      ),
      pueProfiles: this.#pue,
      energySources: this.#sources,
      versions: this.#versions,
      uncertaintyMethods: this.#methods,
      corrections: { listed: this.#corrections, count: this.#correctionCount },
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
