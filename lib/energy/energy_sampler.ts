/**
 * Takes `EnergySample`s: the synchronous part (time, `/proc/stat`, task CPU time) at the moment
 * `sample()` is called, then the asynchronous part (governor, powercap, GPU) serialised so that
 * readings of one source are taken in call order. Never rejects.
 *
 * @module
 */

import type { Clock } from "../base/clock.ts";
import type { CpuTimeScope } from "./energy_summary.ts";
import type { BackoffReader, HostEnergyReading } from "./host_energy.ts";
import type { EnergySample } from "./interval_accumulator.ts";
import type { GpuQuery } from "./nvidia_smi.ts";
import type { Telemetry } from "./telemetry.ts";

/**
 * What the task's CPU time is and how to read it (seconds, or null when unreadable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TaskCpuReader } from "./energy_sampler.ts";
 * let seconds = 0;
 * const task: TaskCpuReader = { scope: "process-tree", read: () => (seconds += 0.5) };
 * assert.equal(task.read(), 0.5);
 * assert.equal(task.read(), 1);
 * ```
 */
export interface TaskCpuReader {
  /** Scope reported in the details. */
  readonly scope: CpuTimeScope;
  /** Current cumulative CPU seconds of the task, or null. */
  read(): number | null;
}

/**
 * Parts of a sampler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergySamplerParts } from "./energy_sampler.ts";
 * import { EnergySampler } from "./energy_sampler.ts";
 * import { Telemetry } from "./telemetry.ts";
 * import { VirtualClock } from "../base/clock.ts";
 * const parts: EnergySamplerParts = {
 *   clock: new VirtualClock({ monoNs: 42n }),
 *   telemetry: new Telemetry({ procRoot: "/nonexistent" }),
 *   task: { scope: "cgroup", read: () => 1.25 },
 *   readers: [],
 *   gpu: null,
 * };
 * const sample = await new EnergySampler(parts).sample();
 * assert.equal(sample.monoNs, 42n);
 * assert.equal(sample.taskCpuSeconds, 1.25);
 * assert.equal(sample.hostCpu, null);
 * ```
 */
export interface EnergySamplerParts {
  /** Time source. */
  readonly clock: Clock;
  /** `/proc` and `/sys` reads. */
  readonly telemetry: Telemetry;
  /** Task CPU time. */
  readonly task: TaskCpuReader;
  /** Measured sources in precedence order (governor first). */
  readonly readers: readonly BackoffReader[];
  /** GPU query, or null. */
  readonly gpu: GpuQuery | null;
}

/**
 * Samples everything the energy logger needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EnergySampler } from "./energy_sampler.ts";
 * import { Telemetry } from "./telemetry.ts";
 * import { systemClock } from "../base/clock.ts";
 * const sampler = new EnergySampler({
 *   clock: systemClock, telemetry: new Telemetry(), readers: [], gpu: null,
 *   task: { scope: "process-tree", read: () => null },
 * });
 * const sample = await sampler.sample();
 * assert.deepEqual(sample.readings, []);
 * assert.equal(sample.taskCpuSeconds, null);
 * assert.equal(sample.gpus, null);
 * ```
 */
export class EnergySampler {
  readonly #parts: EnergySamplerParts;
  #chain: Promise<unknown> = Promise.resolve();

  /**
   * Creates the instance.
   * @param parts Clock, telemetry, task reader, measured readers and GPU query.
   */
  constructor(parts: EnergySamplerParts) {
    this.#parts = parts;
  }

  /** The readers, for status reporting. */
  get readers(): readonly BackoffReader[] {
    return this.#parts.readers;
  }

  /** Task CPU scope. */
  get scope(): CpuTimeScope {
    return this.#parts.task.scope;
  }

  /** Takes one sample; time and CPU counters are read before this returns. */
  sample(): Promise<EnergySample> {
    const { clock, telemetry, task } = this.#parts;
    const monoNs = clock.monoNs();
    const wallMs = clock.nowMs();
    const hostCpu = telemetry.readProcStat()?.total ?? null;
    let taskCpuSeconds: number | null = null;
    try {
      taskCpuSeconds = task.read();
    } catch {
      taskCpuSeconds = null;
    }
    const next = this.#chain.then(async (): Promise<EnergySample> => {
      const readings: HostEnergyReading[] = [];
      for (const reader of this.#parts.readers) {
        const r = await reader.tryRead();
        if (r) readings.push(r);
      }
      let gpus = null;
      try {
        gpus = this.#parts.gpu ? await this.#parts.gpu.query() : null;
      } catch {
        gpus = null;
      }
      return { monoNs, wallMs, hostCpu, taskCpuSeconds, readings, gpus };
    });
    this.#chain = next.catch(() => {});
    return next;
  }

  /** Closes the readers. */
  close(): void {
    for (const r of this.#parts.readers) r.close();
  }
}
