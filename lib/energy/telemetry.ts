/**
 * Synchronous reads of `/proc` and `/sys` behind root-path options, so tests point them at fake
 * trees. Every read returns `null` instead of throwing when the file is missing or malformed.
 *
 * Clock ticks: `/proc/stat` and `/proc/<pid>/stat` count in USER_HZ, which is 100 on every
 * mainstream Linux architecture (it is fixed by the kernel ABI and independent of CONFIG_HZ);
 * pass `ticksPerSecond` when `getconf CLK_TCK` says otherwise.
 *
 * @module
 */

import { parseProcStat, type ProcStat } from "./cpu_times.ts";
import { type MemoryMetrics, parseMeminfo } from "./meminfo.ts";
import { parsePidStat, type PidStat, treeTicks } from "./proc_pid_stat.ts";
import { readCgroupCpuSeconds } from "./cgroup_cpu.ts";

/**
 * Root paths of the telemetry seam.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TelemetryRoots } from "./telemetry.ts";
 * import { Telemetry } from "./telemetry.ts";
 * const roots: TelemetryRoots = { procRoot: "/host/proc", ticksPerSecond: 250 };
 * const t = new Telemetry(roots);
 * assert.equal(t.sysRoot, "/sys");
 * assert.equal(t.ticksPerSecond, 250);
 * ```
 */
export interface TelemetryRoots {
  /** procfs root (default `/proc`). */
  readonly procRoot?: string;
  /** sysfs root (default `/sys`). */
  readonly sysRoot?: string;
  /** USER_HZ (default 100). */
  readonly ticksPerSecond?: number;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/**
 * Reads host and process telemetry from `procRoot`/`sysRoot`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Telemetry } from "./telemetry.ts";
 * // A stand-in procfs root, so the figures are known.
 * const procRoot = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${procRoot}/stat`, "cpu  10 0 5 85 0 0 0 0 0 0\ncpu0 5 0 2 43\ncpu1 5 0 3 42\n");
 * const t = new Telemetry({ procRoot });
 * assert.equal(t.readProcStat()?.cpuCount, 2);
 * assert.equal(t.readMemory(), null); // no meminfo there
 * assert.equal(new Telemetry({ procRoot: "/nonexistent" }).readProcStat(), null);
 * Deno.removeSync(procRoot, { recursive: true });
 * ```
 */
export class Telemetry {
  /** procfs root in use. */
  readonly procRoot: string;
  /** sysfs root in use. */
  readonly sysRoot: string;
  /** USER_HZ in use. */
  readonly ticksPerSecond: number;

  /**
   * Creates the instance.
   * @param roots `procRoot` (default `/proc`), `sysRoot` (`/sys`), `ticksPerSecond` (100).
   */
  constructor(roots: TelemetryRoots = {}) {
    this.procRoot = roots.procRoot ?? "/proc";
    this.sysRoot = roots.sysRoot ?? "/sys";
    this.ticksPerSecond = roots.ticksPerSecond ?? 100;
  }

  /** `/proc/stat`, or null. */
  readProcStat(): ProcStat | null {
    const text = readText(`${this.procRoot}/stat`);
    if (text === null) return null;
    try {
      return parseProcStat(text);
    } catch {
      return null;
    }
  }

  /** `/proc/meminfo` figures, or null. */
  readMemory(): MemoryMetrics | null {
    const text = readText(`${this.procRoot}/meminfo`);
    if (text === null) return null;
    try {
      return parseMeminfo(text);
    } catch {
      return null;
    }
  }

  /**
   * Mean current CPU frequency in MHz: cpufreq `scaling_cur_freq` (kHz) of every CPU under
   * `sysRoot`, else the `cpu MHz` lines of `/proc/cpuinfo`, else null.
   */
  readCpuFreqMhz(): number | null {
    const base = `${this.sysRoot}/devices/system/cpu`;
    const khz: number[] = [];
    try {
      for (const e of Deno.readDirSync(base)) {
        if (!/^cpu\d+$/.test(e.name)) continue;
        const v = Number(readText(`${base}/${e.name}/cpufreq/scaling_cur_freq`)?.trim() ?? "x");
        if (Number.isFinite(v) && v > 0) khz.push(v);
      }
    } catch {
      // no cpufreq tree
    }
    if (khz.length > 0) return khz.reduce((s, v) => s + v, 0) / khz.length / 1000;
    const info = readText(`${this.procRoot}/cpuinfo`);
    const mhz = [...(info ?? "").matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1]));
    return mhz.length > 0 ? mhz.reduce((s, v) => s + v, 0) / mhz.length : null;
  }

  /** `/proc/<pid>/stat` of one process, or null. */
  readPidStat(pid: number): PidStat | null {
    const text = readText(`${this.procRoot}/${pid}/stat`);
    if (text === null) return null;
    try {
      return parsePidStat(text);
    } catch {
      return null;
    }
  }

  /** Every readable `/proc/<pid>/stat` (processes that vanish mid-scan are skipped). */
  readAllPidStats(): PidStat[] {
    const out: PidStat[] = [];
    let entries: Iterable<Deno.DirEntry>;
    try {
      entries = Deno.readDirSync(this.procRoot);
    } catch {
      return out;
    }
    for (const e of entries) {
      if (!/^\d+$/.test(e.name)) continue;
      const s = this.readPidStat(Number(e.name));
      if (s) out.push(s);
    }
    return out;
  }

  /**
   * CPU seconds of the process tree rooted at `pid`: the process and its reaped children
   * (utime+stime+cutime+cstime) plus every live descendant, or null when `pid` is gone.
   */
  readTreeCpuSeconds(pid: number): number | null {
    const ticks = treeTicks(this.readAllPidStats(), pid);
    return ticks === null ? null : ticks / this.ticksPerSecond;
  }

  /**
   * CPU seconds of every descendant of `pid`: reaped children (its cutime + cstime) plus live
   * descendants, without the process's own time. This is what `carbon-ops run` attributes: the
   * command it started, including children the command already reaped.
   */
  readDescendantsCpuSeconds(pid: number): number | null {
    const stats = this.readAllPidStats();
    const ticks = treeTicks(stats, pid);
    const self = stats.find((s) => s.pid === pid);
    if (ticks === null || !self) return null;
    return (ticks - self.utime - self.stime) / this.ticksPerSecond;
  }

  /** CPU seconds of one process and its reaped children only, or null. */
  readProcessCpuSeconds(pid: number): number | null {
    const s = this.readPidStat(pid);
    return s === null ? null : (s.utime + s.stime + s.cutime + s.cstime) / this.ticksPerSecond;
  }

  /** cgroup v2 `usage_usec` of `cgroupDir` in seconds, or null. */
  readCgroupCpuSeconds(cgroupDir: string): number | null {
    return readCgroupCpuSeconds(cgroupDir);
  }
}
