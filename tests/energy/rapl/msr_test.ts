import assert from "node:assert/strict";
import { tempDir } from "../../_kit/temp_dir.ts";
import { nobodyWorkspace, runDenoScriptAsNobody } from "../../_kit/run_as_nobody.ts";
import {
  expectEnergySourceError,
  fakeIntelMsrHost,
  openFakeMsrSource,
  writeCpuinfo,
  writeMsr,
  writeTopology,
} from "../../_kit/fake_msr.ts";

Deno.test("msr source reads one CPU per package with raw 32-bit counts on an Intel server", async () => {
  await using dir = await tempDir();
  const src = openFakeMsrSource(fakeIntelMsrHost(dir.path, 0x55));
  try {
    assert.deepEqual(src.units.map((u) => u.cpu), [0, 2]);
    assert.deepEqual(src.domains.map((d) => [d.name, d.parent, d.inHostTotal, d.cpu]), [
      ["package-0", null, true, 0],
      ["package-0/core", "package-0", false, 0],
      ["dram-0", "package-0", true, 0],
      ["package-1", null, true, 2],
      ["package-1/core", "package-1", false, 2],
      ["dram-1", "package-1", true, 2],
    ]);
    assert.deepEqual(src.read().map((s) => s.raw), [1000n, 500n, 200n, 1002n, 502n, 202n]);
    assert.ok(src.domains.every((d) => d.wrapModulus === 2n ** 32n));
    assert.deepEqual(src.domains[0].ujPerRaw, { num: 15625n, den: 256n }); // 61.03515625 uJ
    assert.deepEqual(src.domains[2].ujPerRaw, { num: 153n, den: 10n }); // fixed 15.3 uJ DRAM
    assert.match(src.skipped.join("\n"), /package-0\/uncore \(0x641\): reads 0/);
    assert.match(src.skipped.join("\n"), /psys \(0x64D\)/);
  } finally {
    src.close();
  }
});

Deno.test("msr source uses the package ESU for DRAM on a client CPU", async () => {
  await using dir = await tempDir();
  const src = openFakeMsrSource(fakeIntelMsrHost(dir.path, 0x9e)); // Kaby Lake client
  try {
    assert.deepEqual(src.domains.find((d) => d.kind === "dram")?.ujPerRaw, {
      num: 15625n,
      den: 256n,
    });
  } finally {
    src.close();
  }
});

Deno.test("msr source reads psys once and makes it the host total when present", async () => {
  await using dir = await tempDir();
  const host = fakeIntelMsrHost(dir.path, 0x8f); // Sapphire Rapids: fixed 1 J psys unit
  writeMsr(host.dev, 0, 0x64d, 777n);
  writeMsr(host.dev, 2, 0x64d, 888n);
  const src = openFakeMsrSource(host);
  try {
    assert.equal(src.hostTotalRule, "psys");
    const psys = src.domains.filter((d) => d.kind === "psys");
    assert.deepEqual(psys.map((d) => [d.name, d.cpu, d.ujPerRaw]), [["psys", 0, {
      num: 1_000_000n,
      den: 1n,
    }]]);
    assert.deepEqual(src.domains.filter((d) => d.inHostTotal).map((d) => d.name), ["psys"]);
    assert.deepEqual(src.domains.find((d) => d.kind === "dram")?.ujPerRaw, {
      num: 15625n,
      den: 256n,
    });
  } finally {
    src.close();
  }
});

Deno.test("msr source validates msrCpus against the topology", async () => {
  await using dir = await tempDir();
  const host = fakeIntelMsrHost(dir.path, 0x55);
  expectEnergySourceError(
    () => openFakeMsrSource(host, [0, 1]),
    "invalid-option",
    /CPUs 0 and 1 are both in package 0/,
  );
  expectEnergySourceError(
    () => openFakeMsrSource(host, [2, 2]),
    "invalid-option",
    /both in package 1/,
  );
  expectEnergySourceError(
    () => openFakeMsrSource(host, [7]),
    "invalid-option",
    /CPU 7 is not an online CPU .*\(CPUs found: 0-3\)/,
  );
  expectEnergySourceError(() => openFakeMsrSource(host, []), "invalid-option", /msrCpus is empty/);
  const one = openFakeMsrSource(host, [3]);
  try {
    assert.deepEqual(one.domains.filter((d) => d.kind === "package").map((d) => d.name), [
      "package-1",
    ]);
    assert.match(one.skipped.join("\n"), /package 0: not read \(not in msrCpus\)/);
  } finally {
    one.close();
  }
});

Deno.test("msr source names dies on multi-die packages", async () => {
  await using dir = await tempDir();
  const host = fakeIntelMsrHost(dir.path, 0x55);
  writeTopology(host.topo, [
    { cpu: 0, packageId: 0, dieId: 0 },
    { cpu: 1, packageId: 0, dieId: 1 },
    { cpu: 2, packageId: 1, dieId: 0 },
    { cpu: 3, packageId: 1, dieId: 1 },
  ]);
  const src = openFakeMsrSource(host);
  try {
    assert.deepEqual(src.domains.filter((d) => d.kind === "package").map((d) => d.name), [
      "package-0-die-0",
      "package-0-die-1",
      "package-1-die-0",
      "package-1-die-1",
    ]);
    assert.equal(src.domains.find((d) => d.kind === "dram")?.name, "dram-0-die-0");
  } finally {
    src.close();
  }
});

Deno.test("msr source gives per-domain errors when one device stops answering", async () => {
  await using dir = await tempDir();
  const host = fakeIntelMsrHost(dir.path, 0x55);
  const src = openFakeMsrSource(host);
  try {
    Deno.truncateSync(`${host.dev}/2/msr`, 0x600); // registers of CPU 2 now read short
    const s = src.read();
    assert.deepEqual(s.slice(0, 3).map((x) => x.raw), [1000n, 500n, 200n]);
    assert.match(s[3].error ?? "", /short read of MSR 0x611 from .*\/2\/msr/);
    assert.ok(s.slice(3).every((x) => x.error !== undefined));
  } finally {
    src.close();
  }
});

Deno.test("msr source refuses unknown vendors, missing devices and unreadable package counters", async () => {
  await using dir = await tempDir();
  const host = fakeIntelMsrHost(dir.path, 0x55);
  writeCpuinfo(host.cpuinfo, "SomethingElse", 6, 1);
  expectEnergySourceError(
    () => openFakeMsrSource(host),
    "unsupported",
    /unknown CPU vendor "SomethingElse"/,
  );
  writeCpuinfo(host.cpuinfo, "AuthenticAMD", 21, 1);
  expectEnergySourceError(() => openFakeMsrSource(host), "unsupported", /family 0x15 has no RAPL/);
  writeCpuinfo(host.cpuinfo, "GenuineIntel", 6, 0x55);
  expectEnergySourceError(
    () => openFakeMsrSource({ ...host, dev: dir.join("nodev") }),
    "not-found",
    /modprobe msr/,
  );
  Deno.truncateSync(`${host.dev}/0/msr`, 0x610);
  expectEnergySourceError(
    () => openFakeMsrSource(host),
    "unsupported",
    /package energy register 0x611 on CPU 0/,
  );
  expectEnergySourceError(
    () => openFakeMsrSource({ ...host, topo: dir.join("notopo") }),
    "not-found",
    /no CPU topology/,
  );
});

Deno.test("msr source explains the privilege needed on a real EACCES", async () => {
  await using dir = await tempDir();
  const host = fakeIntelMsrHost(dir.path, 0x55);
  Deno.chmodSync(dir.path, 0o755);
  for (const cpu of [0, 1, 2, 3]) Deno.chmodSync(`${host.dev}/${cpu}/msr`, 0o600);
  const script = dir.join("probe.ts");
  const workspace = await nobodyWorkspace(dir.path, ["lib/energy/rapl/msr.ts"]);
  const moduleUrl = workspace.moduleUrl("lib/energy/rapl/msr.ts");
  Deno.writeTextFileSync(
    script,
    `import { openMsrSource } from ${JSON.stringify(moduleUrl)};
try { openMsrSource(${
      JSON.stringify({ deviceRoot: host.dev, topologyRoot: host.topo, cpuinfoPath: host.cpuinfo })
    }); console.log("{}"); }
catch (e) { console.log(JSON.stringify({ reason: e.reason, message: e.message })); }`,
  );
  Deno.chmodSync(script, 0o644);
  const out = await runDenoScriptAsNobody(script, workspace);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(result.reason, "permission");
  assert.match(result.message, /CAP_SYS_RAWIO.*CVE-2020-8694.*governor as root/s);
});
