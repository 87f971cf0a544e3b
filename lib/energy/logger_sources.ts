/**
 * Builds the energy logger's sampler from its options: governor (default: the client on the
 * default socket), direct powercap reads when permitted, the task CPU reader for the chosen
 * scope, and nvidia-smi; plus the notes that explain what is unavailable.
 *
 * @module
 */

import type { Clock } from "../base/clock.ts";
import type { EnergyLoggerOptions } from "./energy_logger_options.ts";
import { EnergySampler, type TaskCpuReader } from "./energy_sampler.ts";
import type { CpuTimeScope } from "./energy_summary.ts";
import { defaultGovernorReader } from "./governor_reader.ts";
import { BackoffReader } from "./host_energy.ts";
import { NvidiaSmi } from "./nvidia_smi.ts";
import { openPowercapReader } from "./powercap_reader.ts";
import type { Telemetry } from "./telemetry.ts";

/**
 * The sampler for `options`, and fixed notes (governor disabled, no powercap and why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLoggerSampler } from "./logger_sources.ts";
 * import { Telemetry } from "./telemetry.ts";
 * import { systemClock } from "../base/clock.ts";
 * const { sampler, notes } = buildLoggerSampler(
 *   { governor: null, powercap: null, gpu: null },
 *   systemClock,
 *   new Telemetry(),
 * );
 * assert.equal(sampler.scope, "process-tree");
 * assert.deepEqual(notes, ["governor disabled"]);
 * sampler.close();
 * ```
 */
export function buildLoggerSampler(
  options: EnergyLoggerOptions,
  clock: Clock,
  telemetry: Telemetry,
): { sampler: EnergySampler; notes: string[] } {
  const notes: string[] = [];
  const backoff = {
    clock,
    initialBackoffMs: options.initialBackoffMs,
    maxBackoffMs: options.maxBackoffMs,
  };
  const readers: BackoffReader[] = [];
  const governor = options.governor === undefined
    ? defaultGovernorReader({ socketPath: options.governorSocket })
    : options.governor;
  if (governor) readers.push(new BackoffReader(governor, backoff));
  else notes.push("governor disabled");
  let powercap = options.powercap;
  if (powercap === undefined) {
    const opened = openPowercapReader({
      root: `${options.sysRoot ?? "/sys"}/class/powercap`,
      cpuinfoPath: `${options.procRoot ?? "/proc"}/cpuinfo`,
      clock,
    });
    if ("reason" in opened) {
      powercap = null;
      notes.push(`no direct powercap reads: ${opened.reason}`);
    } else powercap = opened;
  }
  if (powercap) readers.push(new BackoffReader(powercap, backoff));

  const pid = options.pid ?? Deno.pid;
  const scope: CpuTimeScope = options.scope ?? (options.cgroupDir ? "cgroup" : "process-tree");
  const task: TaskCpuReader = options.task ??
    (scope === "cgroup"
      ? { scope, read: () => telemetry.readCgroupCpuSeconds(options.cgroupDir ?? "") }
      : scope === "host"
      ? { scope, read: () => null }
      : { scope, read: () => telemetry.readTreeCpuSeconds(pid) });
  const sampler = new EnergySampler({
    clock,
    telemetry,
    task,
    readers,
    gpu: options.gpu === undefined ? new NvidiaSmi() : options.gpu,
  });
  return { sampler, notes };
}

/**
 * Notes on the sources now: the fixed notes, each reader that is failing (and being retried),
 * and a plain statement when no measured source is available.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLoggerSampler, sourceNotes } from "./logger_sources.ts";
 * import { Telemetry } from "./telemetry.ts";
 * import { systemClock } from "../base/clock.ts";
 * const { sampler, notes } = buildLoggerSampler(
 *   { governor: null, powercap: null, gpu: null },
 *   systemClock,
 *   new Telemetry(),
 * );
 * assert.deepEqual(sourceNotes(sampler, notes), [
 *   "governor disabled",
 *   "no measured energy source available: energy is modelled from CPU utilisation",
 * ]);
 * sampler.close();
 * ```
 */
export function sourceNotes(sampler: EnergySampler, fixed: readonly string[]): string[] {
  const notes = [...fixed];
  for (const r of sampler.readers) {
    const st = r.status;
    if (st.lastError !== null) {
      notes.push(
        `${r.source} unavailable (${st.lastError}); retrying with backoff (${st.failures} failures)`,
      );
    }
  }
  if (!sampler.readers.some((r) => r.status.failures === 0)) {
    notes.push("no measured energy source available: energy is modelled from CPU utilisation");
  }
  return notes;
}
