/**
 * Host CPU time from `/proc/stat`: parsing the aggregate `cpu` line and the arithmetic on two
 * readings (busy time, total time, utilisation). Pure functions; reading the file is the
 * caller's job (see `telemetry.ts`).
 *
 * `guest` and `guest_nice` are already included in `user` and `nice` by the kernel
 * (`account_guest_time()` adds guest time to both), so they are parsed but never added again.
 *
 * @module
 */

/**
 * The aggregate `cpu` line of `/proc/stat`, in clock ticks (USER_HZ) summed over all CPUs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuTimes } from "./cpu_times.ts";
 * import { busyTicks, totalTicks } from "./cpu_times.ts";
 * const t: CpuTimes = {
 *   user: 60, nice: 0, system: 20, idle: 120, iowait: 0,
 *   irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0,
 * };
 * assert.equal(busyTicks(t) / totalTicks(t), 0.4);
 * ```
 */
export interface CpuTimes {
  /** Normal processes in user mode (includes `guest`). */
  readonly user: number;
  /** Niced processes in user mode (includes `guestNice`). */
  readonly nice: number;
  /** Kernel mode. */
  readonly system: number;
  /** Idle. */
  readonly idle: number;
  /** Idle while waiting for I/O (counted as idle). */
  readonly iowait: number;
  /** Servicing hardware interrupts. */
  readonly irq: number;
  /** Servicing softirqs. */
  readonly softirq: number;
  /** Time stolen by the hypervisor (the CPU ran someone else: neither busy nor idle here). */
  readonly steal: number;
  /** Running a guest VM; already inside `user`. */
  readonly guest: number;
  /** Running a niced guest VM; already inside `nice`. */
  readonly guestNice: number;
}

/**
 * The `cpu` line of `/proc/stat` plus the number of `cpuN` lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ProcStat } from "./cpu_times.ts";
 * import { parseProcStat } from "./cpu_times.ts";
 * const stat: ProcStat = parseProcStat("cpu  4 0 0 4\ncpu0 2 0 0 2\ncpu1 2 0 0 2\n");
 * assert.equal(stat.cpuCount, 2);
 * assert.equal(stat.total.idle, 4);
 * ```
 */
export interface ProcStat {
  /** Aggregate over all CPUs. */
  readonly total: CpuTimes;
  /** Number of per-CPU lines (`cpu0`, `cpu1`, ...). */
  readonly cpuCount: number;
}

const FIELDS = [
  "user",
  "nice",
  "system",
  "idle",
  "iowait",
  "irq",
  "softirq",
  "steal",
  "guest",
  "guestNice",
] as const;

/**
 * Parses `/proc/stat` text. Missing trailing fields (old kernels) count as 0.
 *
 * @throws {SyntaxError} when there is no aggregate `cpu` line or a field is not a number.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProcStat } from "./cpu_times.ts";
 * const s = parseProcStat("cpu  10 0 5 85 0 0 0 0 2 0\ncpu0 10 0 5 85 0 0 0 0 2 0\n");
 * assert.equal(s.total.user, 10);
 * assert.equal(s.cpuCount, 1);
 * ```
 */
export function parseProcStat(text: string): ProcStat {
  let total: CpuTimes | null = null;
  let cpuCount = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const parts = line.trim().split(/\s+/);
    if (parts[0] === "cpu") total = parseCpuFields(parts.slice(1), line);
    else if (/^cpu\d+$/.test(parts[0])) cpuCount++;
  }
  if (total === null) throw new SyntaxError("no aggregate 'cpu' line in /proc/stat text");
  return { total, cpuCount };
}

function parseCpuFields(values: string[], line: string): CpuTimes {
  const out: Record<string, number> = {};
  FIELDS.forEach((name, i) => {
    const raw = values[i] ?? "0";
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
      throw new SyntaxError(`bad /proc/stat field ${name} '${raw}' in line '${line.trim()}'`);
    }
    out[name] = n;
  });
  return out as unknown as CpuTimes;
}

/**
 * Ticks the CPUs spent doing work: user + nice + system + irq + softirq. Guest time is inside
 * user/nice and not added again; idle, iowait and steal are not work done on this host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { busyTicks, parseProcStat } from "./cpu_times.ts";
 * assert.equal(busyTicks(parseProcStat("cpu 10 1 5 80 2 1 1 0 4 1").total), 18);
 * ```
 */
export function busyTicks(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.irq + t.softirq;
}

/**
 * All ticks: busy + idle + iowait + steal (guest excluded: already counted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProcStat, totalTicks } from "./cpu_times.ts";
 * assert.equal(totalTicks(parseProcStat("cpu 10 1 5 80 2 1 1 0 4 1").total), 100);
 * ```
 */
export function totalTicks(t: CpuTimes): number {
  return busyTicks(t) + t.idle + t.iowait + t.steal;
}

/**
 * Busy and total ticks elapsed between two readings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuDelta } from "./cpu_times.ts";
 * import { cpuDelta, parseProcStat } from "./cpu_times.ts";
 * const d: CpuDelta = cpuDelta(parseProcStat("cpu 0 0 0 0").total, parseProcStat("cpu 5 0 5 10").total);
 * assert.equal((100 * d.busyTicks) / d.totalTicks, 50);
 * ```
 */
export interface CpuDelta {
  /** Busy ticks elapsed (>= 0). */
  readonly busyTicks: number;
  /** All ticks elapsed (>= busyTicks). */
  readonly totalTicks: number;
}

/**
 * Ticks between two readings. A counter that went backwards (e.g. a CPU taken offline) is
 * clamped so that neither value is negative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuDelta, parseProcStat } from "./cpu_times.ts";
 * const a = parseProcStat("cpu 10 0 0 90").total;
 * const b = parseProcStat("cpu 40 0 10 150").total;
 * assert.deepEqual(cpuDelta(a, b), { busyTicks: 40, totalTicks: 100 });
 * ```
 */
export function cpuDelta(prev: CpuTimes, cur: CpuTimes): CpuDelta {
  const busy = Math.max(0, busyTicks(cur) - busyTicks(prev));
  const total = Math.max(busy, totalTicks(cur) - totalTicks(prev));
  return { busyTicks: busy, totalTicks: total };
}

/**
 * Host CPU utilisation in percent (0..100) between two readings; 0 when no time elapsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuUtilisationPct, parseProcStat } from "./cpu_times.ts";
 * const a = parseProcStat("cpu 10 0 0 90").total;
 * const b = parseProcStat("cpu 40 0 10 150").total;
 * assert.equal(cpuUtilisationPct(a, b), 40);
 * ```
 */
export function cpuUtilisationPct(prev: CpuTimes, cur: CpuTimes): number {
  const d = cpuDelta(prev, cur);
  return d.totalTicks === 0 ? 0 : (100 * d.busyTicks) / d.totalTicks;
}
