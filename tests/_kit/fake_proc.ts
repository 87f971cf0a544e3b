/**
 * Builds fake `/proc` and `/sys` trees for the energy tests: `/proc/stat`, `/proc/<pid>/stat`,
 * `/proc/meminfo`, `/proc/cpuinfo`, cpufreq files and cgroup `cpu.stat`.
 */

/** Aggregate cpu line fields in ticks. */
export interface FakeCpu {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

/** A fake process. */
export interface FakeProc {
  pid: number;
  ppid: number;
  comm?: string;
  utime: number;
  stime: number;
  cutime?: number;
  cstime?: number;
  state?: string;
}

/** A zeroed cpu line with overrides. */
export function cpu(over: Partial<FakeCpu> = {}): FakeCpu {
  return {
    user: 0,
    nice: 0,
    system: 0,
    idle: 0,
    iowait: 0,
    irq: 0,
    softirq: 0,
    steal: 0,
    guest: 0,
    guestNice: 0,
    ...over,
  };
}

/** Renders a cpu line. */
export function cpuLine(label: string, c: FakeCpu): string {
  return `${label} ${c.user} ${c.nice} ${c.system} ${c.idle} ${c.iowait} ${c.irq} ${c.softirq} ${c.steal} ${c.guest} ${c.guestNice}`;
}

/** Renders `/proc/<pid>/stat` like the kernel (52 fields). */
export function pidStatLine(p: FakeProc): string {
  const f: (string | number)[] = [
    p.pid,
    `(${p.comm ?? "proc"})`,
    p.state ?? "S",
    p.ppid,
    p.pid,
    p.pid,
    0,
    -1,
    4194304,
    0,
    0,
    0,
    0,
    p.utime,
    p.stime,
    p.cutime ?? 0,
    p.cstime ?? 0,
    20,
    0,
    1,
    0,
    12345,
  ];
  while (f.length < 52) f.push(0);
  return f.join(" ") + "\n";
}

/** A fake procfs/sysfs pair under a temp dir. */
export class FakeProcTree {
  readonly procRoot: string;
  readonly sysRoot: string;
  constructor(base: string) {
    this.procRoot = `${base}/proc`;
    this.sysRoot = `${base}/sys`;
    Deno.mkdirSync(this.procRoot, { recursive: true });
    Deno.mkdirSync(this.sysRoot, { recursive: true });
    this.setMeminfo(8_000_000, 6_000_000);
  }

  /** Writes `/proc/stat` with the aggregate line and `cpus` per-CPU lines (split evenly). */
  setStat(total: FakeCpu, cpus = 2): void {
    const lines = [cpuLine("cpu ", total)];
    for (let i = 0; i < cpus; i++) lines.push(cpuLine(`cpu${i}`, total));
    lines.push("intr 0", "ctxt 0", "btime 0", "processes 1");
    Deno.writeTextFileSync(`${this.procRoot}/stat`, lines.join("\n") + "\n");
  }

  /** Writes or rewrites one process. */
  setProc(p: FakeProc): void {
    Deno.mkdirSync(`${this.procRoot}/${p.pid}`, { recursive: true });
    Deno.writeTextFileSync(`${this.procRoot}/${p.pid}/stat`, pidStatLine(p));
  }

  /** Removes a process (it exited and was reaped). */
  removeProc(pid: number): void {
    Deno.removeSync(`${this.procRoot}/${pid}`, { recursive: true });
  }

  /** Writes `/proc/meminfo`. */
  setMeminfo(totalKb: number, availableKb: number): void {
    Deno.writeTextFileSync(
      `${this.procRoot}/meminfo`,
      `MemTotal:       ${totalKb} kB\nMemFree:        ${availableKb / 2} kB\n` +
        `MemAvailable:   ${availableKb} kB\nBuffers:        0 kB\n`,
    );
  }

  /** Writes cpufreq `scaling_cur_freq` (kHz) for each CPU. */
  setCpuFreqKhz(khz: number[]): void {
    khz.forEach((v, i) => {
      const dir = `${this.sysRoot}/devices/system/cpu/cpu${i}/cpufreq`;
      Deno.mkdirSync(dir, { recursive: true });
      Deno.writeTextFileSync(`${dir}/scaling_cur_freq`, `${v}\n`);
    });
  }

  /** Writes a cgroup `cpu.stat` under `dir`. */
  static setCgroupUsage(dir: string, usageUsec: number): void {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(
      `${dir}/cpu.stat`,
      `usage_usec ${usageUsec}\nuser_usec ${Math.floor(usageUsec / 2)}\nsystem_usec ${
        Math.ceil(usageUsec / 2)
      }\nnr_periods 0\n`,
    );
  }
}
