/**
 * Powercap zone discovery: a small file-system walk that follows the class-directory symlinks
 * and de-duplicates by real path, and a pure function that turns the zones found into domains
 * (hierarchy, names, host-total rule, wrap modulus).
 *
 * @module
 */
import type { DomainInfo, DomainKind } from "./energy_source.ts";
import type { CpuVendor } from "./cpu_info.ts";

/**
 * One zone directory found on disk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PowercapZoneFacts } from "./powercap_discovery.ts";
 * import { buildPowercapDomains } from "./powercap_discovery.ts";
 * const zone: PowercapZoneFacts = {
 *   controlType: "intel-rapl",
 *   indices: [0, 0],
 *   id: "intel-rapl:0:0",
 *   realPath: "/sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/intel-rapl:0:0",
 *   zoneName: "core",
 *   maxEnergyRangeUj: 262143328850n,
 * };
 * const top = { ...zone, indices: [0], id: "intel-rapl:0", zoneName: "package-0" };
 * const { domains } = buildPowercapDomains([top, zone], { vendor: "intel" });
 * assert.deepEqual(domains.map((d) => [d.name, d.parent]), [["package-0", null], ["package-0/core", "package-0"]]);
 * ```
 */
export interface PowercapZoneFacts {
  /** Control type: `intel-rapl`, or a variant such as `intel-rapl-mmio`. */
  readonly controlType: string;
  /** Hex indices parsed from the id, e.g. `intel-rapl:a:1` gives `[10, 1]`. */
  readonly indices: readonly number[];
  /** Zone id, the real directory's name, e.g. `intel-rapl:0:1`. */
  readonly id: string;
  /** Real (symlink-resolved) directory. */
  readonly realPath: string;
  /** Contents of `name`, trimmed, or `null` when unreadable. */
  readonly zoneName: string | null;
  /** Contents of `max_energy_range_uj`, or `null` when unreadable or not a number. */
  readonly maxEnergyRangeUj: bigint | null;
  /** Whether an `energy_uj` file exists (default true; zones without one are not counters). */
  readonly hasEnergyFile?: boolean;
}

/**
 * A domain plus the file its counter is read from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PowercapDomain } from "./powercap_discovery.ts";
 * import { buildPowercapDomains } from "./powercap_discovery.ts";
 * const [domain]: readonly PowercapDomain[] = buildPowercapDomains([{
 *   controlType: "intel-rapl",
 *   indices: [1],
 *   id: "intel-rapl:1",
 *   realPath: "/z1",
 *   zoneName: "package-1",
 *   maxEnergyRangeUj: 262143328850n,
 * }], { vendor: "intel" }).domains;
 * assert.equal(domain.energyPath, "/z1/energy_uj");
 * assert.equal(domain.maxEnergyRangeUj, 262143328850n);
 * ```
 */
export interface PowercapDomain extends DomainInfo {
  /** `energy_uj` path under the zone's real directory. */
  readonly energyPath: string;
  /** `max_energy_range_uj` as read at discovery. */
  readonly maxEnergyRangeUj: bigint;
}

/**
 * Result of turning zones into domains.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PowercapLayout } from "./powercap_discovery.ts";
 * import { buildPowercapDomains } from "./powercap_discovery.ts";
 * const layout: PowercapLayout = buildPowercapDomains([], { vendor: "intel" });
 * assert.deepEqual(layout.domains, []);
 * ```
 */
export interface PowercapLayout {
  /** Domains in stable order: each top-level zone followed by its children, by hex index. */
  readonly domains: readonly PowercapDomain[];
  /** Which domains make up `inHostTotal`: `psys` alone, or packages plus dram. */
  readonly hostTotalRule: "psys" | "packages+dram";
  /** Zones not used and why (mmio duplicates, unknown names, unreadable ranges). */
  readonly skipped: readonly string[];
}

const ZONE_RE = /^(intel-rapl(?:-[a-z]+)?)((?::[0-9a-f]+)+)$/i;
const CONTROL_RE = /^intel-rapl(?:-[a-z]+)?$/i;
const MAX_DEPTH = 4;
const U32_MAX = 0xffff_ffffn;

/**
 * Parses a zone id such as `intel-rapl:a:1` into control type and hex indices, or `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseZoneId } from "./powercap_discovery.ts";
 * assert.deepEqual(parseZoneId("intel-rapl:a:1"), { controlType: "intel-rapl", indices: [10, 1] });
 * assert.equal(parseZoneId("device"), null);
 * ```
 */
export function parseZoneId(id: string): { controlType: string; indices: number[] } | null {
  const m = ZONE_RE.exec(id);
  if (!m) return null;
  const indices = m[2].slice(1).split(":").map((h) => parseInt(h, 16));
  return { controlType: m[1].toLowerCase(), indices };
}

/**
 * The wrap modulus for a sysfs counter: `max_energy_range_uj` plus one hardware energy unit,
 * the unit estimated as `round(max / (2^32 - 1))` uJ (at least 1). Exact to under 1 uJ per wrap
 * for the 61.035 uJ (Intel), 15.259 uJ (AMD) and 15.3 uJ (server DRAM) units.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sysfsWrapModulus } from "./powercap_discovery.ts";
 * assert.equal(sysfsWrapModulus(262143328850n), 262143328911n); // + one 61 uJ unit
 * assert.equal(sysfsWrapModulus(4294967295n), 4294967296n);
 * ```
 */
export function sysfsWrapModulus(maxEnergyRangeUj: bigint): bigint {
  const unit = (2n * maxEnergyRangeUj + U32_MAX) / (2n * U32_MAX);
  return maxEnergyRangeUj + (unit < 1n ? 1n : unit);
}

/**
 * Walks `root` for powercap zones, following only entries named like zones or control types
 * (so `device`/`subsystem` links never loop) and counting each real directory once.
 * Throws only when `root` itself cannot be listed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanPowercapZones } from "./powercap_discovery.ts";
 * const dir = Deno.makeTempDirSync();
 * assert.deepEqual(scanPowercapZones(dir), []);
 * Deno.mkdirSync(`${dir}/intel-rapl:0`);
 * Deno.writeTextFileSync(`${dir}/intel-rapl:0/name`, "package-0\n");
 * Deno.writeTextFileSync(`${dir}/intel-rapl:0/energy_uj`, "1\n");
 * Deno.writeTextFileSync(`${dir}/intel-rapl:0/max_energy_range_uj`, "262143328850\n");
 * const [zone] = scanPowercapZones(dir);
 * assert.equal(zone.id, "intel-rapl:0");
 * assert.equal(zone.zoneName, "package-0");
 * assert.equal(zone.maxEnergyRangeUj, 262143328850n);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function scanPowercapZones(root: string): PowercapZoneFacts[] {
  const visited = new Set<string>();
  const zones: PowercapZoneFacts[] = [];
  const queue: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  for (let q = 0; q < queue.length; q++) {
    const { dir, depth } = queue[q];
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch (err) {
      if (q === 0) throw err;
      continue;
    }
    for (const entry of entries) {
      const isZone = ZONE_RE.test(entry.name);
      if (!isZone && !CONTROL_RE.test(entry.name)) continue;
      let real: string;
      try {
        real = Deno.realPathSync(`${dir}/${entry.name}`);
        if (!Deno.statSync(real).isDirectory) continue;
      } catch {
        continue; // dangling link or vanished entry
      }
      if (visited.has(real)) continue;
      visited.add(real);
      if (depth + 1 <= MAX_DEPTH) queue.push({ dir: real, depth: depth + 1 });
      if (!isZone) continue;
      const base = real.slice(real.lastIndexOf("/") + 1);
      const id = ZONE_RE.test(base) ? base : entry.name;
      const parsed = parseZoneId(id);
      if (!parsed) continue;
      zones.push({
        ...parsed,
        id,
        realPath: real,
        zoneName: readSmall(`${real}/name`),
        maxEnergyRangeUj: parseDecimal(readSmall(`${real}/max_energy_range_uj`)),
        hasEnergyFile: exists(`${real}/energy_uj`),
      });
    }
  }
  return zones;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function readSmall(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

function parseDecimal(text: string | null): bigint | null {
  return text !== null && /^\d{1,20}$/.test(text) ? BigInt(text) : null;
}

function kindOf(zoneName: string): DomainKind | null {
  if (/^package-\d+(?:-die-\d+)?$/.test(zoneName)) return "package";
  if (zoneName === "core" || zoneName === "uncore" || zoneName === "dram") return zoneName;
  if (zoneName === "psys") return "psys";
  return null;
}

function compareIndices(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Turns zones into domains. Rules: `intel-rapl` before its variants (`intel-rapl-mmio`, any
 * other `intel-rapl-*`), and a variant's domain whose name an earlier control type already has is
 * dropped as a duplicate; `core`/`uncore` are
 * children of their package (named `package-0/core`), `dram` is named `dram-0` with the package
 * as parent but is not part of it; `psys` is top level. Host total: every `psys` domain when one
 * exists, otherwise packages plus dram. On AMD (or an unknown vendor) `core` carries a note that
 * it measures a single core.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPowercapDomains } from "./powercap_discovery.ts";
 * const layout = buildPowercapDomains([{
 *   controlType: "intel-rapl",
 *   indices: [0],
 *   id: "intel-rapl:0",
 *   realPath: "/z0",
 *   zoneName: "package-0",
 *   maxEnergyRangeUj: 262143328850n,
 * }], { vendor: "intel" });
 * assert.equal(layout.domains[0].name, "package-0");
 * assert.equal(layout.domains[0].energyPath, "/z0/energy_uj");
 * assert.equal(layout.hostTotalRule, "packages+dram");
 * ```
 */
export function buildPowercapDomains(
  zones: readonly PowercapZoneFacts[],
  options: { vendor: CpuVendor },
): PowercapLayout {
  const skipped: string[] = [];
  const sorted = [...zones].sort((a, b) =>
    a.controlType === b.controlType
      ? compareIndices(a.indices, b.indices)
      : a.controlType === "intel-rapl"
      ? -1
      : b.controlType === "intel-rapl"
      ? 1
      : a.controlType.localeCompare(b.controlType)
  );
  const nameById = new Map<string, string>();
  const out: Omit<PowercapDomain, "inHostTotal">[] = [];
  const taken = new Map<string, string>(); // name -> control type
  for (const z of sorted) {
    const zname = z.zoneName;
    const kind = zname === null ? null : kindOf(zname);
    if (zname === null || kind === null) {
      skipped.push(`${z.id}: ${zname === null ? "unreadable name" : `unknown zone "${zname}"`}`);
      continue;
    }
    if (z.hasEnergyFile === false) {
      skipped.push(`${z.id} (${zname}): no energy_uj file, not an energy counter`);
      continue;
    }
    if (z.maxEnergyRangeUj === null || z.maxEnergyRangeUj === 0n) {
      skipped.push(`${z.id} (${zname}): max_energy_range_uj unreadable, wrap modulus unknown`);
      continue;
    }
    const parentId = z.indices.length > 1
      ? `${z.controlType}:${z.indices.slice(0, -1).map((i) => i.toString(16)).join(":")}`
      : null;
    const parent = parentId === null ? null : nameById.get(parentId) ?? null;
    let name = zname;
    if (parent !== null) {
      name = kind === "dram" && parent.startsWith("package-")
        ? `dram-${parent.slice("package-".length)}`
        : `${parent}/${zname}`;
    }
    const owner = taken.get(name);
    if (owner !== undefined && owner !== z.controlType && z.controlType !== "intel-rapl") {
      skipped.push(`${z.id} (${name}): duplicate of the ${owner} zone, dropped`);
      nameById.set(z.id, name);
      continue;
    }
    if (owner !== undefined) name = `${name}@${z.id}`;
    taken.set(name, z.controlType);
    nameById.set(z.id, name);
    const single = kind === "core" && (options.vendor === "amd" || options.vendor === "hygon");
    out.push({
      name,
      kind,
      parent,
      wrapModulus: sysfsWrapModulus(z.maxEnergyRangeUj),
      ujPerRaw: { num: 1n, den: 1n },
      origin: `${z.realPath}/energy_uj`,
      note: single
        ? "AMD core zone measures a single physical core, not the whole package"
        : kind === "core" && options.vendor === "unknown"
        ? "CPU vendor unknown: on AMD this core zone measures a single physical core"
        : null,
      energyPath: `${z.realPath}/energy_uj`,
      maxEnergyRangeUj: z.maxEnergyRangeUj,
    });
  }
  const hasPsys = out.some((d) => d.kind === "psys");
  const domains = out.map((d) => ({
    ...d,
    inHostTotal: hasPsys ? d.kind === "psys" : d.kind === "package" || d.kind === "dram",
  }));
  return { domains, hostTotalRule: hasPsys ? "psys" : "packages+dram", skipped };
}
