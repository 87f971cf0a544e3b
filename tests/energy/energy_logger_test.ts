import assert from "node:assert/strict";
import { EnergyLogger } from "../../lib/energy/energy_logger.ts";
import type { EnergyLoggerOptions } from "../../lib/energy/energy_logger_options.ts";
import type { HostEnergyReader, HostEnergyReading } from "../../lib/energy/host_energy.ts";
import { modelCpuPowerWatts } from "../../lib/energy/power_model.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildFakePowercap } from "../_kit/fake_powercap.ts";
import { cpu, FakeProcTree } from "../_kit/fake_proc.ts";

/** An in-memory governor: up/down, restartable, counting reads. */
class FakeGovernor implements HostEnergyReader {
  readonly source = "governor" as const;
  up = true;
  instance = "gov-a";
  totalUj = 1_000_000n;
  reads = 0;
  read(): Promise<HostEnergyReading> {
    this.reads++;
    if (!this.up) return Promise.reject(new Error("connect ENOENT /run/fake.sock"));
    return Promise.resolve({ source: "governor", instance: this.instance, totalUj: this.totalUj });
  }
  close(): void {}
}

const near = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

function setup(base: string) {
  const tree = new FakeProcTree(base);
  tree.setStat(cpu({ user: 1000, system: 500, idle: 8000, guest: 0 }));
  tree.setProc({ pid: 4242, ppid: 1, utime: 50, stime: 0 });
  tree.setProc({ pid: 4243, ppid: 4242, utime: 0, stime: 0 });
  tree.setProc({ pid: 999, ppid: 1, utime: 70, stime: 0 });
  const clock = new VirtualClock({ sleep: "manual" });
  return { tree, clock };
}

/**
 * A logger for task 4242 on the fake /proc tree with the given governor and no powercap, GPU or
 * environment; `extra` adds further options.
 */
function fakeProcLogger(
  tree: FakeProcTree,
  clock: VirtualClock,
  governor: HostEnergyReader | null,
  extra: Partial<EnergyLoggerOptions> = {},
): EnergyLogger {
  return new EnergyLogger({
    clock,
    procRoot: tree.procRoot,
    pid: 4242,
    governor,
    powercap: null,
    gpu: null,
    env: {},
    ...extra,
  });
}

/** The second reading of the standard scenario: 400 busy ticks (guest 100 inside user), task 200. */
function advanceProc(tree: FakeProcTree) {
  tree.setStat(cpu({ user: 1300, system: 600, idle: 8600, guest: 100 }));
  tree.setProc({ pid: 4242, ppid: 1, utime: 150, stime: 0 });
  tree.setProc({ pid: 4243, ppid: 4242, utime: 100, stime: 0 });
  tree.setProc({ pid: 999, ppid: 1, utime: 170, stime: 0 });
}

Deno.test("EnergyLogger applies the exact CPU-time ratio to modelled energy on a fake /proc tree", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const logger = fakeProcLogger(tree, clock, null, { sysRoot: tree.sysRoot, tdpWatts: 50 });
  await logger.settled();
  advanceProc(tree);
  await clock.advance(10_000);
  const m = await logger.logMetrics("step", { batch: 7 });
  const e = m.energy;
  // busy = (1300-1000) + (600-500) = 400 ticks; guest 100 is inside user; total = 400 + 600 idle.
  const util = 100 * 400 / 1000;
  const watts = 0.2 * 50 + 0.8 * 50 * Math.pow(util / 100, 0.8);
  assert.equal(m.cpu.cpu_percent, util);
  near(e.allocation_ratio, 200 / 400);
  near(e.energy_wh_total, watts * 10 / 3600);
  near(e.cpu_energy_wh, watts * 10 / 3600);
  near(e.energy_wh_active, (watts - 10) * 10 / 3600);
  near(e.energy_wh_attributed, watts * 10 / 3600 * 0.5);
  near(m.energy_details.energy_wh_attributed_active_only, (watts - 10) * 10 / 3600 * 0.5);
  assert.equal(m.energy_details.idle_policy, "proportional");
  assert.equal(e.attribution_mode, "monitor_only");
  assert.equal(e.source, "model");
  assert.equal(e.coverage, 0);
  assert.equal(e.duration_seconds, 10);
  assert.equal(e.idle_baseline_watts, 10);
  assert.equal(m.timestamp_start, "2026-01-01T00:00:00.000Z");
  assert.equal(m.timestamp_end, "2026-01-01T00:00:10.000Z");
  assert.deepEqual(m.additional_info, { batch: 7 });
  assert.deepEqual(
    Object.keys(e).sort(),
    [
      "duration_seconds",
      "avg_power_watts",
      "idle_baseline_watts",
      "energy_wh_total",
      "energy_wh_active",
      "energy_wh_attributed",
      "allocation_ratio",
      "attribution_mode",
      "source",
      "evidence",
      "cpu_energy_wh",
      "gpu_energy_wh",
      "coverage",
    ].sort(),
  );
  assert.deepEqual(e.evidence, {
    kind: "model",
    simulated: false,
    measuredFraction: 0,
    raplBackend: null,
    kinds: ["model"],
  });
  await logger.close();
});

Deno.test("EnergyLogger active-only policy attributes only energy above the idle baseline", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const logger = fakeProcLogger(tree, clock, null, { tdpWatts: 50, idlePolicy: "active-only" });
  await logger.settled();
  advanceProc(tree);
  await clock.advance(10_000);
  const m = await logger.logMetrics("step");
  assert.equal(m.energy.energy_wh_attributed, m.energy_details.energy_wh_attributed_active_only);
  near(m.energy.energy_wh_attributed, m.energy.energy_wh_active * 0.5);
  assert.ok(m.energy.energy_wh_attributed < m.energy_details.energy_wh_attributed_proportional);
  await logger.close();
});

Deno.test("EnergyLogger uses governor energy with the CPU-time ratio when the governor is up", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const gov = new FakeGovernor();
  const logger = fakeProcLogger(tree, clock, gov);
  await logger.settled();
  advanceProc(tree);
  gov.totalUj += 360_000_000n; // 360 J = 0.1 Wh over 10 s (36 W)
  await clock.advance(10_000);
  const m = await logger.logMetrics("step");
  assert.equal(m.energy.attribution_mode, "governor_cpu_time");
  assert.equal(m.energy.source, "governor");
  assert.equal(m.energy.coverage, 1);
  assert.equal(m.energy.evidence.kind, "governor");
  assert.equal(m.energy.evidence.simulated, false);
  assert.equal(m.energy.evidence.measuredFraction, 1);
  near(m.energy.energy_wh_total, 0.1);
  near(m.energy.avg_power_watts, 36);
  near(m.energy.energy_wh_attributed, 0.05);
  assert.equal(m.cpu.estimated_power_watts, 36);
  await logger.close();
});

Deno.test("EnergyLogger falls back to the model without throwing when the governor is down, then retries it", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const gov = new FakeGovernor();
  gov.up = false;
  const logger = fakeProcLogger(tree, clock, gov, {
    initialBackoffMs: 5_000,
    maxBackoffMs: 20_000,
  });
  await logger.settled();
  await clock.advance(1_000);
  const m1 = await logger.logMetrics("down");
  assert.equal(m1.energy.attribution_mode, "monitor_only");
  assert.equal(m1.energy.source, "model");
  assert.ok(m1.energy.energy_wh_total > 0, "modelled energy must not be 0");
  assert.ok(m1.energy_details.notes.some((n) => n.includes("governor unavailable")));
  assert.equal(gov.reads, 1, "backing off: no second attempt within 5 s");
  gov.up = true;
  await clock.advance(5_000);
  await logger.logMetrics("retried"); // first reading after recovery (interval still modelled)
  assert.equal(gov.reads, 2);
  gov.totalUj += 72_000_000n;
  await clock.advance(2_000);
  const m3 = await logger.logMetrics("measured");
  assert.equal(m3.energy.attribution_mode, "governor_cpu_time");
  near(m3.energy.energy_wh_total, 0.02);
  await logger.close();
});

Deno.test("EnergyLogger span across a governor restart models only the segment with the restart", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const gov = new FakeGovernor();
  const logger = fakeProcLogger(tree, clock, gov, { pollIntervalMs: 0, tdpWatts: 80 });
  await logger.settled();
  const span = logger.span("train");
  await logger.settled();
  await clock.advance(1_000);
  gov.totalUj += 50_000_000n; // 50 J in [0,1]
  await logger.logMetrics("tick-1");
  gov.instance = "gov-b"; // restart: totals start again
  gov.totalUj = 0n;
  tree.setStat(cpu({ user: 1000, system: 500, idle: 8200 })); // an idle second: 0% busy
  await clock.advance(1_000);
  await logger.logMetrics("tick-2"); // [1,2] crosses the restart: modelled (idle: 16 W)
  gov.totalUj += 20_000_000n; // 20 J in [2,3]
  await clock.advance(1_000);
  const record = await span.end();
  const s = record.energy;
  near(s.coverage, 2 / 3, 1e-6);
  assert.equal(s.source, "governor+model");
  assert.equal(s.attribution_mode, "governor_cpu_time");
  near(
    s.cpu_energy_wh,
    (50 + 20 + modelCpuPowerWatts(0, { tdpWatts: 80, idleFraction: 0.2, gamma: 0.8 })) / 3600,
  );
  assert.ok(record.energy_details.events.some((e) => e.includes("gov-a -> gov-b")));
  await logger.close();
});

Deno.test("EnergyLogger spans end on exceptions with using and monitor, and are recorded", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const logger = fakeProcLogger(tree, clock, null);
  await logger.settled();
  let summary: Promise<unknown> | null = null;
  assert.throws(() => {
    using span = logger.span("explodes");
    summary = span.summary;
    throw new RangeError("boom");
  }, RangeError);
  assert.ok(summary !== null);
  await clock.advance(2_000);
  const s = await summary as { duration_seconds: number };
  assert.equal(s.duration_seconds, 0, "span ended when the block threw, before the clock moved");

  await assert.rejects(
    logger.monitor("fails", async () => {
      await clock.advance(3_000);
      throw new TypeError("bad input");
    }),
    TypeError,
  );
  const recs = logger.getMetrics();
  const failed = recs.find((r) => r.operation === "fails");
  assert.ok(failed);
  assert.equal(failed.energy.duration_seconds, 3);
  assert.equal(failed.additional_info.error, "TypeError: bad input");

  {
    await using span = logger.span("async-dispose");
    await clock.advance(500);
    assert.equal(span.ended, false);
  }
  const last = logger.getMetrics().at(-1);
  assert.equal(last?.operation, "async-dispose");
  assert.equal(last?.energy.duration_seconds, 0.5);

  const ok = await logger.monitor("works", () => 41 + 1);
  assert.equal(ok.value, 42);
  assert.equal(ok.record.operation, "works");
  await logger.close();
});

Deno.test("EnergyLogger records tile time, history is bounded, summary and export work", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const logger = fakeProcLogger(tree, clock, null, { historyLimit: 3 });
  await logger.settled();
  const recs = [];
  for (let i = 0; i < 5; i++) {
    await clock.advance(1_000 * (i + 1));
    recs.push(await logger.logMetrics(`op-${i % 2}`));
  }
  for (let i = 1; i < recs.length; i++) {
    assert.equal(recs[i].timestamp_start, recs[i - 1].timestamp_end);
  }
  const summary = logger.getMetricsSummary();
  assert.equal(summary.total_records, 3);
  assert.equal(summary.dropped_records, 2);
  assert.deepEqual(summary.operations, { "op-0": 2, "op-1": 1 });
  near(summary.energy_wh_total, recs.slice(2).reduce((s, r) => s + r.energy.energy_wh_total, 0));
  const json = dir.join("m.json");
  assert.equal(await logger.exportMetrics(json), 3);
  const back = JSON.parse(await Deno.readTextFile(json));
  assert.deepEqual(back.map((r: { operation: string }) => r.operation), ["op-0", "op-1", "op-0"]);
  const jsonl = dir.join("m.jsonl");
  await logger.exportMetrics(jsonl);
  assert.equal((await Deno.readTextFile(jsonl)).trim().split("\n").length, 3);
  await assert.rejects(logger.exportMetrics(dir.join("missing", "x.json")), /could not export/);
  await logger.close();
});

Deno.test("EnergyLogger attributes by cgroup cpu.stat usage when a cgroup is given", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const cg = dir.join("cgroup", "job");
  FakeProcTree.setCgroupUsage(cg, 10_000_000);
  const logger = new EnergyLogger({
    clock,
    procRoot: tree.procRoot,
    cgroupDir: cg,
    governor: null,
    powercap: null,
    gpu: null,
    env: {},
  });
  await logger.settled();
  advanceProc(tree);
  FakeProcTree.setCgroupUsage(cg, 10_000_000 + 3_000_000); // 3 s of 4 s host busy
  await clock.advance(10_000);
  const m = await logger.logMetrics("job");
  near(m.energy.allocation_ratio, 0.75);
  assert.equal(m.energy_details.cpu_time_scope, "cgroup");
  await logger.close();
});

Deno.test("EnergyLogger reads powercap directly when permitted, across a counter wrap", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const max = 262143328850n;
  const pc = buildFakePowercap(dir.join("pc"), [
    { id: "intel-rapl:0", name: "package-0", energy: `${max - 100_000_000n}\n` },
  ]);
  const logger = new EnergyLogger({
    clock,
    procRoot: tree.procRoot,
    sysRoot: dir.join("pc", "sys"),
    pid: 4242,
    governor: null,
    gpu: null,
    env: {},
  });
  await logger.settled();
  advanceProc(tree);
  pc.setEnergy("intel-rapl:0", "200000000\n"); // wrapped: 100 J + 200 J (+ one unit)
  await clock.advance(10_000);
  const m = await logger.logMetrics("step");
  assert.equal(m.energy.source, "powercap");
  assert.deepEqual(m.energy.evidence, {
    kind: "rapl",
    simulated: false,
    measuredFraction: 1,
    raplBackend: "sysfs",
    kinds: ["rapl"],
  });
  assert.equal(m.energy.attribution_mode, "monitor_only");
  near(m.energy.cpu_energy_wh, 300 / 3600, 1e-6);
  await logger.close();
});

Deno.test("EnergyLogger polls during spans so a span's energy has intermediate samples", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const gov = new FakeGovernor();
  const logger = fakeProcLogger(tree, clock, gov, { pollIntervalMs: 1_000 });
  await logger.settled();
  const span = logger.span("polled");
  await logger.settled();
  for (let i = 0; i < 3; i++) {
    gov.totalUj += 1_000_000n;
    await clock.advance(1_000);
  }
  const readsBeforeEnd = gov.reads;
  const rec = await span.end();
  assert.ok(readsBeforeEnd >= 4, `expected start + 3 polls, got ${readsBeforeEnd} reads`);
  near(rec.energy.energy_wh_total, 3 / 3600);
  assert.equal(clock.pendingSleeps, 0, "poller stopped when the last span ended");
  await logger.close();
});

Deno.test("EnergyLogger learns the idle baseline from measured low-utilisation intervals", async () => {
  await using dir = await tempDir();
  const { tree, clock } = await setup(dir.path);
  const gov = new FakeGovernor();
  const logger = fakeProcLogger(tree, clock, gov, { tdpWatts: 200 });
  await logger.settled();
  // 10 s at 5% host CPU, 30 W measured
  tree.setStat(cpu({ user: 1050, system: 500, idle: 8950 }));
  gov.totalUj += 300_000_000n;
  await clock.advance(10_000);
  const quiet = await logger.logMetrics("quiet");
  assert.equal(quiet.energy.idle_baseline_watts, 30);
  assert.equal(quiet.energy_details.idle_baseline_source, "measured");
  // 10 s at 50% host CPU, 80 W measured: the learnt 30 W idle is used
  tree.setStat(cpu({ user: 1550, system: 500, idle: 9450 }));
  gov.totalUj += 800_000_000n;
  await clock.advance(10_000);
  const busy = await logger.logMetrics("busy");
  assert.equal(busy.energy.idle_baseline_watts, 30);
  near(busy.energy.energy_wh_active, (800 - 300) / 3600);
  await logger.close();
});
