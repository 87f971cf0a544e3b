/**
 * Builds a fake powercap tree laid out like a real host: zone directories nested under
 * `sys/devices/virtual/powercap/<control type>/...` and flat symlinks in `sys/class/powercap/`.
 */

/** One zone of the fake tree. */
export interface FakeZone {
  /** Zone id, e.g. `intel-rapl:a:0` or `intel-rapl-mmio:0`. */
  id: string;
  /** Contents of `name`. */
  name: string;
  /** Contents of `energy_uj` (written verbatim; add "\n" yourself for realism). */
  energy?: string;
  /** Contents of `max_energy_range_uj` (default Intel: 262143328850). */
  max?: string;
}

/** Handle on a fake tree. */
export interface FakePowercap {
  /** The `sys/class/powercap` directory (what the governor is pointed at). */
  classRoot: string;
  /** The `sys/devices/virtual/powercap` directory (the real tree). */
  devicesRoot: string;
  /** Real directory of a zone. */
  zoneDir(id: string): string;
  /** Rewrites a zone's `energy_uj` in place (same inode, as sysfs keeps its node). */
  setEnergy(id: string, text: string): void;
}

/** Intel ESU 14 range. */
export const INTEL_MAX_UJ = "262143328850";
/** AMD ESU 16 range. */
export const AMD_MAX_UJ = "65532610987";
/** Server DRAM fixed 15.3 uJ unit range. */
export const SERVER_DRAM_MAX_UJ = "65712999613";

/** Creates the tree under `base` and returns a handle. */
export function buildFakePowercap(base: string, zones: FakeZone[]): FakePowercap {
  const classRoot = `${base}/sys/class/powercap`;
  const devicesRoot = `${base}/sys/devices/virtual/powercap`;
  Deno.mkdirSync(classRoot, { recursive: true });
  const zoneDir = (id: string) => {
    const [control, ...idx] = id.split(":");
    let dir = `${devicesRoot}/${control}`;
    for (let i = 1; i <= idx.length; i++) dir += `/${control}:${idx.slice(0, i).join(":")}`;
    return dir;
  };
  const controls = new Set<string>();
  for (const z of zones) {
    const dir = zoneDir(z.id);
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(`${dir}/name`, `${z.name}\n`);
    Deno.writeTextFileSync(`${dir}/energy_uj`, z.energy ?? "1000\n");
    Deno.writeTextFileSync(`${dir}/max_energy_range_uj`, `${z.max ?? INTEL_MAX_UJ}\n`);
    Deno.writeTextFileSync(`${dir}/enabled`, "1\n");
    // sysfs-like back links that a naive symlink-following walk would loop through
    Deno.symlinkSync(classRoot, `${dir}/subsystem`);
    Deno.symlinkSync(dir, `${classRoot}/${z.id}`);
    controls.add(z.id.split(":")[0]);
  }
  for (const c of controls) Deno.symlinkSync(`${devicesRoot}/${c}`, `${classRoot}/${c}`);
  return {
    classRoot,
    devicesRoot,
    zoneDir,
    setEnergy: (id, text) => Deno.writeTextFileSync(`${zoneDir(id)}/energy_uj`, text),
  };
}

/** A typical two-socket Intel server: package, core and dram per package (hex index a). */
export function intelTwoSocketZones(): FakeZone[] {
  return [
    { id: "intel-rapl:0", name: "package-0", energy: "5000000000\n" },
    { id: "intel-rapl:0:0", name: "core", energy: "3000000000\n" },
    { id: "intel-rapl:0:1", name: "dram", energy: "700000000\n", max: SERVER_DRAM_MAX_UJ },
    { id: "intel-rapl:a", name: "package-1", energy: "6000000000\n" },
    { id: "intel-rapl:a:0", name: "core", energy: "3500000000\n" },
    { id: "intel-rapl:a:1", name: "dram", energy: "800000000\n", max: SERVER_DRAM_MAX_UJ },
  ];
}

/** Writes `<dir>/cpuinfo` with one processor of the given vendor (family 6); returns its path. */
export function writeVendorCpuinfo(dir: string, vendor: string): string {
  const path = `${dir}/cpuinfo`;
  Deno.writeTextFileSync(path, `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 6\n\n`);
  return path;
}
