import assert from "node:assert/strict";
import fc from "fast-check";
import { tempDir } from "../../_kit/temp_dir.ts";
import {
  AMD_MAX_UJ,
  buildFakePowercap,
  INTEL_MAX_UJ,
  intelTwoSocketZones,
  writeVendorCpuinfo,
} from "../../_kit/fake_powercap.ts";
import { openSysfsSource } from "../../../lib/energy/rapl/sysfs.ts";
import {
  buildPowercapDomains,
  parseZoneId,
  type PowercapZoneFacts,
  sysfsWrapModulus,
} from "../../../lib/energy/rapl/powercap_discovery.ts";
import { EnergySourceError } from "../../../lib/energy/rapl/errors.ts";

Deno.test("sysfs source discovers zones through class symlinks with hex indices on a 2-socket host", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, intelTwoSocketZones());
  const src = openSysfsSource({
    root: tree.classRoot,
    cpuinfoPath: writeVendorCpuinfo(dir.path, "GenuineIntel"),
  });
  try {
    assert.deepEqual(src.domains.map((d) => [d.name, d.kind, d.parent, d.inHostTotal]), [
      ["package-0", "package", null, true],
      ["package-0/core", "core", "package-0", false],
      ["dram-0", "dram", "package-0", true],
      ["package-1", "package", null, true],
      ["package-1/core", "core", "package-1", false],
      ["dram-1", "dram", "package-1", true],
    ]);
    assert.deepEqual(src.hostTotalRule, "packages+dram");
    assert.deepEqual(
      src.domains[3].origin,
      `${tree.devicesRoot}/intel-rapl/intel-rapl:a/energy_uj`,
    );
    assert.deepEqual(src.domains[0].wrapModulus, 262143328850n + 61n);
    assert.deepEqual(src.domains[2].wrapModulus, 65712999613n + 15n);
    assert.deepEqual(src.read().map((s) => s.raw), [
      5000000000n,
      3000000000n,
      700000000n,
      6000000000n,
      3500000000n,
      800000000n,
    ]);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source counts each zone once when pointed at the real devices tree", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, intelTwoSocketZones());
  const viaClass = openSysfsSource({ root: tree.classRoot });
  const viaDevices = openSysfsSource({ root: tree.devicesRoot });
  try {
    assert.deepEqual(viaDevices.domains.map((d) => d.name), viaClass.domains.map((d) => d.name));
    assert.deepEqual(viaDevices.domains.length, 6);
  } finally {
    viaClass.close();
    viaDevices.close();
  }
});

Deno.test("sysfs source drops intel-rapl-mmio duplicates and says so", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0" },
    { id: "intel-rapl:0:0", name: "core" },
    { id: "intel-rapl:0:1", name: "uncore" },
    { id: "intel-rapl-mmio:0", name: "package-0" },
    { id: "intel-rapl-mmio:0:0", name: "core" },
  ]);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    assert.deepEqual(src.domains.map((d) => d.name), [
      "package-0",
      "package-0/core",
      "package-0/uncore",
    ]);
    assert.ok(src.domains.every((d) => d.origin.includes("/intel-rapl/")));
    assert.deepEqual(src.skipped.length, 2);
    assert.match(src.skipped[0], /intel-rapl-mmio:0 \(package-0\): duplicate/);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source prefers intel-rapl over any other intel-rapl-* control type with the same zones", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl-tpmi:0", name: "package-0" },
    { id: "intel-rapl-tpmi:0:0", name: "dram" },
    { id: "intel-rapl:0", name: "package-0" },
    { id: "intel-rapl-tpmi:1", name: "package-1" },
  ]);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    assert.deepEqual(src.domains.map((d) => [d.name, d.origin.includes("/intel-rapl/")]), [
      ["package-0", true],
      ["dram-0", false], // only the variant has it: kept, under intel-rapl's package-0
      ["package-1", false],
    ]);
    assert.match(
      src.skipped.join("\n"),
      /intel-rapl-tpmi:0 \(package-0\): duplicate of the intel-rapl zone/,
    );
  } finally {
    src.close();
  }
});

Deno.test("sysfs source labels the AMD core zone as a single core and uses the AMD range", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0", max: AMD_MAX_UJ },
    { id: "intel-rapl:0:0", name: "core", max: AMD_MAX_UJ },
  ]);
  const src = openSysfsSource({
    root: tree.classRoot,
    cpuinfoPath: writeVendorCpuinfo(dir.path, "AuthenticAMD"),
  });
  try {
    assert.deepEqual(src.domains[0].note, null);
    assert.match(src.domains[1].note ?? "", /single physical core/);
    assert.deepEqual(src.domains[1].inHostTotal, false);
    assert.deepEqual(src.domains[0].wrapModulus, 65532610987n + 15n);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source uses psys alone for the host total when psys exists", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0" },
    { id: "intel-rapl:0:0", name: "core" },
    { id: "intel-rapl:0:1", name: "dram" },
    { id: "intel-rapl:1", name: "psys" },
  ]);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    assert.deepEqual(src.hostTotalRule, "psys");
    assert.deepEqual(src.domains.filter((d) => d.inHostTotal).map((d) => d.name), ["psys"]);
    assert.deepEqual(src.domains.find((d) => d.name === "psys")?.parent, null);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source skips zones without energy_uj or with an unusable range and lists why", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0", energy: "10\n" },
    { id: "intel-rapl:1", name: "package-1", energy: "20\n" },
    { id: "intel-rapl:2", name: "package-2", energy: "30\n", max: "garbage" },
    { id: "intel-rapl:3", name: "gpu", energy: "40\n" },
  ]);
  Deno.removeSync(`${tree.zoneDir("intel-rapl:1")}/energy_uj`);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    assert.deepEqual(src.domains.map((d) => d.name), ["package-0"]);
    assert.deepEqual(src.skipped, [
      "intel-rapl:1 (package-1): no energy_uj file, not an energy counter",
      "intel-rapl:2 (package-2): max_energy_range_uj unreadable, wrap modulus unknown",
      'intel-rapl:3: unknown zone "gpu"',
    ]);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source says VM or no driver when the tree is empty or missing", async () => {
  await using dir = await tempDir();
  const bare = writeVendorCpuinfo(dir.path, "GenuineIntel");
  const guest = `${dir.path}/cpuinfo-guest`;
  Deno.writeTextFileSync(guest, "vendor_id\t: AuthenticAMD\nflags\t\t: fpu hypervisor lm\n\n");
  for (const root of [dir.path, `${dir.path}/missing`]) {
    for (
      const [cpuinfoPath, re] of [[bare, /VM or no intel_rapl driver\?/], [
        guest,
        /this is a virtual machine/,
      ]] as const
    ) {
      try {
        openSysfsSource({ root, cpuinfoPath });
        assert.fail("expected an error");
      } catch (err) {
        if (!(err instanceof EnergySourceError)) throw err;
        assert.deepEqual(err.reason, "not-found");
        assert.match(err.message, re);
        assert.match(err.message, /--rapl-mode=sim/);
      }
    }
  }
});

Deno.test("parseZoneId round-trips hexadecimal zone indices", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat(4095), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      (idx, mmio) => {
        const control = mmio ? "intel-rapl-mmio" : "intel-rapl";
        assert.deepEqual(parseZoneId(`${control}:${idx.map((i) => i.toString(16)).join(":")}`), {
          controlType: control,
          indices: idx,
        });
      },
    ),
  );
  assert.deepEqual(parseZoneId("intel-rapl"), null);
  assert.deepEqual(parseZoneId("intel-rapl:0:g"), null);
});

Deno.test("sysfsWrapModulus is within 1.5 uJ of 2^32 hardware units for any unit", () => {
  fc.assert(fc.property(fc.integer({ min: 1000, max: 1_000_000 }), (unitNj) => {
    const max = (0xffffffffn * BigInt(unitNj)) / 1000n; // what the kernel reports
    const modulus = sysfsWrapModulus(max);
    const diffNj = modulus * 1000n - (1n << 32n) * BigInt(unitNj); // in nJ
    assert.ok(diffNj < 1500n && diffNj > -1500n, `unit ${unitNj} nJ: off by ${diffNj} nJ`);
  }));
  for (
    const [unitNj, max] of [[61035n, INTEL_MAX_UJ], [15258n, AMD_MAX_UJ], [15300n, "65712999613"]]
  ) {
    const diffNj = sysfsWrapModulus(BigInt(max)) * 1000n - (1n << 32n) * BigInt(unitNj);
    assert.ok(diffNj < 1000n && diffNj > -1000n, `${max}: off by ${diffNj} nJ`);
  }
});

Deno.test("buildPowercapDomains keeps names unique, parents first and never counts a child twice", () => {
  const childName = fc.constantFrom("core", "uncore", "dram");
  const zoneSet = fc.array(
    fc.record({
      mmio: fc.boolean(),
      pkg: fc.integer({ min: 0, max: 17 }),
      psys: fc.boolean(),
      children: fc.uniqueArray(childName, { maxLength: 3 }),
    }),
    { maxLength: 6 },
  );
  fc.assert(fc.property(zoneSet, fc.constantFrom("intel", "amd", "unknown"), (set, vendor) => {
    const zones: PowercapZoneFacts[] = [];
    const seen = new Set<string>();
    for (const z of set) {
      const control = z.mmio ? "intel-rapl-mmio" : "intel-rapl";
      const id = `${control}:${z.pkg.toString(16)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const base = { controlType: control, realPath: `/r/${id}`, maxEnergyRangeUj: 262143328850n };
      zones.push({ ...base, id, indices: [z.pkg], zoneName: z.psys ? "psys" : `package-${z.pkg}` });
      z.children.forEach((c, i) =>
        zones.push({
          ...base,
          id: `${id}:${i}`,
          indices: [z.pkg, i],
          realPath: `/r/${id}/${id}:${i}`,
          zoneName: c,
        })
      );
    }
    const layout = buildPowercapDomains(zones, { vendor: vendor as "intel" | "amd" | "unknown" });
    const names = layout.domains.map((d) => d.name);
    assert.deepEqual(new Set(names).size, names.length);
    for (const [i, d] of layout.domains.entries()) {
      if (d.parent !== null) {
        assert.ok(names.slice(0, i).includes(d.parent), `${d.name} before parent`);
      }
      if (d.kind === "core" || d.kind === "uncore") assert.deepEqual(d.inHostTotal, false);
      if (layout.hostTotalRule === "psys") assert.deepEqual(d.inHostTotal, d.kind === "psys");
      else assert.deepEqual(d.inHostTotal, d.kind === "package" || d.kind === "dram");
      assert.ok(
        !(d.kind === "core" && vendor !== "intel" && d.note === null),
        "AMD/unknown core noted",
      );
    }
    assert.deepEqual(layout.domains.length + layout.skipped.length, zones.length);
  }));
});

Deno.test("sysfs source names dies and their children on multi-die packages", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0-die-0" },
    { id: "intel-rapl:0:0", name: "dram" },
    { id: "intel-rapl:1", name: "package-0-die-1" },
    { id: "intel-rapl:1:0", name: "dram" },
    { id: "intel-rapl:1:1", name: "core" },
  ]);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    assert.deepEqual(src.domains.map((d) => [d.name, d.parent]), [
      ["package-0-die-0", null],
      ["dram-0-die-0", "package-0-die-0"],
      ["package-0-die-1", null],
      ["dram-0-die-1", "package-0-die-1"],
      ["package-0-die-1/core", "package-0-die-1"],
    ]);
  } finally {
    src.close();
  }
});
