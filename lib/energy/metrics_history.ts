/**
 * The bounded history of metric records kept by `EnergyLogger`, its summary and its export.
 *
 * @module
 */

import { replaceFileAtomic } from "../base/durable_file.ts";
import type { MetricRecord } from "./metric_record.ts";

/**
 * Whether a record came from `logMetrics` (records tile time) or from a span (may overlap).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RecordKind } from "./metrics_history.ts";
 * const kinds: RecordKind[] = ["interval", "span"];
 * assert.ok(kinds.includes("span"));
 * ```
 */
export type RecordKind = "interval" | "span";

/**
 * Aggregate view of the history.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricsSummary } from "./metrics_history.ts";
 * import { MetricsHistory } from "./metrics_history.ts";
 * const summary: MetricsSummary = new MetricsHistory().summary();
 * assert.equal(summary.first_timestamp, null);
 * assert.deepEqual(summary.operations, {});
 * ```
 */
export interface MetricsSummary {
  /** Records held. */
  readonly "total_records": number;
  /** Records evicted because the history was full. */
  readonly "dropped_records": number;
  /** Of which from `logMetrics`. */
  readonly "interval_records": number;
  /** Of which from spans / `monitor`. */
  readonly "span_records": number;
  /** Earliest `timestamp_start`, or null. */
  readonly "first_timestamp": string | null;
  /** Latest `timestamp_end`, or null. */
  readonly "last_timestamp": string | null;
  /** Record count per operation. */
  readonly operations: Readonly<Record<string, number>>;
  /** Mean / max `cpu.cpu_percent`. */
  readonly "avg_cpu_percent": number;
  /** Maximum `cpu.cpu_percent`. */
  readonly "max_cpu_percent": number;
  /** Mean `memory.memory_percent` (records with memory only). */
  readonly "avg_memory_percent": number;
  /** Mean `total_estimated_power_watts`. */
  readonly "avg_total_power_watts": number;
  /** Sum of `energy.energy_wh_total` over `logMetrics` records (they tile time; spans overlap). */
  readonly "energy_wh_total": number;
  /** Sum of `energy.energy_wh_attributed` over `logMetrics` records. */
  readonly "energy_wh_attributed": number;
  /** Record count per `energy.source`. */
  readonly sources: Readonly<Record<string, number>>;
}

/**
 * A ring of at most `limit` records (oldest evicted first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MetricsHistory } from "./metrics_history.ts";
 * const h = new MetricsHistory(2);
 * assert.equal(h.summary().total_records, 0);
 * assert.equal(h.summary().avg_total_power_watts, 0);
 * assert.deepEqual(h.records(), []);
 * ```
 */
export class MetricsHistory {
  readonly #limit: number;
  #entries: { kind: RecordKind; record: MetricRecord }[] = [];
  #dropped = 0;

  /**
   * Creates the instance.
   * @param limit Maximum records held (default 10,000; at least 1).
   */
  constructor(limit = 10_000) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`history limit must be a positive integer, got ${limit}`);
    }
    this.#limit = limit;
  }

  /** Appends a record, evicting the oldest when full. */
  push(kind: RecordKind, record: MetricRecord): void {
    this.#entries.push({ kind, record });
    if (this.#entries.length > this.#limit) {
      const excess = this.#entries.length - this.#limit;
      this.#entries.splice(0, excess);
      this.#dropped += excess;
    }
  }

  /** Records, oldest first (a copy). */
  records(): MetricRecord[] {
    return this.#entries.map((e) => e.record);
  }

  /** Number of records held. */
  get size(): number {
    return this.#entries.length;
  }

  /** Aggregates the history. */
  summary(): MetricsSummary {
    const es = this.#entries;
    const operations: Record<string, number> = {};
    const sources: Record<string, number> = {};
    let cpuSum = 0, cpuMax = 0, memSum = 0, memN = 0, powSum = 0, whTotal = 0, whAttr = 0;
    let first: string | null = null, last: string | null = null;
    for (const { kind, record: r } of es) {
      operations[r.operation] = (operations[r.operation] ?? 0) + 1;
      sources[r.energy.source] = (sources[r.energy.source] ?? 0) + 1;
      cpuSum += r.cpu.cpu_percent;
      cpuMax = Math.max(cpuMax, r.cpu.cpu_percent);
      if (r.memory) {
        memSum += r.memory.memory_percent;
        memN++;
      }
      powSum += r.total_estimated_power_watts;
      if (kind === "interval") {
        whTotal += r.energy.energy_wh_total;
        whAttr += r.energy.energy_wh_attributed;
      }
      if (first === null || r.timestamp_start < first) first = r.timestamp_start;
      if (last === null || r.timestamp_end > last) last = r.timestamp_end;
    }
    const n = es.length;
    return {
      total_records: n,
      dropped_records: this.#dropped,
      interval_records: es.filter((e) => e.kind === "interval").length,
      span_records: es.filter((e) => e.kind === "span").length,
      first_timestamp: first,
      last_timestamp: last,
      operations,
      avg_cpu_percent: n ? cpuSum / n : 0,
      max_cpu_percent: cpuMax,
      avg_memory_percent: memN ? memSum / memN : 0,
      avg_total_power_watts: n ? powSum / n : 0,
      energy_wh_total: whTotal,
      energy_wh_attributed: whAttr,
      sources,
    };
  }

  /**
   * Writes the records to `path` atomically and durably (`replaceFileAtomic`: temporary file in
   * the same directory, fsync, rename, directory fsync; mode 0644): a JSON array, or one JSON object per line when the path ends in `.jsonl` or
   * `.ndjson`. Returns the number of records written.
   */
  async export(path: string): Promise<number> {
    const records = this.records();
    const text = /\.(jsonl|ndjson)$/i.test(path)
      ? records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "")
      : JSON.stringify(records, null, 2) + "\n";
    try {
      await replaceFileAtomic(path, text);
    } catch (err) {
      throw new Error(
        `could not export metrics to ${path}: check the directory exists and is writable`,
        {
          cause: err,
        },
      );
    }
    return records.length;
  }
}
