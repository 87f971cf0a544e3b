import assert from "node:assert/strict";
import { VirtualClock } from "../../../lib/base/clock.ts";
import { CgroupPattern } from "../../../lib/energy/workloads/cgroup_patterns.ts";
import {
  CgroupScanner,
  resolveCgroupHierarchy,
  scanCgroups,
} from "../../../lib/energy/workloads/cgroup_scan.ts";
import type { CgroupScan } from "../../../lib/energy/workloads/workload.ts";
import { WorkloadAttributor } from "../../../lib/energy/workloads/attributor.ts";
import {
  buildFakeCgroups,
  containerIdOf,
  fakeProcStat,
  kubernetesPodPaths,
  podUidOf,
} from "../../_kit/fake_cgroups.ts";
import { tempDir } from "../../_kit/temp_dir.ts";

/** [cgroup, parent, usage] of every tracked cgroup, in scan order. */
function rows(scan: CgroupScan): [string, string | null, bigint][] {
  return scan.cgroups.map((c) => [c.identity.cgroup, c.parent, c.usageUsec]);
}

function assertParentsFirst(scan: CgroupScan): void {
  const seen = new Set<string>();
  for (const c of scan.cgroups) {
    if (c.parent !== null) {
      assert.ok(seen.has(c.parent), `${c.identity.cgroup} came before its parent ${c.parent}`);
      assert.ok(c.identity.cgroup.startsWith(`${c.parent}/`), `${c.parent} is no ancestor`);
    }
    seen.add(c.identity.cgroup);
  }
}

Deno.test("a v2 host's scan tracks systemd units and Kubernetes pods and containers (systemd driver) with nearest tracked parents", async () => {
  await using dir = await tempDir();
  const a = kubernetesPodPaths(
    { driver: "systemd", podUid: podUidOf(1), qos: "burstable", runtime: "containerd" },
    [containerIdOf(1), containerIdOf(2)],
  );
  const b = kubernetesPodPaths(
    { driver: "systemd", podUid: podUidOf(2), qos: "guaranteed", runtime: "cri-o" },
    [containerIdOf(3)],
  );
  const fake = buildFakeCgroups(dir.path, {
    layout: "v2",
    cgroups: {
      "system.slice/cron.service": 0,
      "system.slice/docker-abc.scope": 0,
      "system.slice/cron.service/inner": 0, // below a service: not tracked
      "user.slice/user-1000.slice/session-2.scope": 0,
      "init.scope": 0, // not a slice
    },
  });
  fake.advance("system.slice/cron.service", 1_000);
  fake.advance("system.slice/docker-abc.scope", 2_000);
  fake.advance("user.slice/user-1000.slice/session-2.scope", 4_000);
  fake.advance(a.containers[0], 10_000);
  fake.advance(a.containers[1], 20_000);
  fake.advance(b.containers[0], 40_000);
  fake.advance(b.conmon[0], 80_000);
  fakeProcStat(dir.join("stat"), 2_000_000, 8_000_000);
  const scanner = new CgroupScanner({
    root: fake.root,
    procStatPath: dir.join("stat"),
    clock: new VirtualClock({ monoNs: 42n }),
  });
  assert.deepEqual(scanner.hierarchy, { version: "v2", dir: fake.root, usageFile: "cpu.stat" });
  const scan = scanner.scan();
  assert.deepEqual(rows(scan), [
    ["kubepods.slice", null, 150_000n],
    [a.pod, "kubepods.slice", 30_000n], // the QoS slice is not tracked: the parent skips it
    [a.containers[0], a.pod, 10_000n],
    [a.containers[1], a.pod, 20_000n],
    [b.pod, "kubepods.slice", 120_000n],
    [b.containers[0], b.pod, 40_000n], // crio-<id> sorts before crio-conmon-<id>
    [b.conmon[0], b.pod, 80_000n],
    ["system.slice", null, 3_000n],
    ["system.slice/cron.service", "system.slice", 1_000n],
    ["system.slice/docker-abc.scope", "system.slice", 2_000n],
    ["user.slice", null, 4_000n],
    ["user.slice/user-1000.slice", "user.slice", 4_000n],
  ]);
  assertParentsFirst(scan);
  const byPath = new Map(scan.cgroups.map((c) => [c.identity.cgroup, c.identity]));
  assert.deepEqual(byPath.get(a.containers[1]), {
    cgroup: a.containers[1],
    podUid: podUidOf(1),
    containerId: containerIdOf(2),
    qos: "burstable",
    runtime: "containerd",
  });
  assert.equal(byPath.get(b.conmon[0])?.containerId, null);
  assert.equal(byPath.get("system.slice/cron.service")?.podUid, null);
  assert.equal(scan.hostBusyUsec, 2_000_000n);
  assert.equal(scan.hostTotalUsec, 8_000_000n);
  assert.equal(scan.monoNs, 42n);
  assert.deepEqual(scan.skipped, []);
});

Deno.test("a v1 host's scan reads cpuacct.usage in nanoseconds and tracks cgroupfs-driver pods and Docker containers", async () => {
  await using dir = await tempDir();
  const pod = kubernetesPodPaths(
    { driver: "cgroupfs", podUid: podUidOf(7), qos: "besteffort", runtime: "containerd" },
    [containerIdOf(7)],
  );
  const guaranteed = kubernetesPodPaths(
    { driver: "cgroupfs", podUid: podUidOf(8), qos: "guaranteed", runtime: "cri-o" },
    [containerIdOf(8)],
  );
  const fake = buildFakeCgroups(dir.path, { layout: "v1", cgroups: {} });
  fake.advance(pod.containers[0], 1_500);
  fake.advance(guaranteed.containers[0], 2_500);
  fake.advance(guaranteed.conmon[0], 100);
  fake.advance(`docker/${containerIdOf(9)}`, 7);
  fake.setUsage("kubepods", 123_456_789); // a raw counter, not the children's sum
  fakeProcStat(dir.join("stat"), 10_000, 20_000);
  const scanner = new CgroupScanner({ root: fake.root, procStatPath: dir.join("stat") });
  assert.deepEqual(scanner.hierarchy, {
    version: "v1",
    dir: `${fake.root}/cpu,cpuacct`,
    usageFile: "cpuacct.usage",
  });
  const scan = scanner.scan();
  assert.deepEqual(rows(scan), [
    [`docker/${containerIdOf(9)}`, null, 7n],
    ["kubepods", null, 123_456_789n],
    [pod.pod, "kubepods", 1_500n],
    [pod.containers[0], pod.pod, 1_500n],
    [guaranteed.pod, "kubepods", 2_600n],
    [guaranteed.containers[0], guaranteed.pod, 2_500n],
    [guaranteed.conmon[0], guaranteed.pod, 100n],
  ]);
  assert.equal(scan.cgroups[3].identity.containerId, containerIdOf(7));
  assert.equal(scan.cgroups[3].identity.qos, "besteffort");
  assert.equal(scan.cgroups[5].identity.runtime, "cri-o");
  assert.equal(scan.cgroups[5].identity.containerId, containerIdOf(8));
  assert.equal(scan.cgroups[6].identity.containerId, null, "the CRI-O monitor is no container");
  assert.equal(scan.cgroups[0].identity.containerId, null, "Docker outside Kubernetes: no pod");
  assertParentsFirst(scan);
});

Deno.test("a v1 host with cpuacct mounted alone is read from <root>/cpuacct", async () => {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, {
    layout: "v1",
    v1Dir: "cpuacct",
    cgroups: { "system.slice/ssh.service": 5 },
  });
  fakeProcStat(dir.join("stat"), 0, 0);
  const scan = scanCgroups({ root: fake.root, procStatPath: dir.join("stat") });
  assert.deepEqual(rows(scan), [
    ["system.slice", null, 0n],
    ["system.slice/ssh.service", "system.slice", 5n],
  ]);
  assert.equal(resolveCgroupHierarchy(fake.root).dir, `${fake.root}/cpuacct`);
});

Deno.test("on a hybrid host auto reads v1 cpuacct (where the CPU controllers are), and v2 reads the unified tree", async () => {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, {
    layout: "hybrid",
    cgroups: { "system.slice/a.service": 1_000 },
  });
  // make the two hierarchies tell themselves apart
  Deno.writeTextFileSync(
    `${fake.root}/unified/system.slice/a.service/cpu.stat`,
    "usage_usec 999\nuser_usec 0\nsystem_usec 999\n",
  );
  fakeProcStat(dir.join("stat"), 0, 0);
  const opts = { root: fake.root, procStatPath: dir.join("stat"), include: ["*/*.service"] };
  const auto = new CgroupScanner(opts);
  assert.equal(auto.hierarchy.version, "v1");
  assert.deepEqual(rows(auto.scan()), [["system.slice/a.service", null, 1_000n]]);
  const v2 = new CgroupScanner({ ...opts, version: "v2" });
  assert.equal(v2.hierarchy.dir, `${fake.root}/unified`);
  assert.deepEqual(rows(v2.scan()), [["system.slice/a.service", null, 999n]]);
  const v1 = new CgroupScanner({ ...opts, version: "v1" });
  assert.equal(v1.hierarchy.dir, `${fake.root}/cpu,cpuacct`);
  // the unified mount alone (hybrid without a v1 cpuacct mount) is v2
  Deno.removeSync(`${fake.root}/cpu,cpuacct`, { recursive: true });
  Deno.removeSync(`${fake.root}/cpuacct`);
  assert.equal(resolveCgroupHierarchy(fake.root).dir, `${fake.root}/unified`);
});

Deno.test("include, exclude and maxDepth decide what is tracked", async () => {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, {
    layout: "v2",
    cgroups: {
      "system.slice/a.service": 1,
      "system.slice/b.service": 2,
      "system.slice/b.service/x/y/z": 3,
      "user.slice/user-1000.slice/user@1000.service/app.slice/term.scope": 4,
      "noisy.slice/deep/er": 5,
    },
  });
  fakeProcStat(dir.join("stat"), 0, 0);
  const scan = (o: { include?: string[]; exclude?: string[]; maxDepth?: number }) =>
    rows(scanCgroups({ root: fake.root, procStatPath: dir.join("stat"), ...o })).map((r) => r[0]);

  assert.deepEqual(scan({ include: ["system.slice/*.service"], exclude: ["*/b.*"] }), [
    "system.slice/a.service",
  ]);
  assert.deepEqual(scan({ include: ["**"], exclude: ["noisy.slice/**", "user.slice/**"] }), [
    "system.slice",
    "system.slice/a.service",
    "system.slice/b.service",
    "system.slice/b.service/x",
    "system.slice/b.service/x/y",
    "system.slice/b.service/x/y/z",
  ]);
  assert.deepEqual(scan({ include: ["**/*.scope", "**/z"], maxDepth: 4 }), []);
  assert.deepEqual(scan({ include: ["**/*.scope", "**/z"], maxDepth: 5 }), [
    "system.slice/b.service/x/y/z",
    "user.slice/user-1000.slice/user@1000.service/app.slice/term.scope",
  ]);
  assert.deepEqual(scan({ include: ["user.slice/?ser-*.slice"] }), ["user.slice/user-1000.slice"]);
  assert.deepEqual(scan({ include: [] }), []);
  assert.throws(() => scan({ include: ["a//b"] }), SyntaxError);
  assert.throws(() => scan({ maxDepth: 0 }), RangeError);
});

Deno.test("patterns step segment by segment and say where a walk can stop", () => {
  const step = (p: CgroupPattern, path: string) =>
    path.split("/").reduce((s, name) => p.step(s, name), p.start());
  const svc = new CgroupPattern("system.slice/*.service");
  assert.ok(svc.mayMatchBelow(step(svc, "system.slice")));
  assert.ok(!svc.mayMatchBelow(step(svc, "user.slice")), "prunes user.slice");
  assert.ok(!svc.mayMatchBelow(step(svc, "system.slice/a.service")), "nothing below a match");
  const sub = new CgroupPattern("kubepods.slice/**");
  assert.ok(sub.coversSubtree(step(sub, "kubepods.slice")));
  assert.ok(sub.coversSubtree(step(sub, "kubepods.slice/x/y")));
  assert.ok(!sub.coversSubtree(step(sub, "other.slice")));
  assert.ok(!svc.coversSubtree(step(svc, "system.slice/a.service")));
  const anywhere = new CgroupPattern(["**", "kubepods", "*", "pod*"].join("/"));
  assert.ok(anywhere.test("a/b/kubepods/burstable/pod1"));
  assert.ok(!anywhere.test("a/b/kubepods/burstable/pod1/c"));
  assert.ok(anywhere.mayMatchBelow(step(anywhere, "anything/at/all")));
  assert.ok(new CgroupPattern("/a?c").test("abc") && !new CgroupPattern("a?c").test("ac"));
  assert.ok(new CgroupPattern("a.b").test("a.b") && !new CgroupPattern("a.b").test("axb"));
});

Deno.test("churn: a cgroup that vanished or cannot be read is skipped with the reason, the rest is scanned, and a recreated one comes back", async () => {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, {
    layout: "v2",
    cgroups: {},
  });
  fake.advance("system.slice/a.service", 10);
  fake.advance("system.slice/b.service", 20);
  fakeProcStat(dir.join("stat"), 0, 0);
  const scanner = new CgroupScanner({ root: fake.root, procStatPath: dir.join("stat") });
  assert.equal(scanner.scan().cgroups.length, 3);

  // removed between listing and reading: the directory is listed, its cpu.stat is gone
  Deno.removeSync(`${fake.root}/system.slice/a.service/cpu.stat`);
  Deno.writeTextFileSync(`${fake.root}/system.slice/b.service/cpu.stat`, "user_usec 1\n");
  const bad = scanner.scan();
  assert.deepEqual(rows(bad), [["system.slice", null, 30n]]);
  assert.deepEqual(bad.skipped, [
    "system.slice/a.service: vanished while scanning",
    "system.slice/b.service: malformed: no usage_usec line in cgroup cpu.stat",
  ]);

  fake.remove("system.slice/a.service");
  fake.setUsage("system.slice/b.service", 20);
  const gone = scanner.scan();
  assert.deepEqual(rows(gone).map((r) => r[0]), ["system.slice", "system.slice/b.service"]);
  assert.deepEqual(gone.skipped, [], "a cgroup removed before listing is simply absent");

  fake.add("system.slice/a.service", 3); // recreated: its counter starts over
  assert.deepEqual(rows(scanner.scan())[1], ["system.slice/a.service", "system.slice", 3n]);
});

Deno.test("a tracked cgroup whose parent is skipped takes the next tracked ancestor as parent", async () => {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, {
    layout: "v1",
    cgroups: { "a.slice/b.slice/c.service": 1 },
  });
  fakeProcStat(dir.join("stat"), 0, 0);
  Deno.writeTextFileSync(`${fake.root}/cpu,cpuacct/a.slice/b.slice/cpuacct.usage`, "many\n");
  const scan = scanCgroups({
    root: fake.root,
    procStatPath: dir.join("stat"),
    include: ["**"],
  });
  assert.deepEqual(rows(scan), [["a.slice", null, 0n], [
    "a.slice/b.slice/c.service",
    "a.slice",
    1n,
  ]]);
  assert.match(scan.skipped[0], /^a\.slice\/b\.slice: malformed: cpuacct.usage 'many'/);
});

Deno.test("host CPU time converts /proc/stat ticks at the given USER_HZ", async () => {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, { layout: "v2", cgroups: {} });
  Deno.writeTextFileSync(dir.join("stat"), "cpu  10 2 3 80 5 1 1 4 7 0\ncpu0 1 0 0 1\n");
  const at = (ticksPerSecond?: number) =>
    scanCgroups({ root: fake.root, procStatPath: dir.join("stat"), ticksPerSecond });
  // busy = user+nice+system+irq+softirq = 17 ticks; total = busy+idle+iowait+steal = 106
  assert.deepEqual([at().hostBusyUsec, at().hostTotalUsec], [170_000n, 1_060_000n]);
  assert.deepEqual([at(250).hostBusyUsec, at(300).hostTotalUsec], [68_000n, 353_333n]);
});

Deno.test("a missing or foreign cgroup root, or a missing /proc/stat, is an error that names the next step", async () => {
  await using dir = await tempDir();
  assert.throws(
    () => new CgroupScanner({ root: dir.join("none") }),
    /no cgroup hierarchy with CPU accounting under .*none.*findmnt/,
  );
  assert.throws(() => new CgroupScanner({ root: dir.path }), /no cgroup hierarchy/);
  const fake = buildFakeCgroups(dir.path, { layout: "v1", cgroups: {} });
  assert.throws(() => new CgroupScanner({ root: fake.root, version: "v2" }), /no cgroup v2/);
  const scanner = new CgroupScanner({ root: fake.root, procStatPath: dir.join("nostat") });
  assert.throws(() => scanner.scan(), /cannot read host CPU times from .*nostat/);
  Deno.removeSync(`${fake.root}/cpu,cpuacct`, { recursive: true });
  assert.throws(
    () => scanner.scan(),
    (e: Error) =>
      /cannot list the cgroup root/.test(e.message) && e.cause instanceof Deno.errors.NotFound,
  );
});

// ---- the real cgroup hierarchy of this machine ----------------------------------------------

/** Why the real-hierarchy test cannot run here, or null when it can. */
function realCgroupsUnavailable(): string | null {
  if (Deno.build.os !== "linux") return "not Linux";
  if (Deno.uid() !== 0) return "needs root to create a cgroup";
  let dir: string;
  try {
    dir = new CgroupScanner({ include: [] }).hierarchy.dir;
  } catch (e) {
    return `no cgroup hierarchy with CPU accounting: ${(e as Error).message}`;
  }
  const probe = `${dir}/carbon-ops-test-probe-${Deno.pid}`;
  try {
    Deno.mkdirSync(probe);
    Deno.removeSync(probe);
    return null;
  } catch (e) {
    return `${dir} is not writable: ${(e as Error).message}`;
  }
}
/** Removes an emptied cgroup; rmdir fails with EBUSY until its last process is reaped. */
async function removeCgroupDir(dir: string): Promise<void> {
  for (let i = 0;; i++) {
    try {
      Deno.removeSync(dir);
      return;
    } catch (e) {
      if (i >= 200) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const REAL_UNAVAILABLE = realCgroupsUnavailable();

Deno.test({
  name:
    `the scan sees a busy process's real cgroup grow, host busy time grow at least as much, and its share of simulated energy is its CPU share${
      REAL_UNAVAILABLE === null ? "" : ` (ignored: ${REAL_UNAVAILABLE})`
    }`,
  ignore: REAL_UNAVAILABLE !== null,
  async fn() {
    const name = `carbon-ops-test-scan-${Deno.pid}-${Date.now()}`;
    const scanner = new CgroupScanner({ include: [name], maxDepth: 1 });
    const cgDir = `${scanner.hierarchy.dir}/${name}`;
    Deno.mkdirSync(cgDir);
    // `$0` names the test so that the leftover-process check can trace it
    const busy = new Deno.Command("sh", {
      args: ["-c", "while :; do :; done", "carbon-ops-test-busy-loop"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      Deno.writeTextFileSync(`${cgDir}/cgroup.procs`, `${busy.pid}\n`);
      assert.match(Deno.readTextFileSync(`/proc/${busy.pid}/cgroup`), new RegExp(`/${name}$`, "m"));
      const usage = (s: CgroupScan) => {
        assert.equal(s.cgroups.length, 1, `the scan tracks ${name}: ${JSON.stringify(s.skipped)}`);
        assert.deepEqual(s.cgroups[0].identity, {
          cgroup: name,
          podUid: null,
          containerId: null,
          qos: null,
          runtime: null,
        });
        return s.cgroups[0].usageUsec;
      };
      const first = scanner.scan();
      let last = first;
      const deadline = Date.now() + 60_000;
      while (usage(last) - usage(first) < 200_000n) {
        assert.ok(Date.now() < deadline, "the busy loop got 200 ms of CPU within 60 s");
        await new Promise((r) => setTimeout(r, 20));
        last = scanner.scan();
      }
      const cgDelta = usage(last) - usage(first);
      const busyDelta = last.hostBusyUsec - first.hostBusyUsec;
      assert.ok(last.monoNs > first.monoNs);
      // /proc/stat counts whole ticks (10 ms) at each CPU's tick: allow two ticks per CPU of skew
      const tickSlackUsec = 20_000n * BigInt(navigator.hardwareConcurrency);
      assert.ok(
        busyDelta + tickSlackUsec >= cgDelta,
        `host busy grew ${busyDelta} us, the cgroup ${cgDelta} us`,
      );
      assert.ok(last.hostTotalUsec - first.hostTotalUsec >= busyDelta);

      // Simulated energy over the same interval (100 W, by the scans' own monotonic times),
      // attributed as the governor does: the busy cgroup gets its share of the host's CPU time.
      const attributor = new WorkloadAttributor({ policy: "idle" });
      const energyAt = (s: CgroupScan) => ({
        monoNs: s.monoNs,
        timeMs: 0,
        domains: { psys: (s.monoNs - first.monoNs) / 10n }, // 100 W = 100 uJ per us
      });
      attributor.update(energyAt(first), first);
      attributor.update(energyAt(last), last);
      const psys = attributor.totals().domains.psys;
      assert.equal(Object.values(psys.buckets).reduce((a, b) => a + b, 0n), psys.hostUj);
      const totalDelta = last.hostTotalUsec - first.hostTotalUsec;
      const share = Number(psys.buckets[name]) / Number(psys.hostUj);
      const cpuShare = Number(cgDelta < busyDelta ? cgDelta : busyDelta) / Number(totalDelta);
      assert.ok(share > 0, "the busy cgroup got energy");
      assert.ok(
        Math.abs(share - cpuShare) < 0.01,
        `energy share ${share} is the CPU-time share ${cpuShare}`,
      );
      // one single-threaded loop can use at most one of the CPUs (plus tick skew)
      const cpus = navigator.hardwareConcurrency;
      assert.ok(share <= 1 / cpus + 0.05, `share ${share} on ${cpus} CPUs`);
    } finally {
      busy.kill("SIGKILL");
      await busy.status;
      await removeCgroupDir(cgDir);
    }
  },
});
