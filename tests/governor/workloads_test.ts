import assert from "node:assert/strict";
import { runGovernor } from "../../governor/daemon.ts";
import { openConfiguredSource } from "../../governor/command.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import { GovernorClient, GovernorUnavailableError } from "../../lib/energy/governor_client.ts";
import type { GovernorWorkloads } from "../../lib/energy/wire.ts";
import { buildFakeCgroups, fakeProcStat, podUidOf } from "../_kit/fake_cgroups.ts";
import { kubernetesPodPaths } from "../_kit/fake_cgroups.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { parseExposition } from "../_kit/exposition_parser.ts";
import { ACCEPT_OPENMETRICS } from "../_kit/metrics_governor.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const BUSY = "system.slice/busy.service";
const LIGHT = "system.slice/light.service";

/** Sum of a domain's buckets, from the wire JSON with BigInt (what a script would do). */
function wireSums(json: unknown): Map<string, { host: bigint; sum: bigint; buckets: number }> {
  const body = json as {
    domains: Record<string, { host_uj: string; buckets: Record<string, string> }>;
  };
  const out = new Map<string, { host: bigint; sum: bigint; buckets: number }>();
  for (const [name, d] of Object.entries(body.domains)) {
    assert.match(d.host_uj, /^\d+$/, `${name}.host_uj is a decimal string`);
    let sum = 0n;
    for (const [k, v] of Object.entries(d.buckets)) {
      assert.equal(typeof v, "string", `${name}.buckets.${k} is a decimal string`);
      sum += BigInt(v);
    }
    out.set(name, { host: BigInt(d.host_uj), sum, buckets: Object.keys(d.buckets).length });
  }
  return out;
}

function sumOf(buckets: Readonly<Record<string, bigint>>): bigint {
  return Object.values(buckets).reduce((a, b) => a + b, 0n);
}

Deno.test("a sim governor attributes energy to fake cgroups: the socket, read --workloads --json and the metrics page agree and sum exactly", async () => {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, { layout: "v2", cgroups: { [BUSY]: 0, [LIGHT]: 0 } });
  await Deno.mkdir(dir.join("proc"));
  let busyUsec = 0, totalUsec = 0;
  fakeProcStat(dir.join("proc/stat"), busyUsec, totalUsec);
  const socketPath = dir.join("g.sock");
  await using gov = await startGovernorProcess(socketPath, [
    "--rapl-mode=sim",
    "--group",
    "daemon",
    "--cgroup-root",
    fake.root,
    "--attribution-interval-ms",
    "100",
    "--metrics-listen",
    "127.0.0.1:0",
  ], { env: { CARBON_OPS_ENERGY_PROC_ROOT: dir.join("proc") } });
  assert.match(gov.stderr(), /^workloads: every 100 ms, cgroup v2 at .*\/cgroup \(cpu\.stat\)/m);
  const port = Number(/metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(gov.stderr())?.[1]);
  const client = new GovernorClient({ socketPath, timeoutMs: 5_000 });
  try {
    // Every step, on 2 CPUs: busy 30 ms, light 10 ms, nothing else; the rest idle.
    let totals: GovernorWorkloads | null = null;
    for (let step = 0; step < 400; step++) {
      fake.advance(BUSY, 30_000);
      fake.advance(LIGHT, 10_000);
      busyUsec += 40_000;
      totalUsec += 100_000;
      // replaced whole, as the kernel's file is read whole: the governor scans meanwhile
      fakeProcStat(dir.join("proc/stat.new"), busyUsec, totalUsec);
      Deno.renameSync(dir.join("proc/stat.new"), dir.join("proc/stat"));
      await new Promise((r) => setTimeout(r, 20));
      if (step % 10 !== 9) continue;
      totals = await client.workloads();
      if (totals.intervals >= 15) break;
    }
    assert.ok(totals && totals.intervals >= 15, `only ${totals?.intervals} intervals attributed`);
    const pkg = totals.domains["package-0"];
    assert.equal(sumOf(pkg.buckets), pkg.hostUj, "buckets sum to the host exactly");
    assert.ok(pkg.hostUj > 0n);
    // the busy service used 3 times the light one's CPU time: 3 times its energy (the files are
    // written one after the other while the governor scans, so allow some skew)
    const ratio = Number(pkg.buckets[BUSY]) / Number(pkg.buckets[LIGHT]);
    assert.ok(ratio > 2.4 && ratio < 3.75, `busy/light energy ratio ${ratio}`);
    assert.deepEqual(totals.workloads[BUSY], {
      cgroup: BUSY,
      podUid: null,
      containerId: null,
      qos: null,
      runtime: null,
    });
    const stats = await client.stats();
    // a cpu.stat caught mid-write is skipped for that scan, never a failure
    assert.ok(
      stats.workloads !== null && stats.workloads.cgroups + stats.workloads.skipped >= 3,
      JSON.stringify(stats),
    );
    assert.equal(stats.workloads.scanFailures, 0);

    // carbon-ops read --workloads --json: decimal strings that sum exactly, checked with BigInt
    const read = await runCli(["read", "--workloads", "--json", "--socket", socketPath]);
    assert.equal(read.code, 0, read.stderr);
    const sums = wireSums(JSON.parse(read.stdout));
    assert.ok(sums.has("package-0"));
    for (const [name, s] of sums) assert.equal(s.sum, s.host, `${name}: buckets sum to host_uj`);
    const text = await runCli(["read", "--workloads", "--socket", socketPath, "--top", "1"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^package-0: host \d+\.\d{6} J$/m);
    assert.match(text.stdout, new RegExp(`^ +\\d+\\.\\d{6} +\\d+\\.\\d\\d%  ${BUSY}$`, "m"));
    assert.match(text.stdout, /^ +\d+\.\d{6} +\d+\.\d\d% {2}\(2 more workloads\)$/m);
    assert.match(text.stdout, /^ +\d+\.\d{6} +\d+\.\d\d% {2}\(idle\)$/m);

    // the OpenMetrics page has the family, one series per bucket
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { accept: ACCEPT_OPENMETRICS },
    });
    const page = parseExposition(await res.text(), "openmetrics");
    const family = page.get("carbon_ops_workload_energy_joules");
    assert.equal(family?.type, "counter");
    assert.equal(family?.unit, "joules");
    const cgroups = new Set(family?.samples.map((s) => s.labels.cgroup));
    for (const c of [BUSY, LIGHT, "(idle)"]) assert.ok(cgroups.has(c), `no series for ${c}`);
  } finally {
    client.close();
  }
  assert.equal(await gov.stop(), 0);
});

Deno.test("a governor whose cgroup root is missing says workloads are off, answers workloads_off and serves the rest", async () => {
  await using dir = await tempDir();
  const config = await loadConfig({
    env: { CARBON_OPS_CONFIG: "" },
    flags: {
      governor: {
        raplMode: "sim",
        socketPath: dir.join("g.sock"),
        socketGroup: "daemon",
        cgroupRoot: dir.join("no-cgroups"),
      },
    },
  });
  const log: string[] = [];
  const stop = new AbortController();
  let checked = false;
  const code = await runGovernor({
    config,
    openSource: openConfiguredSource,
    log: { write: (t) => void log.push(t) },
    handleSignals: false,
    signal: stop.signal,
    onReady: async ({ socketPath }) => {
      const client = new GovernorClient({ socketPath });
      try {
        assert.equal((await client.read()).source, "sim");
        await assert.rejects(client.workloads(), (e: unknown) => {
          assert.ok(e instanceof GovernorUnavailableError);
          assert.equal(e.code, "workloads_off");
          assert.match(e.message, /attributes no energy to workloads: no cgroup hierarchy/);
          return true;
        });
        assert.equal((await client.stats()).workloads, null);
        checked = true;
      } finally {
        client.close();
        stop.abort();
      }
    },
  });
  assert.equal(code, 0);
  assert.ok(checked);
  const lines = log.join("").split("\n");
  const off = lines.filter((l) => l.startsWith("workloads:"));
  assert.equal(off.length, 1, lines.join("\n"));
  assert.match(
    off[0],
    /^workloads: off \(no cgroup hierarchy with CPU accounting under .*no-cgroups/,
  );
});

Deno.test("over 10 simulated minutes the governor's per-workload counters sum to the host exactly and a busy cgroup gets its CPU share", async () => {
  await using dir = await tempDir();
  const pod = kubernetesPodPaths({
    driver: "systemd",
    qos: "burstable",
    podUid: podUidOf(7),
    runtime: "containerd",
  }, []).pod;
  const fake = buildFakeCgroups(dir.path, {
    layout: "v2",
    cgroups: { [BUSY]: 0, [pod]: 0, "system.slice/idle.service": 0 },
  });
  await Deno.mkdir(dir.join("proc"));
  let busyUsec = 0, totalUsec = 0;
  fakeProcStat(dir.join("proc/stat"), busyUsec, totalUsec);
  const clock = new VirtualClock({ sleep: "manual" });
  const config = await loadConfig({
    env: { CARBON_OPS_CONFIG: "" },
    flags: {
      governor: {
        raplMode: "sim",
        simPowerWatts: 100,
        socketPath: dir.join("g.sock"),
        socketGroup: "daemon",
        cgroupRoot: fake.root,
        attributionIntervalMs: 1000,
      },
      energy: { procRoot: dir.join("proc") },
    },
  });
  const log: string[] = [];
  const stop = new AbortController();
  let ready: (socketPath: string) => void = () => {};
  const isReady = new Promise<string>((r) => ready = r);
  const done = runGovernor({
    config,
    openSource: openConfiguredSource,
    log: { write: (t) => void log.push(t) },
    handleSignals: false,
    signal: stop.signal,
    clock,
    onReady: ({ socketPath }) => ready(socketPath),
  });
  const socketPath = await isReady;
  const client = new GovernorClient({ socketPath, timeoutMs: 10_000 });
  // the first scan (the baseline, right after the first tick) before any CPU time is spent
  while ((await client.stats()).workloads?.runs !== 1) await new Promise((r) => setTimeout(r, 5));
  // 6000 ticks of 100 ms; per tick on 2 CPUs (200 ms): the busy service 60 ms, the pod 20 ms,
  // 10 ms outside every tracked cgroup, 110 ms idle. Attribution every 10 ticks.
  // The files change once per second of virtual time, before the tick that attributes.
  for (let second = 0; second < 600; second++) {
    fake.advance(BUSY, 600_000);
    fake.advance(pod, 200_000);
    fake.advance("", 100_000);
    busyUsec += 900_000;
    totalUsec += 2_000_000;
    fakeProcStat(dir.join("proc/stat"), busyUsec, totalUsec);
    await clock.advance(1000);
  }
  let totals: GovernorWorkloads;
  let hostTotalUj: bigint;
  try {
    totals = await client.workloads();
    hostTotalUj = (await client.read()).hostTotalUj;
  } finally {
    client.close();
    stop.abort();
  }
  assert.equal(await done, 0, log.join(""));
  assert.equal(totals.intervals, 600);
  const pkg = totals.domains["package-0"];
  // 600 intervals of 1 s at 100 W, all of the governor's energy since the first attribution
  assert.equal(pkg.hostUj, 60_000_000_000n);
  assert.equal(hostTotalUj, pkg.hostUj);
  assert.equal(sumOf(pkg.buckets), pkg.hostUj);
  // idle policy: 110/200 of the energy is idle; the busy 90/200 split 60:20:10
  assert.equal(pkg.buckets["(idle)"], 33_000_000_000n);
  assert.equal(pkg.buckets[BUSY], 18_000_000_000n);
  assert.equal(pkg.buckets[pod], 6_000_000_000n);
  assert.equal(pkg.buckets["(system)"], 3_000_000_000n);
  assert.equal(pkg.buckets["system.slice/idle.service"], 0n);
  assert.equal(totals.workloads[pod].podUid, podUidOf(7));
  assert.equal(totals.workloads[pod].qos, "burstable");
});
