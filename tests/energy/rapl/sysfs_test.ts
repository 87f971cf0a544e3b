import assert from "node:assert/strict";
import fc from "fast-check";
import { tempDir } from "../../_kit/temp_dir.ts";
import { nobodyWorkspace, runDenoScriptAsNobody } from "../../_kit/run_as_nobody.ts";
import { buildFakePowercap, writeVendorCpuinfo } from "../../_kit/fake_powercap.ts";
import { openSysfsSource, parseCounterBytes } from "../../../lib/energy/rapl/sysfs.ts";
import { type FileOps, nodeFileOps } from "../../../lib/energy/rapl/file_ops.ts";
import { EnergySourceError } from "../../../lib/energy/rapl/errors.ts";

Deno.test("sysfs source reads full-width values and fresh content on every read of the open file", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  const src = openSysfsSource({ root: tree.classRoot });
  try {
    for (const v of [4294967296n, 262143328850n, 5n, 99999999999n]) {
      tree.setEnergy("intel-rapl:0", `${v}\n`);
      assert.deepEqual(src.read()[0].raw, v); // never masked to 32 bits
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
    assert.deepEqual(s[0].raw, 12345n);
    assert.match(s[1].error ?? "", /is empty/);
    assert.match(s[2].error ?? "", /not a counter: "12a45\\n"/);
    assert.match(s[3].error ?? "", /not a counter/);
    assert.match(s[4].error ?? "", /above max_energy_range_uj/);
    tree.setEnergy("intel-rapl:0:0", "77\n");
    assert.deepEqual(src.read()[1].raw, 77n);
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
    assert.match(s[0].error ?? "", /vanished \(ENODEV\)/);
    assert.deepEqual(s[1].raw, 20n);
    s = src.read(); // reopen fails: the file is gone
    assert.match(s[0].error ?? "", /vanished \(ENOENT\)/);
    Deno.writeTextFileSync(zone0, "3\n"); // module reloaded: counter restarted
    s = src.read();
    assert.deepEqual(s.map((x) => x.raw), [3n, 20n]);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source explains Platypus on a real EACCES as an unprivileged user", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  Deno.chmodSync(dir.path, 0o755);
  Deno.chmodSync(`${tree.zoneDir("intel-rapl:0")}/energy_uj`, 0o400); // as the kernel does
  const script = `${dir.path}/probe.ts`;
  const workspace = await nobodyWorkspace(dir.path, ["lib/energy/rapl/sysfs.ts"]);
  const moduleUrl = workspace.moduleUrl("lib/energy/rapl/sysfs.ts");
  Deno.writeTextFileSync(
    script,
    `import { openSysfsSource } from ${JSON.stringify(moduleUrl)};
try { openSysfsSource({ root: ${JSON.stringify(tree.classRoot)} }); console.log("opened"); }
catch (e) { console.log(JSON.stringify({ name: e.name, reason: e.reason, message: e.message })); }`,
  );
  Deno.chmodSync(script, 0o644);
  const out = await runDenoScriptAsNobody(script, workspace);
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.deepEqual(out.code, 0, new TextDecoder().decode(out.stderr));
  const result = JSON.parse(text);
  assert.deepEqual([result.name, result.reason], ["EnergySourceError", "permission"]);
  assert.match(result.message, /CVE-2020-8694/);
  assert.match(result.message, /governor as root/);
  assert.ok(!/chmod|a\+r/.test(result.message));
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
    assert.deepEqual(src.read()[0].raw, 1n);
    deny = true;
    const s = src.read();
    assert.match(s[0].error ?? "", /Platypus.*CVE-2020-8694/);
    assert.match(s[1].error ?? "", /CVE-2020-8694/);
  } finally {
    src.close();
  }
});

Deno.test("sysfs source flags SGX filtering and hypervisors as caveats", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  const path = `${dir.path}/cpuinfo-sgx`;
  Deno.writeTextFileSync(path, "vendor_id\t: GenuineIntel\nflags\t\t: fpu sgx hypervisor\n\n");
  const src = openSysfsSource({ root: tree.classRoot, cpuinfoPath: path });
  try {
    assert.deepEqual(src.caveats.length, 2);
    assert.match(src.caveats[0], /SGX is enabled.*INTEL-SA-00389/);
    assert.match(src.caveats[1], /hypervisor/);
  } finally {
    src.close();
  }
  const plain = openSysfsSource({
    root: tree.classRoot,
    cpuinfoPath: writeVendorCpuinfo(dir.path, "GenuineIntel"),
  });
  assert.deepEqual(plain.caveats, []);
  plain.close();
});

Deno.test("sysfs source warns when energy_uj is world-readable", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  const file = `${tree.zoneDir("intel-rapl:0")}/energy_uj`;
  Deno.chmodSync(file, 0o444);
  let src = openSysfsSource({ root: tree.classRoot });
  assert.match(src.permissionNotes.join("\n"), /WARNING: .* world-readable .*CVE-2020-8694/);
  src.close();
  Deno.chmodSync(file, 0o400);
  src = openSysfsSource({ root: tree.classRoot });
  assert.match(src.permissionNotes.join("\n"), /mode 0400 \(not world-readable/);
  src.close();
});

Deno.test("parseCounterBytes accepts exactly decimal counters with an optional newline", () => {
  const enc = new TextEncoder();
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.boolean(), (v, nl) => {
    assert.deepEqual(parseCounterBytes(enc.encode(`${v}${nl ? "\n" : ""}`)), v);
  }));
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }), (s) => {
    const expected = /^\d{1,20}\n?$/.test(s) ? BigInt(s.trim()) : null;
    assert.deepEqual(parseCounterBytes(enc.encode(s)), expected);
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

Deno.test("sysfs source turns any file content into a value or an error sample, never a throw", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [
    { id: "intel-rapl:0", name: "package-0", max: "262143328850" },
    { id: "intel-rapl:1", name: "package-1", energy: "42\n" },
  ]);
  const src = openSysfsSource({ root: tree.classRoot });
  const digits = fc.stringMatching(/^\d{1,22}\n?$/).map((s) => new TextEncoder().encode(s));
  try {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), digits), (bytes) => {
        Deno.writeFileSync(`${tree.zoneDir("intel-rapl:0")}/energy_uj`, bytes);
        const [s0, s1] = src.read();
        assert.deepEqual(s1.raw, 42n);
        const text = new TextDecoder().decode(bytes);
        const valid = /^\d{1,20}\n?$/.test(text) && BigInt(text.trim()) <= 262143328850n;
        if (valid) assert.deepEqual(s0.raw, BigInt(text.trim()));
        else assert.ok(typeof s0.error === "string" && s0.raw === undefined, text);
      }),
      { numRuns: 300 },
    );
  } finally {
    src.close();
  }
});

Deno.test("sysfs source fails to open when no counter can be opened for another reason", async () => {
  await using dir = await tempDir();
  const tree = buildFakePowercap(dir.path, [{ id: "intel-rapl:0", name: "package-0" }]);
  const fileOps: FileOps = {
    ...nodeFileOps,
    open: () => {
      throw Object.assign(new Error("Input/output error"), { code: "EIO" });
    },
  };
  assert.throws(
    () => openSysfsSource({ root: tree.classRoot, fileOps }),
    (e) =>
      e instanceof EnergySourceError && e.reason === "io" && /Input\/output error/.test(e.message),
  );
});
