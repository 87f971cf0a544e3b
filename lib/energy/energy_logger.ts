/**
 * `EnergyLogger`: host telemetry records, measured spans, and energy attributed to this
 * process tree (or a cgroup), with the source precedence governor -> powercap -> power model.
 * The power model is the cloud instance's (option `instance`, see `instance_model.ts`) when one
 * is given and resolves, else the generic CPU (TDP) model.
 * Never throws because a source is missing; retries the governor with backoff.
 *
 * @module
 */

import { type Clock, systemClock } from "../base/clock.ts";
import type { IdlePolicy } from "./attribution.ts";
import type { EnergyLoggerOptions, MonitorResult } from "./energy_logger_options.ts";
import type { EnergySampler } from "./energy_sampler.ts";
import { EnergySpan } from "./energy_span.ts";
import { summarizeEnergy } from "./energy_summary.ts";
import {
  addEnergySample,
  type EnergySample,
  type IntervalTotals,
  startEnergyInterval,
} from "./interval_accumulator.ts";
import { buildLoggerSampler, sourceNotes } from "./logger_sources.ts";
import { parseProcStat } from "./cpu_times.ts";
import { type InstanceModel, resolveInstanceModel } from "./instance_model.ts";
import { parseMeminfo } from "./meminfo.ts";
import { buildMetricRecord, type MetricRecord } from "./metric_record.ts";
import { MetricsHistory, type MetricsSummary, type RecordKind } from "./metrics_history.ts";
import {
  DEFAULT_GAMMA,
  DEFAULT_IDLE_FRACTION,
  type PowerModel,
  type ResolvedTdp,
  resolveTdp,
} from "./power_model.ts";
import { Telemetry } from "./telemetry.ts";

export type { EnergyLoggerOptions, MonitorResult } from "./energy_logger_options.ts";

type StateParams = {
  model: PowerModel;
  instance: InstanceModel | null;
  ticksPerSecond: number;
};

class IntervalState {
  totals: IntervalTotals | null = null;
  constructor(readonly params: StateParams) {}
  add(s: EnergySample): void {
    this.totals = this.totals === null
      ? startEnergyInterval(s)
      : addEnergySample(this.totals, s, this.params);
  }
}

/** vCPUs (cpuN lines of /proc/stat) and memory (GB) of this VM, each null when unreadable. */
function vmSize(procRoot: string): { vcpus: number | null; memoryGb: number | null } {
  let vcpus: number | null = null;
  let memoryGb: number | null = null;
  try {
    const n = parseProcStat(Deno.readTextFileSync(`${procRoot}/stat`)).cpuCount;
    vcpus = n > 0 ? n : null;
  } catch { /* unknown */ }
  try {
    const m = parseMeminfo(Deno.readTextFileSync(`${procRoot}/meminfo`));
    memoryGb = m.memory_used_gb + m.memory_available_gb;
  } catch { /* unknown */ }
  return { vcpus, memoryGb };
}

function loggerInstance(
  option: EnergyLoggerOptions["instance"],
  procRoot: string,
): { model: InstanceModel | null; note: string | null } {
  if (option === undefined || option === null) return { model: null, note: null };
  if (typeof option !== "string") return { model: option, note: null };
  const size = vmSize(procRoot);
  const choice = resolveInstanceModel(option, size);
  return { model: choice.model, note: choice.model === null ? choice.note : null };
}

function processEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/**
 * Logs host telemetry and energy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null });
 * const metric = await logger.logMetrics("training_step");
 * assert.equal(metric.operation, "training_step");
 * assert.ok(metric.energy.energy_wh_total >= 0);
 * const { value, energy } = await logger.monitor("sum", () => [1, 2, 3].reduce((a, b) => a + b));
 * assert.equal(value, 6);
 * assert.equal(energy.attribution_mode, "monitor_only");
 * await logger.close();
 * ```
 */
export class EnergyLogger implements AsyncDisposable {
  readonly #clock: Clock;
  readonly #telemetry: Telemetry;
  readonly #sampler: EnergySampler;
  readonly #history: MetricsHistory;
  readonly #model: PowerModel;
  readonly #instance: InstanceModel | null;
  readonly #tdp: ResolvedTdp;
  readonly #idlePolicy: IdlePolicy;
  readonly #idleBaselineWatts: number | null;
  #observedIdleWatts: number | null = null;
  readonly #pollMs: number;
  readonly #notes: string[] = [];
  readonly #spans = new Set<IntervalState>();
  readonly #finishing = new Set<Promise<unknown>>();
  #main: IntervalState;
  #mainStartWallMs: number;
  #apply: Promise<void> = Promise.resolve();
  #poller: AbortController | null = null;
  #pollDone: Promise<void> = Promise.resolve();
  #closed = false;

  /**
   * Creates the instance.
   * @param options See {@link EnergyLoggerOptions}. Never throws for a missing source.
   */
  constructor(options: EnergyLoggerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#telemetry = new Telemetry({
      procRoot: options.procRoot,
      sysRoot: options.sysRoot,
      ticksPerSecond: options.ticksPerSecond,
    });
    this.#tdp = resolveTdp({
      option: options.tdpWatts,
      env: options.env ?? processEnv(),
      config: options.configTdpWatts,
    });
    this.#model = {
      tdpWatts: this.#tdp.tdpWatts,
      idleFraction: options.idleFraction ?? DEFAULT_IDLE_FRACTION,
      gamma: options.gamma ?? DEFAULT_GAMMA,
    };
    const instance = loggerInstance(options.instance, options.procRoot ?? "/proc");
    this.#instance = instance.model;
    if (instance.note !== null) this.#notes.push(instance.note);
    this.#idlePolicy = options.idlePolicy ?? "proportional";
    this.#idleBaselineWatts = options.idleBaselineWatts ?? null;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    this.#history = new MetricsHistory(options.historyLimit ?? 10_000);

    const built = buildLoggerSampler(options, this.#clock, this.#telemetry);
    this.#sampler = built.sampler;
    this.#notes.push(...built.notes);
    this.#main = new IntervalState(this.#accParams());
    this.#mainStartWallMs = this.#clock.nowMs();
    this.#takeSample([this.#main]).catch(() => {});
  }

  #accParams(): StateParams {
    return {
      model: this.#model,
      instance: this.#instance,
      ticksPerSecond: this.#telemetry.ticksPerSecond,
    };
  }

  /** Samples now and feeds the sample, in order, to `targets`; `after` runs in the same turn. */
  #takeSample(targets: IntervalState[], after?: (s: EnergySample) => void): Promise<void> {
    const pending = this.#sampler.sample();
    const step = this.#apply.then(async () => {
      const s = await pending;
      for (const t of targets) t.add(s);
      after?.(s);
    });
    this.#apply = step.catch(() => {});
    return step;
  }

  /**
   * Resolves when every sample taken so far (construction, spans, polls) has been read and
   * applied and every ended span is in the history. Measured readings (governor socket, GPU)
   * complete asynchronously, shortly after the synchronous time and CPU counters; await this
   * after a plain `using` block, or before changing what a test fake reports.
   */
  async settled(): Promise<void> {
    await this.#apply;
    while (this.#finishing.size > 0) await Promise.all([...this.#finishing]);
  }

  /** The TDP in effect and where it came from. */
  get tdp(): ResolvedTdp {
    return this.#tdp;
  }

  /** The cloud instance power model in effect, or null (the generic CPU model). */
  get instance(): InstanceModel | null {
    return this.#instance;
  }

  /**
   * Takes a record covering the time since the previous call (or construction): the Python
   * package's keys plus `timestamp_start`, `timestamp_end`, `energy` and `energy_details`.
   * Consecutive records tile time exactly. When called within the same wall-clock millisecond
   * as the interval start, it first waits 1 ms so that `timestamp_end > timestamp_start` (an
   * estimator rejects an empty span).
   */
  async logMetrics(
    operation: string,
    additionalInfo: Readonly<Record<string, unknown>> = {},
  ): Promise<MetricRecord> {
    if (this.#clock.nowMs() === this.#mainStartWallMs) await this.#clock.sleep(1);
    this.#mainStartWallMs = this.#clock.nowMs();
    let closed: IntervalTotals | null = null;
    const spans = [...this.#spans];
    await this.#takeSample([...spans, this.#main], (s) => {
      closed = this.#main.totals;
      this.#main = new IntervalState(this.#accParams());
      this.#main.add(s);
    });
    return this.#record("interval", operation, closed as unknown as IntervalTotals, additionalInfo);
  }

  /**
   * Starts a span. End it with `using` (or `await using`), `span.end()`, or use `monitor`.
   * Time and CPU counters are read synchronously at start and end.
   */
  span(operation: string, additionalInfo: Readonly<Record<string, unknown>> = {}): EnergySpan {
    const state = new IntervalState(this.#accParams());
    this.#spans.add(state);
    this.#takeSample([...this.#spans, this.#main]).catch(() => {});
    this.#startPolling();
    return new EnergySpan(operation, (extra) => {
      const targets = [...this.#spans, this.#main];
      this.#spans.delete(state);
      if (this.#spans.size === 0) this.#stopPolling();
      const done = this.#takeSample(targets).then(() =>
        this.#record("span", operation, state.totals as IntervalTotals, {
          ...additionalInfo,
          ...extra,
        })
      );
      this.#finishing.add(done);
      done.finally(() => this.#finishing.delete(done)).catch(() => {});
      return done;
    });
  }

  /**
   * Runs `fn` inside a span. Resolves with its value and the span's energy; when `fn` throws
   * the span still ends (recorded with `additional_info.error`) and the error is rethrown.
   */
  async monitor<T>(
    operation: string,
    fn: (span: EnergySpan) => T | Promise<T>,
    additionalInfo: Readonly<Record<string, unknown>> = {},
  ): Promise<MonitorResult<T>> {
    const span = this.span(operation, additionalInfo);
    let value: T;
    try {
      value = await fn(span);
    } catch (err) {
      await span.end({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      throw err;
    }
    const record = await span.end();
    return { value, energy: record.energy, record };
  }

  #startPolling(): void {
    if (this.#poller || this.#pollMs <= 0) return;
    const ctl = new AbortController();
    this.#poller = ctl;
    this.#pollDone = (async () => {
      while (!ctl.signal.aborted) {
        try {
          await this.#clock.sleep(this.#pollMs, ctl.signal);
        } catch {
          return;
        }
        if (ctl.signal.aborted || this.#spans.size === 0) return;
        await this.#takeSample([...this.#spans, this.#main]).catch(() => {});
      }
    })();
  }

  #stopPolling(): void {
    this.#poller?.abort();
    this.#poller = null;
  }

  #record(
    kind: RecordKind,
    operation: string,
    totals: IntervalTotals,
    info: Readonly<Record<string, unknown>>,
  ): MetricRecord {
    if (totals.idleObservedWatts !== null) {
      this.#observedIdleWatts = this.#observedIdleWatts === null
        ? totals.idleObservedWatts
        : Math.min(this.#observedIdleWatts, totals.idleObservedWatts);
    }
    const { summary, details } = summarizeEnergy(totals, {
      observedIdleWatts: this.#observedIdleWatts,
      model: this.#model,
      tdpSource: this.#tdp.tdpSource,
      idlePolicy: this.#idlePolicy,
      idleBaselineWatts: this.#idleBaselineWatts,
      scope: this.#sampler.scope,
      notes: sourceNotes(this.#sampler, this.#notes),
      instance: this.#instance,
    });
    const record = buildMetricRecord(totals, summary, details, {
      operation,
      info,
      telemetry: this.#telemetry,
      model: this.#model,
    });
    this.#history.push(kind, record);
    return record;
  }

  /** Aggregates the records held. */
  getMetricsSummary(): MetricsSummary {
    return this.#history.summary();
  }

  /** The records held, oldest first. */
  getMetrics(): MetricRecord[] {
    return this.#history.records();
  }

  /**
   * Writes the records to `path` atomically: a JSON array, or JSON lines for `.jsonl` /
   * `.ndjson`. Resolves to the number of records written.
   */
  exportMetrics(path: string): Promise<number> {
    return this.#history.export(path);
  }

  /** Stops polling, waits for pending samples and closes the sources. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPolling();
    await this.#pollDone;
    await this.#apply;
    this.#sampler.close();
  }

  /** Same as `close()` (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
