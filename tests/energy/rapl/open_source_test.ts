import assert from "node:assert/strict";
import { VirtualClock } from "../../../lib/base/clock.ts";
import { tempDir } from "../../_kit/temp_dir.ts";
import { buildFakePowercap, intelTwoSocketZones } from "../../_kit/fake_powercap.ts";
import { INTEL_UNIT_REG, writeCpuinfo, writeMsr, writeTopology } from "../../_kit/fake_msr.ts";
import { openEnergySource } from "../../../lib/energy/rapl/open_source.ts";
import { EnergySourceError } from "../../../lib/energy/rapl/errors.ts";
import { ConfigError } from "../../../lib/base/errors.ts";

function fakeMsrHost(dir: { join(...p: string[]): string }) {
  const dev = dir.join("dev/cpu");
  const topo = dir.join("sys/cpu");
  const cpuinfo = dir.join("cpuinfo");
  writeTopology(topo, [{ cpu: 0, packageId: 0 }, { cpu: 1, packageId: 0 }]);
  writeCpuinfo(cpuinfo, "GenuineIntel", 6, 0x55);
  for (const cpu of [0, 1]) {
    writeMsr(dev, cpu, 0x606, INTEL_UNIT_REG);
    writeMsr(dev, cpu, 0x611, 123n);
  }
  return { msrDeviceRoot: dev, cpuTopologyRoot: topo, cpuinfoPath: cpuinfo };
}

function catchError(fn: () => unknown): EnergySourceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EnergySourceError) return err;
    throw err;
  }
  return assert.fail("expected an EnergySourceError");
}

Deno.test("openEnergySource opens sysfs and describes source, zones, modulus, host total and permissions", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, intelTwoSocketZones());
  const { source, lines, attempts } = openEnergySource({ powercapRoot: tree.classRoot });
  try {
    assert.equal(source.kind, "sysfs");
    assert.deepEqual(attempts.map((a) => [a.backend, a.ok]), [["sysfs", true]]);
    const text = lines.join("\n");
    assert.match(text, /^energy source: powercap sysfs \(6 domains\)/);
    assert.match(
      text,
      /package-1 \[package\] host-total, wraps at 262143328911 uJ, .*intel-rapl:a\/energy_uj/,
    );
    assert.match(text, /package-0\/core \[core in package-0\] not in host total/);
    assert.match(text, /host total: packages \+ dram/);
    assert.match(text, /reading as uid 0 \(root\)/);
  } finally {
    source.close();
  }
});

Deno.test("openEnergySource reports every failure and never falls back to sim", async () => {
  await using dir = await tempDir();
  const cpuinfoPath = dir.join("cpuinfo");
  writeCpuinfo(cpuinfoPath, "GenuineIntel", 6, 0x55);
  const err = catchError(() => openEnergySource({ powercapRoot: dir.path, cpuinfoPath }));
  assert.equal(err.backend, "any");
  assert.match(
    err.message,
    new RegExp(`sysfs: no powercap zones under ${dir.path} \\(VM or no intel_rapl driver\\?\\)`),
  );
  assert.match(err.message, /msr: not tried: governor.allowMsr is false/);
  assert.match(err.message, /--rapl-mode=sim/);
});

Deno.test("openEnergySource falls back from sysfs to msr only when allowMsr is set", async () => {
  await using dir = await tempDir();
  const host = fakeMsrHost(dir);
  const { source, lines, attempts } = openEnergySource({
    powercapRoot: dir.join("none"),
    allowMsr: true,
    ...host,
  });
  try {
    assert.equal(source.kind, "msr");
    assert.deepEqual(attempts.map((a) => [a.backend, a.ok, a.reason]), [
      ["sysfs", false, "not-found"],
      ["msr", true, null],
    ]);
    assert.match(lines[0], /^sysfs not used: no powercap directory/);
    assert.match(
      lines.join("\n"),
      /energy source: MSR \(GenuineIntel family 6 model 0x55\), reading CPU 0 for package-0/,
    );
    assert.match(lines.join("\n"), /wraps at 4294967296 counts x 61.035156 uJ/);
  } finally {
    source.close();
  }
});

Deno.test("openEnergySource refuses msr mode without allowMsr and stops on a bad msrCpus", async () => {
  await using dir = await tempDir();
  const host = fakeMsrHost(dir);
  const tree = buildFakePowercap(dir.path, intelTwoSocketZones());
  let err = catchError(() => openEnergySource({ raplMode: "msr", ...host }));
  assert.equal(err.reason, "invalid-option");
  assert.match(err.message, /allowMsr to true in the config file/);
  err = catchError(() =>
    openEnergySource({
      raplMode: "msr",
      allowMsr: true,
      msrCpus: [0, 1],
      powercapRoot: tree.classRoot,
      ...host,
    })
  );
  assert.equal(err.reason, "invalid-option"); // not masked by the sysfs fallback
  assert.match(err.message, /CPUs 0 and 1 are both in package 0/);
  const { source, attempts } = openEnergySource({
    raplMode: "msr",
    allowMsr: true,
    powercapRoot: tree.classRoot,
    ...host,
    msrDeviceRoot: dir.join("nodev"),
  });
  assert.equal(source.kind, "sysfs");
  assert.deepEqual(attempts.map((a) => [a.backend, a.ok]), [["msr", false], ["sysfs", true]]);
  source.close();
});

Deno.test("openEnergySource opens sim with constant, CSV and cpu profiles and says it is simulated", async () => {
  await using dir = await tempDir();
  const clock = new VirtualClock({ sleep: "manual" });
  let opened = openEnergySource({
    raplMode: "sim",
    clock,
    simPowerWatts: 100,
    simRangeUj: "999999",
  });
  assert.equal(opened.source.kind, "sim");
  assert.match(
    opened.lines[0],
    /SIMULATED \(not a measurement\): constant 100 W, counter range 999999 uJ/,
  );
  await clock.advance(1000);
  assert.deepEqual(opened.source.read().map((s) => s.raw), [100_000_000n % 1_000_000n]);
  const csv = dir.join("p.csv");
  Deno.writeTextFileSync(csv, "0,10\n");
  opened = openEnergySource({ raplMode: "sim", clock, simProfile: csv });
  assert.match(opened.lines[0], /CSV .*p\.csv \(1 steps\)/);
  Deno.writeTextFileSync(dir.join("stat"), "cpu 1 0 0 1 0 0 0 0 0 0\n");
  opened = openEnergySource({ raplMode: "sim", clock, simProfile: "cpu", procRoot: dir.path });
  assert.match(opened.lines[0], /host CPU utilisation/);
  Deno.writeTextFileSync(csv, "0,x\n");
  assert.throws(() => openEnergySource({ raplMode: "sim", simProfile: csv }), ConfigError);
  assert.throws(() => openEnergySource({ raplMode: "sim", simRangeUj: "-1" }), /simRangeUj/);
});
