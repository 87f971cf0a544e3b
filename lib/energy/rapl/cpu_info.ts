/**
 * CPU vendor, family and model from `/proc/cpuinfo` (first processor block), which decide MSR
 * registers and units and how an AMD `core` zone is labelled.
 *
 * @module
 */

/**
 * CPU vendor as RAPL cares about it (Hygon uses the AMD registers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuVendor } from "./cpu_info.ts";
 * import { parseCpuInfo } from "./cpu_info.ts";
 * const vendor: CpuVendor = parseCpuInfo("vendor_id\t: HygonGenuine\n").vendor;
 * assert.equal(vendor, "hygon");
 * ```
 */
export type CpuVendor = "intel" | "amd" | "hygon" | "unknown";

/**
 * What `/proc/cpuinfo` says about the first CPU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuInfo } from "./cpu_info.ts";
 * const skylakeX: CpuInfo = { vendor: "intel", vendorId: "GenuineIntel", family: 6, model: 0x55 };
 * assert.equal(skylakeX.flags, undefined);
 * assert.equal(skylakeX.model, 85);
 * ```
 */
export interface CpuInfo {
  /** Vendor family for register selection. */
  readonly vendor: CpuVendor;
  /** Raw `vendor_id` value, or `null` when absent. */
  readonly vendorId: string | null;
  /** `cpu family` (decimal), or `null`. */
  readonly family: number | null;
  /** `model` (decimal), or `null`. */
  readonly model: number | null;
  /** The `flags` words (e.g. `hypervisor`, `sgx`); empty when absent. */
  readonly flags?: readonly string[];
}

const VENDORS: Record<string, CpuVendor> = {
  GenuineIntel: "intel",
  AuthenticAMD: "amd",
  HygonGenuine: "hygon",
};

/**
 * Parses cpuinfo text. Only the first processor block is read; unknown or missing fields give
 * `unknown`/`null`, never an exception.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCpuInfo } from "./cpu_info.ts";
 * const info = parseCpuInfo(
 *   "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n",
 * );
 * assert.equal(info.vendor, "intel");
 * assert.equal(info.family, 6);
 * assert.equal(info.model, 85);
 * assert.equal(parseCpuInfo("").vendor, "unknown");
 * ```
 */
export function parseCpuInfo(text: string): CpuInfo {
  let vendorId: string | null = null;
  let family: number | null = null;
  let model: number | null = null;
  let flags: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (vendorId !== null) break; // end of the first block
      continue;
    }
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === "vendor_id" && vendorId === null) vendorId = value;
    else if (key === "cpu family" && family === null) family = decimalOrNull(value);
    else if (key === "model" && model === null) model = decimalOrNull(value);
    else if (key === "flags" && flags.length === 0) flags = value.split(/\s+/).filter(Boolean);
  }
  const vendor = vendorId === null ? "unknown" : VENDORS[vendorId] ?? "unknown";
  return { vendor, vendorId, family, model, flags };
}

function decimalOrNull(value: string): number | null {
  return /^\d{1,6}$/.test(value) ? Number(value) : null;
}

/**
 * Reads and parses a cpuinfo file; an unreadable file gives vendor `unknown` (callers decide
 * whether that is fatal: MSR mode needs the vendor, sysfs only uses it for labels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCpuInfo } from "./cpu_info.ts";
 * assert.equal(readCpuInfo("/nonexistent/cpuinfo").vendor, "unknown");
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "vendor_id\t: AuthenticAMD\ncpu family\t: 25\n");
 * assert.equal(readCpuInfo(path).vendor, "amd");
 * Deno.removeSync(path);
 * ```
 */
export function readCpuInfo(path = "/proc/cpuinfo"): CpuInfo {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return { vendor: "unknown", vendorId: null, family: null, model: null, flags: [] };
  }
  return parseCpuInfo(text);
}

/**
 * Caveats about energy readings on this CPU: SGX enabled (Intel microcode then filters RAPL
 * readings, INTEL-SA-00389) and running under a hypervisor (RAPL, if exposed at all, is the
 * host's or emulated).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuEnergyCaveats, parseCpuInfo } from "./cpu_info.ts";
 * const caveats = cpuEnergyCaveats(parseCpuInfo("vendor_id\t: GenuineIntel\nflags\t\t: fpu sgx\n"));
 * assert.equal(caveats.length, 1);
 * assert.match(caveats[0], /^WARNING: SGX is enabled/);
 * assert.deepEqual(cpuEnergyCaveats(parseCpuInfo("vendor_id\t: GenuineIntel\n")), []);
 * ```
 */
export function cpuEnergyCaveats(cpu: CpuInfo): string[] {
  const flags = new Set(cpu.flags ?? []);
  const out: string[] = [];
  if (cpu.vendor === "intel" && flags.has("sgx")) {
    out.push(
      "WARNING: SGX is enabled: Intel microcode filters RAPL energy readings while SGX is on " +
        "(INTEL-SA-00389; reported skew up to +/-50%); treat the figures as approximate",
    );
  }
  if (flags.has("hypervisor")) {
    out.push(
      "running under a hypervisor (cpuinfo flag): RAPL counters, if present, may be emulated " +
        "or the whole host's",
    );
  }
  return out;
}
