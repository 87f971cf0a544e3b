/**
 * Cgroup discovery cost: one scan of a fake cgroup v2 tree with 1,000 tracked cgroups (a
 * Kubernetes node, systemd driver: 199 pods of 4 containers each, plus systemd units) with the
 * default patterns, beside its floor measured in the same run: the bare reads (read + parse) of
 * the same 1,000 `cpu.stat` files. At 1 Hz, a scan of `t` ms costs `t / 10` % of a core.
 * `deno bench -A bench/cgroup_scan_bench.ts`.
 */
import { parseCgroupUsageUsec } from "../lib/energy/cgroup_cpu.ts";
import { CgroupScanner } from "../lib/energy/workloads/cgroup_scan.ts";
import {
  buildFakeCgroups,
  containerIdOf,
  fakeProcStat,
  kubernetesPodPaths,
  podUidOf,
} from "../tests/_kit/fake_cgroups.ts";

const base = Deno.makeTempDirSync({ prefix: "carbon-ops-bench-cgroups-" });
globalThis.addEventListener("unload", () => Deno.removeSync(base, { recursive: true }));

const fake = buildFakeCgroups(base, {
  layout: "v2",
  interfaceFiles: true, // ~50 files per directory, as on a host: listing costs what it does there
  cgroups: {
    "system.slice/containerd.service": 1,
    "system.slice/kubelet.service": 1,
    "system.slice/sshd.service": 1,
    "init.scope": 1, // untracked, listed
  },
});
for (let p = 0; p < 199; p++) {
  const qos = (["guaranteed", "burstable", "besteffort"] as const)[p % 3];
  const ids = [0, 1, 2, 3].map((c) => containerIdOf(p * 4 + c));
  const paths = kubernetesPodPaths({ driver: "systemd", podUid: podUidOf(p), qos }, ids);
  for (const c of paths.containers) fake.advance(c, 1_000 + p);
}
fakeProcStat(`${base}/stat`, 1_000_000, 4_000_000);

const scanner = new CgroupScanner({ root: fake.root, procStatPath: `${base}/stat` });
const first = scanner.scan();
if (first.cgroups.length !== 1_000 || first.skipped.length > 0) {
  throw new Error(`bench tree tracks ${first.cgroups.length} cgroups, expected 1000`);
}
const files = first.cgroups.map((c) => `${fake.root}/${c.identity.cgroup}/cpu.stat`);

Deno.bench("floor: read + parse the 1,000 cpu.stat files", {
  group: "scan",
  baseline: true,
}, () => {
  let sum = 0;
  for (const f of files) sum += parseCgroupUsageUsec(Deno.readTextFileSync(f));
  if (sum <= 0) throw new Error("no usage read");
});

Deno.bench("scan: walk + 1,000 tracked cgroups + /proc/stat (default patterns)", {
  group: "scan",
}, () => {
  if (scanner.scan().cgroups.length !== 1_000) throw new Error("scan lost cgroups");
});

Deno.bench("scan: a new scanner each time (scanCgroups)", { group: "scan" }, () => {
  const s = new CgroupScanner({ root: fake.root, procStatPath: `${base}/stat` });
  if (s.scan().cgroups.length !== 1_000) throw new Error("scan lost cgroups");
});
