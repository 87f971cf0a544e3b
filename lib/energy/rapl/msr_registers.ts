/**
 * RAPL model-specific registers and energy units (Intel SDM vol. 4, AMD PPR 17h/19h), and the
 * pure arithmetic that turns a unit register into an exact microjoules-per-count fraction.
 *
 * @module
 */
import type { DomainKind } from "./energy_source.ts";
import type { CpuInfo } from "./cpu_info.ts";

/**
 * One energy counter register.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MsrCounter } from "./msr_registers.ts";
 * import { INTEL_MSRS } from "./msr_registers.ts";
 * const psys: MsrCounter | undefined = INTEL_MSRS.counters.find((c) => c.platform);
 * assert.deepEqual(psys, { kind: "psys", register: 0x64d, platform: true });
 * ```
 */
export interface MsrCounter {
  /** Domain kind it measures. */
  readonly kind: DomainKind;
  /** Register number (also the file offset in `/dev/cpu/N/msr`). */
  readonly register: number;
  /** Read once per host (platform scope) rather than once per package. */
  readonly platform: boolean;
}

/**
 * Registers of one vendor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MsrRegisterSet } from "./msr_registers.ts";
 * import { registersFor } from "./msr_registers.ts";
 * const regs = registersFor({ vendor: "intel", vendorId: "GenuineIntel", family: 6, model: 0x55 });
 * const set = regs as MsrRegisterSet;
 * assert.equal(set.counters.length, 5);
 * ```
 */
export interface MsrRegisterSet {
  /** Power/energy/time unit register; energy status unit (ESU) in bits 12:8. */
  readonly unit: number;
  /** Energy status registers, package first. */
  readonly counters: readonly MsrCounter[];
}

/**
 * Intel RAPL registers (package, PP0 core, PP1 uncore, DRAM, platform/psys).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INTEL_MSRS } from "./msr_registers.ts";
 * assert.equal(INTEL_MSRS.unit, 0x606);
 * assert.deepEqual(INTEL_MSRS.counters[0], { kind: "package", register: 0x611, platform: false });
 * ```
 */
export const INTEL_MSRS: MsrRegisterSet = Object.freeze({
  unit: 0x606,
  counters: Object.freeze(
    [
      { kind: "package", register: 0x611, platform: false },
      { kind: "core", register: 0x639, platform: false },
      { kind: "uncore", register: 0x641, platform: false },
      { kind: "dram", register: 0x619, platform: false },
      { kind: "psys", register: 0x64d, platform: true },
    ] as const,
  ),
});

/**
 * AMD family 17h/19h/1Ah (and Hygon 18h) RAPL registers; the core counter is per core.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AMD_MSRS } from "./msr_registers.ts";
 * assert.equal(AMD_MSRS.unit, 0xc0010299);
 * assert.deepEqual(AMD_MSRS.counters.map((c) => c.kind), ["package", "core"]);
 * ```
 */
export const AMD_MSRS: MsrRegisterSet = Object.freeze({
  unit: 0xc0010299,
  counters: Object.freeze(
    [
      { kind: "package", register: 0xc001029b, platform: false },
      { kind: "core", register: 0xc001029a, platform: false },
    ] as const,
  ),
});

/**
 * Intel family-6 models whose DRAM counter uses the fixed 15.3 uJ unit (Haswell-EP and later
 * servers, Xeon Phi).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INTEL_SERVER_DRAM_MODELS } from "./msr_registers.ts";
 * assert.ok(INTEL_SERVER_DRAM_MODELS.has(0x55)); // Skylake-X
 * assert.ok(!INTEL_SERVER_DRAM_MODELS.has(0x9e)); // a desktop Kaby Lake
 * ```
 */
export const INTEL_SERVER_DRAM_MODELS: ReadonlySet<number> = new Set([
  0x3f, // Haswell-X
  0x4f, // Broadwell-X
  0x55, // Skylake-X / Cascade Lake / Cooper Lake
  0x57, // Xeon Phi Knights Landing
  0x85, // Xeon Phi Knights Mill
  0x6a, // Ice Lake-X
  0x6c, // Ice Lake-D
]);

/**
 * Intel family-6 models whose psys counter uses a fixed 1 J unit (Sapphire Rapids and later
 * servers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INTEL_FIXED_PSYS_MODELS } from "./msr_registers.ts";
 * assert.ok(INTEL_FIXED_PSYS_MODELS.has(0x8f)); // Sapphire Rapids-X
 * assert.equal(INTEL_FIXED_PSYS_MODELS.size, 4);
 * ```
 */
export const INTEL_FIXED_PSYS_MODELS: ReadonlySet<number> = new Set([
  0x8f, // Sapphire Rapids-X
  0xcf, // Emerald Rapids-X
  0xad, // Granite Rapids-X
  0xae, // Granite Rapids-D
]);

/**
 * Intel Atom models whose unit register has a different meaning; MSR mode refuses them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INTEL_ATOM_UNIT_MODELS, registersFor } from "./msr_registers.ts";
 * assert.ok(INTEL_ATOM_UNIT_MODELS.has(0x37));
 * const atom = registersFor({ vendor: "intel", vendorId: "GenuineIntel", family: 6, model: 0x37 });
 * assert.ok("unsupported" in atom);
 * ```
 */
export const INTEL_ATOM_UNIT_MODELS: ReadonlySet<number> = new Set([0x37, 0x4a, 0x4c, 0x5a]);

/**
 * An exact fraction of microjoules per raw count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { UjFraction } from "./msr_registers.ts";
 * const intel: UjFraction = { num: 15625n, den: 256n }; // 61.03515625 uJ
 * assert.equal((1000n * intel.num) / intel.den, 61035n); // 1000 counts, in whole uJ
 * ```
 */
export interface UjFraction {
  /** Numerator. */
  readonly num: bigint;
  /** Denominator (positive). */
  readonly den: bigint;
}

/**
 * The server DRAM unit, 15.3 uJ per count (`dram_domain_energy_unit = 15300` nJ/1000 in Linux
 * `intel_rapl_common.c`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SERVER_DRAM_UJ_PER_RAW } from "./msr_registers.ts";
 * assert.equal(Number(SERVER_DRAM_UJ_PER_RAW.num) / Number(SERVER_DRAM_UJ_PER_RAW.den), 15.3);
 * ```
 */
export const SERVER_DRAM_UJ_PER_RAW: UjFraction = Object.freeze({ num: 153n, den: 10n });

/**
 * The Sapphire Rapids psys unit, 1 J per count (`psys_domain_energy_unit = NANOJOULE_PER_JOULE`
 * in Linux).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FIXED_PSYS_UJ_PER_RAW } from "./msr_registers.ts";
 * assert.deepEqual(FIXED_PSYS_UJ_PER_RAW, { num: 1_000_000n, den: 1n });
 * ```
 */
export const FIXED_PSYS_UJ_PER_RAW: UjFraction = Object.freeze({ num: 1_000_000n, den: 1n });

/**
 * The energy status unit (ESU, bits 12:8) of a unit register value: one count is 2^-ESU joules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { energyStatusUnit } from "./msr_registers.ts";
 * assert.equal(energyStatusUnit(0x000a0e03n), 14);
 * ```
 */
export function energyStatusUnit(unitRegister: bigint): number {
  return Number((unitRegister >> 8n) & 0x1fn);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Microjoules per count for an ESU, exactly: 10^6 / 2^ESU, reduced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ujPerRawForEsu } from "./msr_registers.ts";
 * assert.deepEqual(ujPerRawForEsu(14), { num: 15625n, den: 256n }); // 61.03515625 uJ
 * assert.throws(() => ujPerRawForEsu(32), RangeError);
 * ```
 */
export function ujPerRawForEsu(esu: number): UjFraction {
  if (!Number.isInteger(esu) || esu < 0 || esu > 31) throw new RangeError(`bad ESU ${esu}`);
  const num = 1_000_000n;
  const den = 1n << BigInt(esu);
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/**
 * The register set for a CPU, or a reason it has none usable in MSR mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AMD_MSRS, registersFor } from "./msr_registers.ts";
 * assert.equal(registersFor({ vendor: "amd", vendorId: "AuthenticAMD", family: 25, model: 1 }), AMD_MSRS);
 * const old = registersFor({ vendor: "amd", vendorId: "AuthenticAMD", family: 0x15, model: 1 });
 * assert.ok("unsupported" in old && old.unsupported.includes("needs Zen"));
 * ```
 */
export function registersFor(cpu: CpuInfo): MsrRegisterSet | { unsupported: string } {
  if (cpu.vendor === "intel") {
    if (cpu.family === 6 && cpu.model !== null && INTEL_ATOM_UNIT_MODELS.has(cpu.model)) {
      return {
        unsupported: `Intel Atom model 0x${
          cpu.model.toString(16)
        } uses a different energy unit encoding; use sysfs`,
      };
    }
    return INTEL_MSRS;
  }
  if (cpu.vendor === "amd" || cpu.vendor === "hygon") {
    if (cpu.family !== null && cpu.family < 0x17) {
      return {
        unsupported: `AMD family 0x${
          cpu.family.toString(16)
        } has no RAPL (needs Zen, family 17h or later)`,
      };
    }
    return AMD_MSRS;
  }
  return { unsupported: `unknown CPU vendor ${JSON.stringify(cpu.vendorId)}` };
}

/**
 * Microjoules per count for one counter, given the package ESU and the CPU model: the fixed
 * DRAM unit on Intel servers, the fixed psys unit on Sapphire Rapids and later, else 2^-ESU J.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ujPerRawFor } from "./msr_registers.ts";
 * const skx = { vendor: "intel", vendorId: "GenuineIntel", family: 6, model: 0x55 } as const;
 * assert.deepEqual(ujPerRawFor("dram", 14, skx), { num: 153n, den: 10n });
 * assert.deepEqual(ujPerRawFor("package", 14, skx), { num: 15625n, den: 256n });
 * ```
 */
export function ujPerRawFor(kind: DomainKind, esu: number, cpu: CpuInfo): UjFraction {
  if (cpu.vendor === "intel" && cpu.family === 6 && cpu.model !== null) {
    if (kind === "dram" && INTEL_SERVER_DRAM_MODELS.has(cpu.model)) return SERVER_DRAM_UJ_PER_RAW;
    if (kind === "psys" && INTEL_FIXED_PSYS_MODELS.has(cpu.model)) return FIXED_PSYS_UJ_PER_RAW;
  }
  return ujPerRawForEsu(esu);
}
