/**
 * CPU-to-package mapping from sysfs topology files, and the choice of one CPU per package for
 * MSR reads (reading a package counter on every CPU would count the package once per CPU).
 *
 * @module
 */
import { EnergySourceError } from "./errors.ts";

/**
 * Where one online CPU sits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuPlacement } from "./cpu_topology.ts";
 * import { chooseMsrCpus } from "./cpu_topology.ts";
 * const cpu3: CpuPlacement = { cpu: 3, packageId: 1, dieId: 0 };
 * assert.equal(chooseMsrCpus([cpu3], null)[0].name, "package-1");
 * ```
 */
export interface CpuPlacement {
  /** CPU number (`cpuN`). */
  readonly cpu: number;
  /** `topology/physical_package_id`. */
  readonly packageId: number;
  /** `topology/die_id` (0 when absent). */
  readonly dieId: number;
}

/**
 * A RAPL unit to read: one package (or die, on multi-die packages) through one CPU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MsrReadUnit } from "./cpu_topology.ts";
 * import { chooseMsrCpus } from "./cpu_topology.ts";
 * const topo = [{ cpu: 0, packageId: 0, dieId: 0 }, { cpu: 1, packageId: 0, dieId: 1 }];
 * const units: MsrReadUnit[] = chooseMsrCpus(topo, null); // a two-die package
 * assert.deepEqual(units.map((u) => u.name), ["package-0-die-0", "package-0-die-1"]);
 * ```
 */
export interface MsrReadUnit {
  /** CPU whose MSR device is read. */
  readonly cpu: number;
  /** Package id. */
  readonly packageId: number;
  /** Die id. */
  readonly dieId: number;
  /** Domain name of the unit: `package-P`, or `package-P-die-D` when packages have several dies. */
  readonly name: string;
}

/**
 * Reads `cpuN/topology/physical_package_id` and `die_id` under `root`, sorted by CPU. CPUs
 * without topology files (offline) are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCpuTopology } from "./cpu_topology.ts";
 * const root = Deno.makeTempDirSync();
 * for (const [cpu, pkg] of [[0, 0], [1, 1]]) {
 *   Deno.mkdirSync(`${root}/cpu${cpu}/topology`, { recursive: true });
 *   Deno.writeTextFileSync(`${root}/cpu${cpu}/topology/physical_package_id`, `${pkg}\n`);
 * }
 * assert.deepEqual(readCpuTopology(root), [
 *   { cpu: 0, packageId: 0, dieId: 0 },
 *   { cpu: 1, packageId: 1, dieId: 0 },
 * ]);
 * assert.deepEqual(readCpuTopology(`${root}/missing`), []);
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export function readCpuTopology(root = "/sys/devices/system/cpu"): CpuPlacement[] {
  const out: CpuPlacement[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch {
    return out;
  }
  for (const e of entries) {
    const m = /^cpu(\d+)$/.exec(e.name);
    if (!m) continue;
    const packageId = readInt(`${root}/${e.name}/topology/physical_package_id`);
    if (packageId === null) continue;
    const dieId = readInt(`${root}/${e.name}/topology/die_id`) ?? 0;
    out.push({ cpu: Number(m[1]), packageId, dieId });
  }
  return out.sort((a, b) => a.cpu - b.cpu);
}

function readInt(path: string): number | null {
  try {
    const text = Deno.readTextFileSync(path).trim();
    return /^-?\d{1,9}$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

function ranges(nums: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < nums.length;) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    parts.push(j === i ? `${nums[i]}` : `${nums[i]}-${nums[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * Chooses the CPUs to read: by default the lowest-numbered CPU of every package/die; with
 * `requested`, exactly those CPUs, validated (each must exist, and no two may share a
 * package/die). Throws {@linkcode EnergySourceError} with reason `invalid-option` or
 * `not-found` (no topology). `options.scope` `die` (default, Intel: multi-die packages such as
 * Cascade Lake-AP have one RAPL unit per die) or `package` (AMD/Hygon: RAPL is per socket whatever
 * `die_id` says).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseMsrCpus } from "./cpu_topology.ts";
 * const topo = [
 *   { cpu: 0, packageId: 0, dieId: 0 },
 *   { cpu: 1, packageId: 0, dieId: 0 },
 *   { cpu: 2, packageId: 1, dieId: 0 },
 * ];
 * assert.deepEqual(chooseMsrCpus(topo, null).map((u) => [u.cpu, u.name]), [
 *   [0, "package-0"],
 *   [2, "package-1"],
 * ]);
 * assert.throws(() => chooseMsrCpus(topo, [0, 1]), /both in package 0/);
 * ```
 */
export function chooseMsrCpus(
  topology: readonly CpuPlacement[],
  requested: readonly number[] | null,
  options: { topologyRoot?: string; scope?: "die" | "package" } = {},
): MsrReadUnit[] {
  const where = options.topologyRoot ?? "the CPU topology";
  if (topology.length === 0) {
    throw new EnergySourceError(
      `no CPU topology under ${where} (cpuN/topology/physical_package_id): cannot pick one CPU ` +
        "per package; check governor.cpuTopologyRoot",
      { backend: "msr", reason: "not-found", path: options.topologyRoot },
    );
  }
  if (options.scope === "package") topology = topology.map((p) => ({ ...p, dieId: 0 }));
  const diesPerPackage = new Map<number, Set<number>>();
  for (const p of topology) {
    const set = diesPerPackage.get(p.packageId) ?? new Set<number>();
    set.add(p.dieId);
    diesPerPackage.set(p.packageId, set);
  }
  const multiDie = [...diesPerPackage.values()].some((s) => s.size > 1);
  const unit = (p: CpuPlacement): MsrReadUnit => ({
    ...p,
    name: multiDie ? `package-${p.packageId}-die-${p.dieId}` : `package-${p.packageId}`,
  });
  const byCpu = new Map(topology.map((p) => [p.cpu, p]));
  if (requested === null) {
    const seen = new Set<string>();
    const out: MsrReadUnit[] = [];
    for (const p of topology) {
      const key = `${p.packageId}/${p.dieId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(unit(p));
    }
    return out.sort((a, b) => a.packageId - b.packageId || a.dieId - b.dieId);
  }
  if (requested.length === 0) {
    throw new EnergySourceError("msrCpus is empty: give one CPU per package, e.g. --msr-cpus=0", {
      backend: "msr",
      reason: "invalid-option",
    });
  }
  const claimed = new Map<string, number>();
  const out: MsrReadUnit[] = [];
  for (const cpu of requested) {
    const p = byCpu.get(cpu);
    if (p === undefined) {
      throw new EnergySourceError(
        `msrCpus: CPU ${cpu} is not an online CPU under ${where} (CPUs found: ${
          ranges([...byCpu.keys()])
        })`,
        { backend: "msr", reason: "invalid-option" },
      );
    }
    const key = `${p.packageId}/${p.dieId}`;
    const other = claimed.get(key);
    if (other !== undefined) {
      const what = multiDie ? `package ${p.packageId} die ${p.dieId}` : `package ${p.packageId}`;
      throw new EnergySourceError(
        `msrCpus: CPUs ${other} and ${cpu} are both in ${what}; give one CPU per package ` +
          "(reading a package twice counts its energy twice)",
        { backend: "msr", reason: "invalid-option" },
      );
    }
    claimed.set(key, cpu);
    out.push(unit(p));
  }
  return out.sort((a, b) => a.packageId - b.packageId || a.dieId - b.dieId);
}
