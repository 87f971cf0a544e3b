import assert from "node:assert/strict";
import { runCli } from "../../lib/cli/run_cli.ts";
import { bufferSink } from "../../lib/cli/sinks.ts";
import { createWhereCommand, whereCommand } from "../../lib/cli/commands/where.ts";
import type { Command } from "../../lib/cli/command.ts";
import { fakeDmi, type FakeDmiKind } from "../_kit/fake_dmi.ts";
import { fakeImds } from "../_kit/fake_imds.ts";
import { type TempDir, tempDir } from "../_kit/temp_dir.ts";

async function where(args: string[], command: Command = whereCommand) {
  const stdout = bufferSink();
  const stderr = bufferSink();
  const code = await runCli(["where", ...args], {
    commands: [command],
    stdout,
    stderr,
    env: { CARBON_OPS_CONFIG: "" },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function vm(dir: TempDir, kind: FakeDmiKind, url: string, extra: string[] = []) {
  const dmiRoot = await fakeDmi(dir.join(`dmi-${kind}`), kind);
  return [
    "--dmi-root",
    dmiRoot,
    "--metadata-url",
    url,
    "--cache",
    dir.join(`${kind}.json`),
    "--metadata-timeout-ms",
    "5000",
    ...extra,
  ];
}

const cases = [
  {
    kind: "aws-nitro",
    server: { aws: { instanceType: "m5.large", region: "eu-west-1", zone: "eu-west-1b" } },
    expect: ["aws", "m5.large", "eu-west-1", "eu-west-1b", "aws:eu-west-1"],
  },
  {
    kind: "gcp",
    server: { gcp: { machineType: "n2-standard-4", zone: "europe-west1-d" } },
    expect: ["gcp", "n2-standard-4", "europe-west1", "europe-west1-d", "gcp:europe-west1"],
  },
  {
    kind: "azure",
    server: { azure: { vmSize: "Standard_D4s_v5", location: "westeurope", zone: "3" } },
    expect: ["azure", "Standard_D4s_v5", "westeurope", "3", "azure:westeurope"],
  },
] as const;

for (const c of cases) {
  Deno.test(`where on a fake ${c.kind} VM prints provider, type, region, zone and sources as JSON`, async () => {
    await using dir = await tempDir();
    await using imds = fakeImds(c.server);
    const r = await where([...(await vm(dir, c.kind, imds.url)), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(
      [j.provider.value, j.instance_type.value, j.region.value, j.zone.value, j.region_id],
      c.expect,
    );
    assert.deepEqual(
      [j.provider.source, j.instance_type.source, j.region.source, j.zone.source],
      ["dmi", "metadata", "metadata", "metadata"],
    );
    assert.equal(j.metadata.status, "ok");
    assert.equal(j.cache.status, "stored");
  });

  Deno.test(`where on a fake ${c.kind} VM prints each value with its source as text`, async () => {
    await using dir = await tempDir();
    await using imds = fakeImds(c.server);
    const r = await where(await vm(dir, c.kind, imds.url));
    assert.equal(r.code, 0, r.stderr);
    const [provider, type, region, zone] = c.expect;
    assert.match(r.stdout, new RegExp(`^provider +${provider} +\\(DMI: `, "m"));
    assert.match(r.stdout, new RegExp(`^instance type +${type} +\\(metadata service\\)`, "m"));
    assert.match(
      r.stdout,
      new RegExp(`^region +${region} +\\(metadata service; catalog region ${c.expect[4]}\\)`, "m"),
    );
    assert.match(r.stdout, new RegExp(`^zone +${zone} +\\(metadata service\\)`, "m"));
  });
}

Deno.test("where on a non-cloud host without --metadata-url makes no metadata request", async () => {
  await using dir = await tempDir();
  const requests: string[] = [];
  const recording = createWhereCommand({
    fetch: (url) => (requests.push(url), Promise.resolve(new Response("", { status: 404 }))),
  });
  for (const kind of ["qemu", "hyperv", "laptop"] as const) {
    const dmiRoot = await fakeDmi(dir.join(kind), kind);
    const r = await where(["--dmi-root", dmiRoot, "--cache", dir.join(`${kind}.json`)], recording);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^provider +none: not a cloud VM/m);
    assert.match(r.stdout, /^metadata +skipped: DMI names no cloud/m);
  }
  assert.deepEqual(requests, []);
});

Deno.test("where on a cloud's DMI asks the default link-local address only for that provider", async () => {
  await using dir = await tempDir();
  const requests: string[] = [];
  const recording = createWhereCommand({
    fetch: (url) => (requests.push(url), Promise.reject(new Error("no route to host"))),
  });
  const dmiRoot = await fakeDmi(dir.join("gcp"), "gcp");
  const r = await where(
    ["--dmi-root", dmiRoot, "--cache", dir.join("c.json"), "--json"],
    recording,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(requests, ["http://169.254.169.254/computeMetadata/v1/instance/machine-type"]);
  const j = JSON.parse(r.stdout);
  assert.deepEqual([j.provider.value, j.region, j.metadata.status, j.cache.status], [
    "gcp",
    null,
    "failed",
    "not-stored",
  ]);
});

Deno.test("where reads this boot's cache on the second run and detects again with --refresh", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: {} });
  const args = await vm(dir, "aws-nitro", imds.url, ["--json"]);
  assert.equal(JSON.parse((await where(args)).stdout).cache.status, "stored");
  const asked = imds.connections();
  assert.equal(JSON.parse((await where(args)).stdout).cache.status, "hit");
  assert.equal(imds.connections(), asked);
  assert.equal(JSON.parse((await where([...args, "--refresh"])).stdout).cache.status, "stored");
  assert.ok(imds.connections() > asked);
});

Deno.test("where's overrides replace detected values and are shown as config", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: { region: "us-east-1" } });
  const args = await vm(dir, "aws-nitro", imds.url, [
    "--json",
    "--region",
    "aws:eu-central-1",
    "--zone",
    "eu-central-1a",
  ]);
  const j = JSON.parse((await where(args)).stdout);
  assert.deepEqual(j.region, { value: "eu-central-1", source: "config" });
  assert.deepEqual(j.zone, { value: "eu-central-1a", source: "config" });
  assert.equal(j.region_id, "aws:eu-central-1");
  assert.equal(j.instance_type.source, "metadata");
});

Deno.test("where rejects bad options with exit 2 and a hint", async () => {
  await using dir = await tempDir();
  const bad = [
    [["--provider", "amazon"], /--provider expects one of aws, gcp, azure/],
    [["--metadata-url", "https://169.254.169.254"], /plain http:\/\/ base URL/],
    [["--metadata-url", "not a url"], /is not a URL/],
    [["--dmi-root", dir.join("missing")], /is not a directory/],
    [["--metadata-timeout-ms", "0x10"], /--metadata-timeout-ms expects a decimal integer/],
    [["--jsn"], /did you mean --json\?/],
  ] as const;
  for (const [args, message] of bad) {
    const r = await where([...args, "--cache", dir.join("c.json")]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("where --help documents the options, defaults and exit codes", async () => {
  const r = await where(["--help"]);
  assert.equal(r.code, 0);
  for (
    const text of [
      "--dmi-root DIR",
      "--metadata-url URL",
      "--refresh",
      "/sys/class/dmi/id",
      "Exit codes:",
    ]
  ) {
    assert.ok(r.stdout.includes(text), text);
  }
});

async function whereWithConfig(args: string[], configPath: string) {
  const stdout = bufferSink();
  const stderr = bufferSink();
  const code = await runCli(["where", ...args], {
    commands: [whereCommand],
    stdout,
    stderr,
    env: { CARBON_OPS_CONFIG: configPath },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

Deno.test("where reads the cloud config keys (DMI root, metadata URL and timeout, cache, overrides) and flags win", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({
    aws: { instanceType: "m5.large", region: "eu-west-1", zone: "eu-west-1b" },
  });
  const dmiRoot = await fakeDmi(dir.join("dmi"), "aws-nitro");
  const configPath = dir.join("config.jsonc");
  await Deno.writeTextFile(
    configPath,
    JSON.stringify({
      cloud: {
        dmiRoot,
        metadataUrl: imds.url,
        metadataTimeoutMs: 5000,
        cachePath: dir.join("cache.json"),
        zone: "eu-west-1c",
      },
    }),
  );
  const r = await whereWithConfig(["--json"], configPath);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.provider.value, "aws");
  assert.equal(j.instance_type?.value ?? j.instanceType?.value, "m5.large");
  assert.equal(j.zone.value, "eu-west-1c");
  assert.equal(j.zone.source, "config");
  assert.ok((await Deno.stat(dir.join("cache.json"))).isFile);
  const flagged = await whereWithConfig(["--json", "--zone", "eu-west-1a"], configPath);
  assert.equal(JSON.parse(flagged.stdout).zone.value, "eu-west-1a");
});

Deno.test("where with cloud.metadata never asks no metadata service even when DMI names the provider", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: { instanceType: "m5.large", region: "eu-west-1" } });
  const dmiRoot = await fakeDmi(dir.join("dmi"), "aws-nitro");
  const configPath = dir.join("config.jsonc");
  await Deno.writeTextFile(
    configPath,
    JSON.stringify({
      cloud: {
        dmiRoot,
        metadata: "never",
        cachePath: dir.join("c.json"),
        instanceType: "aws:m5.xlarge",
      },
    }),
  );
  const r = await whereWithConfig(["--json"], configPath);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.provider.value, "aws");
  assert.equal((j.instance_type ?? j.instanceType).value, "m5.xlarge");
  assert.equal((j.instance_type ?? j.instanceType).source, "config");
  assert.equal(j.region, null);
  assert.equal(imds.requests.length, 0);
});
