/**
 * Energy source tick cost (issue 4): one `read()` of every domain, per backend, beside the
 * floor measured in the same run on the same files: the bare positioned reads with no parsing
 * (`pread` on kept-open descriptors) and the naive `Deno.readFileSync` per file per tick.
 * Fake trees on the local file system (regular files, not sysfs: the kernel's `energy_uj`
 * show() adds its own cost on a real host, equally to source and floor).
 *
 * Run: node_modules/.bin/deno bench -A bench/source_bench.ts
 * Per-domain cost = time per iteration / 6.
 */
import * as fs from "node:fs";
import { buildFakePowercap, intelTwoSocketZones } from "../tests/_kit/fake_powercap.ts";
import { INTEL_UNIT_REG, writeCpuinfo, writeMsr, writeTopology } from "../tests/_kit/fake_msr.ts";
import { openSysfsSource } from "../lib/energy/rapl/sysfs.ts";
import { openMsrSource } from "../lib/energy/rapl/msr.ts";
import { createSimSource } from "../lib/energy/rapl/sim.ts";
import { constantPower } from "../lib/energy/rapl/power_profile.ts";
import { systemClock } from "../lib/base/clock.ts";

const dir = Deno.makeTempDirSync({ prefix: "carbon-ops-source-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

// sysfs: the 2-socket Intel tree, 6 domains (package, core, dram per package)
const tree = buildFakePowercap(dir, intelTwoSocketZones());
const sysfs = openSysfsSource({ root: tree.classRoot });
const paths = sysfs.domains.map((d) => d.energyPath);
const fds = paths.map((p) => fs.openSync(p, "r"));
const buf = new Uint8Array(32);
let sink = 0;

Deno.bench({
  name: "sysfs source read() 6 domains",
  group: "sysfs tick",
  baseline: true,
  fn: () => {
    sink += sysfs.read().length;
  },
});
Deno.bench({
  name: "floor: 6 bare pread (kept-open fds, no parse)",
  group: "sysfs tick",
  fn: () => {
    for (const fd of fds) sink += fs.readSync(fd, buf, 0, 32, 0);
  },
});
Deno.bench({
  name: "naive: 6 Deno.readFileSync",
  group: "sysfs tick",
  fn: () => {
    for (const p of paths) sink += Deno.readFileSync(p).length;
  },
});

// The same two ways of reading, on a real sysfs attribute (kernfs show() on every read), when the
// host has one: how much the kernel adds, and what keeping the file open saves there.
const REAL_SYSFS = "/sys/class/net/lo/statistics/rx_bytes";
let realFd = -1;
try {
  realFd = fs.openSync(REAL_SYSFS, "r");
} catch {
  // no sysfs here: group skipped
}
Deno.bench({
  name: "real sysfs attribute: pread at 0 on a kept-open fd",
  group: "real sysfs (1 file)",
  baseline: true,
  ignore: realFd < 0,
  fn: () => {
    sink += fs.readSync(realFd, buf, 0, 32, 0);
  },
});
Deno.bench({
  name: "real sysfs attribute: Deno.readFileSync",
  group: "real sysfs (1 file)",
  ignore: realFd < 0,
  fn: () => {
    sink += Deno.readFileSync(REAL_SYSFS).length;
  },
});

// msr: 2 packages x 2 CPUs, Intel server; package, core, dram per package = 6 domains
const dev = `${dir}/dev/cpu`;
writeTopology(`${dir}/cpu`, [
  { cpu: 0, packageId: 0 },
  { cpu: 1, packageId: 0 },
  { cpu: 2, packageId: 1 },
  { cpu: 3, packageId: 1 },
]);
writeCpuinfo(`${dir}/cpuinfo`, "GenuineIntel", 6, 0x55);
for (const cpu of [0, 1, 2, 3]) {
  writeMsr(dev, cpu, 0x606, INTEL_UNIT_REG);
  for (const reg of [0x611, 0x639, 0x619]) writeMsr(dev, cpu, reg, BigInt(1000 + reg));
}
const msr = openMsrSource({
  deviceRoot: dev,
  topologyRoot: `${dir}/cpu`,
  cpuinfoPath: `${dir}/cpuinfo`,
});
const msrFds = msr.domains.map((d) => ({
  fd: fs.openSync(`${dev}/${d.cpu}/msr`, "r"),
  reg: d.register,
}));
const buf8 = new Uint8Array(8);

Deno.bench({
  name: `msr source read() ${msr.domains.length} domains`,
  group: "msr tick",
  baseline: true,
  fn: () => {
    sink += msr.read().length;
  },
});
Deno.bench({
  name: "floor: 6 bare 8-byte pread at offset = register",
  group: "msr tick",
  fn: () => {
    for (const { fd, reg } of msrFds) sink += fs.readSync(fd, buf8, 0, 8, reg);
  },
});

// sim: 6 packages, constant power, system clock
const sim = createSimSource({ clock: systemClock, profile: constantPower(390), packages: 6 });
Deno.bench({
  name: "sim source read() 6 domains",
  group: "sim tick",
  fn: () => {
    sink += sim.read().length;
  },
});

globalThis.addEventListener("unload", () => {
  sysfs.close();
  msr.close();
  for (const fd of fds) fs.closeSync(fd);
  for (const { fd } of msrFds) fs.closeSync(fd);
  if (realFd >= 0) fs.closeSync(realFd);
  if (sink < 0) throw new Error("unreachable"); // keeps the work observable
});
