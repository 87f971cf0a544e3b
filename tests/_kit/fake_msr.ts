/**
 * Fake MSR device files (sparse files with 8 little-endian bytes at offset = register), fake
 * CPU topology trees and cpuinfo files.
 */

import assert from "node:assert/strict";
import { openMsrSource } from "../../lib/energy/rapl/msr.ts";
import { EnergySourceError } from "../../lib/energy/rapl/errors.ts";

/** Writes a 64-bit register value into `<deviceRoot>/<cpu>/msr` (created sparse if missing). */
export function writeMsr(deviceRoot: string, cpu: number, register: number, value: bigint): void {
  Deno.mkdirSync(`${deviceRoot}/${cpu}`, { recursive: true });
  const file = Deno.openSync(`${deviceRoot}/${cpu}/msr`, { write: true, create: true });
  try {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value, true);
    file.seekSync(register, Deno.SeekMode.Start);
    file.writeSync(bytes);
  } finally {
    file.close();
  }
}

/** Creates `cpuN/topology/{physical_package_id,die_id}` for each placement. */
export function writeTopology(
  root: string,
  placements: { cpu: number; packageId: number; dieId?: number }[],
): void {
  for (const p of placements) {
    const dir = `${root}/cpu${p.cpu}/topology`;
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(`${dir}/physical_package_id`, `${p.packageId}\n`);
    Deno.writeTextFileSync(`${dir}/die_id`, `${p.dieId ?? 0}\n`);
  }
  Deno.mkdirSync(`${root}/cpufreq`, { recursive: true }); // non-CPU entries exist too
}

/** Writes a two-block cpuinfo with the given vendor, family and model. */
export function writeCpuinfo(path: string, vendorId: string, family: number, model: number): void {
  const block = (n: number) =>
    `processor\t: ${n}\nvendor_id\t: ${vendorId}\ncpu family\t: ${family}\nmodel\t\t: ${model}\n` +
    `model name\t: Fake CPU\n\n`;
  Deno.writeTextFileSync(path, block(0) + block(1));
}

/** Intel unit register value with ESU 14 (61.035 uJ), power unit 3, time unit 10. */
export const INTEL_UNIT_REG = 0x000a0e03n;
/** AMD unit register value with ESU 16 (15.259 uJ). */
export const AMD_UNIT_REG = 0x000a1003n;

/**
 * File operations that behave like the kernel's msr driver rather than a flat file: the read
 * position selects a register and 8 bytes come back, so adjacent registers (AMD 0xC0010299,
 * 0xC001029A, 0xC001029B) do not overlap as they must in a sparse file; an unknown register
 * fails with EIO as on real hardware. Paths must look like `<root>/<cpu>/msr`.
 */
export function registerFileOps(registers: Map<number, Map<number, bigint>>): {
  open(path: string): number;
  pread(fd: number, buf: Uint8Array, position: number): number;
  close(fd: number): void;
} {
  return {
    open(path) {
      const m = /\/(\d+)\/msr$/.exec(path);
      if (!m || !registers.has(Number(m[1]))) {
        throw Object.assign(new Error(`No such file: ${path}`), { code: "ENOENT" });
      }
      return Number(m[1]);
    },
    pread(fd, buf, position) {
      const value = registers.get(fd)?.get(position);
      if (value === undefined) {
        throw Object.assign(new Error("Input/output error"), { code: "EIO" });
      }
      new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, value, true);
      return 8;
    },
    close() {},
  };
}

/** Two packages with two CPUs each (CPUs 0,1 in package 0; 2,3 in package 1). */
export const TWO_BY_TWO: { cpu: number; packageId: number }[] = [
  { cpu: 0, packageId: 0 },
  { cpu: 1, packageId: 0 },
  { cpu: 2, packageId: 1 },
  { cpu: 3, packageId: 1 },
];

/** Paths of a fake MSR host. */
export interface FakeMsrHost {
  /** MSR device root (`<dev>/<cpu>/msr`). */
  dev: string;
  /** CPU topology root. */
  topo: string;
  /** cpuinfo file. */
  cpuinfo: string;
}

/**
 * An Intel host under `base` with TWO_BY_TWO topology and, on every CPU: unit ESU 14, package
 * `0xDEADBEEF_00000000 + 1000 + cpu` (reserved high bits set), core `500 + cpu`, uncore 0 (not
 * implemented, as on servers) and DRAM `200 + cpu`.
 */
export function fakeIntelMsrHost(base: string, model: number): FakeMsrHost {
  const host = { dev: `${base}/dev/cpu`, topo: `${base}/sys/cpu`, cpuinfo: `${base}/cpuinfo` };
  writeTopology(host.topo, TWO_BY_TWO);
  writeCpuinfo(host.cpuinfo, "GenuineIntel", 6, model);
  for (const cpu of [0, 1, 2, 3]) {
    writeMsr(host.dev, cpu, 0x606, INTEL_UNIT_REG);
    writeMsr(host.dev, cpu, 0x611, 0xdead_beef_0000_0000n + BigInt(1000 + cpu));
    writeMsr(host.dev, cpu, 0x639, BigInt(500 + cpu));
    writeMsr(host.dev, cpu, 0x641, 0n);
    writeMsr(host.dev, cpu, 0x619, BigInt(200 + cpu));
  }
  return host;
}

/** Opens the msr source on a fake host, optionally pinned to `msrCpus` (one per package). */
export function openFakeMsrSource(
  host: FakeMsrHost,
  msrCpus: number[] | null = null,
): ReturnType<typeof openMsrSource> {
  return openMsrSource({
    deviceRoot: host.dev,
    topologyRoot: host.topo,
    cpuinfoPath: host.cpuinfo,
    msrCpus,
  });
}

/** Asserts that `fn` throws an EnergySourceError with this `reason` and a message matching `re`. */
export function expectEnergySourceError(fn: () => unknown, reason: string, re: RegExp): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof EnergySourceError)) throw err;
    assert.equal(err.reason, reason);
    assert.match(err.message, re);
    return;
  }
  assert.fail("expected an EnergySourceError");
}
