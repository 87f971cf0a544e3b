import assert from "node:assert/strict";
import { resolveCloudContext, withCloudRegion } from "../../lib/cli/cloud_context.ts";
import { loadConfig } from "../../lib/config/load.ts";
import type { ConfigOverrides } from "../../lib/config/schema.ts";
import { fakeDmi, type FakeDmiKind } from "../_kit/fake_dmi.ts";
import { fakeImds } from "../_kit/fake_imds.ts";
import { FAKE_VMS } from "../_kit/fake_vms.ts";
import { type TempDir, tempDir } from "../_kit/temp_dir.ts";

/** A config pointing at a fake DMI tree of `kind`, the fake server `url` and a temp cache. */
async function vmConfig(
  dir: TempDir,
  kind: FakeDmiKind,
  url: string | null,
  more: ConfigOverrides = {},
) {
  const dmiRoot = await fakeDmi(dir.join(`dmi-${kind}`), kind);
  return await loadConfig({
    env: { CARBON_OPS_CONFIG: "" },
    flags: {
      ...more,
      cloud: {
        dmiRoot,
        metadataUrl: url,
        metadataTimeoutMs: 5000,
        cachePath: dir.join("location.json"),
        ...more.cloud,
      },
    },
  });
}

for (const vm of FAKE_VMS) {
  Deno.test(`cloud context on a fake ${vm.kind} VM names the detected instance and catalog region`, async () => {
    await using dir = await tempDir();
    await using imds = fakeImds(vm.server);
    const config = await vmConfig(dir, vm.kind, imds.url);
    const here = await resolveCloudContext(config);
    assert.equal(here.instance?.id, vm.instance);
    assert.equal(here.instance?.source, "metadata");
    assert.deepEqual([here.region.id, here.region.source], [vm.region, "detected"]);
    const [provider, type] = vm.instance.split(":");
    assert.equal(
      here.line,
      `detected ${provider} ${type} in ${vm.region} (DMI, metadata service)`,
    );
    assert.equal(here.cache, "stored");
    assert.equal(withCloudRegion(config, here).carbon.region, vm.region);
  });
}

Deno.test("cloud context reads this boot's cache the second time and asks no metadata service", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: {} });
  const config = await vmConfig(dir, "aws-nitro", imds.url);
  assert.equal((await resolveCloudContext(config)).cache, "stored");
  const asked = imds.connections();
  assert.ok(asked > 0);
  const again = await resolveCloudContext(config);
  assert.equal(again.cache, "hit");
  assert.equal(again.instance?.id, "aws:m5.large");
  assert.equal(imds.connections(), asked);
});

Deno.test("cloud context on a laptop never connects to the metadata server, even when its URL is set", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: {}, gcp: {}, azure: {} });
  const config = await vmConfig(dir, "laptop", imds.url);
  const here = await resolveCloudContext(config);
  assert.equal(here.instance, null);
  assert.deepEqual([here.region.id, here.region.source], ["global-average", "default"]);
  assert.match(here.line, /^not a cloud VM: sys_vendor "LENOVO"/);
  assert.equal(here.cache, "skipped");
  assert.equal(imds.connections(), 0);
  // `always` is the user enabling it: then the same server is asked
  const always = await vmConfig(dir, "laptop", imds.url, { cloud: { metadata: "always" } });
  assert.equal((await resolveCloudContext(always)).instance?.id, "aws:m5.large");
  assert.ok(imds.connections() > 0);
});

Deno.test("cloud context keeps the region the user set and notes where the host is", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: {} });
  const config = await vmConfig(dir, "aws-nitro", imds.url, { carbon: { region: "FR" } });
  const here = await resolveCloudContext(config);
  assert.equal(here.instance?.id, "aws:m5.large");
  assert.deepEqual([here.region.id, here.region.source], ["FR", "config"]);
  assert.ok(here.notes.some((n) => n.includes("aws:eu-west-1")), here.notes.join("; "));
  assert.match(here.line, /region FR \(carbon\.region\)/);
  // an explicit flag equal to the default still counts as set
  const flagged = await resolveCloudContext(await vmConfig(dir, "aws-nitro", imds.url), {
    regionSet: true,
  });
  assert.equal(flagged.region.source, "config");
});

Deno.test("cloud context keeps the default region when the detected one is not in the catalog", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: { region: "xx-nowhere-9", zone: "xx-nowhere-9a" } });
  const here = await resolveCloudContext(await vmConfig(dir, "aws-nitro", imds.url));
  assert.equal(here.instance?.id, "aws:m5.large");
  assert.deepEqual([here.region.id, here.region.source], ["global-average", "default"]);
  assert.match(here.region.reason, /aws:xx-nowhere-9 is not in the carbon catalog/);
  assert.ok(here.notes.includes(here.region.reason));
});

Deno.test("cloud context takes the instance type from config on a host that is no cloud", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ gcp: {} });
  const config = await vmConfig(dir, "qemu", imds.url, {
    cloud: { instanceType: "gcp:n2-standard-4" },
  });
  const here = await resolveCloudContext(config);
  assert.deepEqual(here.instance, {
    id: "gcp:n2-standard-4",
    provider: "gcp",
    type: "n2-standard-4",
    source: "config",
  });
  assert.equal(here.region.source, "default");
  assert.equal(imds.connections(), 0);
});

Deno.test("cloud context on an AWS VM whose metadata service is off uses DMI's type and says so", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: { imds: "off" } });
  const here = await resolveCloudContext(await vmConfig(dir, "aws-nitro", imds.url));
  assert.equal(here.instance?.id, "aws:m5.large");
  assert.equal(here.instance?.source, "dmi");
  assert.equal(here.region.source, "default");
  assert.equal(here.cache, "not-stored");
  assert.ok(here.notes.some((n) => n.startsWith("metadata service:")), here.notes.join("; "));
});
