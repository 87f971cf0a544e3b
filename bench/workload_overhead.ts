/**
 * Per-workload attribution overhead (issue 14): CPU time of the governor's attribution step
 * (`WorkloadAttribution.step`: the cgroup scan with the default patterns, then the conserving
 * attributor) over 1,000 tracked cgroups, beside the bare reads of the same 1,000 `cpu.stat`
 * files and `/proc/stat` in the same run (read whole, not parsed, no directory walk): the ratio
 * says what the governor adds to the I/O it cannot avoid, and the step's CPU time at 1 Hz is its
 * share of one core.
 *
 * The tree is a fake cgroup v2 mount on the local file system (regular files: on a real host the
 * kernel's `cpu.stat` show() adds its own cost, equally to the step and to the bare reads): 200
 * systemd services and 100 Kubernetes pods (systemd driver, burstable) of 7 containers each, so
 * 1,000 workload cgroups plus their slices. Between measured steps every usage file and
 * `/proc/stat` are rewritten with new values (not measured), as a second of real time would.
 *
 * Run: node_modules/.bin/deno run -A bench/workload_overhead.ts [--steps N]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { WorkloadAttribution } from "../governor/workload_attribution.ts";
import { WorkloadAttributor } from "../lib/energy/workloads/attributor.ts";
import { CgroupScanner } from "../lib/energy/workloads/cgroup_scan.ts";
import {
  buildFakeCgroups,
  containerIdOf,
  fakeProcStat,
  kubernetesPodPaths,
  podUidOf,
} from "../tests/_kit/fake_cgroups.ts";

const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

const { values } = parseArgs({ args: Deno.args, options: { steps: { type: "string" } } });
const steps = Number(values.steps ?? 120);

const base = Deno.makeTempDirSync({ prefix: "carbon-ops-workload-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(base, { recursive: true }));

const services = Array.from({ length: 200 }, (_, i) => `system.slice/svc-${i}.service`);
const containers: string[] = [];
const pods: string[] = [];
for (let p = 0; p < 100; p++) {
  const ids = Array.from({ length: 7 }, (_, c) => containerIdOf(p * 7 + c + 1));
  const paths = kubernetesPodPaths(
    { driver: "systemd", qos: "burstable", podUid: podUidOf(p + 1), runtime: "containerd" },
    ids,
  );
  pods.push(paths.pod);
  containers.push(...paths.containers);
}
const leaves = [...services, ...containers];
const fake = buildFakeCgroups(base, {
  layout: "v2",
  cgroups: Object.fromEntries([...leaves, ...pods].map((p) => [p, 0])),
});
Deno.mkdirSync(`${base}/proc`);
const procStat = `${base}/proc/stat`;
let busy = 0, total = 0;

/** A second of CPU time: every leaf gets a little, parents the sum of their children. */
function spendASecond(step: number): void {
  for (let i = 0; i < leaves.length; i++) {
    fake.setUsage(leaves[i], fake.usage(leaves[i]) + 1_000 * ((i + step) % 7 + 1));
  }
  for (let p = 0; p < pods.length; p++) {
    let sum = 0;
    for (let c = 0; c < 7; c++) sum += fake.usage(containers[p * 7 + c]);
    fake.setUsage(pods[p], sum);
  }
  busy += 4_000_000;
  total += 16_000_000;
  fakeProcStat(procStat, busy, total, 16);
}

spendASecond(0);
const scanner = new CgroupScanner({ root: fake.root, procStatPath: procStat });
const attribution = new WorkloadAttribution({
  attributor: new WorkloadAttributor({ policy: "idle", maxWorkloads: 2000 }),
  scan: () => scanner.scan(),
  intervalMs: 1000,
  log: (line) => Deno.stderr.writeSync(encoder.encode(line + "\n")),
});
const first = scanner.scan();
const files = [...first.cgroups.map((c) => `${fake.root}/${c.identity.cgroup}/cpu.stat`), procStat];
say(
  `tracked cgroups: ${first.cgroups.length} (${leaves.length + pods.length} workloads and ` +
    `${
      first.cgroups.length - leaves.length - pods.length
    } slices), files read per step: ${files.length}`,
);

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
let energyUj = 0n;
let stepUs = 0, readUs = 0, scanUs = 0, sink = 0;
for (let s = 1; s <= steps + 5; s++) {
  spendASecond(s);
  energyUj += 390_000_000n;
  const energy = {
    monoNs: BigInt(s) * 1_000_000_000n,
    timeMs: s * 1000,
    domains: { "package-0": energyUj },
  };
  // alternate the order so neither always runs on a warm cache
  const runStep = async () => {
    const t0 = cpuUs();
    await attribution.step(energy);
    return cpuUs() - t0;
  };
  const runReads = () => {
    const t0 = cpuUs();
    for (const f of files) sink += Deno.readFileSync(f).length;
    return cpuUs() - t0;
  };
  // the scan alone (what the step spends outside the attributor), not fed to the attributor
  const runScan = () => {
    const t0 = cpuUs();
    sink += scanner.scan().cgroups.length;
    return cpuUs() - t0;
  };
  let a: number, b: number, c: number;
  if (s % 2 === 0) {
    a = await runStep();
    b = runReads();
    c = runScan();
  } else {
    c = runScan();
    b = runReads();
    a = await runStep();
  }
  if (s > 5) { // warm-up steps are not counted
    stepUs += a;
    readUs += b;
    scanUs += c;
  }
}
const stats = attribution.stats();
if (stats.scanFailures > 0 || stats.intervals !== steps + 4) {
  throw new Error(`the attribution step failed: ${JSON.stringify(stats)}`);
}
const totals = attribution.totals().domains["package-0"];
const sum = Object.values(totals.buckets).reduce((x, y) => x + y, 0n);
if (sum !== totals.hostUj) throw new Error(`buckets sum to ${sum}, host ${totals.hostUj}`);

const perStepMs = stepUs / steps / 1000;
const perReadMs = readUs / steps / 1000;
const perScanMs = scanUs / steps / 1000;
say(`steps measured: ${steps} (bytes read by the bare reads: ${sink})`);
say(`attribution step (scan + attribute), CPU per step: ${perStepMs.toFixed(2)} ms`);
say(`  of which the scan (walk, read, parse, identities): ${perScanMs.toFixed(2)} ms`);
say(`bare reads of the same files, CPU per step:        ${perReadMs.toFixed(2)} ms`);
say(`ratio step / bare reads: ${(perStepMs / perReadMs).toFixed(2)}`);
say(
  `added to the bare reads at 1 Hz: ${((perStepMs - perReadMs) / 10).toFixed(3)} % of one core`,
);
say(
  `at 1 Hz: ${(perStepMs / 10).toFixed(3)} % of one core (bare reads alone ` +
    `${(perReadMs / 10).toFixed(3)} %); target < 1 %`,
);
