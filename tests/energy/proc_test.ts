import assert from "node:assert/strict";
import { busyTicks, cpuDelta, parseProcStat, totalTicks } from "../../lib/energy/cpu_times.ts";
import { findUnifiedRoot, parseCgroupUsageUsec } from "../../lib/energy/cgroup_cpu.ts";
import { parseMeminfo } from "../../lib/energy/meminfo.ts";
import { parsePidStat, treeTicks } from "../../lib/energy/proc_pid_stat.ts";
import { Telemetry } from "../../lib/energy/telemetry.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { cpu, cpuLine, FakeProcTree, pidStatLine } from "../_kit/fake_proc.ts";

Deno.test("parseProcStat reads the aggregate line and counts cpuN lines", () => {
  const text = [
    cpuLine("cpu ", cpu({ user: 10, nice: 2, system: 3, idle: 100, guest: 4, guestNice: 1 })),
    cpuLine("cpu0", cpu()),
    cpuLine("cpu1", cpu()),
    cpuLine("cpu10", cpu()),
    "intr 5 0",
  ].join("\n");
  const s = parseProcStat(text);
  assert.deepEqual(s.cpuCount, 3);
  assert.deepEqual([s.total.user, s.total.nice, s.total.guest, s.total.guestNice], [10, 2, 4, 1]);
});

Deno.test("parseProcStat treats missing trailing fields of old kernels as zero", () => {
  const s = parseProcStat("cpu 1 2 3 4\n");
  assert.deepEqual([s.total.idle, s.total.steal, s.total.guest], [4, 0, 0]);
});

Deno.test("parseProcStat throws SyntaxError when there is no cpu line or a field is garbage", () => {
  assert.throws(() => parseProcStat("intr 1\n"), SyntaxError);
  assert.throws(() => parseProcStat("cpu 1 x 3 4\n"), SyntaxError);
});

Deno.test("busyTicks does not count guest time twice when guest is inside user and nice", () => {
  const t = parseProcStat("cpu 100 20 30 500 10 5 5 7 60 15").total;
  assert.deepEqual(busyTicks(t), 100 + 20 + 30 + 5 + 5);
  assert.deepEqual(totalTicks(t), 160 + 500 + 10 + 7);
});

Deno.test("cpuDelta clamps when counters go backwards after a CPU goes offline", () => {
  const a = parseProcStat("cpu 100 0 100 1000").total;
  const b = parseProcStat("cpu 90 0 95 1020").total;
  const d = cpuDelta(a, b);
  assert.deepEqual(d.busyTicks, 0);
  assert.ok(d.totalTicks >= 0);
});

Deno.test("parsePidStat handles command names with spaces and parentheses", () => {
  const s = parsePidStat(
    pidStatLine({ pid: 77, ppid: 5, comm: "a) b (c", utime: 11, stime: 2, cutime: 3, cstime: 4 }),
  );
  assert.deepEqual([s.pid, s.comm, s.ppid, s.utime, s.stime, s.cutime, s.cstime], [
    77,
    "a) b (c",
    5,
    11,
    2,
    3,
    4,
  ]);
});

Deno.test("parsePidStat throws SyntaxError on a truncated line", () => {
  assert.throws(() => parsePidStat("12 (x) S 1 2 3"), SyntaxError);
});

Deno.test("treeTicks sums live descendants and reaped children but not unrelated processes", () => {
  const stats = [
    { pid: 1, ppid: 0, utime: 1000, stime: 0 },
    { pid: 10, ppid: 1, utime: 5, stime: 5, cutime: 40, cstime: 10 },
    { pid: 11, ppid: 10, utime: 100, stime: 20 },
    { pid: 12, ppid: 11, utime: 7, stime: 3 },
    { pid: 13, ppid: 1, utime: 999, stime: 0 },
  ].map((p) => parsePidStat(pidStatLine(p)));
  assert.deepEqual(treeTicks(stats, 10), 5 + 5 + 40 + 10 + 120 + 10);
  assert.deepEqual(treeTicks(stats, 99), null);
});

Deno.test("parseMeminfo uses MemAvailable and falls back to free+buffers+cached", () => {
  const m = parseMeminfo("MemTotal: 1000000 kB\nMemAvailable: 250000 kB\n");
  assert.deepEqual(m.memory_percent, 75);
  assert.deepEqual(m.memory_available_gb, 250000 * 1024 / 1e9);
  const old = parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 100 kB\nCached: 300 kB\n");
  assert.deepEqual(old.memory_percent, 50);
  assert.throws(() => parseMeminfo("MemFree: 1 kB\n"), SyntaxError);
});

Deno.test("parseCgroupUsageUsec reads usage_usec and rejects text without it", () => {
  assert.deepEqual(parseCgroupUsageUsec("usage_usec 42\nuser_usec 40\n"), 42);
  assert.throws(() => parseCgroupUsageUsec("user_usec 40\n"), SyntaxError);
});

Deno.test("Telemetry reads a fake proc tree: stat, tree CPU seconds, memory, frequency, cgroup", async () => {
  await using dir = await tempDir();
  const tree = new FakeProcTree(dir.path);
  tree.setStat(cpu({ user: 500, system: 100, idle: 1400 }), 4);
  tree.setProc({ pid: 300, ppid: 1, utime: 50, stime: 10, cutime: 20, cstime: 0 });
  tree.setProc({ pid: 301, ppid: 300, utime: 15, stime: 5 });
  tree.setProc({ pid: 302, ppid: 1, utime: 500, stime: 0 });
  tree.setMeminfo(2_000_000, 500_000);
  tree.setCpuFreqKhz([2_000_000, 3_000_000]);
  const t = new Telemetry({ procRoot: tree.procRoot, sysRoot: tree.sysRoot });
  assert.deepEqual(t.readProcStat()?.cpuCount, 4);
  assert.deepEqual(t.readTreeCpuSeconds(300), (50 + 10 + 20 + 15 + 5) / 100);
  assert.deepEqual(t.readProcessCpuSeconds(300), (50 + 10 + 20) / 100);
  assert.deepEqual(t.readTreeCpuSeconds(999), null);
  assert.deepEqual(t.readMemory()?.memory_percent, 75);
  assert.deepEqual(t.readCpuFreqMhz(), 2500);
  FakeProcTree.setCgroupUsage(dir.join("cg", "job"), 1_234_000);
  assert.deepEqual(t.readCgroupCpuSeconds(dir.join("cg", "job")), 1.234);
});

Deno.test("Telemetry falls back to cpuinfo MHz without cpufreq and returns null for missing files", async () => {
  await using dir = await tempDir();
  const tree = new FakeProcTree(dir.path);
  Deno.writeTextFileSync(
    `${tree.procRoot}/cpuinfo`,
    "cpu MHz\t\t: 1000.0\n\ncpu MHz\t\t: 3000.0\n",
  );
  const t = new Telemetry({ procRoot: tree.procRoot, sysRoot: tree.sysRoot });
  assert.deepEqual(t.readCpuFreqMhz(), 2000);
  assert.deepEqual(t.readProcStat(), null);
  assert.deepEqual(new Telemetry({ procRoot: dir.join("none") }).readMemory(), null);
});

Deno.test("findUnifiedRoot finds a pure v2 mount or the hybrid unified directory", async () => {
  await using dir = await tempDir();
  Deno.mkdirSync(dir.join("v2"));
  Deno.writeTextFileSync(dir.join("v2", "cgroup.controllers"), "cpu\n");
  Deno.mkdirSync(dir.join("hybrid", "unified"), { recursive: true });
  Deno.writeTextFileSync(dir.join("hybrid", "unified", "cgroup.controllers"), "\n");
  assert.deepEqual(findUnifiedRoot(dir.join("v2")), dir.join("v2"));
  assert.deepEqual(findUnifiedRoot(dir.join("hybrid")), dir.join("hybrid", "unified"));
  assert.deepEqual(findUnifiedRoot(dir.join("none")), null);
});

Deno.test("Telemetry reads the real /proc of this process", () => {
  const t = new Telemetry();
  const stat = t.readProcStat();
  assert.ok(stat !== null && stat.cpuCount >= 1);
  const own = t.readTreeCpuSeconds(Deno.pid);
  assert.ok(own !== null && own >= 0);
});
