import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type EnergyTotalsAt,
  WorkloadAttributor,
} from "../../../lib/energy/workloads/attributor.ts";
import {
  type CgroupScan,
  type CgroupUsage,
  IDLE_BUCKET,
  OTHER_BUCKET,
  SYSTEM_BUCKET,
  type WorkloadTotals,
} from "../../../lib/energy/workloads/workload.ts";

const SEC_NS = 1_000_000_000n;

/** One cgroup reading: [path, usage in microseconds, parent path or null]. */
type Row = readonly [string, bigint, string | null];

function scanAt(
  seconds: bigint,
  rows: readonly Row[],
  hostBusyUsec: bigint,
  hostTotalUsec: bigint,
): CgroupScan {
  const cgroups: CgroupUsage[] = rows.map(([cgroup, usageUsec, parent]) => ({
    identity: { cgroup, podUid: null, containerId: null, qos: null, runtime: null },
    parent,
    usageUsec,
  }));
  return { monoNs: seconds * SEC_NS, cgroups, hostBusyUsec, hostTotalUsec, skipped: [] };
}

function energyAt(seconds: bigint, domains: Record<string, bigint>): EnergyTotalsAt {
  return { monoNs: seconds * SEC_NS, timeMs: Number(seconds) * 1000, domains };
}

const sum = (xs: Iterable<bigint>) => {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
};

function assertConserved(totals: WorkloadTotals): void {
  for (const [name, d] of Object.entries(totals.domains)) {
    assert.equal(sum(Object.values(d.buckets)), d.hostUj, `domain ${name} does not sum`);
  }
}

Deno.test("attributor's first update sets the baseline and attributes nothing", () => {
  const a = new WorkloadAttributor();
  a.update(energyAt(5n, { psys: 9_000_000n }), scanAt(5n, [["a", 7_000_000n, null]], 10n, 20n));
  const t = a.totals();
  assert.deepEqual(t.domains, {});
  assert.deepEqual(t.workloads, {});
  assert.equal(t.intervals, 0);
  assert.equal(a.stats().intervals, 0);
  // The next interval attributes only what came after the baseline.
  a.update(
    energyAt(6n, { psys: 9_000_100n }),
    scanAt(6n, [["a", 7_000_050n, null]], 60n, 20n + 50n),
  );
  assert.equal(a.totals().domains.psys.hostUj, 100n);
  assert.equal(a.totals().intervals, 1);
});

Deno.test("attributor gives a cgroup with 3x the CPU time of another 3x the energy", () => {
  for (const policy of ["idle", "proportional"] as const) {
    const a = new WorkloadAttributor({ policy });
    let ua = 0n;
    let ub = 0n;
    let busy = 0n;
    let total = 0n;
    let uj = 0n;
    a.update(energyAt(0n, { pkg: uj }), scanAt(0n, [["a", ua, null], ["b", ub, null]], 0n, 0n));
    let prevA = 0n;
    let prevB = 0n;
    for (let s = 1n; s <= 50n; s++) {
      const step = 1_000n + s * 37n;
      ua += 3n * step;
      ub += step;
      busy += 4n * step + s; // a little work outside the two cgroups
      total += 4n * step + s + 500n;
      uj += 1_000_003n * s;
      a.update(
        energyAt(s, { pkg: uj }),
        scanAt(s, [["a", ua, null], ["b", ub, null]], busy, total),
      );
      const d = a.totals().domains.pkg.buckets;
      const gotA = d.a - prevA;
      const gotB = d.b - prevB;
      // Largest remainder: each part within 1 uJ of its real share, so 3x within 3+1 uJ.
      const diff = gotA - 3n * gotB;
      assert.ok(diff <= 4n && diff >= -4n, `${policy} interval ${s}: a=${gotA} b=${gotB}`);
      assert.ok(gotB > 0n);
      prevA = d.a;
      prevB = d.b;
    }
  }
});

Deno.test("attributor under the idle policy keeps the idle CPU-time share in the idle bucket", () => {
  const a = new WorkloadAttributor({ policy: "idle" });
  a.update(energyAt(0n, { pkg: 0n, dram: 0n }), scanAt(0n, [["a", 0n, null]], 0n, 0n));
  // 4 CPUs for 1 s: 1 s busy (0.6 s in a), 3 s idle -> idle share 3/4.
  a.update(
    energyAt(1n, { pkg: 1_000_001n, dram: 7n }),
    scanAt(1n, [["a", 600_000n, null]], 1_000_000n, 4_000_000n),
  );
  const t = a.totals();
  assert.equal(t.domains.pkg.buckets[IDLE_BUCKET], 750_001n); // 750000.75 rounded up
  assert.equal(t.domains.pkg.buckets.a, 150_000n); // 0.6 of the active 250000.25
  assert.equal(t.domains.pkg.buckets[SYSTEM_BUCKET], 100_000n);
  assert.equal(t.domains.dram.buckets[IDLE_BUCKET], 5n); // 5.25
  assertConserved(t);
});

Deno.test("attributor under the proportional policy has no idle bucket unless nothing ran", () => {
  const a = new WorkloadAttributor({ policy: "proportional" });
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, [["a", 0n, null]], 0n, 0n));
  a.update(
    energyAt(1n, { pkg: 1_000n }),
    scanAt(1n, [["a", 300_000n, null]], 400_000n, 4_000_000n),
  );
  let t = a.totals();
  assert.deepEqual(t.domains.pkg.buckets, { a: 750n, [SYSTEM_BUCKET]: 250n });
  // Nothing ran at all in the next second: the whole delta is idle.
  a.update(
    energyAt(2n, { pkg: 1_500n }),
    scanAt(2n, [["a", 300_000n, null]], 400_000n, 8_000_000n),
  );
  t = a.totals();
  assert.deepEqual(t.domains.pkg.buckets, { a: 750n, [SYSTEM_BUCKET]: 250n, [IDLE_BUCKET]: 500n });
});

Deno.test("attributor puts everything in the idle bucket under the idle policy when nothing ran", () => {
  const a = new WorkloadAttributor({ policy: "idle" });
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, [["a", 5n, null]], 5n, 10n));
  a.update(energyAt(1n, { pkg: 999n }), scanAt(1n, [["a", 5n, null]], 5n, 10n)); // no CPU time
  const b = a.totals().domains.pkg.buckets;
  assert.equal(b[IDLE_BUCKET], 999n);
  assert.equal(sum(Object.values(b)), 999n);
});

Deno.test("attributor weighs a parent by its own CPU time, its tracked children's excluded", () => {
  const a = new WorkloadAttributor({ policy: "proportional" });
  const rows = (p: bigint, c1: bigint, c2: bigint): Row[] => [
    ["kubepods", p, null],
    ["kubepods/pod1", c1 + c2 + 100n, "kubepods"],
    ["kubepods/pod1/ctr1", c1, "kubepods/pod1"],
    ["kubepods/pod1/ctr2", c2, "kubepods/pod1"],
  ];
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, rows(100n, 0n, 0n), 0n, 0n));
  // Interval: ctr1 +300, ctr2 +100, pod1 itself +100 (its usage grows by 500), kubepods itself +0
  // (its usage grows by exactly pod1's 500), system +500 (busy 1000).
  a.update(
    energyAt(1n, { pkg: 10_000n }),
    scanAt(
      1n,
      [
        ["kubepods", 600n, null],
        ["kubepods/pod1", 600n, "kubepods"],
        ["kubepods/pod1/ctr1", 300n, "kubepods/pod1"],
        ["kubepods/pod1/ctr2", 100n, "kubepods/pod1"],
      ],
      1_000n,
      2_000n,
    ),
  );
  assert.deepEqual(a.totals().domains.pkg.buckets, {
    "kubepods": 0n,
    "kubepods/pod1": 1_000n,
    "kubepods/pod1/ctr1": 3_000n,
    "kubepods/pod1/ctr2": 1_000n,
    [SYSTEM_BUCKET]: 5_000n,
  });
});

Deno.test("attributor uses tracked weights as they are when they exceed the host busy time", () => {
  const a = new WorkloadAttributor({ policy: "proportional" });
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, [["a", 0n, null], ["b", 0n, null]], 0n, 0n));
  // Sampling skew: the cgroups report 1200 us, /proc/stat only 1000 us busy.
  a.update(
    energyAt(1n, { pkg: 1_200n }),
    scanAt(1n, [["a", 900n, null], ["b", 300n, null]], 1_000n, 1_000n),
  );
  assert.deepEqual(a.totals().domains.pkg.buckets, { a: 900n, b: 300n, [SYSTEM_BUCKET]: 0n });
  // Under the idle policy the active part weighs the tracked 1200 us, the idle part 1000 us.
  const i = new WorkloadAttributor({ policy: "idle" });
  i.update(energyAt(0n, { pkg: 0n }), scanAt(0n, [["a", 0n, null], ["b", 0n, null]], 0n, 0n));
  i.update(
    energyAt(1n, { pkg: 2_200n }),
    scanAt(1n, [["a", 900n, null], ["b", 300n, null]], 1_000n, 2_000n),
  );
  assert.deepEqual(i.totals().domains.pkg.buckets, {
    [IDLE_BUCKET]: 1_000n,
    a: 900n,
    b: 300n,
    [SYSTEM_BUCKET]: 0n,
  });
});

Deno.test("attributor counts a new cgroup's whole usage capped at the host busy delta", () => {
  const a = new WorkloadAttributor({ policy: "proportional" });
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, [["a", 0n, null]], 0n, 0n));
  // b appears with 5 s of usage, but the host was busy only 1000 us: b weighs 1000, a 1000.
  a.update(
    energyAt(1n, { pkg: 2_000n }),
    scanAt(1n, [["a", 1_000n, null], ["b", 5_000_000n, null]], 1_000n, 1_000n),
  );
  assert.deepEqual(a.totals().domains.pkg.buckets, { a: 1_000n, b: 1_000n, [SYSTEM_BUCKET]: 0n });
  // A newcomer whose usage is below the busy delta weighs its usage.
  a.update(
    energyAt(2n, { pkg: 3_000n }),
    scanAt(2n, [["a", 1_000n, null], ["b", 5_000_000n, null], ["c", 250n, null]], 2_000n, 2_000n),
  );
  const b = a.totals().domains.pkg.buckets;
  assert.equal(b.c, 250n);
  assert.equal(b[SYSTEM_BUCKET], 750n);
});

Deno.test("attributor treats a cgroup's usage decrease as a recreation and counts it", () => {
  const a = new WorkloadAttributor({ policy: "proportional" });
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, [["a", 9_000n, null], ["b", 0n, null]], 0n, 0n));
  a.update(
    energyAt(1n, { pkg: 1_000n }),
    scanAt(1n, [["a", 300n, null], ["b", 700n, null]], 1_000n, 1_000n),
  );
  assert.deepEqual(a.totals().domains.pkg.buckets, { a: 300n, b: 700n, [SYSTEM_BUCKET]: 0n });
  assert.equal(a.stats().cgroupResets, 1);
  a.update( // the next interval counts from the new reading
    energyAt(2n, { pkg: 2_000n }),
    scanAt(2n, [["a", 400n, null], ["b", 1_600n, null]], 2_000n, 2_000n),
  );
  assert.deepEqual(a.totals().domains.pkg.buckets, { a: 400n, b: 1_600n, [SYSTEM_BUCKET]: 0n });
  assert.equal(a.stats().cgroupResets, 1);
});

Deno.test("attributor keeps a vanished cgroup for graceMs, then folds it into (other)", () => {
  const a = new WorkloadAttributor({ policy: "proportional", graceMs: 3_000 });
  const both = (u: bigint): Row[] => [["a", u, null], ["b", u, null]];
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, both(0n), 0n, 0n));
  a.update(energyAt(1n, { pkg: 1_000n }), scanAt(1n, both(500n), 1_000n, 1_000n));
  assert.equal(a.totals().domains.pkg.buckets.b, 500n);
  // b vanishes at s=2; it keeps its bucket (and identity) through s=2+3.
  for (let s = 2n; s <= 4n; s++) {
    a.update(
      energyAt(s, { pkg: s * 1_000n }),
      scanAt(s, [["a", 500n + (s - 1n) * 1_000n, null]], s * 1_000n, s * 1_000n),
    );
    const t = a.totals();
    assert.equal(t.domains.pkg.buckets.b, 500n, `at ${s}`);
    assert.ok("b" in t.workloads);
    assertConserved(t);
  }
  // s=5: last seen at 1, 4 s ago > 3 s: folded.
  a.update(energyAt(5n, { pkg: 5_000n }), scanAt(5n, [["a", 4_500n, null]], 5_000n, 5_000n));
  const t = a.totals();
  assert.equal(t.domains.pkg.buckets.b, undefined);
  assert.equal(t.workloads.b, undefined);
  assert.equal(t.domains.pkg.buckets[OTHER_BUCKET], 500n);
  assert.equal(t.domains.pkg.hostUj, 5_000n);
  assertConserved(t);
  assert.equal(a.stats().cgroupsDropped, 1);
});

Deno.test("attributor resumes a cgroup missing from one scan from its last reading", () => {
  const a = new WorkloadAttributor({ policy: "proportional", graceMs: 10_000 });
  a.update(
    energyAt(0n, { pkg: 0n }),
    scanAt(0n, [["a", 0n, null], ["b", 5_000n, null]], 0n, 0n),
  );
  a.update(energyAt(1n, { pkg: 1_000n }), scanAt(1n, [["a", 1_000n, null]], 1_000n, 1_000n)); // b skipped
  // b is back: 800 us more than its reading at s=0. With that reading kept its delta is 800 (not
  // its whole usage capped at the busy delta, 1000), so a's 200 and b's 800 fill the 1000 exactly.
  a.update(
    energyAt(2n, { pkg: 2_000n }),
    scanAt(2n, [["a", 1_200n, null], ["b", 5_800n, null]], 2_000n, 2_000n),
  );
  const b = a.totals().domains.pkg.buckets;
  assert.equal(b.b, 800n);
  assert.equal(b.a, 1_200n);
  assert.equal(b[SYSTEM_BUCKET], 0n);
  assert.equal(a.stats().cgroupResets, 0);
});

Deno.test("attributor puts cgroups beyond the cap in (other) and gives a freed slot a fresh bucket", () => {
  const a = new WorkloadAttributor({ policy: "proportional", maxWorkloads: 2, graceMs: 1_000 });
  const rows = (s: bigint, names: string[]): Row[] => names.map((n) => [n, s * 100n, null]);
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, rows(0n, ["a", "b", "c", "d"]), 0n, 0n));
  a.update(
    energyAt(1n, { pkg: 400n }),
    scanAt(1n, rows(1n, ["a", "b", "c", "d"]), 400n, 400n),
  );
  let t = a.totals();
  assert.deepEqual(t.domains.pkg.buckets, {
    a: 100n,
    b: 100n,
    [OTHER_BUCKET]: 200n,
    [SYSTEM_BUCKET]: 0n,
  });
  assert.deepEqual(Object.keys(t.workloads).sort(), ["a", "b"]);
  assert.equal(a.stats().overCap, 2);
  assert.equal(a.stats().overCapSeen, 2);
  // a vanishes; after its grace (1 s) it is folded and its slot freed.
  a.update(energyAt(2n, { pkg: 700n }), scanAt(2n, rows(2n, ["b", "c", "d"]), 700n, 700n));
  a.update(energyAt(3n, { pkg: 1_000n }), scanAt(3n, rows(3n, ["b", "c", "d"]), 1_000n, 1_000n));
  t = a.totals();
  assert.equal(t.domains.pkg.buckets.a, undefined);
  assert.equal(a.stats().workloads, 1);
  // Next scan: c takes the free slot and starts from 0; d stays in (other).
  a.update(energyAt(4n, { pkg: 1_300n }), scanAt(4n, rows(4n, ["b", "c", "d"]), 1_300n, 1_300n));
  t = a.totals();
  assert.equal(t.domains.pkg.buckets.c, 100n);
  assert.equal(t.domains.pkg.buckets.b, 400n);
  // (other): c and d for 3 intervals (600) + a's 100 folded + d in the last interval (100).
  assert.equal(t.domains.pkg.buckets[OTHER_BUCKET], 800n);
  assert.deepEqual(Object.keys(t.workloads).sort(), ["b", "c"]);
  assertConserved(t);
  assert.equal(t.domains.pkg.hostUj, 1_300n);
});

Deno.test("attributor treats a domain's decrease as a reset: new baseline, nothing attributed", () => {
  const a = new WorkloadAttributor({ policy: "proportional" });
  const rows = (u: bigint): Row[] => [["a", u, null]];
  a.update(energyAt(0n, { pkg: 5_000n, dram: 0n }), scanAt(0n, rows(0n), 0n, 0n));
  a.update(energyAt(1n, { pkg: 6_000n, dram: 10n }), scanAt(1n, rows(100n), 100n, 100n));
  a.update(energyAt(2n, { pkg: 200n, dram: 20n }), scanAt(2n, rows(200n), 200n, 200n)); // pkg reset
  let t = a.totals();
  assert.equal(t.domains.pkg.hostUj, 1_000n);
  assert.equal(t.domains.dram.hostUj, 20n);
  assert.equal(a.stats().domainResets, 1);
  a.update(energyAt(3n, { pkg: 500n, dram: 30n }), scanAt(3n, rows(300n), 300n, 300n));
  t = a.totals();
  assert.equal(t.domains.pkg.hostUj, 1_300n); // counts on from the new baseline of 200
  assert.equal(t.domains.pkg.buckets.a, 1_300n);
  assertConserved(t);
});

Deno.test("attributor starts a new or returning domain from a baseline", () => {
  const a = new WorkloadAttributor({ policy: "proportional" });
  const rows = (u: bigint): Row[] => [["a", u, null]];
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, rows(0n), 0n, 0n));
  a.update(energyAt(1n, { pkg: 10n, gpu: 1_000_000n }), scanAt(1n, rows(1n), 1n, 1n));
  assert.equal(a.totals().domains.gpu, undefined);
  a.update(energyAt(2n, { pkg: 20n, gpu: 1_000_050n }), scanAt(2n, rows(2n), 2n, 2n));
  assert.equal(a.totals().domains.gpu.hostUj, 50n);
  a.update(energyAt(3n, { pkg: 30n }), scanAt(3n, rows(3n), 3n, 3n)); // gpu missing
  a.update(energyAt(4n, { pkg: 40n, gpu: 9_000_000n }), scanAt(4n, rows(4n), 4n, 4n)); // back
  assert.equal(a.totals().domains.gpu.hostUj, 50n);
  a.update(energyAt(5n, { pkg: 50n, gpu: 9_000_007n }), scanAt(5n, rows(5n), 5n, 5n));
  assert.equal(a.totals().domains.gpu.hostUj, 57n);
  assertConserved(a.totals());
});

Deno.test("attributor's snapshot shares nothing with the attributor", () => {
  const a = new WorkloadAttributor({ policy: "idle", instance: "gov-1" });
  a.update(energyAt(0n, { pkg: 0n }), scanAt(0n, [["a", 0n, null]], 0n, 0n));
  a.update(energyAt(1n, { pkg: 100n }), scanAt(1n, [["a", 50n, null]], 50n, 100n));
  const t = a.totals();
  assert.equal(t.instance, "gov-1");
  assert.equal(t.policy, "idle");
  assert.equal(t.monoNs, SEC_NS);
  assert.equal(t.timeMs, 1000);
  (t.domains.pkg.buckets as Record<string, bigint>).a = 999_999n;
  (t.workloads.a as { cgroup: string }).cgroup = "changed";
  const again = a.totals();
  assert.equal(again.domains.pkg.buckets.a, 50n);
  assert.equal(again.workloads.a.cgroup, "a");
});

Deno.test("attributor rejects options that make no sense, naming them", () => {
  assert.throws(
    () => new WorkloadAttributor({ maxWorkloads: -1 }),
    (e: unknown) => e instanceof RangeError && /maxWorkloads/.test(e.message),
  );
  assert.throws(
    () => new WorkloadAttributor({ graceMs: 1.5 }),
    (e: unknown) => e instanceof RangeError && /graceMs/.test(e.message),
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new WorkloadAttributor({ policy: "active-only" as any }),
    (e: unknown) => e instanceof RangeError && /policy/.test(e.message),
  );
  const d = new WorkloadAttributor();
  assert.deepEqual([d.policy, d.maxWorkloads, d.graceMs, d.instance], ["idle", 500, 60_000, ""]);
});

// --- property: random trees, churn, resets, huge and zero deltas ---------------------------------

/** Universe of cgroups: index -> parent index (a forest, parents first). */
const TREE: readonly (readonly [string, number | null])[] = [
  ["system.slice", null],
  ["system.slice/cron.service", 0],
  ["system.slice/ssh.service", 0],
  ["kubepods.slice", null],
  ["kubepods.slice/pod1", 3],
  ["kubepods.slice/pod1/ctr-a", 4],
  ["kubepods.slice/pod1/ctr-b", 4],
  ["kubepods.slice/pod2", 3],
  ["kubepods.slice/pod2/ctr-c", 7],
  ["user.slice", null],
  ["(idle)", null], // a cgroup named like a bucket must not take the bucket over
];

const stepArb = fc.record({
  dtMs: fc.integer({ min: 0, max: 5_000 }),
  present: fc.array(fc.boolean(), { minLength: TREE.length, maxLength: TREE.length }),
  cpu: fc.array(fc.bigInt({ min: 0n, max: 2_000_000n }), {
    minLength: TREE.length,
    maxLength: TREE.length,
  }),
  resetCgroup: fc.option(fc.integer({ min: 0, max: TREE.length - 1 }), { nil: null }),
  busy: fc.bigInt({ min: 0n, max: 8_000_000n }),
  idle: fc.bigInt({ min: 0n, max: 8_000_000n }),
  hostBackwards: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  energy: fc.array(
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(0n) },
      { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: 50_000_000n }) },
      { weight: 2, arbitrary: fc.bigInt({ min: 2n ** 62n, max: 2n ** 63n - 1n }) },
      { weight: 1, arbitrary: fc.constant(-1n) }, // reset
      { weight: 1, arbitrary: fc.constant(null) }, // domain missing
    ),
    { minLength: 3, maxLength: 3 },
  ),
});

Deno.test("attributor conserves every domain's energy exactly in every interval (property)", () => {
  const domains = ["package-0", "dram", "psys"];
  fc.assert(
    fc.property(
      fc.constantFrom("idle" as const, "proportional" as const),
      fc.integer({ min: 0, max: 8 }),
      fc.integer({ min: 0, max: 8_000 }),
      fc.array(stepArb, { minLength: 2, maxLength: 40 }),
      (policy, maxWorkloads, graceMs, steps) => {
        const a = new WorkloadAttributor({ policy, maxWorkloads, graceMs });
        let monoNs = 0n;
        const usage = TREE.map(() => 0n);
        let busy = 0n;
        let total = 0n;
        const cumUj: (bigint | null)[] = domains.map(() => 0n);
        const prevUj = new Map<string, bigint>();
        const expectedHost = new Map<string, bigint>();
        let prevTotals: WorkloadTotals | null = null;
        for (let k = 0; k < steps.length; k++) {
          const st = steps[k];
          monoNs += BigInt(st.dtMs) * 1_000_000n;
          for (let i = 0; i < TREE.length; i++) usage[i] += st.cpu[i];
          if (st.resetCgroup !== null) usage[st.resetCgroup] = st.cpu[st.resetCgroup] / 3n;
          if (st.hostBackwards) {
            busy = busy / 2n;
            total = total / 2n;
          }
          busy += st.busy;
          total += st.busy + st.idle;
          const rows: CgroupUsage[] = [];
          for (let i = 0; i < TREE.length; i++) {
            if (!st.present[i]) continue;
            const [cgroup, p] = TREE[i];
            rows.push({
              identity: { cgroup, podUid: null, containerId: null, qos: null, runtime: null },
              parent: p !== null && st.present[p] ? TREE[p][0] : null,
              usageUsec: usage[i],
            });
          }
          const energy: Record<string, bigint> = {};
          for (let d = 0; d < domains.length; d++) {
            const e = st.energy[d];
            if (e === null) {
              cumUj[d] = null;
              continue;
            }
            const cur = cumUj[d] ?? 0n;
            cumUj[d] = e === -1n ? cur / 2n : cur + e;
            energy[domains[d]] = cumUj[d]!;
          }
          a.update(
            { monoNs, timeMs: k, domains: energy },
            { monoNs, cgroups: rows, hostBusyUsec: busy, hostTotalUsec: total, skipped: [] },
          );
          // Expected host energy: deltas after the first update, from a present baseline, >= 0.
          for (const [name, uj] of Object.entries(energy)) {
            const prev = prevUj.get(name);
            if (k > 0 && prev !== undefined && uj >= prev) {
              expectedHost.set(name, (expectedHost.get(name) ?? 0n) + (uj - prev));
            }
          }
          prevUj.clear();
          for (const [name, uj] of Object.entries(energy)) prevUj.set(name, uj);

          const t = a.totals();
          for (const [name, d] of Object.entries(t.domains)) {
            assert.equal(sum(Object.values(d.buckets)), d.hostUj, `${name} at step ${k}`);
            assert.equal(d.hostUj, expectedHost.get(name) ?? 0n, `${name} host at step ${k}`);
            for (const [key, uj] of Object.entries(d.buckets)) {
              assert.ok(uj >= 0n);
              if (key !== IDLE_BUCKET && key !== SYSTEM_BUCKET && key !== OTHER_BUCKET) {
                assert.ok(key in t.workloads, `${key} has no identity`);
              }
              // Buckets never lose energy (a dropped bucket leaves; (other) gains it).
              const before = prevTotals?.domains[name]?.buckets[key];
              if (before !== undefined) assert.ok(uj >= before, `${key} shrank in ${name}`);
            }
          }
          for (const [name, uj] of expectedHost) {
            if (uj > 0n) assert.ok(name in t.domains, `${name} missing`);
          }
          assert.ok(Object.keys(t.workloads).length <= maxWorkloads);
          assert.ok(!(IDLE_BUCKET in t.workloads));
          prevTotals = t;
        }
      },
    ),
    { numRuns: 300 },
  );
});
