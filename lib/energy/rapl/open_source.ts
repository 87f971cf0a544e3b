/**
 * Opens the energy source for a governor mode, trying backends in a stated order and keeping
 * every failure, and writes the start-up lines that say which source, zones, modulus and
 * permissions are in effect.
 *
 * Order: `sysfs` mode tries sysfs, then MSR when `allowMsr` is set; `msr` mode (which requires
 * `allowMsr`, else it fails) tries MSR, then sysfs; `sim` mode opens only the simulated source;
 * `instance` mode (a cloud VM without RAPL) opens only the instance power model source, which
 * needs `instance` (from config `cloud.instanceType`). The simulated and instance sources are
 * never a fallback. An invalid option (bad `msrCpus`, bad profile) stops at once.
 *
 * @module
 */
import { type Clock, systemClock } from "../../base/clock.ts";
import { ConfigError } from "../../base/errors.ts";
import type { EnergySource } from "./energy_source.ts";
import { EnergySourceError, type EnergySourceFailure } from "./errors.ts";
import { type MsrEnergySource, openMsrSource } from "./msr.ts";
import {
  constantPower,
  cpuUtilisationPower,
  csvPower,
  type PowerProfile,
} from "./power_profile.ts";
import { createSimSource, type SimEnergySource } from "./sim.ts";
import {
  createInstanceSource,
  type GovernorEnergySource,
  type InstanceEnergySource,
} from "./instance_source.ts";
import { type InstanceModel, resolveInstanceModel } from "../instance_model.ts";
import { parseProcStat } from "../cpu_times.ts";
import { currentUid, openSysfsSource, type SysfsEnergySource } from "./sysfs.ts";

/**
 * Options of {@linkcode openEnergySource}; names and defaults follow the `governor.*` config keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpenEnergySourceOptions } from "./open_source.ts";
 * import { openEnergySource } from "./open_source.ts";
 * const options: OpenEnergySourceOptions = { raplMode: "sim", simPackages: 2, simRangeUj: "999" };
 * const { source } = openEnergySource(options);
 * assert.deepEqual(source.domains.map((d) => d.wrapModulus), [1000n, 1000n]);
 * source.close();
 * ```
 */
export interface OpenEnergySourceOptions {
  /**
   * `sysfs` (default), `msr` or `sim`; `instance` only through
   * {@linkcode openGovernorSource} (this function refuses it).
   */
  readonly raplMode?: "sysfs" | "msr" | "sim" | "instance";
  /**
   * `instance` mode: the resolved instance model (required there; see
   * `resolveInstanceModel`), or a `provider:type` string resolved with the VM's vCPUs from
   * `<procRoot>/stat`. Default none.
   */
  readonly instance?: InstanceModel | string | null;
  /** Permit MSR access (config-file-only switch). Default false. */
  readonly allowMsr?: boolean;
  /** Powercap class directory. Default `/sys/class/powercap`. */
  readonly powercapRoot?: string;
  /** MSR device root. Default `/dev/cpu`. */
  readonly msrDeviceRoot?: string;
  /** cpuinfo file. Default `/proc/cpuinfo`. */
  readonly cpuinfoPath?: string;
  /** CPU topology root. Default `/sys/devices/system/cpu`. */
  readonly cpuTopologyRoot?: string;
  /** CPUs to read in MSR mode, one per package. Default: first CPU of each package. */
  readonly msrCpus?: readonly number[] | null;
  /** Sim: constant power per package in watts (also the TDP of the `cpu` profile). Default 390. */
  readonly simPowerWatts?: number;
  /** Sim: a `seconds,watts` CSV path, or `cpu` for host CPU utilisation x model. Default constant. */
  readonly simProfile?: string | null;
  /** Sim: counter `max_energy_range_uj` as a decimal string or bigint. Default `4294967295`. */
  readonly simRangeUj?: string | bigint;
  /** Sim: number of packages. Default 1. */
  readonly simPackages?: number;
  /** procfs root for the `cpu` profile. Default `/proc`. */
  readonly procRoot?: string;
  /** Clock driving the simulated source. Default the system clock. */
  readonly clock?: Clock;
}

/**
 * One backend tried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SourceAttempt } from "./open_source.ts";
 * import { openEnergySource } from "./open_source.ts";
 * const { source, attempts } = openEnergySource({ raplMode: "sim" });
 * const first: SourceAttempt = attempts[0];
 * assert.deepEqual(first, { backend: "sim", ok: true, reason: null, message: "opened" });
 * source.close();
 * ```
 */
export interface SourceAttempt {
  /** Backend. */
  readonly backend: "sysfs" | "msr" | "sim" | "instance";
  /** Whether it opened. */
  readonly ok: boolean;
  /** Why it failed, or `opened`. */
  readonly message: string;
  /** Failure category, when it failed. */
  readonly reason: EnergySourceFailure | null;
}

/**
 * The opened source, what was tried, and start-up lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpenedEnergySource } from "./open_source.ts";
 * import { openEnergySource } from "./open_source.ts";
 * const opened: OpenedEnergySource = openEnergySource({ raplMode: "sim", simPowerWatts: 50 });
 * assert.equal(opened.source.kind, "sim");
 * assert.ok(opened.lines.every((l) => !l.endsWith("\n")));
 * opened.source.close();
 * ```
 */
export interface OpenedEnergySource {
  /** The source to poll. */
  readonly source: EnergySource;
  /** Every backend tried, in order. */
  readonly attempts: readonly SourceAttempt[];
  /** Human start-up lines (no trailing newlines). */
  readonly lines: readonly string[];
}

type Backend = "sysfs" | "msr" | "sim";

function order(mode: Backend, allowMsr: boolean): Backend[] {
  if (mode === "sim") return ["sim"];
  if (mode === "msr") return ["msr", "sysfs"];
  return allowMsr ? ["sysfs", "msr"] : ["sysfs"];
}

function simProfile(o: OpenEnergySourceOptions): PowerProfile {
  const watts = o.simPowerWatts ?? 390;
  if (o.simProfile === "cpu") {
    return cpuUtilisationPower({ procRoot: o.procRoot ?? "/proc", tdpWatts: watts });
  }
  if (o.simProfile) return csvPower(o.simProfile);
  return constantPower(watts);
}

function simRange(value: string | bigint | undefined): bigint {
  if (typeof value === "bigint") return value;
  const text = value ?? "4294967295";
  if (!/^\d{1,20}$/.test(text) || BigInt(text) < 1n) {
    throw new ConfigError(`expected a positive decimal number of uJ, got ${JSON.stringify(text)}`, {
      source: "governor.simRangeUj",
      key: "governor.simRangeUj",
    });
  }
  return BigInt(text);
}

function vcpusOf(procRoot: string): number | null {
  try {
    const n = parseProcStat(Deno.readTextFileSync(`${procRoot}/stat`)).cpuCount;
    return n > 0 ? n : null;
  } catch {
    return null;
  }
}

function instanceModelOf(o: OpenEnergySourceOptions): InstanceModel {
  const given = o.instance ?? null;
  if (given === null) {
    throw new EnergySourceError(
      "--rapl-mode=instance needs the instance type: set cloud.instanceType (e.g. " +
        "aws:m5.large; `carbon-ops where` shows what this VM is) or pass --instance-type",
      { backend: "instance", reason: "invalid-option" },
    );
  }
  if (typeof given !== "string") return given;
  let choice;
  try {
    choice = resolveInstanceModel(given, { vcpus: vcpusOf(o.procRoot ?? "/proc") });
  } catch (err) {
    throw new EnergySourceError(`instance type: ${(err as Error).message}`, {
      backend: "instance",
      reason: "invalid-option",
      cause: err,
    });
  }
  if (choice.model === null) {
    throw new EnergySourceError(
      `${choice.note}; the governor has no instance source for it: use the energy logger's ` +
        "generic model (no governor), or name a type of aws, gcp or azure",
      { backend: "instance", reason: "invalid-option" },
    );
  }
  return choice.model;
}

function openOne(backend: Backend, o: OpenEnergySourceOptions): EnergySource {
  if (backend === "sysfs") {
    return openSysfsSource({ root: o.powercapRoot, cpuinfoPath: o.cpuinfoPath });
  }
  if (backend === "msr") {
    return openMsrSource({
      deviceRoot: o.msrDeviceRoot,
      cpuinfoPath: o.cpuinfoPath,
      topologyRoot: o.cpuTopologyRoot,
      msrCpus: o.msrCpus ?? null,
    });
  }
  return createSimSource({
    clock: o.clock ?? systemClock,
    profile: simProfile(o),
    maxEnergyRangeUj: simRange(o.simRangeUj),
    packages: o.simPackages ?? 1,
  });
}

/**
 * Opens an energy source for `options.raplMode`. Throws {@linkcode EnergySourceError} (backend
 * `any`) listing every attempt when none opens, the first `invalid-option` error as is, and
 * `ConfigError` for a bad simulated profile or range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openEnergySource } from "./open_source.ts";
 * const { source, attempts, lines } = openEnergySource({ raplMode: "sim", simPowerWatts: 100 });
 * assert.equal(source.kind, "sim");
 * assert.deepEqual(attempts, [{ backend: "sim", ok: true, reason: null, message: "opened" }]);
 * assert.match(lines[0], /^energy source: SIMULATED \(not a measurement\): constant 100 W/);
 * source.close();
 * assert.throws(() => openEnergySource({ raplMode: "msr" }), /governor.allowMsr/);
 * ```
 */
export function openEnergySource(options: OpenEnergySourceOptions = {}): OpenedEnergySource {
  const requested = options.raplMode ?? "sysfs";
  if (requested === "instance") {
    throw new EnergySourceError(
      "the instance source is opened by openGovernorSource (it is modelled, not a counter)",
      { backend: "instance", reason: "invalid-option" },
    );
  }
  const mode: Backend = requested;
  const allowMsr = options.allowMsr ?? false;
  const attempts: SourceAttempt[] = [];
  if (mode === "msr" && !allowMsr) {
    throw new EnergySourceError(
      "--rapl-mode=msr is not allowed: set governor.allowMsr to true in the config file (a " +
        "file-only switch, because raw MSR access needs root/CAP_SYS_RAWIO), or use sysfs",
      { backend: "msr", reason: "invalid-option" },
    );
  }
  for (const backend of order(mode, allowMsr)) {
    try {
      const source = openOne(backend, options);
      attempts.push({ backend, ok: true, reason: null, message: "opened" });
      const lines = [
        ...attempts.filter((a) => !a.ok).map((a) => `${a.backend} not used: ${a.message}`),
        ...describeEnergySource(source),
      ];
      return { source, attempts, lines };
    } catch (err) {
      if (!(err instanceof EnergySourceError)) throw err;
      if (err.reason === "invalid-option") throw err;
      attempts.push({ backend, ok: false, reason: err.reason, message: err.message });
    }
  }
  if (mode === "sysfs" && !allowMsr) {
    attempts.push({
      backend: "msr",
      ok: false,
      reason: "invalid-option",
      message: "not tried: governor.allowMsr is false (config-file switch)",
    });
  }
  const reason = attempts.some((a) => a.reason === "permission")
    ? "permission"
    : attempts.find((a) => a.reason !== "invalid-option")?.reason ?? "invalid-option";
  throw new EnergySourceError(
    `no energy source could be opened for --rapl-mode=${mode}:\n` +
      attempts.map((a) => `  ${a.backend}: ${a.message}`).join("\n") +
      "\nOn a cloud VM, use --rapl-mode=instance with cloud.instanceType for the instance " +
      'power model (source "instance": modelled, never measured); elsewhere without RAPL, ' +
      '--rapl-mode=sim for a demo (it reports source "sim", never measured energy).',
    { backend: "any", reason },
  );
}

/**
 * What {@linkcode openGovernorSource} opened: a counter source or the instance source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type OpenedGovernorSource, openGovernorSource } from "./open_source.ts";
 * const opened: OpenedGovernorSource = openGovernorSource({ raplMode: "sim" });
 * assert.equal(opened.source.kind, "sim");
 * opened.source.close();
 * ```
 */
export interface OpenedGovernorSource {
  /** The source to poll. */
  readonly source: GovernorEnergySource;
  /** Every backend tried, in order (none for `instance`). */
  readonly attempts: readonly SourceAttempt[];
  /** Human start-up lines (no trailing newlines). */
  readonly lines: readonly string[];
}

/**
 * Opens the governor's source: `instance` mode opens the instance power model source (needs
 * `options.instance`; a type the catalog cannot model, or no `/proc/stat`, is an
 * {@linkcode EnergySourceError} with reason `invalid-option` or `not-found`), every other mode
 * goes to {@linkcode openEnergySource}. The instance source is never a fallback.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openGovernorSource } from "./open_source.ts";
 * const procRoot = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${procRoot}/stat`, "cpu  0 0 0 100 0 0 0 0 0 0\ncpu0 0 0 0 100 0 0 0 0 0 0\n");
 * const { source, lines } = openGovernorSource({ raplMode: "instance", instance: "aws:m5.large", procRoot });
 * assert.equal(source.kind, "instance");
 * assert.match(lines[0], /^energy source: MODELLED \(not a measurement\): ccf-linear@\S+ for aws:m5\.large/);
 * assert.throws(() => openGovernorSource({ raplMode: "instance", procRoot }), /cloud\.instanceType/);
 * source.close();
 * Deno.removeSync(procRoot, { recursive: true });
 * ```
 */
export function openGovernorSource(options: OpenEnergySourceOptions = {}): OpenedGovernorSource {
  if (options.raplMode !== "instance") return openEnergySource(options);
  const source = createInstanceSource({
    clock: options.clock ?? systemClock,
    model: instanceModelOf(options),
    procRoot: options.procRoot,
  });
  return { source, attempts: [], lines: describeEnergySource(source) };
}

function fraction(f: { num: bigint; den: bigint }): string {
  if (f.den === 1n) return `${f.num}`;
  const scaled = (f.num * 1_000_000n) / f.den;
  const s = scaled.toString().padStart(7, "0");
  return `${s.slice(0, -6)}.${s.slice(-6)}`.replace(/\.?0+$/, "");
}

/**
 * Start-up lines for a source: kind, each domain (kind, host-total membership, modulus, unit,
 * origin, caveat), the host-total rule, skipped zones and permission facts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeEnergySource } from "./open_source.ts";
 * import { createSimSource } from "./sim.ts";
 * import { constantPower } from "./power_profile.ts";
 * import { systemClock } from "../../base/clock.ts";
 * const sim = createSimSource({ clock: systemClock, profile: constantPower(390) });
 * assert.deepEqual(describeEnergySource(sim), [
 *   "energy source: SIMULATED (not a measurement): constant 390 W, counter range 4294967295 uJ",
 *   "  package-0 [package] host-total, wraps at 4294967296 uJ, sim: constant 390 W (simulated: not a measurement)",
 *   "host total: packages + dram (core/uncore are inside their package and not added)",
 * ]);
 * ```
 */
export function describeEnergySource(source: GovernorEnergySource): string[] {
  const lines: string[] = [];
  if (source.kind === "sysfs") {
    const s = source as SysfsEnergySource;
    lines.push(`energy source: powercap sysfs (${s.domains.length} domains)`);
  } else if (source.kind === "msr") {
    const s = source as MsrEnergySource;
    const cpu = s.cpuInfo;
    lines.push(
      `energy source: MSR (${cpu.vendorId ?? "unknown vendor"} family ${cpu.family} model ` +
        `0x${(cpu.model ?? 0).toString(16)}), reading ${
          s.units.map((u) => `CPU ${u.cpu} for ${u.name}`).join(", ")
        }`,
    );
  } else if (source.kind === "instance") {
    const s = source as InstanceEnergySource;
    lines.push(
      `energy source: MODELLED (not a measurement): ${s.model.name} for ${s.model.instanceId} ` +
        `(${s.model.match}, ${s.model.vcpus} vCPUs${
          s.model.flags.length > 0 ? `; ${s.model.flags.join(", ")}` : ""
        }) over ${s.statPath} utilisation`,
    );
  } else {
    const s = source as SimEnergySource;
    lines.push(
      `energy source: SIMULATED (not a measurement): ${s.profile.description}, counter range ` +
        `${s.maxEnergyRangeUj} uJ`,
    );
  }
  for (const d of source.domains) {
    const unit = fraction(d.ujPerRaw);
    lines.push(
      `  ${d.name} [${d.kind}${d.parent ? ` in ${d.parent}` : ""}] ${
        d.inHostTotal ? "host-total" : "not in host total"
      }, wraps at ${d.wrapModulus} ${unit === "1" ? "uJ" : `counts x ${unit} uJ`}, ${d.origin}` +
        (d.note ? ` (${d.note})` : ""),
    );
  }
  const rule = (source as Partial<SysfsEnergySource>).hostTotalRule ?? "packages+dram";
  lines.push(
    rule === "psys"
      ? "host total: psys (platform) alone; packages and dram are inside it"
      : "host total: packages + dram (core/uncore are inside their package and not added)",
  );
  for (const skip of (source as Partial<SysfsEnergySource>).skipped ?? []) {
    lines.push(`skipped: ${skip}`);
  }
  lines.push(...((source as Partial<SysfsEnergySource>).caveats ?? []));
  if (source.kind === "sysfs") {
    lines.push(...(source as SysfsEnergySource).permissionNotes);
  } else if (source.kind === "msr") {
    lines.push(
      `raw MSR access as uid ${currentUid() ?? "unknown"}: root/CAP_SYS_RAWIO only; serve energy ` +
        "to users through the governor socket (group carbon-users, mode 0660)",
    );
  }
  return lines;
}
