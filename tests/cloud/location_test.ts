import assert from "node:assert/strict";
import { applyOverrides, detectLocation } from "../../lib/cloud/location.ts";
import { fakeDmi } from "../_kit/fake_dmi.ts";
import { fakeImds } from "../_kit/fake_imds.ts";
import { tempDir } from "../_kit/temp_dir.ts";

Deno.test("a host whose DMI is not a cloud never connects to the metadata address", async () => {
  await using dir = await tempDir();
  // Every provider is served, so any connection at all would be counted and would answer.
  await using imds = fakeImds({ aws: {}, gcp: {}, azure: {} });
  for (const kind of ["qemu", "hyperv", "laptop"] as const) {
    const dmiRoot = await fakeDmi(dir.join(kind), kind);
    const here = await detectLocation({ dmiRoot, metadataUrl: imds.url, timeoutMs: 2000 });
    assert.equal(here.provider, null, kind);
    assert.equal(here.metadata.status, "skipped", kind);
  }
  const noDmi = await detectLocation({ dmiRoot: dir.join("absent"), metadataUrl: imds.url });
  assert.equal(noDmi.metadata.status, "skipped");
  assert.equal(imds.connections(), 0);
  assert.equal(imds.requests.length, 0);
});

Deno.test("a non-cloud host asks the metadata services in turn when metadata is enabled", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ azure: { vmSize: "Standard_D2as_v4", location: "northeurope" } });
  const dmiRoot = await fakeDmi(dir.join("dmi"), "qemu");
  const here = await detectLocation({
    dmiRoot,
    metadataUrl: imds.url,
    metadata: "always",
    timeoutMs: 2000,
  });
  assert.deepEqual(here.provider, { value: "azure", source: "metadata" });
  assert.deepEqual(here.instanceType, { value: "Standard_D2as_v4", source: "metadata" });
  assert.equal(here.regionId, "azure:northeurope");
  // AWS token PUT, GCP machine-type, then Azure: one request each until one answered.
  assert.deepEqual(imds.requests.map((r) => r.method + " " + r.target.split("?")[0]), [
    "PUT /latest/api/token",
    "GET /computeMetadata/v1/instance/machine-type",
    "GET /metadata/instance/compute",
  ]);
});

Deno.test("on AWS DMI, only AWS's service is asked; each field names its source", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({
    aws: { instanceType: "m5.large", region: "eu-west-1" },
    gcp: {},
    azure: {},
  });
  const dmiRoot = await fakeDmi(dir.join("dmi"), "aws-nitro", { instanceType: "m5.large" });
  const here = await detectLocation({ dmiRoot, metadataUrl: imds.url, timeoutMs: 2000 });
  assert.deepEqual(here.provider, { value: "aws", source: "dmi" });
  assert.deepEqual(here.instanceType, { value: "m5.large", source: "metadata" });
  assert.deepEqual(here.region, { value: "eu-west-1", source: "metadata" });
  assert.deepEqual(here.zone, { value: "eu-west-1a", source: "metadata" });
  assert.equal(here.regionId, "aws:eu-west-1");
  assert.ok(imds.requests.every((r) => r.target.startsWith("/latest/")));
});

Deno.test("on AWS Nitro with a silent metadata service, the instance type still comes from DMI", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: { imds: "hang-token" } });
  const dmiRoot = await fakeDmi(dir.join("dmi"), "aws-nitro", { instanceType: "t3.large" });
  const here = await detectLocation({ dmiRoot, metadataUrl: imds.url, timeoutMs: 150 });
  assert.deepEqual(here.instanceType, { value: "t3.large", source: "dmi" });
  assert.equal(here.region, null);
  assert.equal(here.regionId, null);
  assert.equal(here.metadata.status, "failed");
  assert.match(here.metadata.detail, /timed out after 150 ms/);
  assert.equal(imds.connections(), 1); // one attempt, no retry storm
});

Deno.test("GCP and Azure DMI lead to their own services and catalog region ids", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({
    aws: {},
    gcp: { zone: "us-central1-b" },
    azure: { location: "WestEurope" },
  });
  const gcp = await detectLocation({
    dmiRoot: await fakeDmi(dir.join("g"), "gcp"),
    metadataUrl: imds.url,
    timeoutMs: 2000,
  });
  const azure = await detectLocation({
    dmiRoot: await fakeDmi(dir.join("a"), "azure"),
    metadataUrl: imds.url,
    timeoutMs: 2000,
  });
  assert.equal(gcp.regionId, "gcp:us-central1");
  assert.equal(azure.regionId, "azure:westeurope");
  assert.ok(!imds.requests.some((r) => r.target.startsWith("/latest/")));
});

Deno.test("metadata 'never' asks nothing even on a cloud's DMI", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ gcp: {} });
  const here = await detectLocation({
    dmiRoot: await fakeDmi(dir.join("g"), "gcp"),
    metadataUrl: imds.url,
    metadata: "never",
  });
  assert.deepEqual([here.provider?.value, here.metadata.status], ["gcp", "skipped"]);
  assert.equal(imds.connections(), 0);
});

Deno.test("config values replace detected ones and are marked config", async () => {
  await using dir = await tempDir();
  const detected = await detectLocation({ dmiRoot: await fakeDmi(dir.join("q"), "qemu") });
  const here = applyOverrides(detected, {
    provider: "gcp",
    instanceType: "e2-standard-2",
    region: "europe-west4",
  });
  assert.deepEqual(here.provider, { value: "gcp", source: "config" });
  assert.deepEqual(here.instanceType, { value: "e2-standard-2", source: "config" });
  assert.equal(here.regionId, "gcp:europe-west4");
  assert.equal(applyOverrides(detected, {}).regionId, null);
});
