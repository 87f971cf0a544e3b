/**
 * Zero configuration on a cloud VM (issue 15, item 4): on a fake AWS, GCP and Azure VM (a fake
 * DMI tree and a fake metadata server, pointed at by `CARBON_OPS_CLOUD_*` config variables, never
 * by flags), `carbon-ops run --ledger DIR --key FILE -- true` and `carbon-ops report` against a
 * governor started with `--rapl-mode instance` (no instance type: detected) sign records naming
 * the detected instance, region, model and data version, with operational and embodied emissions
 * and their intervals. A laptop makes no metadata connection at all.
 */

import assert from "node:assert/strict";
import { CLOUD_DATA_VERSION } from "../../lib/cloud/data/constants_gen.ts";
import { CCF_LINEAR_MODEL } from "../../lib/cloud/instance_power.ts";
import { EMBODIED_MODEL } from "../../lib/carbon/embodied_estimate.ts";
import { generateSigningKey, privateKeyPem } from "../../lib/ledger/keys.ts";
import { initLedger } from "../../lib/ledger/init.ts";
import { fakeDmi, type FakeDmiKind } from "../_kit/fake_dmi.ts";
import { fakeImds } from "../_kit/fake_imds.ts";
import { FAKE_VMS } from "../_kit/fake_vms.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { runCli } from "../_kit/run_cli.ts";
import { type TempDir, tempDir } from "../_kit/temp_dir.ts";

const GROUP = "daemon";

/** The config of a fake VM as environment variables: DMI tree, metadata URL, cache, no RAPL. */
async function vmEnv(
  dir: TempDir,
  kind: FakeDmiKind,
  url: string,
): Promise<Record<string, string>> {
  const sys = dir.join("sys");
  await Deno.mkdir(sys, { recursive: true }); // no powercap: the VM has no RAPL
  return {
    CARBON_OPS_CLOUD_DMI_ROOT: await fakeDmi(dir.join(`dmi-${kind}`), kind),
    CARBON_OPS_CLOUD_METADATA_URL: url,
    CARBON_OPS_CLOUD_METADATA_TIMEOUT_MS: "5000",
    CARBON_OPS_CLOUD_CACHE_PATH: dir.join("location.json"),
    CARBON_OPS_ENERGY_SYS_ROOT: sys,
    CARBON_OPS_GOVERNOR_SOCKET_PATH: dir.join("governor.sock"),
  };
}

/** A new ledger with its key (0600) and the trust file an auditor verifies it with. */
async function makeLedger(base: string) {
  const key = generateSigningKey();
  const dir = `${base}/ledger`;
  const trustPath = `${base}/trust.json`;
  await initLedger(dir, { origin: "carbon-ops.test/vm-01", key, trustPath });
  const keyPath = `${base}/ledger.key`;
  await Deno.writeTextFile(keyPath, privateKeyPem(key), { mode: 0o600 });
  return { dir, keyPath, trustPath };
}

/** The emission records of the ledger as signed: each line's own bytes, parsed. */
async function signedRecords(ledger: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(`${ledger}/ledger.jsonl`);
  return text.trimEnd().split("\n").map((line) => JSON.parse(line)).filter((r) =>
    r.type === "emission"
  );
}

/** The ledger verifies with the CLI (every signature and the chain). */
async function assertVerifies(ledger: string, trustPath: string): Promise<void> {
  const r = await runCli(["ledger", "verify", ledger, "--trust", trustPath, "--json"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

/** What an emission body must say on a cloud VM. */
function assertCloudBody(body: Record<string, unknown>, instance: string, region: string) {
  const activity = body.activity as Record<string, unknown>;
  assert.equal(activity.source, "model");
  assert.deepEqual(activity.model, { instance_type: instance, name: CCF_LINEAR_MODEL });
  assert.equal(body.quality, "estimated");
  assert.equal((body.emission_factor as Record<string, unknown>).region, region);
  assert.equal((body.source as Record<string, unknown>).cloud_region, region);
  const assumptions = body.assumptions as string[];
  assert.ok(assumptions.includes(`energy_model:${CCF_LINEAR_MODEL}`), assumptions.join("\n"));
  assert.ok(assumptions.includes(`instance:${instance}`), assumptions.join("\n"));
  const result = body.result as Record<string, unknown>;
  const interval = result.interval as Record<string, string>;
  assert.ok(Number(interval.lower_g) <= Number(result.co2e_g));
  assert.ok(Number(result.co2e_g) <= Number(interval.upper_g));
  assert.ok(Number(interval.upper_g) > 0);
  const embodied = body.embodied as Record<string, unknown>;
  assert.equal(embodied.instance_type, instance);
  assert.equal(embodied.model, EMBODIED_MODEL);
  assert.equal(embodied.data_version, CLOUD_DATA_VERSION);
  assert.equal(embodied.confidence_level_pct, result.confidence_level_pct);
  const [lower, mid, upper] = [embodied.ci_lower_g, embodied.co2e_g, embodied.ci_upper_g].map(
    Number,
  );
  assert.ok(lower <= mid && mid <= upper && upper > 0, `${lower} ${mid} ${upper}`);
}

for (const vm of FAKE_VMS) {
  Deno.test(`on a fake ${vm.kind} VM run and report sign instance-aware, region-aware records with no flags`, async () => {
    await using dir = await tempDir();
    await using imds = fakeImds(vm.server);
    const env = await vmEnv(dir, vm.kind, imds.url);
    const { dir: ledger, keyPath, trustPath } = await makeLedger(dir.path);

    // run: nothing but the ledger and its key
    const r = await runCli(["run", "--ledger", ledger, "--key", keyPath, "--", "true"], { env });
    assert.equal(r.code, 0, r.stderr);
    const [provider, type] = vm.instance.split(":");
    assert.match(
      r.stderr,
      new RegExp(
        `^carbon-ops run: detected ${provider} ${type} in ${vm.region} \\(DMI, metadata service\\)$`,
        "m",
      ),
    );
    assert.match(r.stderr, /^ {2}embodied {2}/m);
    const [runRecord] = await signedRecords(ledger);
    assert.equal(runRecord.type, "emission");
    assertCloudBody(runRecord.body as Record<string, unknown>, vm.instance, vm.region);

    // report: a governor on the instance source, its type detected, not given
    await using gov = await startGovernorProcess(env.CARBON_OPS_GOVERNOR_SOCKET_PATH, [
      "--rapl-mode=instance",
      "--group",
      GROUP,
    ], { env });
    assert.match(gov.stderr(), new RegExp(`instance type ${vm.instance} detected`));
    assert.ok(gov.stderr().includes(`source: instance (MODELLED: instance ${vm.instance}`));
    const read = await runCli(["read"], { env });
    assert.equal(read.code, 0, read.stderr);
    assert.ok(read.stdout.includes(`model ${CCF_LINEAR_MODEL} for ${vm.instance} (MODELLED)`));
    const report = ["report", "--ledger", ledger, "--key", keyPath, "--min-period", "0"];
    const baseline = await runCli(report, { env });
    assert.equal(baseline.code, 0, baseline.stderr);
    assert.match(baseline.stdout, /baseline/);
    // wait until the governor's modelled total has grown past the baseline (no fixed sleep)
    let period = await runCli(report, { env });
    for (let i = 0; i < 50 && /nothing|skip/i.test(period.stdout); i++) {
      period = await runCli(report, { env });
    }
    assert.equal(period.code, 0, period.stderr);
    assert.match(period.stdout, /ledger seq 2/);
    assert.match(period.stderr, new RegExp(`detected ${provider} ${type} in ${vm.region}`));
    assert.equal(await gov.stop("SIGTERM"), 0);

    const records = await signedRecords(ledger);
    assert.equal(records.length, 2);
    const body = records[1].body as Record<string, unknown>;
    assertCloudBody(body, vm.instance, vm.region);
    const labels = body.labels as Record<string, string>;
    assert.equal(labels.governor_source, "instance");
    const span = body.activity_period as { start: string; end: string };
    assert.ok(Date.parse(span.end) > Date.parse(span.start));
    await assertVerifies(ledger, trustPath);
  });
}

Deno.test("on a laptop run makes no metadata connection and signs a generic, default-region record", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: {}, gcp: {}, azure: {} });
  const env = await vmEnv(dir, "laptop", imds.url);
  const { dir: ledger, keyPath } = await makeLedger(dir.path);
  const r = await runCli(["run", "--ledger", ledger, "--key", keyPath, "--", "true"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(imds.connections(), 0);
  assert.doesNotMatch(r.stderr, /detected/);
  const [record] = await signedRecords(ledger);
  const body = record.body as Record<string, unknown>;
  assert.equal(body.embodied, undefined);
  assert.equal((body.activity as Record<string, unknown>).model, undefined);
  assert.equal((body.emission_factor as Record<string, unknown>).region, "global-average");
  // the governor has nothing to model on a laptop: exit 2 naming the key
  const gov = await runCli(["governor", "--rapl-mode=instance", "--group", GROUP], { env });
  assert.equal(gov.code, 2, gov.stderr);
  assert.match(gov.stderr, /no instance type configured and none detected: not a cloud VM/);
  assert.ok(gov.stderr.includes("cloud.instanceType"), gov.stderr);
  assert.equal(imds.connections(), 0);
});
