/**
 * `EnergyLogger`: host telemetry records, measured spans, and energy attributed to this
 * process tree (or a cgroup), with the source precedence governor -> powercap -> power model.
 * Never throws because a source is missing; retries the governor with backoff.
 *
 * @module
 */

import { type Clock, rfc3339 } from "../clock.ts";
import type { IdlePolicy } from "./attribution.ts";
import { EnergySampler, type TaskCpuReader } from "./energy_sampler.ts";
import { EnergySpan } from "./energy_span.ts";
import { type CpuTimeScope, type EnergySummary, summarizeEnergy } from "./energy_summary.ts";
import { defaultGovernorReader } from "./governor_reader.ts";
import { BackoffReader, type HostEnergyReader } from "./host_energy.ts";
import {
  addEnergySample,
  type EnergySample,
  type IntervalTotals,
  startEnergyInterval,
} from "./interval_accumulator.ts";
import type { MetricRecord } from "./metric_record.ts";
import { MetricsHistory, type MetricsSummary, type RecordKind } from "./metrics_history.ts";
import { type GpuQuery, NvidiaSmi } from "./nvidia_smi.ts";
import { openPowercapReader } from "./powercap_reader.ts";
import {
  DEFAULT_GAMMA,
  DEFAULT_IDLE_FRACTION,
  modelCpuPowerWatts,
  type PowerModel,
  type ResolvedTdp,
  resolveTdp,
} from "./power_model.ts";
import { Telemetry } from "./telemetry.ts";
import { systemClock } from "../clock.ts";

/** Options of `EnergyLogger`; every field is optional. */
export interface EnergyLoggerOptions {
  /** Time source (default the system clock). */
  readonly clock?: Clock;
  /** procfs root (default `/proc`; config `energy.procRoot`). */
  readonly procRoot?: string;
  /** sysfs root (default `/sys`; config `energy.sysRoot`). Powercap is `<sysRoot>/class/powercap`. */
  readonly sysRoot?: string;
  /** USER_HZ of `/proc` tick counts (default 100, the Linux ABI value). */
  readonly ticksPerSecond?: number;
  /** Root of the attributed process tree (default this process, `Deno.pid`). */
  readonly pid?: number;
  /** cgroup v2 directory whose `cpu.stat` is the task's CPU time (default none: process tree). */
  readonly cgroupDir?: string;
  /**
   * A custom task CPU reader (overrides `pid`, `cgroupDir` and `scope`), e.g. the descendants
   * of this process for `carbon-ops run`.
   */
  readonly task?: TaskCpuReader;
  /** `host` attributes the whole host (ratio 1). Default `process-tree`, or `cgroup` with `cgroupDir`. */
  readonly scope?: CpuTimeScope;
  /** TDP in watts for the model (default: `CPU_TDP_WATTS`, then `configTdpWatts`, then 100 W). */
  readonly tdpWatts?: number;
  /** The config value `energy.tdpWatts` (default null). */
  readonly configTdpWatts?: number | null;
  /** Environment for `CPU_TDP_WATTS` (default this process's environment when readable). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Idle share of TDP (default 0.2). */
  readonly idleFraction?: number;
  /** Model exponent (default 0.8). */
  readonly gamma?: number;
  /** Idle baseline in watts (default idleFraction x TDP). */
  readonly idleBaselineWatts?: number;
  /** Idle policy of `energy_wh_attributed` (default `proportional`; config `energy.idlePolicy`). */
  readonly idlePolicy?: IdlePolicy;
  /**
   * Governor reader; `null` disables it. Default: the governor client on `governorSocket`.
   */
  readonly governor?: HostEnergyReader | null;
  /** Governor socket path (default `/var/run/carbon-ops.sock`). */
  readonly governorSocket?: string;
  /** Powercap reader; `null` disables. Default: direct reads of `<sysRoot>/class/powercap` when permitted. */
  readonly powercap?: HostEnergyReader | null;
  /** GPU query; `null` disables. Default: `nvidia-smi` on PATH. */
  readonly gpu?: GpuQuery | null;
  /** First governor retry delay after a failure (default 1000 ms, doubling to `maxBackoffMs`). */
  readonly initialBackoffMs?: number;
  /** Longest retry delay (default 30000 ms). */
  readonly maxBackoffMs?: number;
  /** Records kept (default 10,000). */
  readonly historyLimit?: number;
  /** Sampling period while spans are open (default 1000 ms; 0 disables polling). */
  readonly pollIntervalMs?: number;
}

/** What `monitor` resolves to. */
export interface MonitorResult<T> {
  /** What the function returned. */
  readonly value: T;
  /** The span's energy summary. */
  readonly energy: EnergySummary;
  /** The span's full record. */
  readonly record: MetricRecord;
}

class IntervalState {
  totals: IntervalTotals | null = null;
  constructor(readonly params: { model: PowerModel; ticksPerSecond: number }) {}
  add(s: EnergySample): void {
    this.totals = this.totals === null
      ? startEnergyInterval(s)
      : addEnergySample(this.totals, s, this.params);
  }
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
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, gpu: null });
 * const metric = await logger.logMetrics("training_step");
 * console.log(metric.timestamp_start, metric.energy.energy_wh_total >= 0);
 * const { energy } = await logger.monitor("sum", () => [1, 2, 3].reduce((a, b) => a + b));
 * console.log(energy.attribution_mode); // "monitor_only"
 * await logger.close();
 * ```
 */
export class EnergyLogger implements AsyncDisposable {
  readonly #clock: Clock;
  readonly #telemetry: Telemetry;
  readonly #sampler: EnergySampler;
  readonly #history: MetricsHistory;
  readonly #model: PowerModel;
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
    this.#idlePolicy = options.idlePolicy ?? "proportional";
    this.#idleBaselineWatts = options.idleBaselineWatts ?? null;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    this.#history = new MetricsHistory(options.historyLimit ?? 10_000);

    const backoff = {
      clock: this.#clock,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    };
    const readers: BackoffReader[] = [];
    const governor = options.governor === undefined
      ? defaultGovernorReader({ socketPath: options.governorSocket })
      : options.governor;
    if (governor) readers.push(new BackoffReader(governor, backoff));
    else this.#notes.push("governor disabled");
    let powercap = options.powercap;
    if (powercap === undefined) {
      const opened = openPowercapReader({
        root: `${options.sysRoot ?? "/sys"}/class/powercap`,
        cpuinfoPath: `${options.procRoot ?? "/proc"}/cpuinfo`,
        clock: this.#clock,
      });
      if ("reason" in opened) {
        powercap = null;
        this.#notes.push(`no direct powercap reads: ${opened.reason}`);
      } else powercap = opened;
    }
    if (powercap) readers.push(new BackoffReader(powercap, backoff));

    const pid = options.pid ?? Deno.pid;
    const scope: CpuTimeScope = options.scope ?? (options.cgroupDir ? "cgroup" : "process-tree");
    const t = this.#telemetry;
    const task: TaskCpuReader = options.task ??
      (scope === "cgroup"
        ? { scope, read: () => t.readCgroupCpuSeconds(options.cgroupDir ?? "") }
        : scope === "host"
        ? { scope, read: () => null }
        : { scope, read: () => t.readTreeCpuSeconds(pid) });
    this.#sampler = new EnergySampler({
      clock: this.#clock,
      telemetry: t,
      task,
      readers,
      gpu: options.gpu === undefined ? new NvidiaSmi() : options.gpu,
    });
    this.#main = new IntervalState(this.#accParams());
    this.#mainStartWallMs = this.#clock.nowMs();
    this.#takeSample([this.#main]).catch(() => {});
  }

  #accParams(): { model: PowerModel; ticksPerSecond: number } {
    return { model: this.#model, ticksPerSecond: this.#telemetry.ticksPerSecond };
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

  #statusNotes(): string[] {
    const notes = [...this.#notes];
    for (const r of this.#sampler.readers) {
      const st = r.status;
      if (st.lastError !== null) {
        notes.push(
          `${r.source} unavailable (${st.lastError}); retrying with backoff (${st.failures} failures)`,
        );
      }
    }
    if (!this.#sampler.readers.some((r) => r.status.failures === 0)) {
      notes.push("no measured energy source available: energy is modelled from CPU utilisation");
    }
    return notes;
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
      notes: this.#statusNotes(),
    });
    const duration = summary.duration_seconds;
    const gpus = totals.last.gpus ?? [];
    const gpuNowW = gpus.reduce((s, g) => s + (g.power_watts ?? 0), 0);
    const cpuW = duration > 0
      ? (summary.cpu_energy_wh * 3600) / duration
      : modelCpuPowerWatts(details.host_cpu_percent, this.#model);
    const record: MetricRecord = {
      timestamp: rfc3339(totals.last.wallMs),
      "timestamp_start": rfc3339(totals.first.wallMs),
      "timestamp_end": rfc3339(totals.last.wallMs),
      operation,
      cpu: {
        cpu_percent: details.host_cpu_percent,
        cpu_freq_mhz: this.#telemetry.readCpuFreqMhz(),
        estimated_power_watts: Number(cpuW.toFixed(6)),
      },
      memory: this.#telemetry.readMemory(),
      gpu: gpus,
      "total_estimated_power_watts": duration > 0
        ? summary.avg_power_watts
        : Number((cpuW + gpuNowW).toFixed(6)),
      energy: summary,
      "energy_details": details,
      "additional_info": { ...info },
    };
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
