/**
 * Per-workload attribution cost: one `WorkloadAttributor.update` with 1,000 tracked cgroups (10
 * slices, each with 9 pods of 10 containers: 10 x (1 + 9 x 11) = 1,000) and 3 domains, as the
 * governor runs it every second, beside a floor that only advances the same 1,000 readings (so
 * the ratio is the attributor's own cost); and one `totals()` snapshot of the result.
 * `deno bench -A bench/workload_attributor_bench.ts`.
 */
import { WorkloadAttributor } from "../lib/energy/workloads/attributor.ts";
import type { CgroupScan, WorkloadIdentity } from "../lib/energy/workloads/workload.ts";

const CGROUPS = 1_000;
const DOMAINS = ["package-0", "package-1", "dram"];

interface Reading {
  identity: WorkloadIdentity;
  parent: string | null;
  usageUsec: bigint;
}

function buildTree(): { rows: Reading[]; parentIndex: number[] } {
  const rows: Reading[] = [];
  const parentIndex: number[] = [];
  const id = (cgroup: string): WorkloadIdentity => ({
    cgroup,
    podUid: null,
    containerId: null,
    qos: null,
    runtime: null,
  });
  for (let s = 0; rows.length < CGROUPS; s++) {
    const slice = `slice-${s}.slice`;
    const sliceAt = rows.length;
    rows.push({ identity: id(slice), parent: null, usageUsec: 0n });
    parentIndex.push(-1);
    for (let p = 0; p < 9 && rows.length < CGROUPS; p++) {
      const pod = `${slice}/pod-${p}`;
      const podAt = rows.length;
      rows.push({ identity: id(pod), parent: slice, usageUsec: 0n });
      parentIndex.push(sliceAt);
      for (let c = 0; c < 10 && rows.length < CGROUPS; c++) {
        rows.push({ identity: id(`${pod}/ctr-${c}`), parent: pod, usageUsec: 0n });
        parentIndex.push(podAt);
      }
    }
  }
  return { rows, parentIndex };
}

/** A scan source whose readings move forward by a varying amount on every call. */
function makeSource() {
  const { rows, parentIndex } = buildTree();
  const grow = new Array<bigint>(rows.length);
  let tick = 0n;
  let busy = 0n;
  let total = 0n;
  const energy: Record<string, bigint> = Object.fromEntries(DOMAINS.map((d) => [d, 0n]));
  return () => {
    tick++;
    // Each cgroup's own time, added to its ancestors too (usage is hierarchical); children
    // come after their parents, so a backward pass carries it up.
    for (let i = 0; i < rows.length; i++) grow[i] = BigInt((i * 7 + Number(tick)) % 97);
    for (let i = rows.length - 1; i >= 0; i--) {
      rows[i].usageUsec += grow[i];
      if (parentIndex[i] >= 0) grow[parentIndex[i]] += grow[i];
    }
    busy += 60_000n;
    total += 200_000n;
    for (const d of DOMAINS) energy[d] += 1_234_567n + tick;
    const scan: CgroupScan = {
      monoNs: tick * 1_000_000_000n,
      cgroups: rows,
      hostBusyUsec: busy,
      hostTotalUsec: total,
      skipped: [],
    };
    return { energy: { monoNs: scan.monoNs, timeMs: Number(tick) * 1000, domains: energy }, scan };
  };
}

const floorSource = makeSource();
Deno.bench("floor: advance 1,000 cgroup readings and 3 domains", {
  group: "update",
  baseline: true,
}, () => {
  floorSource();
});

for (
  const [label, options] of [
    ["idle policy, every cgroup its own bucket", { policy: "idle", maxWorkloads: CGROUPS }],
    ["proportional, every cgroup its own bucket", {
      policy: "proportional",
      maxWorkloads: CGROUPS,
    }],
    ["idle policy, default cap (500 in (other))", { policy: "idle" }],
  ] as const
) {
  const source = makeSource();
  const attributor = new WorkloadAttributor(options);
  const first = source();
  attributor.update(first.energy, first.scan);
  Deno.bench(`update: 1,000 cgroups x 3 domains, ${label}`, { group: "update" }, () => {
    const next = source();
    attributor.update(next.energy, next.scan);
  });
}

const snapSource = makeSource();
const snapAttributor = new WorkloadAttributor({ maxWorkloads: CGROUPS });
for (let i = 0; i < 3; i++) {
  const next = snapSource();
  snapAttributor.update(next.energy, next.scan);
}
Deno.bench("totals(): snapshot of 1,000 workloads x 3 domains", { group: "snapshot" }, () => {
  snapAttributor.totals();
});
