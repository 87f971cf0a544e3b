/**
 * The MSR backend (opt-in, root): one CPU per package, RAPL energy status registers read at
 * offset = register from kept-open `/dev/cpu/N/msr` files. Samples are raw 32-bit counts
 * (`wrapModulus` 2^32) with an exact microjoules-per-count fraction from the unit register, so
 * wrap arithmetic happens in raw counts before conversion.
 *
 * @module
 */
import type { DomainInfo, DomainKind, DomainSample, EnergySource } from "./energy_source.ts";
import { cpuEnergyCaveats, type CpuInfo, readCpuInfo } from "./cpu_info.ts";
import { chooseMsrCpus, type MsrReadUnit, readCpuTopology } from "./cpu_topology.ts";
import { EnergySourceError } from "./errors.ts";
import { type MsrDevice, openMsrDevice } from "./msr_device.ts";
import { AMD_MSRS, energyStatusUnit, registersFor, ujPerRawFor } from "./msr_registers.ts";

/**
 * Options of {@linkcode openMsrSource}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MsrSourceOptions } from "./msr.ts";
 * import { openMsrSource } from "./msr.ts";
 * const options: MsrSourceOptions = { cpuinfoPath: "/nonexistent/cpuinfo", msrCpus: [0] };
 * assert.throws(() => openMsrSource(options), /unknown CPU vendor null/);
 * ```
 */
export interface MsrSourceOptions {
  /** Directory holding `<cpu>/msr`. Default `/dev/cpu`. */
  readonly deviceRoot?: string;
  /** cpuinfo file giving vendor, family and model. Default `/proc/cpuinfo`. */
  readonly cpuinfoPath?: string;
  /** CPU topology root (`cpuN/topology/physical_package_id`). Default `/sys/devices/system/cpu`. */
  readonly topologyRoot?: string;
  /** CPUs to read, one per package; `null`/absent picks the first CPU of every package. */
  readonly msrCpus?: readonly number[] | null;
  /** Opens a CPU's device. Default: {@linkcode openMsrDevice} under `deviceRoot`. */
  readonly openDevice?: (cpu: number) => MsrDevice;
}

/**
 * An MSR domain: which CPU and register it is read from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MsrDomain } from "./msr.ts";
 * const domain: MsrDomain = {
 *   name: "package-0",
 *   kind: "package",
 *   parent: null,
 *   inHostTotal: true,
 *   wrapModulus: 1n << 32n,
 *   ujPerRaw: { num: 15625n, den: 256n },
 *   origin: "/dev/cpu/0/msr MSR 0x611",
 *   note: null,
 *   cpu: 0,
 *   register: 0x611,
 * };
 * assert.equal((1024n * domain.ujPerRaw.num) / domain.ujPerRaw.den, 62500n); // 1024 counts in uJ
 * ```
 */
export interface MsrDomain extends DomainInfo {
  /** CPU whose device is read. */
  readonly cpu: number;
  /** Energy status register. */
  readonly register: number;
}

/**
 * An MSR energy source with what discovery found, for start-up lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MsrEnergySource } from "./msr.ts";
 * import { openMsrSource } from "./msr.ts";
 * // AMD Zen 3, one package, through an in-memory device.
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/cpuinfo`, "vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t: 1\n");
 * Deno.mkdirSync(`${dir}/cpu0/topology`, { recursive: true });
 * Deno.writeTextFileSync(`${dir}/cpu0/topology/physical_package_id`, "0\n");
 * const regs = new Map([[0xc0010299, 0x10000n], [0xc001029b, 5n], [0xc001029a, 7n]]);
 * const source: MsrEnergySource = openMsrSource({
 *   cpuinfoPath: `${dir}/cpuinfo`,
 *   topologyRoot: dir,
 *   openDevice: (cpu) => ({ cpu, path: "mem", read: (r) => regs.get(r) ?? 0n, close() {} }),
 * });
 * assert.deepEqual(source.domains.map((d) => d.name), ["package-0", "package-0/core"]);
 * assert.equal(source.cpuInfo.vendor, "amd");
 * assert.match(source.domains[1].note ?? "", /single physical core/);
 * source.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export interface MsrEnergySource extends EnergySource {
  /** Always `msr`. */
  readonly kind: "msr";
  /** The domains with CPU and register. */
  readonly domains: readonly MsrDomain[];
  /** CPU identification used for registers and units. */
  readonly cpuInfo: CpuInfo;
  /** Packages read and through which CPU. */
  readonly units: readonly MsrReadUnit[];
  /** Which domains form the host total. */
  readonly hostTotalRule: "psys" | "packages+dram";
  /** Counters probed but not used, and packages not covered by `msrCpus`. */
  readonly skipped: readonly string[];
  /** Caveats about the readings (SGX filtering, hypervisor). */
  readonly caveats: readonly string[];
}

const LOW32 = 0xffff_ffffn;
const hex = (n: number) => `0x${n.toString(16).toUpperCase()}`;

function domainName(kind: DomainKind, unit: MsrReadUnit): string {
  if (kind === "package") return unit.name;
  if (kind === "dram") return `dram-${unit.name.slice("package-".length)}`;
  if (kind === "psys") return "psys";
  return `${unit.name}/${kind}`;
}

/**
 * Opens the MSR backend. Throws {@linkcode EnergySourceError}: `unsupported` (vendor/model
 * without usable RAPL MSRs, or a package counter that cannot be read), `invalid-option`
 * (`msrCpus` naming an unknown CPU or two CPUs of one package), `not-found` (no msr device or
 * topology), `permission` (not root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openMsrSource } from "./msr.ts";
 * // A fake Skylake-X with one package: cpuinfo and topology files plus an in-memory device.
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/cpuinfo`, "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t: 85\n");
 * Deno.mkdirSync(`${dir}/cpu0/topology`, { recursive: true });
 * Deno.writeTextFileSync(`${dir}/cpu0/topology/physical_package_id`, "0\n");
 * const registers = new Map([[0x606, 0xa0e03n], [0x611, 1000n]]);
 * const source = openMsrSource({
 *   cpuinfoPath: `${dir}/cpuinfo`,
 *   topologyRoot: dir,
 *   openDevice: (cpu) => ({
 *     cpu,
 *     path: `/dev/cpu/${cpu}/msr`,
 *     read: (r) => registers.get(r) ?? 0n,
 *     close: () => {},
 *   }),
 * });
 * assert.deepEqual(source.domains.map((d) => d.name), ["package-0"]);
 * assert.deepEqual(source.domains[0].ujPerRaw, { num: 15625n, den: 256n });
 * assert.deepEqual(source.read(), [{ name: "package-0", raw: 1000n }]);
 * assert.equal(source.hostTotalRule, "packages+dram");
 * source.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function openMsrSource(options: MsrSourceOptions = {}): MsrEnergySource {
  const cpuinfoPath = options.cpuinfoPath ?? "/proc/cpuinfo";
  const cpuInfo = readCpuInfo(cpuinfoPath);
  const regs = registersFor(cpuInfo);
  if ("unsupported" in regs) {
    throw new EnergySourceError(`MSR mode: ${regs.unsupported} (from ${cpuinfoPath})`, {
      backend: "msr",
      reason: "unsupported",
      path: cpuinfoPath,
    });
  }
  const topologyRoot = options.topologyRoot ?? "/sys/devices/system/cpu";
  const topology = readCpuTopology(topologyRoot);
  const units = chooseMsrCpus(topology, options.msrCpus ?? null, {
    topologyRoot,
    scope: regs === AMD_MSRS ? "package" : "die",
  });
  const open = options.openDevice ??
    ((cpu: number) => openMsrDevice(cpu, { deviceRoot: options.deviceRoot ?? "/dev/cpu" }));
  const devices: MsrDevice[] = [];
  const domains: Omit<MsrDomain, "inHostTotal">[] = [];
  const skipped: string[] = [];
  try {
    for (const unit of units) {
      const dev = open(unit.cpu);
      devices.push(dev);
      let esu: number;
      try {
        esu = energyStatusUnit(dev.read(regs.unit));
      } catch (err) {
        throw new EnergySourceError(
          `cannot read the RAPL unit register ${hex(regs.unit)} on CPU ${unit.cpu}: ` +
            `${(err as Error).message} (a VM, or a CPU without RAPL?)`,
          { backend: "msr", reason: "unsupported", path: dev.path, cause: err },
        );
      }
      for (const c of regs.counters) {
        if (c.platform && unit !== units[0]) continue;
        let value: bigint | null = null;
        let why = "";
        try {
          value = dev.read(c.register) & LOW32;
        } catch (err) {
          why = (err as Error).message;
        }
        if (c.kind === "package" && value === null) {
          throw new EnergySourceError(
            `cannot read the package energy register ${hex(c.register)} on CPU ${unit.cpu}: ${why}`,
            { backend: "msr", reason: "unsupported", path: dev.path },
          );
        }
        const name = domainName(c.kind, unit);
        if (c.kind !== "package" && (value === null || value === 0n)) {
          // like the kernel: a counter that fails or reads 0 is not implemented here
          skipped.push(
            `${name} (${hex(c.register)}): ${value === null ? why : "reads 0, not implemented"}`,
          );
          continue;
        }
        const amdCore = c.kind === "core" && regs === AMD_MSRS;
        domains.push({
          name,
          kind: c.kind,
          parent: c.kind === "package" || c.kind === "psys" ? null : unit.name,
          wrapModulus: 1n << 32n,
          ujPerRaw: ujPerRawFor(c.kind, esu, cpuInfo),
          origin: `${dev.path} MSR ${hex(c.register)}`,
          note: amdCore
            ? `AMD core counter of CPU ${unit.cpu}: measures a single physical core, not the package`
            : null,
          cpu: unit.cpu,
          register: c.register,
        });
      }
    }
  } catch (err) {
    for (const d of devices) d.close();
    throw err;
  }
  const covered = new Set(units.map((u) => `${u.packageId}/${u.dieId}`));
  for (const p of topology) {
    const dieId = regs === AMD_MSRS ? 0 : p.dieId;
    const key = `${p.packageId}/${dieId}`;
    if (covered.has(key)) continue;
    covered.add(key);
    skipped.push(
      `package ${p.packageId}${dieId ? ` die ${dieId}` : ""}: not read (not in msrCpus)`,
    );
  }
  const hasPsys = domains.some((d) => d.kind === "psys");
  const full = domains.map((d) => ({
    ...d,
    inHostTotal: hasPsys ? d.kind === "psys" : d.kind === "package" || d.kind === "dram",
  }));
  const deviceByCpu = new Map(devices.map((d) => [d.cpu, d]));
  return new MsrSource(full, full.map((d) => deviceByCpu.get(d.cpu)!), devices, {
    cpuInfo,
    units,
    hostTotalRule: hasPsys ? "psys" : "packages+dram",
    skipped,
    caveats: cpuEnergyCaveats(cpuInfo),
  });
}

class MsrSource implements MsrEnergySource {
  readonly kind = "msr" as const;
  readonly domains: readonly MsrDomain[];
  readonly cpuInfo: CpuInfo;
  readonly units: readonly MsrReadUnit[];
  readonly hostTotalRule: "psys" | "packages+dram";
  readonly skipped: readonly string[];
  readonly caveats: readonly string[];
  readonly #deviceOf: readonly MsrDevice[];
  readonly #devices: readonly MsrDevice[];

  constructor(
    domains: MsrDomain[],
    deviceOf: MsrDevice[],
    devices: MsrDevice[],
    facts: Pick<MsrEnergySource, "cpuInfo" | "units" | "hostTotalRule" | "skipped" | "caveats">,
  ) {
    this.domains = domains;
    this.#deviceOf = deviceOf;
    this.#devices = devices;
    this.cpuInfo = facts.cpuInfo;
    this.units = facts.units;
    this.hostTotalRule = facts.hostTotalRule;
    this.skipped = facts.skipped;
    this.caveats = facts.caveats;
  }

  read(): DomainSample[] {
    const out: DomainSample[] = new Array(this.domains.length);
    for (let i = 0; i < this.domains.length; i++) {
      const d = this.domains[i];
      try {
        out[i] = { name: d.name, raw: this.#deviceOf[i].read(d.register) & LOW32 };
      } catch (err) {
        out[i] = { name: d.name, error: (err as Error).message };
      }
    }
    return out;
  }

  close(): void {
    for (const d of this.#devices) d.close();
  }
}
