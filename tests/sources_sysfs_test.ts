import assert from "node:assert/strict";
import fc from "fast-check";
import { tempDir } from "./kit/temp_dir.ts";
import {
  AMD_MAX_UJ,
  buildFakePowercap,
  INTEL_MAX_UJ,
  intelTwoSocketZones,
} from "./kit/fake_powercap.ts";
import { openSysfsSource, parseCounterBytes } from "../governor/sources/sysfs.ts";
import {
  buildPowercapDomains,
  parseZoneId,
  type PowercapZoneFacts,
  sysfsWrapModulus,
} from "../governor/sources/powercap_discovery.ts";
import { EnergySourceError } from "../governor/sources/errors.ts";
import { type FileOps, nodeFileOps } from "../governor/sources/file_ops.ts";

function cpuinfo(dir: string, vendor: string): string {
  const path = `${dir}/cpuinfo`;
  Deno.writeTextFileSync(path, `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 6\n\n`);
  return path;
}

function assertEqual(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

function assertMatch(text: string, re: RegExp): void {
  assert.match(text, re);
}

Deno.test("sysfs source discovers zones through class symlinks with hex indices on a 2-socket host", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, intelTwoSocketZones());
  const src = openSysfsSource({
    root: tree.classRoot,
    cpuinfoPath: cpuinfo(dir.path, "GenuineIntel"),
  });
  try {
    assertEqual(src.domains.map((d) => [d.name, d.kind, d.parent, d.inHostTotal]), [
      ["package-0", "package", null, true],
      ["package-0/core", "core", "package-0", false],
      ["dram-0", "dram", "package-0", true],
      ["package-1", "package", null, true],
      ["package-1/core", "core", "package-1", false],
      ["dram-1", "dram", "package-1", true],
    ]);
    assertEqual(src.hostTotalRule, "packages+dram");
    assertEqual(src.domains[3].origin, `${tree.devicesRoot}/intel-rapl/intel-rapl:a/energy_uj`);
    assertEqual(src.domains[0].wrapModulus, 262143328850n + 61n);
    assertEqual(src.domains[2].wrapModulus, 65712999613n + 15n);
    assertEqual(src.read().map((s) => s.raw), [
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
    assertEqual(viaDevices.domains.map((d) => d.name), viaClass.domains.map((d) => d.name));
    assertEqual(viaDevices.domains.length, 6);
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
    assertEqual(src.domains.map((d) => d.name), [
      "package-0",
      "package-0/core",
      "package-0/uncore",
    ]);
    assert(src.domains.every((d) => d.origin.includes("/intel-rapl/")));
    assertEqual(src.skipped.length, 2);
    assertMatch(src.skipped[0], /intel-rapl-mmio:0 \(package-0\): duplicate/);
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
    assertEqual(src.domains.map((d) => [d.name, d.origin.includes("/intel-rapl/")]), [
      ["package-0", true],
      ["dram-0", false], // only the variant has it: kept, under intel-rapl's package-0
      ["package-1", false],
    ]);
    assertMatch(
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
    cpuinfoPath: cpuinfo(dir.path, "AuthenticAMD"),
  });
  try {
    assertEqual(src.domains[0].note, null);
    assertMatch(src.domains[1].note ?? "", /single physical core/);
    assertEqual(src.domains[1].inHostTotal, false);
    assertEqual(src.domains[0].wrapModulus, 65532610987n + 15n);
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
    assertEqual(src.hostTotalRule, "psys");
    assertEqual(src.domains.filter((d) => d.inHostTotal).map((d) => d.name), ["psys"]);
    assertEqual(src.domains.find((d) => d.name === "psys")?.parent, null);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source reads full-width values and fresh content on every read of the open file", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    for (const v of [4294967296n, 262143328850n, 5n, 99999999999n]) {
      tree.setEnergy("intel-rapl:0", `${v}\n`);
      assertEqual(src.read()[0].raw, v); // never masked to 32 bits
    }
  } finally {
    src.close();
  }
});

Deno.test("sysfs source reports garbage, empty and out-of-range files per domain without dropping others", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0", energy: "12345\n" },
    { id: "intel-rapl:0:0", name: "core", energy: "" },
    { id: "intel-rapl:0:1", name: "uncore", energy: "12a45\n" },
    { id: "intel-rapl:0:2", name: "dram", energy: "-5\n" },
    { id: "intel-rapl:1", name: "package-1", energy: "999999999999999\n", max: "1000" },
  ]);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    const s = src.read();
    assertEqual(s[0].raw, 12345n);
    assertMatch(s[1].error ?? "", /is empty/);
    assertMatch(s[2].error ?? "", /not a counter: "12a45\\n"/);
    assertMatch(s[3].error ?? "", /not a counter/);
    assertMatch(s[4].error ?? "", /above max_energy_range_uj/);
    tree.setEnergy("intel-rapl:0:0", "77\n");
    assertEqual(src.read()[1].raw, 77n);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source reports a vanished file and recovers when the zone returns", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0", energy: "10\n" },
    { id: "intel-rapl:1", name: "package-1", energy: "20\n" },
  ]);
  // A regular file keeps reading after unlink (POSIX); a sysfs node answers ENODEV once its
  // driver is gone. Reproduce the kernel behaviour with file operations that fail like sysfs.
  const gone = new Set<number>();
  const ops: FileOps = {
    open: (p) => nodeFileOps.open(p),
    pread: (fd, buf, pos) => {
      if (gone.has(fd)) throw Object.assign(new Error("No such device"), { code: "ENODEV" });
      return nodeFileOps.pread(fd, buf, pos);
    },
    close: (fd) => {
      gone.delete(fd);
      nodeFileOps.close(fd);
    },
  };
  const opened: number[] = [];
  const spy: FileOps = { ...ops, open: (p) => (opened.push(ops.open(p)), opened.at(-1)!) };
  const src = openSysfsSource({ root: tree.classRoot, fileOps: spy });
  try {
    const zone0 = `${tree.zoneDir("intel-rapl:0")}/energy_uj`;
    gone.add(opened[0]);
    Deno.removeSync(zone0);
    let s = src.read();
    assertMatch(s[0].error ?? "", /vanished \(ENODEV\)/);
    assertEqual(s[1].raw, 20n);
    s = src.read(); // reopen fails: the file is gone
    assertMatch(s[0].error ?? "", /vanished \(ENOENT\)/);
    Deno.writeTextFileSync(zone0, "3\n"); // module reloaded: counter restarted
    s = src.read();
    assertEqual(s.map((x) => x.raw), [3n, 20n]);
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
    assertEqual(src.domains.map((d) => d.name), ["package-0"]);
    assertEqual(src.skipped, [
      "intel-rapl:1 (package-1): no energy_uj file, not an energy counter",
      "intel-rapl:2 (package-2): max_energy_range_uj unreadable, wrap modulus unknown",
      'intel-rapl:3: unknown zone "gpu"',
    ]);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source explains Platypus on a real EACCES as an unprivileged user", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  Deno.chmodSync(dir.path, 0o755);
  Deno.chmodSync(`${tree.zoneDir("intel-rapl:0")}/energy_uj`, 0o400); // as the kernel does
  const denoDir = `${dir.path}/deno-dir`;
  Deno.mkdirSync(denoDir, { mode: 0o777 });
  Deno.chmodSync(denoDir, 0o777);
  const script = `${dir.path}/probe.ts`;
  const moduleUrl = new URL("../governor/sources/sysfs.ts", import.meta.url).href;
  Deno.writeTextFileSync(
    script,
    `import { openSysfsSource } from ${JSON.stringify(moduleUrl)};
try { openSysfsSource({ root: ${JSON.stringify(tree.classRoot)} }); console.log("opened"); }
catch (e) { console.log(JSON.stringify({ name: e.name, reason: e.reason, message: e.message })); }`,
  );
  Deno.chmodSync(script, 0o644);
  const out = await new Deno.Command("setpriv", {
    args: [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      script,
    ],
    env: { DENO_DIR: denoDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assertEqual(out.code, 0, new TextDecoder().decode(out.stderr));
  const result = JSON.parse(text);
  assertEqual([result.name, result.reason], ["EnergySourceError", "permission"]);
  assertMatch(result.message, /CVE-2020-8694/);
  assertMatch(result.message, /governor as root/);
  assert(!/chmod|a\+r/.test(result.message));
});

Deno.test("sysfs source gives a Platypus error sample when permission is lost mid-run", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0", energy: "1\n" },
    { id: "intel-rapl:1", name: "package-1", energy: "2\n" },
  ]);
  let deny = false;
  const ops: FileOps = {
    ...nodeFileOps,
    pread: (fd, buf, pos) => {
      if (deny) throw Object.assign(new Error("Permission denied"), { code: "EACCES" });
      return nodeFileOps.pread(fd, buf, pos);
    },
  };
  const src = openSysfsSource({ root: tree.classRoot, fileOps: ops });
  try {
    assertEqual(src.read()[0].raw, 1n);
    deny = true;
    const s = src.read();
    assertMatch(s[0].error ?? "", /Platypus.*CVE-2020-8694/);
    assertMatch(s[1].error ?? "", /CVE-2020-8694/);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source says VM or no driver when the tree is empty or missing", async () => {
  await using dir = await tempDir();
  const bare = cpuinfo(dir.path, "GenuineIntel");
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
        assertEqual(err.reason, "not-found");
        assertMatch(err.message, re);
        assertMatch(err.message, /--rapl-mode=sim/);
      }
    }
  }
});

Deno.test("sysfs source flags SGX filtering and hypervisors as caveats", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  const path = `${dir.path}/cpuinfo-sgx`;
  Deno.writeTextFileSync(path, "vendor_id\t: GenuineIntel\nflags\t\t: fpu sgx hypervisor\n\n");
  const src = openSysfsSource({ root: tree.classRoot, cpuinfoPath: path });
  try {
    assertEqual(src.caveats.length, 2);
    assertMatch(src.caveats[0], /SGX is enabled.*INTEL-SA-00389/);
    assertMatch(src.caveats[1], /hypervisor/);
  } finally {
    src.close();
  }
  const plain = openSysfsSource({
    root: tree.classRoot,
    cpuinfoPath: cpuinfo(dir.path, "GenuineIntel"),
  });
  assertEqual(plain.caveats, []);
  plain.close();
});

Deno.test("sysfs source warns when energy_uj is world-readable", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  const file = `${tree.zoneDir("intel-rapl:0")}/energy_uj`;
  Deno.chmodSync(file, 0o444);
  let src = openSysfsSource({ root: tree.classRoot });
  assertMatch(src.permissionNotes.join("\n"), /WARNING: .* world-readable .*CVE-2020-8694/);
  src.close();
  Deno.chmodSync(file, 0o400);
  src = openSysfsSource({ root: tree.classRoot });
  assertMatch(src.permissionNotes.join("\n"), /mode 0400 \(not world-readable/);
  src.close();
});

Deno.test("parseCounterBytes accepts exactly decimal counters with an optional newline", () => {
  const enc = new TextEncoder();
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.boolean(), (v, nl) => {
    assertEqual(parseCounterBytes(enc.encode(`${v}${nl ? "\n" : ""}`)), v);
  }));
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }), (s) => {
    const expected = /^\d{1,20}\n?$/.test(s) ? BigInt(s.trim()) : null;
    assertEqual(parseCounterBytes(enc.encode(s)), expected);
  }));
});

Deno.test("parseZoneId round-trips hexadecimal zone indices", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat(4095), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      (idx, mmio) => {
        const control = mmio ? "intel-rapl-mmio" : "intel-rapl";
        assertEqual(parseZoneId(`${control}:${idx.map((i) => i.toString(16)).join(":")}`), {
          controlType: control,
          indices: idx,
        });
      },
    ),
  );
  assertEqual(parseZoneId("intel-rapl"), null);
  assertEqual(parseZoneId("intel-rapl:0:g"), null);
});

Deno.test("sysfsWrapModulus is within 1.5 uJ of 2^32 hardware units for any unit", () => {
  fc.assert(fc.property(fc.integer({ min: 1000, max: 1_000_000 }), (unitNj) => {
    const max = (0xffffffffn * BigInt(unitNj)) / 1000n; // what the kernel reports
    const modulus = sysfsWrapModulus(max);
    const diffNj = modulus * 1000n - (1n << 32n) * BigInt(unitNj); // in nJ
    assert(diffNj < 1500n && diffNj > -1500n, `unit ${unitNj} nJ: off by ${diffNj} nJ`);
  }));
  for (
    const [unitNj, max] of [[61035n, INTEL_MAX_UJ], [15258n, AMD_MAX_UJ], [15300n, "65712999613"]]
  ) {
    const diffNj = sysfsWrapModulus(BigInt(max)) * 1000n - (1n << 32n) * BigInt(unitNj);
    assert(diffNj < 1000n && diffNj > -1000n, `${max}: off by ${diffNj} nJ`);
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
    assertEqual(new Set(names).size, names.length);
    for (const [i, d] of layout.domains.entries()) {
      if (d.parent !== null) {
        assert.ok(names.slice(0, i).includes(d.parent), `${d.name} before parent`);
      }
      if (d.kind === "core" || d.kind === "uncore") assertEqual(d.inHostTotal, false);
      if (layout.hostTotalRule === "psys") assertEqual(d.inHostTotal, d.kind === "psys");
      else assertEqual(d.inHostTotal, d.kind === "package" || d.kind === "dram");
      assert.ok(
        !(d.kind === "core" && vendor !== "intel" && d.note === null),
        "AMD/unknown core noted",
      );
    }
    assertEqual(layout.domains.length + layout.skipped.length, zones.length);
  }));
});

const LO_RX = "/sys/class/net/lo/statistics/rx_bytes";
const hasLoStats = (() => {
  try {
    Deno.statSync(LO_RX);
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "nodeFileOps re-reads a kept-open real sysfs attribute fresh at offset 0",
  ignore: !hasLoStats, // needs a host sysfs; RAPL itself is not available here
  async fn() {
    const fd = nodeFileOps.open(LO_RX);
    const buf = new Uint8Array(32);
    const read = () => parseCounterBytes(buf, nodeFileOps.pread(fd, buf, 0))!;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const before = read();
      const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
      const server = await listener.accept();
      await client.write(new Uint8Array(50_000));
      let got = 0;
      const chunk = new Uint8Array(65_536);
      while (got < 50_000) got += (await server.read(chunk)) ?? 50_000;
      client.close();
      server.close();
      const after = read();
      assert.ok(after >= before + 50_000n, `rx_bytes ${before} -> ${after} on the same descriptor`);
    } finally {
      listener.close();
      nodeFileOps.close(fd);
    }
  },
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
    assertEqual(src.domains.map((d) => [d.name, d.parent]), [
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
