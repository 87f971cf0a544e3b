import assert from "node:assert/strict";
import fc from "fast-check";
import { tempDir } from "../../_kit/temp_dir.ts";
import {
  AMD_UNIT_REG,
  expectEnergySourceError,
  INTEL_UNIT_REG,
  openFakeMsrSource,
  registerFileOps,
  TWO_BY_TWO,
  writeCpuinfo,
  writeMsr,
  writeTopology,
} from "../../_kit/fake_msr.ts";
import { openMsrSource } from "../../../lib/energy/rapl/msr.ts";
import { openMsrDevice } from "../../../lib/energy/rapl/msr_device.ts";
import { energyStatusUnit, ujPerRawForEsu } from "../../../lib/energy/rapl/msr_registers.ts";

Deno.test("msr source reads the AMD package register at its large offset in a sparse file", async () => {
  await using dir = await tempDir();
  const host = {
    dev: dir.join("dev/cpu"),
    topo: dir.join("sys/cpu"),
    cpuinfo: dir.join("cpuinfo"),
  };
  writeTopology(host.topo, TWO_BY_TWO);
  writeCpuinfo(host.cpuinfo, "AuthenticAMD", 25, 1);
  for (const cpu of [0, 1, 2, 3]) {
    // In a flat file the unit register's 8 bytes overlap the package register one position
    // later; the ESU lives in byte 1, so writing the package last keeps both meaningful.
    writeMsr(host.dev, cpu, 0xc0010299, AMD_UNIT_REG);
    writeMsr(host.dev, cpu, 0xc001029b, 0x1_0000_0000n + BigInt(40 + cpu));
  }
  const src = openFakeMsrSource(host, [1, 3]);
  try {
    const pkgs = src.domains.filter((d) => d.kind === "package");
    assert.deepEqual(pkgs.map((d) => [d.name, d.cpu]), [["package-0", 1], ["package-1", 3]]);
    const byName = new Map(src.read().map((s) => [s.name, s.raw]));
    assert.deepEqual(pkgs.map((d) => byName.get(d.name)), [41n, 43n]);
    assert.deepEqual(pkgs[0].ujPerRaw, { num: 15625n, den: 1024n }); // 15.2587890625 uJ
    assert.match(pkgs[0].origin, /\/1\/msr MSR 0xC001029B/);
  } finally {
    src.close();
  }
});

Deno.test("msr source reads all AMD registers through msr-driver semantics and labels the core counter", async () => {
  await using dir = await tempDir();
  const host = { dev: "/fake/dev/cpu", topo: dir.join("sys/cpu"), cpuinfo: dir.join("cpuinfo") };
  writeTopology(host.topo, TWO_BY_TWO);
  writeCpuinfo(host.cpuinfo, "HygonGenuine", 24, 1);
  const regs = new Map<number, Map<number, bigint>>();
  for (const cpu of [0, 1, 2, 3]) {
    regs.set(
      cpu,
      new Map([
        [0xc0010299, AMD_UNIT_REG],
        [0xc001029a, BigInt(10 + cpu)],
        [0xc001029b, 0xffff_ffff_0000_0000n + BigInt(40 + cpu)],
      ]),
    );
  }
  const fileOps = registerFileOps(regs);
  const src = openMsrSource({
    topologyRoot: host.topo,
    cpuinfoPath: host.cpuinfo,
    openDevice: (cpu) => openMsrDevice(cpu, { deviceRoot: host.dev, fileOps }),
  });
  try {
    assert.deepEqual(src.domains.map((d) => [d.name, d.inHostTotal]), [
      ["package-0", true],
      ["package-0/core", false],
      ["package-1", true],
      ["package-1/core", false],
    ]);
    assert.deepEqual(src.read().map((s) => s.raw), [40n, 10n, 42n, 12n]);
    assert.match(src.domains[1].note ?? "", /CPU 0: measures a single physical core/);
    regs.get(2)!.delete(0xc001029b); // the register now fails with EIO
    const s = src.read();
    assert.deepEqual([s[0].raw, s[1].raw, s[3].raw], [40n, 10n, 12n]);
    assert.match(s[2].error ?? "", /MSR 0xc001029b .*EIO.*not supported/);
  } finally {
    src.close();
  }
});

Deno.test("msr source reads AMD per socket even when die_id differs between CPUs of a socket", async () => {
  await using dir = await tempDir();
  const topo = dir.join("sys/cpu");
  const cpuinfo = dir.join("cpuinfo");
  writeTopology(topo, [
    { cpu: 0, packageId: 0, dieId: 0 },
    { cpu: 1, packageId: 0, dieId: 1 }, // another CCD of the same socket
    { cpu: 2, packageId: 1, dieId: 2 },
    { cpu: 3, packageId: 1, dieId: 3 },
  ]);
  writeCpuinfo(cpuinfo, "AuthenticAMD", 25, 1);
  const regs = new Map<number, Map<number, bigint>>();
  for (const cpu of [0, 1, 2, 3]) {
    regs.set(cpu, new Map([[0xc0010299, AMD_UNIT_REG], [0xc001029b, 5n], [0xc001029a, 1n]]));
  }
  const fileOps = registerFileOps(regs);
  const openDevice = (cpu: number) => openMsrDevice(cpu, { deviceRoot: "/fake", fileOps });
  const src = openMsrSource({ topologyRoot: topo, cpuinfoPath: cpuinfo, openDevice });
  try {
    assert.deepEqual(src.units.map((u) => [u.cpu, u.name]), [[0, "package-0"], [2, "package-1"]]);
  } finally {
    src.close();
  }
  expectEnergySourceError(
    () => openMsrSource({ topologyRoot: topo, cpuinfoPath: cpuinfo, openDevice, msrCpus: [0, 1] }),
    "invalid-option",
    /CPUs 0 and 1 are both in package 0/,
  );
});

Deno.test("ujPerRawForEsu is exactly 10^6 / 2^ESU in lowest terms", () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 31 }), (esu) => {
    const { num, den } = ujPerRawForEsu(esu);
    assert.equal(num * (1n << BigInt(esu)), 1_000_000n * den);
    let [a, b] = [num, den];
    while (b !== 0n) [a, b] = [b, a % b];
    assert.equal(a, 1n);
  }));
});

Deno.test("energyStatusUnit takes bits 12:8 of any unit register value", () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
    const esu = energyStatusUnit(v);
    assert.ok(esu >= 0 && esu <= 31);
    assert.equal(BigInt(esu), (v / 256n) % 32n);
  }));
  assert.equal(energyStatusUnit(INTEL_UNIT_REG), 14);
  assert.equal(energyStatusUnit(AMD_UNIT_REG), 16);
});
