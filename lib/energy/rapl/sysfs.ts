/**
 * The powercap sysfs backend: `energy_uj` files kept open and re-read with one positioned read
 * per domain per tick, full width (never masked), wrap modulus from `max_energy_range_uj`.
 *
 * @module
 */
import type { DomainSample, EnergySource } from "./energy_source.ts";
import { cpuEnergyCaveats, readCpuInfo } from "./cpu_info.ts";
import { EnergySourceError, errorCode, platypusHint } from "./errors.ts";
import { type FileOps, nodeFileOps } from "./file_ops.ts";
import {
  buildPowercapDomains,
  type PowercapDomain,
  scanPowercapZones,
} from "./powercap_discovery.ts";

/**
 * Options of {@linkcode openSysfsSource}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SysfsSourceOptions } from "./sysfs.ts";
 * import { openSysfsSource } from "./sysfs.ts";
 * const options: SysfsSourceOptions = { root: "/nonexistent/powercap" };
 * assert.throws(() => openSysfsSource(options), { name: "EnergySourceError", reason: "not-found" });
 * ```
 */
export interface SysfsSourceOptions {
  /** Powercap class directory. Default `/sys/class/powercap`. */
  readonly root?: string;
  /** cpuinfo file, used to label AMD `core` zones. Default `/proc/cpuinfo`. */
  readonly cpuinfoPath?: string;
  /** File operations (tests inject kernel-only behaviours). Default: real `pread` reads. */
  readonly fileOps?: FileOps;
}

/**
 * A sysfs energy source with what discovery found, for start-up lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SysfsEnergySource } from "./sysfs.ts";
 * import { openSysfsSource } from "./sysfs.ts";
 * const root = Deno.makeTempDirSync();
 * for (const [zone, name] of [["intel-rapl:0", "package-0"], ["intel-rapl:0:0", "dram"]]) {
 *   const dir = zone.includes(":0:") ? `${root}/intel-rapl:0/${zone}` : `${root}/${zone}`;
 *   Deno.mkdirSync(dir, { recursive: true });
 *   Deno.writeTextFileSync(`${dir}/name`, `${name}\n`);
 *   Deno.writeTextFileSync(`${dir}/energy_uj`, "1\n");
 *   Deno.writeTextFileSync(`${dir}/max_energy_range_uj`, "65532610987\n");
 * }
 * const source: SysfsEnergySource = openSysfsSource({ root, cpuinfoPath: "/nonexistent/cpuinfo" });
 * assert.equal(source.hostTotalRule, "packages+dram");
 * assert.deepEqual(source.domains.map((d) => d.name), ["package-0", "dram-0"]);
 * source.close();
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export interface SysfsEnergySource extends EnergySource {
  /** Always `sysfs`. */
  readonly kind: "sysfs";
  /** The domains with their `energy_uj` paths. */
  readonly domains: readonly PowercapDomain[];
  /** Which domains form the host total. */
  readonly hostTotalRule: "psys" | "packages+dram";
  /** Zones found but not used, and why. */
  readonly skipped: readonly string[];
  /** Permission facts worth a start-up line (e.g. a world-readable counter). */
  readonly permissionNotes: readonly string[];
  /** Caveats about the readings (SGX filtering, hypervisor). */
  readonly caveats: readonly string[];
}

const BUF_BYTES = 32;

/**
 * Parses a sysfs counter: ASCII decimal digits, optionally one trailing newline, at most 20
 * digits. Returns `null` for anything else (empty, garbage, signs, spaces).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCounterBytes } from "./sysfs.ts";
 * assert.equal(parseCounterBytes(new TextEncoder().encode("262143328850\n")), 262143328850n);
 * assert.equal(parseCounterBytes(new TextEncoder().encode("12x")), null);
 * ```
 */
export function parseCounterBytes(bytes: Uint8Array, length = bytes.length): bigint | null {
  let end = length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end === 0 || end > 20) return null;
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = bytes[i] - 0x30;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (end <= 15) return BigInt(n); // < 2^53: exact in a double
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]);
  return BigInt(s);
}

function describeReadError(err: unknown, path: string): string {
  const code = errorCode(err);
  if (code === "EACCES" || code === "EPERM") return platypusHint(path);
  if (code === "ENOENT" || code === "ENODEV") {
    return `${path} vanished (${code}): the powercap zone was removed (driver unloaded or CPU ` +
      "offline?); retrying every tick";
  }
  return `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Discovers powercap zones under `options.root` and opens every `energy_uj` for reading.
 * Throws {@linkcode EnergySourceError}: `not-found` when there is no tree or no usable zone,
 * `permission` (explaining Platypus) when no counter can be opened for lack of permission.
 * A zone that fails to open for another reason stays, reporting error samples until it opens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openSysfsSource } from "./sysfs.ts";
 * // A fake powercap tree with one package zone (real RAPL needs root and hardware).
 * const root = Deno.makeTempDirSync();
 * const zone = `${root}/intel-rapl:0`;
 * Deno.mkdirSync(zone);
 * Deno.writeTextFileSync(`${zone}/name`, "package-0\n");
 * Deno.writeTextFileSync(`${zone}/energy_uj`, "123456\n");
 * Deno.writeTextFileSync(`${zone}/max_energy_range_uj`, "262143328850\n");
 * const source = openSysfsSource({ root, cpuinfoPath: "/nonexistent/cpuinfo" });
 * assert.deepEqual(source.domains.map((d) => [d.name, d.wrapModulus]), [["package-0", 262143328911n]]);
 * assert.deepEqual(source.read(), [{ name: "package-0", raw: 123456n }]);
 * source.close();
 * Deno.removeSync(root, { recursive: true });
 * assert.throws(() => openSysfsSource({ root: "/nonexistent" }), /EnergySourceError/);
 * ```
 */
export function openSysfsSource(options: SysfsSourceOptions = {}): SysfsEnergySource {
  const root = options.root ?? "/sys/class/powercap";
  const ops = options.fileOps ?? nodeFileOps;
  const cpu = readCpuInfo(options.cpuinfoPath ?? "/proc/cpuinfo");
  const vm = (cpu.flags ?? []).includes("hypervisor")
    ? "this is a virtual machine (cpuinfo has the hypervisor flag) and guests get no RAPL"
    : "VM or no intel_rapl driver?";
  let zones;
  try {
    zones = scanPowercapZones(root);
  } catch (err) {
    throw new EnergySourceError(
      `no powercap directory ${root} (${errorCode(err) ?? "unreadable"}; ${vm}): on bare ` +
        "metal run `modprobe intel_rapl_msr`; elsewhere use --rapl-mode=sim for a demo",
      { backend: "sysfs", reason: "not-found", path: root, cause: err },
    );
  }
  if (zones.length === 0) {
    throw new EnergySourceError(
      `no powercap zones under ${root} (${vm}): on bare metal run ` +
        "`modprobe intel_rapl_msr`; elsewhere use --rapl-mode=sim for a demo",
      { backend: "sysfs", reason: "not-found", path: root },
    );
  }
  const layout = buildPowercapDomains(zones, { vendor: cpu.vendor });
  if (layout.domains.length === 0) {
    throw new EnergySourceError(
      `no usable powercap zones under ${root}: ${layout.skipped.join("; ")}`,
      { backend: "sysfs", reason: "not-found", path: root },
    );
  }
  const fds: number[] = [];
  let denied = 0;
  let firstError: string | null = null;
  for (const d of layout.domains) {
    try {
      fds.push(ops.open(d.energyPath));
    } catch (err) {
      const code = errorCode(err);
      if (code === "EACCES" || code === "EPERM") denied++;
      firstError ??= describeReadError(err, d.energyPath);
      fds.push(-1); // reported by read() until it opens
    }
  }
  if (fds.every((fd) => fd < 0)) {
    const path = layout.domains[0].energyPath;
    throw denied > 0
      ? new EnergySourceError(platypusHint(path), { backend: "sysfs", reason: "permission", path })
      : new EnergySourceError(`no powercap counter could be opened: ${firstError}`, {
        backend: "sysfs",
        reason: "io",
        path,
      });
  }
  return new SysfsSource(layout, fds, ops, cpuEnergyCaveats(cpu));
}

/**
 * The process uid, or `null` when unknown (e.g. without `--allow-sys`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentUid } from "./sysfs.ts";
 * assert.equal(currentUid(), Deno.uid());
 * ```
 */
export function currentUid(): number | null {
  try {
    return Deno.uid();
  } catch {
    return null;
  }
}

function permissionNotes(domains: readonly PowercapDomain[]): string[] {
  const notes: string[] = [];
  const uid = currentUid();
  notes.push(`reading as uid ${uid ?? "unknown"}${uid === 0 ? " (root)" : ""}`);
  try {
    const mode = (Deno.statSync(domains[0].energyPath).mode ?? 0) & 0o777;
    const octal = mode.toString(8).padStart(4, "0");
    notes.push(
      mode & 0o004
        ? `WARNING: ${domains[0].energyPath} is world-readable (mode ${octal}): this re-opens ` +
          "the Platypus side channel (CVE-2020-8694); restore mode 0400 (reload intel_rapl " +
          "or reboot) and serve energy through the governor socket"
        : `energy_uj mode ${octal} (not world-readable: Platypus mitigation in effect)`,
    );
  } catch {
    // the domain will report its own error
  }
  return notes;
}

class SysfsSource implements SysfsEnergySource {
  readonly kind = "sysfs" as const;
  readonly domains: readonly PowercapDomain[];
  readonly hostTotalRule: "psys" | "packages+dram";
  readonly skipped: readonly string[];
  readonly permissionNotes: readonly string[];
  readonly caveats: readonly string[];
  readonly #fds: number[];
  #closed = false;
  readonly #ops: FileOps;
  readonly #buf = new Uint8Array(BUF_BYTES);

  constructor(
    layout: ReturnType<typeof buildPowercapDomains>,
    fds: number[],
    ops: FileOps,
    caveats: string[],
  ) {
    this.caveats = caveats;
    this.domains = layout.domains;
    this.hostTotalRule = layout.hostTotalRule;
    this.skipped = layout.skipped;
    this.#fds = fds;
    this.#ops = ops;
    this.permissionNotes = permissionNotes(layout.domains);
  }

  read(): DomainSample[] {
    const out: DomainSample[] = new Array(this.domains.length);
    for (let i = 0; i < this.domains.length; i++) out[i] = this.#readOne(i);
    return out;
  }

  #readOne(i: number): DomainSample {
    const d = this.domains[i];
    if (this.#closed) return { name: d.name, error: "energy source closed" };
    let fd = this.#fds[i];
    if (fd < 0) {
      try {
        fd = this.#fds[i] = this.#ops.open(d.energyPath);
      } catch (err) {
        return { name: d.name, error: describeReadError(err, d.energyPath) };
      }
    }
    let n: number;
    try {
      n = this.#ops.pread(fd, this.#buf, 0);
    } catch (err) {
      this.#ops.close(fd);
      this.#fds[i] = -1; // reopen next tick (sysfs nodes come back as new files)
      return { name: d.name, error: describeReadError(err, d.energyPath) };
    }
    if (n >= BUF_BYTES) return { name: d.name, error: `${d.energyPath}: value too long` };
    const raw = parseCounterBytes(this.#buf, n);
    if (raw === null) {
      const text = new TextDecoder().decode(this.#buf.subarray(0, Math.min(n, 24)));
      return {
        name: d.name,
        error: n === 0
          ? `${d.energyPath} is empty`
          : `${d.energyPath}: not a counter: ${JSON.stringify(text)}`,
      };
    }
    if (raw > d.maxEnergyRangeUj) {
      return {
        name: d.name,
        error: `${d.energyPath}: ${raw} is above max_energy_range_uj ${d.maxEnergyRangeUj}; ` +
          "the wrap modulus is wrong for this counter, sample discarded",
      };
    }
    return { name: d.name, raw };
  }

  close(): void {
    this.#closed = true;
    for (let i = 0; i < this.#fds.length; i++) {
      if (this.#fds[i] >= 0) this.#ops.close(this.#fds[i]);
      this.#fds[i] = -1;
    }
  }
}
